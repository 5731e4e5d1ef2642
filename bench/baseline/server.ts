/**
 * The baseline: the service's two list routes on Fastify 5 + pg, with the same SQL (as
 * named prepared statements), the same JSON shapes and the same JWT checks, and nothing
 * else (no logging, metrics, rate limits, helmet, validation framework or ORM). It is the
 * practical ceiling for Node on this machine; bench/run.ts compares the service with it.
 *
 * Environment: the service's own variables (PORT, HOST, DATABASE_URL, DATABASE_POOL_SIZE,
 * DATABASE_STATEMENT_TIMEOUT_MS, JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE).
 *
 * Keep the SQL in step with libs/sessions/src/sessions.repository.ts.
 */
import { createSecretKey } from 'node:crypto';
import { Readable } from 'node:stream';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import { Pool, type PoolClient } from 'pg';

const env = process.env;
const secret = env.JWT_SECRET ?? '';
if (Buffer.byteLength(secret) < 32) throw new Error('JWT_SECRET must be at least 32 bytes');
const key = createSecretKey(Buffer.from(secret, 'utf8'));
const verifyOptions: jwt.VerifyOptions & { complete?: false } = {
  algorithms: ['HS256'],
  issuer: env.JWT_ISSUER || undefined,
  audience: env.JWT_AUDIENCE || undefined,
  clockTolerance: 5,
};

const pool = new Pool({
  connectionString: env.DATABASE_URL,
  max: Number(env.DATABASE_POOL_SIZE ?? 10),
  statement_timeout: Number(env.DATABASE_STATEMENT_TIMEOUT_MS ?? 5000),
  connectionTimeoutMillis: 2000,
  application_name: 'session-service-baseline',
});
pool.on('error', () => undefined);

// ---- SQL, copied from libs/sessions/src/sessions.repository.ts -------------------------

const ACTIVE = `s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()`;
const STATUS = `CASE
    WHEN s.revoked_at IS NOT NULL THEN 'revoked'
    WHEN s.expires_at <= now() OR s.idle_expires_at <= now() THEN 'expired'
    ELSE 'active' END`;
const SESSION_COLUMNS = `s.id, s.user_id::text AS user_id, s.tenant_id, s.device_id, s.device_type,
  host(s.ip) AS ip, s.geoip, s.user_agent, s.amr, ${STATUS} AS status, s.created_at,
  s.authenticated_at, s.last_active_at, s.idle_expires_at, s.expires_at`;

const USER_PAGE = `WITH page AS (
       SELECT s.id, s.last_active_at, count(*) OVER ()::int AS total
         FROM session_service.sessions s
        WHERE s.user_id = $1 AND ${ACTIVE}
        ORDER BY s.last_active_at DESC, s.id DESC
        LIMIT $2 OFFSET $3
     )
     SELECT u.id IS NOT NULL AS user_exists, page.total, ${SESSION_COLUMNS}
       FROM (VALUES (1)) AS one (x)
       LEFT JOIN session_service.users u ON u.id = $1
       LEFT JOIN (page JOIN session_service.sessions s ON s.id = page.id) ON true
      ORDER BY page.last_active_at DESC, page.id DESC`;

const USER_COUNT = `SELECT count(*)::int AS total FROM session_service.sessions s WHERE s.user_id = $1 AND ${ACTIVE}`;

const ADMIN_ALL = `SELECT ${SESSION_COLUMNS}, u.username
     FROM session_service.sessions s JOIN session_service.users u ON u.id = s.user_id
    WHERE ${ACTIVE}
    ORDER BY s.last_active_at DESC, s.id DESC`;

const ADMIN_PAGE = (after: boolean) => `SELECT ${SESSION_COLUMNS}, u.username,
         s.last_active_at::text AS position_key
     FROM session_service.sessions s JOIN session_service.users u ON u.id = s.user_id
    WHERE ${ACTIVE}${after ? ' AND (s.last_active_at, s.id) < ($1::timestamptz, $2::uuid)' : ''}
    ORDER BY s.last_active_at DESC, s.id DESC
    LIMIT ${after ? '$3' : '$1'}`;

// ---- rows and mappers (libs/sessions/src/mappers/session.mapper.ts) ---------------------

interface SessionRow {
  id: string;
  user_id: string;
  tenant_id: string | null;
  device_id: string | null;
  device_type: string;
  ip: string;
  geoip: string | null;
  user_agent: string;
  amr: string[];
  status: string;
  created_at: Date;
  authenticated_at: Date;
  last_active_at: Date;
  idle_expires_at: Date;
  expires_at: Date;
}
interface AdminRow extends SessionRow {
  username: string;
  position_key?: string;
}
type PageRow = Partial<SessionRow> & { user_exists: boolean; total: number | null };

function toSessionResponse(row: SessionRow) {
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
    created_at: row.created_at.toISOString(),
    authenticated_at: row.authenticated_at.toISOString(),
    last_active_at: row.last_active_at.toISOString(),
    idle_expires_at: row.idle_expires_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
  };
}

function toAdminSession(row: AdminRow) {
  return {
    session_id: row.id,
    user_id: Number(row.user_id),
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    last_activity: row.last_active_at.toISOString(),
    ip_address: row.ip,
    user_agent: row.user_agent,
    auth_method: row.amr[0],
    is_active: row.status === 'active',
    username: row.username,
  };
}

// ---- keyset cursor (libs/sessions/src/keyset-cursor.ts) ---------------------------------

const CURSOR_PREFIX = 'k1.';
const PG_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const encodeCursor = (lastActiveAt: string, id: string) =>
  CURSOR_PREFIX + Buffer.from(`${lastActiveAt}|${id}`, 'utf8').toString('base64url');
function decodeCursor(cursor: string): [string, string] | undefined {
  if (!cursor.startsWith(CURSOR_PREFIX) || cursor.length > 200) return undefined;
  const [at, id, ...rest] = Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url')
    .toString('utf8')
    .split('|');
  if (rest.length || !PG_TIMESTAMPTZ.test(at ?? '') || !UUID.test(id ?? '')) return undefined;
  return encodeCursor(at, id) === cursor ? [at, id] : undefined;
}

// ---- problems and auth ------------------------------------------------------------------

function problem(reply: FastifyReply, status: number, title: string, detail?: string) {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="session-service"');
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title, status, ...(detail && { detail }) });
}

const CANONICAL_ID = /^[1-9][0-9]{0,15}$/;
function parseUserId(value: unknown): string | undefined {
  if (typeof value === 'number') value = Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value !== 'string' || !CANONICAL_ID.test(value)) return undefined;
  return Number.isSafeInteger(Number(value)) ? value : undefined;
}

interface Caller {
  userId: string;
  roles: string[];
}

/** The service's checks: HS256 KeyObject, issuer, audience, exp and sub required, iat sane. */
function authenticate(req: FastifyRequest): Caller | undefined {
  const header = req.headers.authorization;
  if (!header || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return;
  let claims: JwtPayload;
  try {
    const verified = jwt.verify(header.slice(7).trim(), key, verifyOptions);
    if (typeof verified === 'string') return;
    claims = verified;
  } catch {
    return;
  }
  if (typeof claims.exp !== 'number') return;
  if (
    claims.iat !== undefined &&
    (typeof claims.iat !== 'number' || claims.iat > Date.now() / 1000 + 5)
  ) {
    return;
  }
  const userId = parseUserId(claims.sub);
  if (!userId) return;
  const roles: unknown = (claims as Record<string, unknown>).roles;
  return {
    userId,
    roles:
      typeof roles === 'string'
        ? roles.split(' ').filter(Boolean)
        : Array.isArray(roles)
          ? roles.filter((r): r is string => typeof r === 'string')
          : [],
  };
}

function intParam(value: unknown, fallback: number, min: number, max: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

// ---- routes -----------------------------------------------------------------------------

const app = Fastify({ logger: false });

app.get('/health/ready', async (_req, reply) => {
  await pool.query('SELECT 1');
  return reply.send({ status: 'ok' });
});

app.get<{ Params: { user_id: string }; Querystring: Record<string, string> }>(
  '/sessions/user/:user_id/sessions',
  async (req, reply) => {
    const caller = authenticate(req);
    if (!caller) return problem(reply, 401, 'Unauthorized');
    const userId = parseUserId(req.params.user_id);
    const page = intParam(req.query.page, 1, 1, 1_000_000);
    const pageSize = intParam(req.query.page_size, 20, 1, 100);
    if (!userId || page === undefined || pageSize === undefined) {
      return problem(reply, 400, 'Bad Request');
    }
    if (caller.userId !== userId) return problem(reply, 403, 'Forbidden');
    let rows: PageRow[];
    try {
      ({ rows } = await pool.query<PageRow>({
        name: 'user_page',
        text: USER_PAGE,
        values: [userId, pageSize, (page - 1) * pageSize],
      }));
    } catch {
      return problem(reply, 503, 'Service Unavailable');
    }
    const [first] = rows;
    if (!first.user_exists) return problem(reply, 404, 'Not Found', `User ${userId} not found`);
    let total = first.total ?? 0;
    if (first.id == null && page > 1) {
      const count = await pool.query<{ total: number }>({
        name: 'user_count',
        text: USER_COUNT,
        values: [userId],
      });
      total = count.rows[0].total;
    }
    const totalPages = Math.ceil(total / pageSize);
    return reply.send({
      code: 0,
      message: 'success',
      items: rows.filter((r) => r.id != null).map((r) => toSessionResponse(r as SessionRow)),
      pagination: {
        page,
        page_size: pageSize,
        total,
        total_pages: totalPages,
        has_next: page < totalPages,
        has_prev: page > 1,
      },
      total,
      timestamp: new Date().toISOString(),
    });
  },
);

/** The full list, read through a server-side cursor 1000 rows at a time, sent as it comes. */
async function* streamAll(client: PoolClient): AsyncGenerator<string> {
  let done = false;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query({
      name: 'admin_all_declare',
      text: `DECLARE admin_all NO SCROLL CURSOR FOR ${ADMIN_ALL}`,
    });
    let total = 0;
    for (;;) {
      const { rows } = await client.query<AdminRow>({
        name: 'admin_all_fetch',
        text: 'FETCH 1000 FROM admin_all',
      });
      if (!rows.length) break;
      let chunk = total === 0 ? '{"sessions":[' : '';
      for (const row of rows) {
        chunk += (total++ === 0 ? '' : ',') + JSON.stringify(toAdminSession(row));
      }
      yield chunk;
    }
    await client.query('COMMIT');
    done = true;
    yield `${total === 0 ? '{"sessions":[' : ''}],"total":${total}}`;
  } finally {
    if (!done) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

app.get<{ Querystring: Record<string, string> }>('/api/sessions/all', async (req, reply) => {
  const caller = authenticate(req);
  if (!caller) return problem(reply, 401, 'Unauthorized');
  if (!caller.roles.includes('admin')) return problem(reply, 403, 'Forbidden');
  const { limit: rawLimit, cursor } = req.query;
  if (rawLimit === undefined) {
    if (cursor !== undefined) return problem(reply, 400, 'Bad Request', 'cursor needs limit');
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch {
      return problem(reply, 503, 'Service Unavailable');
    }
    return reply.type('application/json; charset=utf-8').send(Readable.from(streamAll(client)));
  }
  const limit = intParam(rawLimit, 0, 1, 1000);
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  if (limit === undefined || (cursor !== undefined && !after)) {
    return problem(reply, 400, 'Bad Request');
  }
  let rows: AdminRow[];
  try {
    ({ rows } = await pool.query<AdminRow>(
      after
        ? { name: 'admin_page_after', text: ADMIN_PAGE(true), values: [...after, limit + 1] }
        : { name: 'admin_page_first', text: ADMIN_PAGE(false), values: [limit + 1] },
    ));
  } catch {
    return problem(reply, 503, 'Service Unavailable');
  }
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const sessions = page.map(toAdminSession);
  return reply.send({
    sessions,
    total: sessions.length,
    next_cursor:
      rows.length > limit && last?.position_key ? encodeCursor(last.position_key, last.id) : null,
  });
});

app
  .listen({ port: Number(env.PORT ?? 3001), host: env.HOST ?? '127.0.0.1' })
  .then(() => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void app
          .close()
          .then(() => pool.end())
          .finally(() => process.exit(0));
      });
    }
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
