import { Module } from '@nestjs/common';
import { SESSION_STATE_CHECKER } from '@app/auth';
import { AdminSessionsController } from './admin-sessions.controller';
import { AdminUsersController } from './admin-users.controller';
import { RevocationFeedController } from './revocation-feed.controller';
import { SessionStateService } from './session-state.service';
import { ConfigurableSessionsModule } from './sessions.module-definition';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SessionsSweeper } from './sessions.sweeper';
import { UserSessionsController } from './user-sessions.controller';

/**
 * The sessions feature: both lists, sign-in recording, revocation, touch, the
 * revocation feed and the expiry sweeper. Needs a TypeORM DataSource carrying
 * `SESSIONS_ENTITIES` and `SESSIONS_MIGRATIONS`, plus `AuthModule`,
 * `ProblemModule` and `ScheduleModule.forRoot()` in the host application.
 * `forRoot` / `forRootAsync` take the lifetimes, the host's `userDirectory`, and
 * `routePrefix` (default: the contract's paths as they are). See docs/embedding.md.
 */
@Module({
  // The feed's fixed paths are registered before `api/sessions/:session_id`.
  controllers: [
    RevocationFeedController,
    UserSessionsController,
    AdminSessionsController,
    AdminUsersController,
  ],
  providers: [
    SessionsRepository,
    SessionsService,
    SessionStateService,
    SessionsSweeper,
    { provide: SESSION_STATE_CHECKER, useExisting: SessionStateService },
  ],
  exports: [SessionsService, SessionsSweeper, SESSION_STATE_CHECKER],
})
export class SessionsModule extends ConfigurableSessionsModule {}
