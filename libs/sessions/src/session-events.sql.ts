import type { SessionsTables } from './sessions-schema';

/** Kinds of session event the audit trail records. */
export const SESSION_EVENT_TYPES = [
  'created',
  'touched',
  'revoked',
  'expired',
  'evicted',
  'subject_mapped',
] as const;
export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];

/** Who started the change an event records. */
export const SESSION_EVENT_INITIATORS = ['user', 'admin', 'service', 'policy', 'system'] as const;
export type SessionEventInitiator = (typeof SESSION_EVENT_INITIATORS)[number];

/**
 * Where a statement's event rows find the request that caused them: SQL
 * expressions, usually placeholders such as `$12`, or `NULL` (the sweeper).
 */
export interface AuditContext {
  requestId: string;
  traceId: string;
}

/** Events with no request behind them (the sweeper's), or a statement that passes none. */
export const NO_REQUEST: AuditContext = { requestId: 'NULL', traceId: 'NULL' };

/**
 * The initiator of a change from the `revoked_by` it records: `user:`,
 * `admin:` and `service:` name the caller's role, `policy` (alone or
 * `policy:...`) a rule of the service such as a session limit; anything else
 * is the system's own doing.
 */
export function initiatorOf(by: string): string {
  return `CASE WHEN ${by} LIKE 'user:%' THEN 'user'
      WHEN ${by} LIKE 'admin:%' THEN 'admin'
      WHEN ${by} LIKE 'service:%' THEN 'service'
      WHEN ${by} = 'policy' OR ${by} LIKE 'policy:%' THEN 'policy'
      ELSE 'system' END`;
}

/**
 * The data-modifying CTE that writes a statement's events, in the statement
 * that makes the change: nothing is half-written (the events commit or roll
 * back with it) and no round trip is added. `rows` is a SELECT of
 * `(type, session_id, user_id, tenant_id, initiator, actor, reason, details)`
 * over the statement's other CTEs; each row becomes one event stamped with
 * the request's ids and the statement's `now()`. Every statement that writes
 * events, revocations (`revocationEventRows`) included, goes through here.
 * Put it after a comma in the statement's `WITH` list.
 */
export function sessionEventsCte(
  t: SessionsTables,
  rows: string,
  context: AuditContext,
  name = 'session_events_written',
): string {
  return `${name} AS (
    INSERT INTO ${t.events}
      (type, session_id, user_id, tenant_id, initiator, actor, reason, details, request_id, trace_id)
    SELECT e.type, e.session_id::uuid, e.user_id::bigint, e.tenant_id, e.initiator, e.actor, e.reason,
           e.details::jsonb, ${context.requestId}::varchar, ${context.traceId}::varchar
      FROM (${rows}) AS e (type, session_id, user_id, tenant_id, initiator, actor, reason, details)
  )`;
}

/**
 * Event rows of sessions just revoked, from a CTE returning `id`, `user_id`,
 * `tenant_id`, `revoked_by` and `revoke_reason`: `evicted` (initiator
 * `policy`) when a policy ended it for the `limit`, else `revoked`; the
 * initiator from the `revoked_by` prefix, the actor is `revoked_by` itself.
 */
export function revocationEventRows(from: string): string {
  return `SELECT CASE WHEN r.revoked_by = 'policy' AND r.revoke_reason = 'limit'
                      THEN 'evicted' ELSE 'revoked' END,
                 r.id, r.user_id, r.tenant_id, ${initiatorOf('r.revoked_by')}, r.revoked_by,
                 r.revoke_reason, NULL
            FROM ${from} r`;
}

/** Event rows of a user's own activity on the sessions of a CTE (`id`, `user_id`, `tenant_id`). */
export function userEventRows(type: SessionEventType, from: string, where = 'true'): string {
  return `SELECT '${type}', x.id, x.user_id, x.tenant_id, 'user', 'user:' || x.user_id, NULL, NULL
            FROM ${from} x WHERE ${where}`;
}
