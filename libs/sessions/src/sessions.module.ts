import { Module } from '@nestjs/common';
import {
  AUTH_GUARDS,
  AUTH_MODULE_OPTIONS,
  AUTH_PROVIDERS,
  SESSION_STATE_CHECKER,
} from '@session-service/auth';
import { AdminSessionsController } from './admin-sessions.controller';
import { AdminUsersController } from './admin-users.controller';
import { RevocationFeedController } from './revocation-feed.controller';
import { SessionStateService } from './session-state.service';
import { ConfigurableSessionsModule, SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import { sessionsAuthOptions } from './sessions.options';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SessionsSweeper } from './sessions.sweeper';
import { UserSessionsController } from './user-sessions.controller';

/**
 * The sessions feature: both lists, sign-in recording, revocation, touch, the
 * revocation feed and the expiry sweeper, behind the library's guards. Needs a
 * TypeORM DataSource carrying `SESSIONS_ENTITIES` and `SESSIONS_MIGRATIONS`,
 * plus `ScheduleModule.forRoot()` in the host application (`ProblemModule` is optional:
 * the controllers answer Problems by themselves, `@ProblemResponses()`).
 * `forRoot` / `forRootAsync` take `auth` (token verification or the host's
 * passport strategy, and the role names), the lifetimes, the host's
 * `userDirectory`, and `routePrefix` (default: the contract's paths as they
 * are). See docs/embedding.md.
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
    {
      provide: AUTH_MODULE_OPTIONS,
      inject: [SESSIONS_MODULE_OPTIONS],
      useFactory: sessionsAuthOptions,
    },
    ...AUTH_PROVIDERS,
  ],
  exports: [SessionsService, SessionsSweeper, SESSION_STATE_CHECKER, ...AUTH_GUARDS],
})
export class SessionsModule extends ConfigurableSessionsModule {}
