/**
 * The baseline: the service's benchmarked routes on Fastify 5 + pg, and nothing else (no
 * logging, metrics, rate limits, helmet, validation framework or ORM). It is the practical
 * ceiling for Node on this machine; bench/run.ts compares the service with it.
 *
 * Strict: every statement is a named prepared statement, and PostgreSQL writes each item's
 * JSON (`row_to_json`, `json_strip_nulls`); Node only checks the token and joins strings.
 * The answers are the service's, byte for byte up to `timestamp` and the ids and times a
 * sign-in creates (bench/run.ts compares them before measuring).
 *
 * Routes: the user page (`GET /sessions/user/:user_id/sessions`), the admin list
 * (`GET /api/sessions/all`, keyset pages with `limit`, streamed without), the sign-in
 * (`POST /api/sessions`) and the admin revocation (`DELETE /api/sessions/:session_id`).
 * A token with a `session_id` claim is checked against the database on every request
 * (one primary-key lookup), as the service's JWT strategy does.
 *
 * Environment: the service's own variables (PORT, HOST, DATABASE_URL, DATABASE_POOL_SIZE,
 * DATABASE_STATEMENT_TIMEOUT_MS, JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE, JWT_SESSION_CLAIM,
 * JWT_SERVICE_ROLE, SESSION_AUDIT, SESSION_ABSOLUTE_TTL_SECONDS, SESSION_IDLE_TIMEOUT_SECONDS),
 * with the service's defaults.
 *
 * Keep the SQL in step with libs/sessions/src/sessions.repository.ts.
 */
import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import { Pool, type PoolClient } from 'pg';
// The service's own input rules, pure functions without dependencies on the framework.
import { AMR_VALUES, canonicalAmrList, MAX_AMR_METHODS } from '../../libs/sessions/src/amr';
import { deriveDeviceType } from '../../libs/sessions/src/device-type';
import { ACTIVE, ADMIN_ITEM, SESSION_ITEM, SESSION_JSON, T, USER_COUNT, USER_PAGE } from './sql';

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
const SESSION_CLAIM = env.JWT_SESSION_CLAIM || 'session_id';
const SERVICE_ROLE = env.JWT_SERVICE_ROLE || 'session-writer';
/** The service's default is on: sign-ins and revocations write their audit trail events. */
const AUDIT = (env.SESSION_AUDIT ?? 'true') === 'true';
const TTL_SECONDS = Number(env.SESSION_ABSOLUTE_TTL_SECONDS ?? 43_200);
const IDLE_SECONDS = Number(env.SESSION_IDLE_TIMEOUT_SECONDS ?? 1_800);

const pool = new Pool({
  connectionString: env.DATABASE_URL,
  max: Number(env.DATABASE_POOL_SIZE ?? 10),
  statement_timeout: Number(env.DATABASE_STATEMENT_TIMEOUT_MS ?? 5000),
  connectionTimeoutMillis: 2000,
  application_name: 'session-service-baseline',
});
pool.on('error', () => undefined);

// ---- SQL, in step with libs/sessions/src/sessions.repository.ts (the user page's in ./sql.ts)

const ADMIN_FROM = `${T.sessions} s JOIN ${T.users} u ON u.id = s.user_id CROSS JOIN ${ADMIN_ITEM}`;

const ADMIN_ALL = `SELECT row_to_json(item)::text AS item
     FROM ${ADMIN_FROM}
    WHERE ${ACTIVE}
    ORDER BY s.last_active_at DESC, s.id DESC`;

const ADMIN_PAGE = (after: boolean) => ({
  name: after ? 'admin_page_after' : 'admin_page_first',
  text: `SELECT row_to_json(item)::text AS item, s.id, s.last_active_at::text AS position_key
     FROM ${ADMIN_FROM}
    WHERE ${ACTIVE}${after ? ' AND (s.last_active_at, s.id) < ($1::timestamptz, $2::uuid)' : ''}
    ORDER BY s.last_active_at DESC, s.id DESC
    LIMIT ${after ? '$3' : '$1'}`,
});

/** The JWT strategy's check of a session-bound token (`isActive`): one primary-key lookup. */
const SESSION_ACTIVE = {
  name: 'session_active',
  text: `SELECT EXISTS (SELECT 1 FROM ${T.sessions} s WHERE s.id = $1 AND s.user_id = $2 AND ${ACTIVE}) AS active`,
};

/** The audit trail's events CTE (session-events.sql.ts), the request's ids at `$n`, `$n+1`. */
const eventsCte = (rows: string, n: number) =>
  AUDIT
    ? `, session_events_written AS (
    INSERT INTO ${T.events}
      (type, session_id, user_id, tenant_id, initiator, actor, reason, details, request_id, trace_id)
    SELECT e.type, e.session_id::uuid, e.user_id::bigint, e.tenant_id, e.initiator, e.actor, e.reason,
           e.details::jsonb, $${n}::varchar, $${n + 1}::varchar
      FROM (${rows}) AS e (type, session_id, user_id, tenant_id, initiator, actor, reason, details)
  )`
    : '';

/**
 * The unlimited sign-in (`insert(noOwnLimit)`): the user upserted and the session inserted
 * in one statement, nothing written when the user has a session limit of their own.
 */
const NO_OWN_LIMIT = `NOT EXISTS (SELECT 1 FROM ${T.limits} l WHERE l.user_id = $1 AND l.max_sessions IS NOT NULL)`;
const SIGN_IN = {
  name: 'sign_in',
  text: `WITH upserted_user AS (
       INSERT INTO ${T.users} AS users (id, username) SELECT $1::bigint, $2::varchar WHERE ${NO_OWN_LIMIT}
       ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, updated_at = now()
         WHERE users.username IS DISTINCT FROM EXCLUDED.username
     ), s AS (
       INSERT INTO ${T.sessions} (user_id, tenant_id, device_id, device_type, ip, geoip, user_agent, amr,
                             idle_timeout_seconds, authenticated_at, last_active_at,
                             idle_expires_at, expires_at)
       SELECT $1::bigint, $3::varchar, $4::varchar, $5::varchar, $6::inet, $7::varchar, $8::varchar,
              $9::text[], $11::int, now(), now(),
              now() + make_interval(secs => LEAST($11::int, $10::int)),
              now() + make_interval(secs => $10::int)
        WHERE ${NO_OWN_LIMIT}
       RETURNING *
     )${eventsCte(
       `SELECT 'created', x.id, x.user_id, x.tenant_id, 'user', 'user:' || x.user_id, NULL, NULL
          FROM s x WHERE true`,
       12,
     )}
     SELECT ${SESSION_JSON} AS item FROM s CROSS JOIN ${SESSION_ITEM}`,
};

/** The revocation of one session (`revokeOne`): the row, its feed row and its event. */
const REVOKE_ONE = {
  name: 'revoke_one',
  text: `WITH target AS (
       SELECT id FROM ${T.sessions} WHERE id = $3 AND ($4::bigint IS NULL OR user_id = $4)
     ),
     revoked AS (
       UPDATE ${T.sessions} s SET revoked_at = now(), revoked_by = $1, revoke_reason = $2
         FROM target WHERE s.id = target.id AND s.revoked_at IS NULL
       RETURNING s.id, s.user_id, s.tenant_id, s.revoked_at, s.revoked_by, s.revoke_reason
     ),
     logged AS (
       INSERT INTO ${T.revocations} (session_id, user_id, revoked_at, revoked_by, reason)
       SELECT id, user_id, revoked_at, revoked_by, revoke_reason FROM revoked
     )${eventsCte(
       `SELECT CASE WHEN r.revoked_by = 'policy' AND r.revoke_reason = 'limit'
                    THEN 'evicted' ELSE 'revoked' END,
               r.id, r.user_id, r.tenant_id,
               CASE WHEN r.revoked_by LIKE 'user:%' THEN 'user'
                    WHEN r.revoked_by LIKE 'admin:%' THEN 'admin'
                    WHEN r.revoked_by LIKE 'service:%' THEN 'service'
                    WHEN r.revoked_by = 'policy' OR r.revoked_by LIKE 'policy:%' THEN 'policy'
                    ELSE 'system' END,
               r.revoked_by, r.revoke_reason, NULL
          FROM revoked r`,
       5,
     )}
     SELECT (SELECT count(*)::int FROM target) AS found, (SELECT count(*)::int FROM revoked) AS revoked`,
};

/** A FETCH of the full list's cursor, and how many rows it asks for. */
function fetchStatement(name: string, rows: number) {
  return { name, text: `FETCH ${rows} FROM admin_all`, rows };
}

const STREAM = {
  begin: { name: 'stream_begin', text: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
  // As the service: no JIT for the full list's plan (docs/performance.md).
  jitOff: { name: 'stream_jit_off', text: 'SET LOCAL jit = off' },
  declare: { name: 'stream_declare', text: `DECLARE admin_all NO SCROLL CURSOR FOR ${ADMIN_ALL}` },
  // As the service: 100 rows first, for the first byte, then 1,000 at a time.
  fetchFirst: fetchStatement('stream_fetch_first', 100),
  fetch: fetchStatement('stream_fetch', 1000),
  commit: { name: 'stream_commit', text: 'COMMIT' },
  rollback: { name: 'stream_rollback', text: 'ROLLBACK' },
};

const READY = { name: 'ready', text: 'SELECT 1' };

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

/** Why a request has no caller: 401, or 503 when the session check could not be made. */
type NoCaller = 401 | 503;

/**
 * The service's checks: HS256 KeyObject, issuer, audience, exp and sub required, iat sane;
 * a token naming a session (`session_id`) only while that session is active and the
 * caller's.
 */
async function authenticate(req: FastifyRequest): Promise<Caller | NoCaller> {
  const header = req.headers.authorization;
  if (!header || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return 401;
  let claims: JwtPayload;
  try {
    const verified = jwt.verify(header.slice(7).trim(), key, verifyOptions);
    if (typeof verified === 'string') return 401;
    claims = verified;
  } catch {
    return 401;
  }
  if (typeof claims.exp !== 'number') return 401;
  if (
    claims.iat !== undefined &&
    (typeof claims.iat !== 'number' || claims.iat > Date.now() / 1000 + 5)
  ) {
    return 401;
  }
  const userId = parseUserId(claims.sub);
  if (!userId) return 401;
  const sid: unknown = (claims as Record<string, unknown>)[SESSION_CLAIM];
  if (sid !== undefined) {
    if (typeof sid !== 'string' || !UUID.test(sid)) return 401;
    try {
      const { rows } = await pool.query<{ active: boolean }>({
        ...SESSION_ACTIVE,
        values: [sid, userId],
      });
      if (!rows[0].active) return 401;
    } catch {
      return 503;
    }
  }
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

function unauthenticated(reply: FastifyReply, why: NoCaller) {
  return why === 401
    ? problem(reply, 401, 'Unauthorized')
    : problem(reply, 503, 'Service Unavailable');
}

function intParam(value: unknown, fallback: number, min: number, max: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

/** The request's ids as the service's audit events record them. */
function requestIds(req: FastifyRequest): [string, string] {
  const incoming = req.headers['x-request-id'];
  return [
    typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming)
      ? incoming
      : `req_${randomUUID()}`,
    randomBytes(16).toString('hex'),
  ];
}

// ---- routes -----------------------------------------------------------------------------

const app = Fastify({ logger: false });

app.get('/health/ready', async (_req, reply) => {
  await pool.query(READY);
  return reply.send({ status: 'ok' });
});

app.get<{ Params: { user_id: string }; Querystring: Record<string, string> }>(
  '/sessions/user/:user_id/sessions',
  async (req, reply) => {
    const caller = await authenticate(req);
    if (typeof caller === 'number') return unauthenticated(reply, caller);
    const userId = parseUserId(req.params.user_id);
    const page = intParam(req.query.page, 1, 1, 1_000_000);
    const pageSize = intParam(req.query.page_size, 20, 1, 100);
    if (!userId || page === undefined || pageSize === undefined) {
      return problem(reply, 400, 'Bad Request');
    }
    if (caller.userId !== userId) return problem(reply, 403, 'Forbidden');
    let rows: { user_exists: boolean; total: number | null; item: string | null }[];
    try {
      ({ rows } = await pool.query({
        ...USER_PAGE,
        values: [userId, pageSize, (page - 1) * pageSize],
      }));
    } catch {
      return problem(reply, 503, 'Service Unavailable');
    }
    const [first] = rows;
    if (!first.user_exists) return problem(reply, 404, 'Not Found', `User ${userId} not found`);
    let total = first.total ?? 0;
    let items = '';
    for (const row of rows) {
      if (row.item !== null) items += (items ? ',' : '') + row.item;
    }
    if (!items && page > 1) {
      try {
        const count = await pool.query<{ total: number }>({ ...USER_COUNT, values: [userId] });
        total = count.rows[0].total;
      } catch {
        return problem(reply, 503, 'Service Unavailable');
      }
    }
    const totalPages = Math.ceil(total / pageSize);
    return reply
      .type('application/json; charset=utf-8')
      .send(
        `{"code":0,"message":"success","items":[${items}],"pagination":{"page":${page},` +
          `"page_size":${pageSize},"total":${total},"total_pages":${totalPages},` +
          `"has_next":${page < totalPages},"has_prev":${page > 1}},"total":${total},` +
          `"timestamp":"${new Date().toISOString()}"}`,
      );
  },
);

/** The full list, read through a server-side cursor (100 rows, then 1000 at a time), sent as it comes. */
async function* streamAll(client: PoolClient): AsyncGenerator<string> {
  let done = false;
  try {
    await client.query(STREAM.begin);
    await client.query(STREAM.jitOff);
    await client.query(STREAM.declare);
    let total = 0;
    // As the service: chunks of about 32 KiB, never a whole batch joined into one string (a
    // string of hundreds of KB is allocated in V8's old generation).
    let chunk = '{"sessions":[';
    for (let fetch = STREAM.fetchFirst; ; fetch = STREAM.fetch) {
      const { rows } = await client.query<{ item: string }>({ name: fetch.name, text: fetch.text });
      for (let i = 0; i < rows.length; i++) {
        chunk += (total++ === 0 ? '' : ',') + rows[i].item;
        if (chunk.length >= 32 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      if (rows.length < fetch.rows) break;
    }
    await client.query(STREAM.commit);
    done = true;
    yield `${chunk}],"total":${total}}`;
  } finally {
    if (!done) await client.query(STREAM.rollback).catch(() => undefined);
    client.release();
  }
}

app.get<{ Querystring: Record<string, string> }>('/api/sessions/all', async (req, reply) => {
  const caller = await authenticate(req);
  if (typeof caller === 'number') return unauthenticated(reply, caller);
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
  let rows: { item: string; id: string; position_key: string }[];
  try {
    ({ rows } = await pool.query(
      after
        ? { ...ADMIN_PAGE(true), values: [...after, limit + 1] }
        : { ...ADMIN_PAGE(false), values: [limit + 1] },
    ));
  } catch {
    return problem(reply, 503, 'Service Unavailable');
  }
  const count = Math.min(limit, rows.length);
  let items = '';
  for (let i = 0; i < count; i++) items += (i ? ',' : '') + rows[i].item;
  const last = rows[count - 1];
  const next =
    rows.length > limit && last ? `"${encodeCursor(last.position_key, last.id)}"` : 'null';
  return reply
    .type('application/json; charset=utf-8')
    .send(`{"sessions":[${items}],"total":${count},"next_cursor":${next}}`);
});

interface SignInBody {
  user_id?: unknown;
  username?: unknown;
  amr?: unknown;
  ip?: unknown;
  user_agent?: unknown;
  tenant_id?: unknown;
  device_id?: unknown;
  device_type?: unknown;
  geoip?: unknown;
  ttl_seconds?: unknown;
  idle_timeout_seconds?: unknown;
  subject?: unknown;
}

const text = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;
const optionalText = (v: unknown, max: number) => v === undefined || text(v, max);
const optionalSeconds = (v: unknown) =>
  v === undefined || (typeof v === 'number' && Number.isInteger(v) && v > 0);

/** The sign-in's parameters ($1..$11), or undefined for a body the service would refuse. */
function signInParams(body: SignInBody): unknown[] | undefined {
  const { user_id: id, amr } = body;
  if (
    typeof id !== 'number' ||
    !Number.isSafeInteger(id) ||
    id < 1 ||
    !text(body.username, 255) ||
    !Array.isArray(amr) ||
    amr.length === 0 ||
    amr.length > MAX_AMR_METHODS ||
    !amr.every((m) => typeof m === 'string' && AMR_VALUES.includes(m)) ||
    new Set(amr).size !== amr.length ||
    !text(body.ip, 45) ||
    typeof body.user_agent !== 'string' ||
    body.user_agent.length > 1024 ||
    !optionalText(body.tenant_id, 128) ||
    !optionalText(body.device_id, 128) ||
    !optionalText(body.device_type, 32) ||
    !optionalText(body.geoip, 128) ||
    !optionalSeconds(body.ttl_seconds) ||
    !optionalSeconds(body.idle_timeout_seconds) ||
    // Subject mappings and tenants' policies are not part of the baseline.
    body.subject !== undefined
  ) {
    return undefined;
  }
  const userAgent = body.user_agent;
  return [
    String(id),
    body.username,
    body.tenant_id ?? null,
    body.device_id ?? null,
    body.device_type ?? deriveDeviceType(userAgent),
    body.ip,
    body.geoip ?? null,
    userAgent,
    canonicalAmrList(amr as string[]),
    body.ttl_seconds ?? TTL_SECONDS,
    body.idle_timeout_seconds ?? IDLE_SECONDS,
  ];
}

/** PostgreSQL's "invalid text representation" and friends: the input's fault. */
const isInputError = (error: unknown) => /^22/.test((error as { code?: string }).code ?? '');

app.post<{ Body: SignInBody }>('/api/sessions', async (req, reply) => {
  const caller = await authenticate(req);
  if (typeof caller === 'number') return unauthenticated(reply, caller);
  if (!caller.roles.includes('admin') && !caller.roles.includes(SERVICE_ROLE)) {
    return problem(reply, 403, 'Forbidden');
  }
  const params = req.body && typeof req.body === 'object' ? signInParams(req.body) : undefined;
  if (!params) return problem(reply, 400, 'Bad Request');
  let rows: { item: string }[];
  try {
    ({ rows } = await pool.query({
      ...SIGN_IN,
      values: AUDIT ? [...params, ...requestIds(req)] : params,
    }));
  } catch (error) {
    return isInputError(error)
      ? problem(reply, 400, 'Bad Request')
      : problem(reply, 503, 'Service Unavailable');
  }
  // No row: the user has a session limit of their own, which the baseline does not apply.
  if (!rows.length) return problem(reply, 501, 'Not Implemented', 'session limits');
  return reply.code(201).type('application/json; charset=utf-8').send(rows[0].item);
});

app.delete<{ Params: { session_id: string }; Querystring: Record<string, string> }>(
  '/api/sessions/:session_id',
  async (req, reply) => {
    const caller = await authenticate(req);
    if (typeof caller === 'number') return unauthenticated(reply, caller);
    if (!caller.roles.includes('admin')) return problem(reply, 403, 'Forbidden');
    const sessionId = req.params.session_id;
    if (!UUID.test(sessionId)) return problem(reply, 400, 'Bad Request');
    const reason = req.query.reason ?? null;
    let rows: { found: number; revoked: number }[];
    try {
      const values = [`admin:${caller.userId}`, reason, sessionId.toLowerCase(), null];
      ({ rows } = await pool.query({
        ...REVOKE_ONE,
        values: AUDIT ? [...values, ...requestIds(req)] : values,
      }));
    } catch {
      return problem(reply, 503, 'Service Unavailable');
    }
    if (rows[0].found === 0) {
      return problem(reply, 404, 'Not Found', `Session ${sessionId} not found`);
    }
    return reply.code(204).send();
  },
);

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
