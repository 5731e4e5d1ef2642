import { Module } from '@nestjs/common';
import { AdminSessionsController } from './admin-sessions.controller';
import { ConfigurableSessionsModule } from './sessions.module-definition';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { UserSessionsController } from './user-sessions.controller';

/**
 * The sessions feature: both list endpoints and sign-in recording. Needs a
 * TypeORM DataSource carrying `SESSIONS_ENTITIES` and `SESSIONS_MIGRATIONS`,
 * `AuthModule` and `ProblemModule` in the host application.
 */
@Module({
  controllers: [UserSessionsController, AdminSessionsController],
  providers: [SessionsRepository, SessionsService],
  exports: [SessionsService],
})
export class SessionsModule extends ConfigurableSessionsModule {}
