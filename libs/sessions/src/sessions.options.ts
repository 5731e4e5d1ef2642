import type { AuthModuleOptions } from '@session-service/auth';
import { DEFAULT_SESSIONS_SCHEMA, validateSchemaName } from './sessions-schema';
import type { UserDirectory } from './user-directory';

/**
 * How the routes authenticate, who the users are, and session lifetimes
 * (defaults follow NIST SP 800-63B for AAL2: 12 h absolute, 30 min idle).
 */
export interface SessionsModuleOptions {
  /**
   * Token verification (a `verificationKey` or `jwks`, with `algorithms`,
   * `issuer`, `audience`), or `hostStrategy`: the name of the host's own
   * passport strategy. Either way `rolesClaim` (a dotted path such as
   * `realm_access.roles`), `adminRole`, `serviceRole` and `sessionClaim` map
   * the caller to the access rules.
   */
  auth: AuthModuleOptions;
  /**
   * The host's users: existence (404 on the user list) and display names (admin
   * list). Absent: the library's own `users` table, filled at each sign-in.
   */
  userDirectory?: UserDirectory;
  /**
   * The PostgreSQL schema of the library's tables (default `session_service`):
   * a plain identifier, `^[a-z_][a-z0-9_]{0,62}$`. The DataSource's entities
   * and migrations must be made for the same schema
   * (`sessionsDatabase({ schema })`). Which DataSource is the static
   * `dataSourceName` option, given beside this object (see
   * `SessionsModule.forRoot`).
   */
  schema?: string;
  /** Absolute lifetime when the sign-in does not give one, seconds. */
  absoluteTtlSeconds?: number;
  /** Idle timeout when the sign-in does not give one, seconds. */
  idleTimeoutSeconds?: number;
  /** Bounds for a per-session `ttl_seconds`. */
  minAbsoluteTtlSeconds?: number;
  maxAbsoluteTtlSeconds?: number;
  /** Bounds for a per-session `idle_timeout_seconds`. */
  minIdleTimeoutSeconds?: number;
  maxIdleTimeoutSeconds?: number;
  /** How often the sweeper runs, ms; 0 turns it off in this instance. */
  sweepIntervalMs?: number;
  /** Rows the sweeper updates or deletes per statement, so no statement locks many rows for long. */
  sweepBatchSize?: number;
  /** How long revoked and expired sessions (and feed rows) are kept for audit, seconds. */
  retentionSeconds?: number;
  /**
   * Whether every session event (created, touched, revoked, expired, evicted,
   * subject_mapped) is written to the audit trail, in the statement that makes
   * the change (default `true`).
   */
  audit?: boolean;
  /** How long audit trail events are kept, seconds (default: `retentionSeconds`). */
  eventsRetentionSeconds?: number;
  /**
   * How long the answer "this token's session is active" may be reused, ms.
   * 0 (the default) looks the session up on every request; a revocation then
   * takes effect at once. A positive value is the staleness bound.
   */
  sessionStateCacheMs?: number;
  /** How often a revocation stream (Server-Sent Events) polls the feed, ms. */
  feedPollIntervalMs?: number;
  /**
   * Streamed full admin lists open at once, each holding a database
   * connection; past it a stream request answers 503 with Retry-After, so
   * streams never take the connections the other routes need.
   */
  streamConnections?: number;
  /**
   * How long a streamed list waits for its client to take the bytes already
   * sent, ms; a reader that stops reading longer is cut off and the stream's
   * connection is given back.
   */
  streamWriteTimeoutMs?: number;
  /**
   * Sessions revoked per statement when ending all of a user's sessions; each
   * batch is its own short transaction, halved while it runs past
   * `statement_timeout`.
   */
  revokeBatchSize?: number;
  /**
   * How long a request ending all of a user's sessions works before it answers
   * 202 with its progress, ms; the batches go on in the background.
   */
  revokeBudgetMs?: number;
  /**
   * How long one instance reuses a subject mapping it has read (the
   * `SUBJECT_RESOLVER` the JWT strategy asks), ms; 0 reads it on every call.
   * A mapping never changes once recorded (a subject names one user for
   * good), so only a deleted user outlives it. Unknown subjects are never
   * cached: a mapping recorded a moment ago resolves at once.
   */
  subjectCacheMs?: number;
  /** Mappings kept in that cache at most; past it the least recently used go. */
  subjectCacheMaxEntries?: number;
  /**
   * Active sessions one user may hold at once, unless their tenant or an
   * admin's per-user limit says otherwise; null (the default): no limit.
   */
  maxSessionsPerUser?: number | null;
  /**
   * What a sign-in past that limit does: `evict-oldest` (the default) revokes
   * the user's least recently active sessions in the sign-in's transaction
   * (revoked by `policy`, reason `limit`); `deny` answers 409
   * `session-limit-reached` and records nothing.
   */
  limitPolicy?: SessionLimitPolicy;
  /**
   * A sign-in whose `tenant_id` names no tenant: `defaults` (the default)
   * records it with the service's own lifetimes and limit; `reject` answers
   * 400 naming `tenant_id`.
   */
  unknownTenant?: 'defaults' | 'reject';
  /**
   * How long one instance reuses a tenant it has read (or found missing), ms;
   * 0 reads it at every sign-in. A change made through this instance is seen
   * at once; one made through another instance within this bound.
   */
  tenantCacheMs?: number;
  /** Tenants kept in that cache at most; past it the least recently used go. */
  tenantCacheMaxEntries?: number;
  /**
   * A sign-in with a `device_id` revokes that user's active sessions on the
   * same device first (revoked by `policy`, reason `device-replaced`). Off by
   * default: a device may hold several sessions.
   */
  replaceSameDevice?: boolean;
}

/** What a sign-in past a concurrent-session limit does. */
export type SessionLimitPolicy = 'evict-oldest' | 'deny';

export const SESSION_LIMIT_POLICIES: readonly SessionLimitPolicy[] = ['evict-oldest', 'deny'];

/** Everything but `auth`: what the sessions providers themselves read. */
export type SessionsSettings = Omit<SessionsModuleOptions, 'auth'>;

export type ResolvedSessionsOptions = Required<Omit<SessionsSettings, 'userDirectory'>> &
  Pick<SessionsSettings, 'userDirectory'>;

export const SESSIONS_DEFAULTS: ResolvedSessionsOptions = {
  schema: DEFAULT_SESSIONS_SCHEMA,
  absoluteTtlSeconds: 12 * 3600,
  idleTimeoutSeconds: 30 * 60,
  minAbsoluteTtlSeconds: 60,
  maxAbsoluteTtlSeconds: 30 * 24 * 3600,
  minIdleTimeoutSeconds: 60,
  maxIdleTimeoutSeconds: 24 * 3600,
  sweepIntervalMs: 60_000,
  sweepBatchSize: 1000,
  retentionSeconds: 30 * 24 * 3600,
  audit: true,
  eventsRetentionSeconds: 30 * 24 * 3600,
  sessionStateCacheMs: 0,
  feedPollIntervalMs: 1000,
  streamConnections: 2,
  streamWriteTimeoutMs: 5000,
  revokeBatchSize: 1000,
  revokeBudgetMs: 10_000,
  subjectCacheMs: 60_000,
  subjectCacheMaxEntries: 10_000,
  maxSessionsPerUser: null,
  limitPolicy: 'evict-oldest',
  unknownTenant: 'defaults',
  tenantCacheMs: 60_000,
  tenantCacheMaxEntries: 10_000,
  replaceSameDevice: false,
};

export function resolveSessionsOptions(options: SessionsSettings): ResolvedSessionsOptions {
  const defined = Object.fromEntries(
    Object.entries(options).filter(([key, v]) => v !== undefined && key !== 'auth'),
  );
  const resolved: ResolvedSessionsOptions = { ...SESSIONS_DEFAULTS, ...defined };
  // Events are kept as long as the sessions unless told otherwise.
  resolved.eventsRetentionSeconds = options.eventsRetentionSeconds ?? resolved.retentionSeconds;
  validateSchemaName(resolved.schema);
  return resolved;
}

/** The routes' authentication settings; SessionsModule cannot serve them without. */
export function sessionsAuthOptions(options: SessionsModuleOptions): AuthModuleOptions {
  if (!options.auth) {
    throw new Error(
      'SessionsModule: the auth option is required (a verificationKey, jwks, or hostStrategy)',
    );
  }
  validateSchemaName(options.schema ?? DEFAULT_SESSIONS_SCHEMA);
  if ((options as { dataSourceName?: unknown }).dataSourceName !== undefined) {
    throw new Error(
      'SessionsModule: dataSourceName is a static option: give it beside useFactory in forRootAsync, not in the options the factory returns',
    );
  }
  return options.auth;
}
