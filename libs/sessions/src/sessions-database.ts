import { sessionsEntities } from './entities';
import { sessionsMigrations } from './migrations';

/**
 * What the host's TypeORM DataSource needs for the library's tables in
 * `schema` (default `session_service`): its entities and its migrations, in
 * order. Give SessionsModule the same `schema`.
 *
 * ```ts
 * const sessions = sessionsDatabase({ schema: 'auth_sessions' });
 * TypeOrmModule.forRoot({
 *   entities: [...yours, ...sessions.entities],
 *   migrations: [...yours, ...sessions.migrations],
 * });
 * ```
 */
export function sessionsDatabase(options: { schema?: string } = {}) {
  return { entities: sessionsEntities(options), migrations: sessionsMigrations(options) };
}
