import type { AdminSession } from '../dto/admin-session-list.response';
import type { SessionResponse } from '../dto/session-response.dto';
import type { AdminSessionRow, SessionRow } from '../session.row';

/**
 * `dto.SessionResponse`; optional members are left out rather than sent as
 * null. Built member by member in the contract's order: spreading
 * `cond && {...}` fragments made mapping and serialising a page of 20 take
 * about 27 µs instead of 15 µs (a twentieth of the user list's CPU time).
 */
export function toSessionResponse(row: SessionRow): SessionResponse {
  const response: SessionResponse = { id: row.id, user_id: row.user_id } as SessionResponse;
  if (row.tenant_id !== null) response.tenant_id = row.tenant_id;
  if (row.device_id !== null) response.device_id = row.device_id;
  response.device_type = row.device_type;
  response.ip = row.ip;
  if (row.geoip !== null) response.geoip = row.geoip;
  response.user_agent = row.user_agent;
  response.amr = row.amr.join(',');
  response.status = row.status;
  response.created_at = row.created_at;
  response.authenticated_at = row.authenticated_at;
  response.last_active_at = row.last_active_at;
  response.idle_expires_at = row.idle_expires_at;
  response.expires_at = row.expires_at;
  return response;
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
