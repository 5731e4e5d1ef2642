import type { SessionEvent } from '../dto/session-events.response';
import type { SessionEventRow } from '../session-events.repository';

/** An audit trail event as the routes answer it (every member present, null when absent). */
export function toSessionEvent(row: SessionEventRow): SessionEvent {
  return {
    id: row.id,
    type: row.type,
    session_id: row.session_id,
    user_id: row.user_id,
    tenant_id: row.tenant_id,
    initiator: row.initiator,
    actor: row.actor,
    reason: row.reason,
    request_id: row.request_id,
    trace_id: row.trace_id,
    occurred_at: row.occurred_at,
    details: row.details,
  };
}
