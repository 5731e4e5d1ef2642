/**
 * The statements of the user page and the names they are built from, shared by the baseline
 * and the bare Nest route of `npm run bench:cpu`.
 */
// In step with libs/sessions/src/sessions.repository.ts.

export const T = {
  users: 'session_service.users',
  sessions: 'session_service.sessions',
  revocations: 'session_service.session_revocations',
  limits: 'session_service.user_session_limits',
  events: 'session_service.session_events',
};

export const ACTIVE = `s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()`;
export const STATUS = `CASE
    WHEN s.revoked_at IS NOT NULL THEN 'revoked'
    WHEN s.expires_at <= now() OR s.idle_expires_at <= now() THEN 'expired'
    ELSE 'active' END`;
export const ISO = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * `dto.SessionResponse` of the session `s`, members in the contract's order; the null
 * ones (tenant_id, device_id, geoip: the only nullable columns) are left out.
 */
export const SESSION_JSON = `json_strip_nulls(row_to_json(item))::text`;
export const SESSION_ITEM = `LATERAL (
    SELECT s.id, s.user_id::text AS user_id, s.tenant_id, s.device_id, s.device_type,
           host(s.ip) AS ip, s.geoip, s.user_agent, array_to_string(s.amr, ',') AS amr,
           ${STATUS} AS status, ${ISO('s.created_at')} AS created_at,
           ${ISO('s.authenticated_at')} AS authenticated_at,
           ${ISO('s.last_active_at')} AS last_active_at,
           ${ISO('s.idle_expires_at')} AS idle_expires_at, ${ISO('s.expires_at')} AS expires_at
  ) item`;

/** The admin list's item (seed 000), the user's name included. */
export const ADMIN_ITEM = `LATERAL (
    SELECT s.id AS session_id, s.user_id, ${ISO('s.created_at')} AS created_at,
           ${ISO('s.expires_at')} AS expires_at, ${ISO('s.last_active_at')} AS last_activity,
           host(s.ip) AS ip_address, s.user_agent, s.amr[1] AS auth_method,
           ${ACTIVE} AS is_active, u.username
  ) item`;

export const USER_PAGE = {
  name: 'user_page',
  text: `WITH page AS (
       SELECT s.id, s.last_active_at, count(*) OVER ()::int AS total
         FROM ${T.sessions} s
        WHERE s.user_id = $1 AND ${ACTIVE}
        ORDER BY s.last_active_at DESC, s.id DESC
        LIMIT $2 OFFSET $3
     )
     SELECT u.id IS NOT NULL AS user_exists, page.total,
            CASE WHEN s.id IS NOT NULL THEN ${SESSION_JSON} END AS item
       FROM (VALUES (1)) AS one (x)
       LEFT JOIN ${T.users} u ON u.id = $1
       LEFT JOIN (page JOIN ${T.sessions} s ON s.id = page.id) ON true
       CROSS JOIN ${SESSION_ITEM}
      ORDER BY page.last_active_at DESC, page.id DESC`,
};

export const USER_COUNT = {
  name: 'user_count',
  text: `SELECT count(*)::int AS total FROM ${T.sessions} s WHERE s.user_id = $1 AND ${ACTIVE}`,
};
