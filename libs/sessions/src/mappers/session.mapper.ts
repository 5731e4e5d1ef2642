import type { AdminSession } from '../dto/admin-session-list.response';
import type { SessionResponse } from '../dto/session-response.dto';
import type { AdminSessionRow, SessionRow } from '../session.row';

/** `dto.SessionResponse`; optional members are left out rather than sent as null. */
export function toSessionResponse(row: SessionRow): SessionResponse {
  return {
    id: row.id,
    user_id: row.user_id,
    ...(row.tenant_id !== null && { tenant_id: row.tenant_id }),
    ...(row.device_id !== null && { device_id: row.device_id }),
    device_type: row.device_type,
    ip: row.ip,
    ...(row.geoip !== null && { geoip: row.geoip }),
    user_agent: row.user_agent,
    amr: row.amr.join(','),
    status: row.status,
    created_at: row.created_at,
    authenticated_at: row.authenticated_at,
    last_active_at: row.last_active_at,
    idle_expires_at: row.idle_expires_at,
    expires_at: row.expires_at,
  };
}

/** The admin list's shape: integer user id, first method as `auth_method`. */
export function toAdminSession(row: AdminSessionRow): AdminSession {
  return {
    session_id: row.id,
    user_id: Number(row.user_id),
    created_at: row.created_at,
    expires_at: row.expires_at,
    last_activity: row.last_active_at,
    ip_address: row.ip,
    user_agent: row.user_agent,
    auth_method: row.amr[0],
    is_active: row.status === 'active',
    username: row.username,
  };
}
