import { DEFAULT_SESSIONS_SCHEMA, validateSchemaName } from '../sessions-schema';
import { InitialSchema1763770000000 } from './1763770000000-initial-schema';
import { SessionLifecycle1763780000000 } from './1763780000000-session-lifecycle';
import { CoveringUserIndex1763790000000 } from './1763790000000-covering-user-index';
import { CanonicalAmrNames1763800000000 } from './1763800000000-canonical-amr-names';
import { SessionsSchema1763900000000 } from './1763900000000-sessions-schema';
import { UserSubjects1764000000000 } from './1764000000000-user-subjects';
import { Tenants1765000000000 } from './1765000000000-tenants';
import { SessionEvents1765100000000 } from './1765100000000-session-events';
import { SignalStreams1765200000000 } from './1765200000000-signal-streams';
import { SessionEstablishedFeed1765300000000 } from './1765300000000-session-established-feed';

export {
  CanonicalAmrNames1763800000000,
  CoveringUserIndex1763790000000,
  InitialSchema1763770000000,
  SessionLifecycle1763780000000,
  SessionsSchema1763900000000,
  Tenants1765000000000,
  UserSubjects1764000000000,
  SessionEvents1765100000000,
  SignalStreams1765200000000,
  SessionEstablishedFeed1765300000000,
};

/** The library's migrations, in order, on the default schema `session_service`. */
export const SESSIONS_MIGRATIONS = [
  InitialSchema1763770000000,
  SessionLifecycle1763780000000,
  CoveringUserIndex1763790000000,
  CanonicalAmrNames1763800000000,
  SessionsSchema1763900000000,
  UserSubjects1764000000000,
  Tenants1765000000000,
  SessionEvents1765100000000,
  SignalStreams1765200000000,
  SessionEstablishedFeed1765300000000,
];

type SchemaMigrationClass = (typeof SESSIONS_MIGRATIONS)[number];

const bound = new Map<string, SchemaMigrationClass[]>();

/**
 * The library's migrations, in order, creating and changing its tables in
 * `schema` (default `session_service`; give SessionsModule the same). Their
 * names and timestamps are those of `SESSIONS_MIGRATIONS`, so the history a
 * database already has stays valid. Throws on a schema name that is not a
 * plain identifier.
 */
export function sessionsMigrations(options: { schema?: string } = {}): SchemaMigrationClass[] {
  const schema = validateSchemaName(options.schema ?? DEFAULT_SESSIONS_SCHEMA);
  if (schema === DEFAULT_SESSIONS_SCHEMA) return [...SESSIONS_MIGRATIONS];
  let classes = bound.get(schema);
  if (!classes) {
    classes = SESSIONS_MIGRATIONS.map((Migration) => {
      const Bound = class extends Migration {
        constructor() {
          super(schema);
        }
      };
      // TypeORM reads the migration's timestamp from its name property; the class name is for logs.
      Object.defineProperty(Bound, 'name', { value: Migration.name });
      return Bound;
    });
    bound.set(schema, classes);
  }
  return [...classes];
}
