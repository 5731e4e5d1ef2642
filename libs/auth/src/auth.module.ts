import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AUTH_MODULE_OPTIONS, ConfigurableAuthModule } from './auth.module-definition';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { OwnershipGuard } from './ownership.guard';
import { RolesGuard } from './roles.guard';

/**
 * Bearer-token authentication and the access guards. Global by default so the
 * guards can be used from any feature module of the host application.
 */
@Module({
  imports: [PassportModule],
  providers: [JwtStrategy, JwtAuthGuard, RolesGuard, OwnershipGuard],
  exports: [AUTH_MODULE_OPTIONS, JwtAuthGuard, RolesGuard, OwnershipGuard],
})
export class AuthModule extends ConfigurableAuthModule {}
