import { type DynamicModule, Module } from '@nestjs/common';
import {
  AUTH_GUARDS,
  AUTH_MODULE_OPTIONS,
  AUTH_PROVIDERS,
  SESSION_STATE_CHECKER,
  SUBJECT_RESOLVER,
} from '@session-service/auth';
import { AdminSessionsController } from './admin-sessions.controller';
import { AdminUsersController } from './admin-users.controller';
import { RevocationFeedController } from './revocation-feed.controller';
import { SessionEventsController } from './session-events.controller';
import { SessionEventsRepository } from './session-events.repository';
import { SessionEventsService } from './session-events.service';
import { SessionStateService } from './session-state.service';
import {
  ConfigurableSessionsModule,
  SESSIONS_MODULE_OPTIONS,
  type SESSIONS_OPTIONS_TYPE,
} from './sessions.module-definition';
import { validateSchemaName } from './sessions-schema';
import { sessionsAuthOptions } from './sessions.options';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SessionsSweeper } from './sessions.sweeper';
import { SubjectsService } from './subjects.service';
import { TenantsController } from './tenants.controller';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';
import { UserSessionsController } from './user-sessions.controller';

/**
 * The sessions feature: both lists, sign-in recording, revocation, touch, the
 * revocation feed, the expiry sweeper, tenants and concurrent-session limits, behind the library's guards. Needs a
 * TypeORM DataSource carrying the library's entities and migrations
 * (`sessionsDatabase({ schema })`, or `SESSIONS_ENTITIES` and
 * `SESSIONS_MIGRATIONS` for the default schema `session_service`), plus
 * `ScheduleModule.forRoot()` in the host application (`ProblemModule` is optional:
 * the controllers answer Problems by themselves, `@ProblemResponses()`).
 * `forRoot` / `forRootAsync` take `auth` (token verification or the host's
 * passport strategy, and the role names), `schema`, the lifetimes, the host's
 * `userDirectory`, and two static options: `routePrefix` (default: the
 * contract's paths as they are) and `dataSourceName` (default: the default
 * DataSource). See docs/embedding.md.
 */
@Module({
  // The feed's and the audit trail's fixed paths are registered before `api/sessions/:session_id`.
  controllers: [
    RevocationFeedController,
    SessionEventsController,
    UserSessionsController,
    AdminSessionsController,
    AdminUsersController,
    TenantsController,
  ],
  providers: [
    SessionsRepository,
    SessionsService,
    SessionStateService,
    SessionsSweeper,
    SubjectsService,
    TenantsRepository,
    TenantsService,
    SessionEventsRepository,
    SessionEventsService,
    { provide: SESSION_STATE_CHECKER, useExisting: SessionStateService },
    { provide: SUBJECT_RESOLVER, useExisting: SubjectsService },
    {
      provide: AUTH_MODULE_OPTIONS,
      inject: [SESSIONS_MODULE_OPTIONS],
      useFactory: sessionsAuthOptions,
    },
    ...AUTH_PROVIDERS,
  ],
  exports: [
    SessionsService,
    SessionEventsService,
    SessionsSweeper,
    SubjectsService,
    TenantsService,
    SESSION_STATE_CHECKER,
    SUBJECT_RESOLVER,
    ...AUTH_GUARDS,
  ],
})
export class SessionsModule extends ConfigurableSessionsModule {
  /** Refuses a bad `schema` at once, where the module is declared (`forRootAsync`: when its factory has run). */
  static forRoot(options: typeof SESSIONS_OPTIONS_TYPE): DynamicModule {
    if (options.schema !== undefined) validateSchemaName(options.schema);
    return super.forRoot(options);
  }
}
