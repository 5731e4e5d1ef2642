import type { AdminSessionDetail } from '../dto/admin-session-detail.response';
import type { Revocation } from '../dto/revocation-feed.response';
import type { SessionStatusResponse } from '../dto/session-status.response';
import { encodeFeedCursor } from '../feed-cursor';
import type { RevocationRow, SessionDetailRow, SessionRow } from '../session.row';
import { toAdminSession } from './session.mapper';

export function toAdminSessionDetail(row: SessionDetailRow): AdminSessionDetail {
  return {
    ...toAdminSession(row),
    status: row.status,
    authenticated_at: row.authenticated_at,
    idle_expires_at: row.idle_expires_at,
    idle_timeout_seconds: row.idle_timeout_seconds,
    amr: row.amr,
    device_type: row.device_type,
    ...(row.device_id !== null && { device_id: row.device_id }),
    ...(row.tenant_id !== null && { tenant_id: row.tenant_id }),
    ...(row.geoip !== null && { geoip: row.geoip }),
    ...(row.revoked_at !== null && { revoked_at: row.revoked_at }),
    ...(row.revoked_by !== null && { revoked_by: row.revoked_by }),
    ...(row.revoke_reason !== null && { revoke_reason: row.revoke_reason }),
  };
}

export function toSessionStatus(row: SessionRow): SessionStatusResponse {
  return {
    session_id: row.id,
    user_id: row.user_id,
    active: row.status === 'active',
    status: row.status,
    idle_expires_at: row.idle_expires_at,
    expires_at: row.expires_at,
  };
}

export function toRevocation(row: RevocationRow): Revocation {
  return {
    session_id: row.session_id,
    user_id: row.user_id,
    revoked_at: row.revoked_at,
    revoked_by: row.revoked_by,
    ...(row.reason !== null && { reason: row.reason }),
    cursor: encodeFeedCursor({ xid: row.xid, id: row.id }),
  };
}
