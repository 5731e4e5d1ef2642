/** The PostgreSQL schema the library's tables live in unless the host names another. */
export const DEFAULT_SESSIONS_SCHEMA = 'session_service';

/** A plain lowercase identifier: never needs quoting to mean what it says, at most 63 bytes. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The schema name, checked: a plain identifier (`^[a-z_][a-z0-9_]{0,62}$`),
 * not `pg_*` (reserved by PostgreSQL). Anything else is refused with a message
 * naming the option, before any SQL is built from it.
 */
export function validateSchemaName(schema: unknown, option = 'schema'): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new Error(
      `SessionsModule: the ${option} option must be a plain PostgreSQL identifier ` +
        `(lowercase letters, digits and _, starting with a letter or _, at most 63 characters, ` +
        `as in ^[a-z_][a-z0-9_]{0,62}$); got ${JSON.stringify(schema)}`,
    );
  }
  if (schema.startsWith('pg_')) {
    throw new Error(
      `SessionsModule: the ${option} option must not start with pg_ (reserved by PostgreSQL); got "${schema}"`,
    );
  }
  return schema;
}

/** The library's tables, schema-qualified and quoted, ready to put in SQL. */
export interface SessionsTables {
  /** The schema name as given (unquoted). */
  schemaName: string;
  /** The quoted schema, e.g. `"session_service"`. */
  schema: string;
  users: string;
  sessions: string;
  revocations: string;
  /** Identity providers' subjects and the users they name. */
  subjects: string;
  /** Per-tenant lifetimes and concurrent-session limits. */
  tenants: string;
  /** An admin's per-user concurrent-session limits. */
  userSessionLimits: string;
  /** The audit trail: one row per session event. */
  events: string;
}

/** Qualified names of the library's tables in `schema` (validated here). */
export function sessionsTables(schema: string = DEFAULT_SESSIONS_SCHEMA): SessionsTables {
  const name = validateSchemaName(schema);
  const quoted = `"${name}"`;
  return {
    schemaName: name,
    schema: quoted,
    users: `${quoted}.users`,
    sessions: `${quoted}.sessions`,
    revocations: `${quoted}.session_revocations`,
    subjects: `${quoted}.user_subjects`,
    tenants: `${quoted}.tenants`,
    userSessionLimits: `${quoted}.user_session_limits`,
    events: `${quoted}.session_events`,
  };
}
