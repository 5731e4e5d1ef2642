import { Module, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AccessGrantedGuard } from './access-granted.guard';
import { AUTH_OBSERVER, type AuthObserver } from './auth-observer';
import { AUTH_MODULE_OPTIONS, ConfigurableAuthModule } from './auth.module-definition';
import { type AuthModuleOptions, usesHostStrategy } from './auth.options';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { OwnershipGuard } from './ownership.guard';
import { RolesGuard } from './roles.guard';

/**
 * The strategy and the guards, configured by whatever provides
 * `AUTH_MODULE_OPTIONS`: `AuthModule.forRoot`, or `SessionsModule.forRoot`'s
 * `auth`. With `hostStrategy` the library registers no strategy of its own.
 */
export const AUTH_PROVIDERS: Provider[] = [
  {
    provide: JwtStrategy,
    inject: [AUTH_MODULE_OPTIONS, ModuleRef, { token: AUTH_OBSERVER, optional: true }],
    // The strategy's JWKS key provider reports to the AUTH_OBSERVER, when one is provided.
    useFactory: (options: AuthModuleOptions, moduleRef: ModuleRef, observer?: AuthObserver) =>
      usesHostStrategy(options) ? null : new JwtStrategy(options, moduleRef, observer),
  },
  JwtAuthGuard,
  RolesGuard,
  OwnershipGuard,
  AccessGrantedGuard,
];

export const AUTH_GUARDS = [JwtAuthGuard, RolesGuard, OwnershipGuard, AccessGrantedGuard];

/**
 * Bearer-token authentication and the access guards, for a host's own
 * controllers. Global by default so the guards can be used from any feature
 * module. The sessions routes take their settings from `SessionsModule`'s
 * `auth` instead; both register the passport strategy `sessions-jwt`, so give
 * both the same settings when a host uses both.
 */
@Module({
  providers: AUTH_PROVIDERS,
  exports: [AUTH_MODULE_OPTIONS, ...AUTH_GUARDS],
})
export class AuthModule extends ConfigurableAuthModule {}
