import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { currentRequestContext, type RequestContext } from '@session-service/problem';
import { canonicalAmr } from './amr';
import type { ListPosition } from './keyset-cursor';
import type { RevocationRow, SessionDetailRow, SessionRow } from './session.row';
import { SESSIONS_DATA_SOURCE, SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import type { SessionLimit } from './session-policy';
import {
  resolveSessionsOptions,
  type SessionLimitPolicy,
  type SessionsSettings,
} from './sessions.options';
import { sessionsTables, type SessionsTables } from './sessions-schema';
import {
  type AuditContext,
  NO_REQUEST,
  revocationEventRows,
  sessionEventsCte,
  userEventRows,
} from './session-events.sql';

/** Active: not revoked, and now before both the absolute and the idle expiry. */
const ACTIVE = `s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()`;

const STATUS = `CASE
    WHEN s.revoked_at IS NOT NULL THEN 'revoked'
    WHEN s.expires_at <= now() OR s.idle_expires_at <= now() THEN 'expired'
    ELSE 'active' END`;

/** An ISO 8601 UTC timestamp with milliseconds, as `Date.prototype.toISOString` writes it (both truncate). */
const ISO = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A session's columns as `SessionRow` holds them. Timestamps come as the ISO
 * strings the responses carry: the driver parsing them into dates only for the
 * mappers to print them again cost about 7 % of the user list's CPU time.
 */
const sessionColumns = (amr: string) => `s.id, s.user_id::text AS user_id, s.tenant_id,
  s.device_id, s.device_type, host(s.ip) AS ip, s.geoip, s.user_agent, ${amr}, ${STATUS} AS status,
  ${ISO('s.created_at')} AS created_at, ${ISO('s.authenticated_at')} AS authenticated_at,
  ${ISO('s.last_active_at')} AS last_active_at, ${ISO('s.idle_expires_at')} AS idle_expires_at,
  ${ISO('s.expires_at')} AS expires_at`;
const SESSION_COLUMNS = sessionColumns('s.amr');

/**
 * The session `s` as the JSON text of `dto.SessionResponse`, as
 * `toSessionResponse` and `JSON.stringify` write it: members in the
 * contract's order, `amr` joined with commas, and the null ones (tenant_id,
 * device_id, geoip: the only nullable columns) left out. PostgreSQL builds it
 * so the user page's rows reach Node as one text column each.
 */
const SESSION_JSON = `json_strip_nulls(row_to_json(item))::text`;
const SESSION_ITEM = `LATERAL (SELECT ${sessionColumns(`array_to_string(s.amr, ',') AS amr`)}) item`;

export interface UserSessionsPage {
  userExists: boolean;
  total: number;
  /** Each session as the JSON text of `dto.SessionResponse`. */
  items: string[];
}

export interface NewSession {
  userId: string;
  username: string;
  tenantId: string | null;
  deviceId: string | null;
  deviceType: string;
  ip: string;
  geoip: string | null;
  userAgent: string;
  amr: string[];
  ttlSeconds: number;
  idleTimeoutSeconds: number;
  /** The identity provider's subject to map to the user, recorded with the session. */
  subject?: { issuer: string; subject: string } | null;
  /** The request recording it: its audit events carry the request's ids. */
  request?: RequestContext;
}

/** Subjects `GET /api/users/{user_id}` lists at most (the oldest). */
export const MAX_LISTED_SUBJECTS = 100;

/** A subject mapping of a user, as `GET /api/users/{user_id}` lists it. */
export interface UserSubjectRow {
  issuer: string;
  subject: string;
  created_at: string;
}

/** A user as recorded, their subjects and how many active sessions they have. */
export interface UserSummaryRow {
  user_id: string;
  username: string;
  active_sessions: number;
  subjects: UserSubjectRow[];
  /** Tenant of the latest sign-in. */
  tenant_id: string | null;
  last_sign_in_at: string | null;
  /** An admin's limit for this user, if any. */
  user_limit: { max_sessions: number | null; limit_policy: SessionLimitPolicy } | null;
}

/** What a sign-in held to a concurrent-session limit came to. */
export interface LimitedSignIn {
  /** The new session; undefined when denied, or its subject names another user. */
  row?: SessionRow;
  /** Set when the limit denied the sign-in (nothing written): the limit it hit. */
  denied?: SessionLimit;
  /** Sessions the sign-in revoked (device replaced, or evicted by the limit). */
  revoked: number;
}

/** See `SessionsRepository.findUserSessionsPage`. */
const USER_SESSIONS_PAGE = (t: SessionsTables) => `WITH page AS (
     SELECT s.id, s.last_active_at, count(*) OVER ()::int AS total
       FROM ${t.sessions} s
      WHERE s.user_id = $1 AND ${ACTIVE}
      ORDER BY s.last_active_at DESC, s.id DESC
      LIMIT $2 OFFSET $3
   )
   SELECT u.id IS NOT NULL AS user_exists, page.total,
          CASE WHEN s.id IS NOT NULL THEN ${SESSION_JSON} END AS item
     FROM (VALUES (1)) AS one (x)
     LEFT JOIN ${t.users} u ON u.id = $1
     LEFT JOIN (page JOIN ${t.sessions} s ON s.id = page.id) ON true
     CROSS JOIN ${SESSION_ITEM}
    ORDER BY page.last_active_at DESC, page.id DESC`;

const USER_SESSIONS_COUNT = (t: SessionsTables) =>
  `SELECT count(*)::int AS total FROM ${t.sessions} s WHERE s.user_id = $1 AND ${ACTIVE}`;

/**
 * A prepared statement's name: what it reads, and a digest of its SQL, so a
 * name always means one text (two SessionsModules on other schemas share a
 * pool's connections without their statements colliding).
 */
function statementName(label: string, sql: string): string {
  return `${label}_${createHash('sha256').update(sql).digest('hex').slice(0, 16)}`;
}

type PageRow = { user_exists: boolean; total: number | null; item: string | null };

/** Rows per FETCH of the streamed admin list. */
const STREAM_BATCH = 1000;
/**
 * Rows of its first FETCH: fewer, so the first bytes leave sooner. A connection's first
 * reads of the list's pages cost it far more than its later ones (its first thousand rows
 * took 50 ms where a warm one takes 10, docs/performance.md).
 */
const STREAM_FIRST_BATCH = 100;

/** Filters of the admin list; all optional, combined with AND. */
export interface AdminListFilter {
  userId?: string;
  /** An address or a CIDR block. */
  ip?: string;
  /** A method name or an alias of one: matches the sessions stored under its RFC 8176 name. */
  authMethod?: string;
  deviceType?: string;
  /** ISO 8601: only sessions active at or after it. */
  activeSince?: string;
}

/**
 * One session of the admin list, serialised by PostgreSQL: its whole seed 000
 * JSON with the recorded user name (`item`); or, when a host's directory
 * supplies the names, that JSON up to (not including) `username` and the
 * closing brace, and whose it is.
 */
export type StreamedAdminItem =
  { item: string } | { head: string; user_id: string; username: string };

/** A session of one keyset page of the admin list, with its place in the order. */
export type AdminPageItem = StreamedAdminItem & { id: string; position_key: string };

/**
 * The admin list item (seed 000, the same fields in the same order as
 * `toAdminSession`), as compact JSON built by `row_to_json`: whole, with the
 * recorded `username` last, or without it (`ADMIN_ITEM_HEAD`) for a host's
 * directory to name. Whole is one function call per row for PostgreSQL,
 * which the streamed list of a million sessions waits on: 12 % less time
 * than cutting the brace off and returning the name apart.
 */
const ADMIN_ITEM_HEAD = `left(row_to_json(item)::text, -1)`;
const adminItem = (whole: boolean) => `LATERAL (
    SELECT s.id AS session_id, s.user_id, ${ISO('s.created_at')} AS created_at,
           ${ISO('s.expires_at')} AS expires_at, ${ISO('s.last_active_at')} AS last_activity,
           host(s.ip) AS ip_address, s.user_agent, s.amr[1] AS auth_method, ${ACTIVE} AS is_active${whole ? ', u.username' : ''}
  ) item`;

/** The columns of an admin list item (`StreamedAdminItem`). */
const adminItemColumns = (whole: boolean) =>
  whole
    ? `row_to_json(item)::text AS item`
    : `${ADMIN_ITEM_HEAD} AS head, s.user_id::text AS user_id, u.username`;

/** Batches of a streamed query, and how to give its connection back. */
export interface BatchStream<T> {
  batches: AsyncIterable<T[]>;
  release: () => void;
}

/** Active sessions matching the filter; appends its values to `params`. */
function adminWhere(filter: AdminListFilter, params: unknown[]): string {
  const clauses = [ACTIVE];
  const add = (value: unknown, clause: (placeholder: string) => string) => {
    params.push(value);
    clauses.push(clause(`$${params.length}`));
  };
  if (filter.userId) add(filter.userId, (p) => `s.user_id = ${p}`);
  if (filter.ip) add(filter.ip, (p) => `s.ip <<= ${p}::inet`);
  if (filter.authMethod) add(canonicalAmr(filter.authMethod), (p) => `s.amr[1] = ${p}`);
  if (filter.deviceType) add(filter.deviceType, (p) => `s.device_type = ${p}`);
  if (filter.activeSince) add(filter.activeSince, (p) => `s.last_active_at >= ${p}::timestamptz`);
  return clauses.join(' AND ');
}

/** Who ended sessions and why, as recorded in `revoked_by` and `revoke_reason`. */
export interface RevocationActor {
  /** e.g. `user:1001`, `admin:1` */
  by: string;
  reason: string | null;
  /** The request ending them: its audit events carry the request's ids. */
  request?: RequestContext;
}

export interface RevocationResult {
  /** Sessions the request addressed. */
  found: number;
  /** Sessions this request ended (a session already revoked is not counted twice). */
  revoked: number;
}

/** Position in the revocation feed: after the row with this transaction id and row id. */
export interface FeedPosition {
  xid: string;
  id: string;
}

/**
 * Marks the target sessions revoked and appends one feed row and one audit
 * event (`revoked`, or `evicted` for a policy's `limit`) per session this
 * statement actually revoked. Two concurrent revocations of one session
 * serialise on its row lock; the second sees revoked_at set and writes nothing.
 * `audit` says where the request's ids are (`null`: no events, the audit
 * trail is off); a statement that passes none records its events without them.
 */
const REVOKE = (
  t: SessionsTables,
  target: string,
  extraColumns = '',
  audit: AuditContext | null = NO_REQUEST,
) => `
  WITH target AS (${target}),
  revoked AS (
    UPDATE ${t.sessions} s SET revoked_at = now(), revoked_by = $1, revoke_reason = $2
      FROM target WHERE s.id = target.id AND s.revoked_at IS NULL
    RETURNING s.id, s.user_id, s.tenant_id, s.revoked_at, s.revoked_by, s.revoke_reason
  ),
  logged AS (
    INSERT INTO ${t.revocations} (session_id, user_id, revoked_at, revoked_by, reason)
    SELECT id, user_id, revoked_at, revoked_by, revoke_reason FROM revoked
  )${
    audit
      ? `,
  ${sessionEventsCte(t, revocationEventRows('revoked'), audit)}`
      : ''
  }
  SELECT (SELECT count(*)::int FROM target) AS found, (SELECT count(*)::int FROM revoked) AS revoked
         ${extraColumns}`;

/**
 * A session's idle timeout as its tenant has it now (a tenant's change reaches
 * its existing sessions at their next touch), else the session's own.
 */
const TENANT_IDLE = (t: SessionsTables) =>
  `COALESCE((SELECT tn.idle_timeout_seconds FROM ${t.tenants} tn WHERE tn.id = s.tenant_id), s.idle_timeout_seconds)`;

/**
 * The limit the sign-in's user ($3) is held to: an admin's own limit for the
 * user, else the tenant's or the service's ($4 max, null for none; $5 policy).
 */
const USER_LIMIT = (t: SessionsTables) => `SELECT
    CASE WHEN o.user_id IS NULL THEN $4::int ELSE o.max_sessions END AS max_sessions,
    COALESCE(o.limit_policy, $5::varchar) AS limit_policy,
    o.user_id IS NOT NULL AS overridden
  FROM (VALUES (1)) AS one (x) LEFT JOIN ${t.userSessionLimits} o ON o.user_id = $3`;

/** Who a session limit's revocations are recorded as (`revoked_by`). */
export const POLICY_REVOKER = 'policy';

/** A PostgreSQL advisory lock key (int8) for one user's sign-ins in one schema. */
export function signInLockKey(schema: string, userId: string): string {
  return createHash('sha256')
    .update(`${schema}\u0000${userId}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/** Takes the sign-in's per-user lock (see `signInLockKey`) until the transaction ends. */
const LOCK_SIGN_IN = {
  name: 'sign_in_lock',
  text: 'SELECT pg_advisory_xact_lock($1::bigint)',
};

/**
 * Sends `queries` on `client` in one flight (node-postgres pipeline mode) and
 * waits for every answer: the rows of each, in order, or the first error once
 * all have answered (an error inside a transaction fails the ones after it).
 * The client leaves pipeline mode before this returns.
 */
async function pipelined(
  client: PoolClient,
  queries: { name?: string; text: string; values?: unknown[] }[],
): Promise<QueryResultRow[][]> {
  const mode = client as { pipeline: boolean };
  mode.pipeline = true;
  let settled: PromiseSettledResult<QueryResult<QueryResultRow>>[];
  try {
    settled = await Promise.allSettled(queries.map((query) => client.query<QueryResultRow>(query)));
  } finally {
    mode.pipeline = false;
  }
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<QueryResult<QueryResultRow>>).value.rows);
}

/** A sign-in's statement parameters, $1..$11 (and $12, $13 with a subject). */
function signInParams(session: NewSession): unknown[] {
  const { subject } = session;
  return [
    session.userId,
    session.username,
    session.tenantId,
    session.deviceId,
    session.deviceType,
    session.ip,
    session.geoip,
    session.userAgent,
    session.amr,
    session.ttlSeconds,
    session.idleTimeoutSeconds,
    ...(subject ? [subject.issuer, subject.subject] : []),
  ];
}

/**
 * The SQL behind the sessions feature. Reads return raw rows (no entity
 * hydration) and use the database clock, so every instance agrees on "now".
 * Every table is named with its schema (the `schema` option), in statements
 * built once, here.
 */
@Injectable()
export class SessionsRepository {
  private singleBackend?: Promise<boolean>;
  /** Each admin page query's statement name: one per combination of filters, and of a cursor. */
  private readonly adminPageStatements = new Map<string, string>();
  private readonly schemaName: string;
  /** Sign-in statements: `unlimited` records only when the user has no limit of their own. */
  private readonly signIn: {
    unlimited: {
      plain: { name: string; text: string };
      withSubject: { name: string; text: string };
    };
    checked: {
      plain: { name: string; text: string };
      withSubject: { name: string; text: string };
    };
    replaceDevice: { name: string; text: string };
    evict: { name: string; text: string };
  };
  /** Whether statements write the audit trail (the `audit` option). */
  private readonly audit: boolean;
  private readonly sql: {
    userSessionsPage: { name: string; text: string };
    userSessionsCount: { name: string; text: string };
    /** `FROM` of both admin lists. */
    adminFrom: string;
    /** The sign-in, recording the session where `guard` holds. */
    insert: (guard: string) => string;
    insertWithSubject: (guard: string) => string;
    resolveSubject: string;
    userSummary: string;
    detail: string;
    /** The JWT guard's check on every request with a session-bound token: prepared, on the primary. */
    isActive: { name: string; text: string };
    revokeOne: string;
    startBulkRevocation: string;
    revokeBatchOfUser: string;
    countActiveOfUser: string;
    touch: string;
    readRevocations: string;
  };

  constructor(
    @Inject(SESSIONS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SESSIONS_MODULE_OPTIONS) options: SessionsSettings,
  ) {
    const resolved = resolveSessionsOptions(options);
    const t = sessionsTables(resolved.schema);
    this.schemaName = t.schemaName;
    this.audit = resolved.audit;
    // The request's ids at placeholders `$n` and `$n+1`, the statement's last two (see `audited`).
    const auditAt = (n: number): AuditContext | null =>
      this.audit ? { requestId: `$${n}`, traceId: `$${n + 1}` } : null;
    const events = (rows: string, n: number, name?: string): string => {
      const at = auditAt(n);
      return at ? `, ${sessionEventsCte(t, rows, at, name)}` : '';
    };
    const named = (label: string, text: string) => ({ name: statementName(label, text), text });
    this.sql = {
      userSessionsPage: named('user_sessions_page', USER_SESSIONS_PAGE(t)),
      userSessionsCount: named('user_sessions_count', USER_SESSIONS_COUNT(t)),
      adminFrom: `${t.sessions} s JOIN ${t.users} u ON u.id = s.user_id`,
      insert: (guard: string) => `WITH upserted_user AS (
         INSERT INTO ${t.users} AS users (id, username) SELECT $1::bigint, $2::varchar WHERE ${guard}
         ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, updated_at = now()
           WHERE users.username IS DISTINCT FROM EXCLUDED.username
       ), s AS (
         INSERT INTO ${t.sessions} (user_id, tenant_id, device_id, device_type, ip, geoip, user_agent, amr,
                               idle_timeout_seconds, authenticated_at, last_active_at,
                               idle_expires_at, expires_at)
         SELECT $1::bigint, $3::varchar, $4::varchar, $5::varchar, $6::inet, $7::varchar, $8::varchar,
                $9::text[], $11::int, now(), now(),
                now() + make_interval(secs => LEAST($11::int, $10::int)),
                now() + make_interval(secs => $10::int)
          WHERE ${guard}
         RETURNING *
       )${events(userEventRows('created', 's'), 12)}
       SELECT ${SESSION_COLUMNS} FROM s`,
      // The sign-in with its subject mapping, in one statement: the mapping is
      // inserted, or found locked (a concurrent insert of it committed first)
      // and kept when it names this user; when it names another user no
      // CTE below writes anything and no row comes back.
      insertWithSubject: (guard: string) => `WITH mapped AS (
         INSERT INTO ${t.subjects} AS m (issuer, subject, user_id)
         SELECT $12::varchar, $13::varchar, $1::bigint WHERE ${guard}
         ON CONFLICT (issuer, subject) DO UPDATE SET user_id = EXCLUDED.user_id
           WHERE m.user_id = EXCLUDED.user_id
         RETURNING m.user_id, m.xmax = 0 AS inserted
       ), upserted_user AS (
         INSERT INTO ${t.users} AS users (id, username)
         SELECT $1::bigint, $2::varchar WHERE EXISTS (SELECT 1 FROM mapped)
         ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, updated_at = now()
           WHERE users.username IS DISTINCT FROM EXCLUDED.username
       ), s AS (
         INSERT INTO ${t.sessions} (user_id, tenant_id, device_id, device_type, ip, geoip, user_agent, amr,
                               idle_timeout_seconds, authenticated_at, last_active_at,
                               idle_expires_at, expires_at)
         SELECT $1::bigint, $3::varchar, $4::varchar, $5::varchar, $6::inet, $7::varchar, $8::varchar,
                $9::text[], $11::int, now(), now(),
                now() + make_interval(secs => LEAST($11::int, $10::int)),
                now() + make_interval(secs => $10::int)
          WHERE EXISTS (SELECT 1 FROM mapped)
         RETURNING *
       )${events(userEventRows('created', 's'), 14)}${events(
         `SELECT 'subject_mapped', s.id, s.user_id, s.tenant_id, 'user', 'user:' || s.user_id, NULL,
                 jsonb_build_object('issuer', $12::varchar, 'subject', $13::varchar)
            FROM s CROSS JOIN mapped WHERE mapped.inserted`,
         14,
         'subject_events_written',
       )}
       SELECT ${SESSION_COLUMNS} FROM s`,
      resolveSubject: `SELECT user_id::text AS user_id FROM ${t.subjects} WHERE issuer = $1 AND subject = $2`,
      userSummary: `SELECT u.id::text AS user_id, u.username,
              (SELECT count(*)::int FROM ${t.sessions} s WHERE s.user_id = u.id AND ${ACTIVE}) AS active_sessions,
              COALESCE((SELECT json_agg(json_build_object('issuer', m.issuer, 'subject', m.subject,
                                                          'created_at', ${ISO('m.created_at')})
                                        ORDER BY m.created_at, m.issuer, m.subject)
                          FROM (SELECT * FROM ${t.subjects} m WHERE m.user_id = u.id
                                 ORDER BY m.created_at, m.issuer, m.subject
                                 LIMIT ${MAX_LISTED_SUBJECTS}) m), '[]'::json) AS subjects,
              latest.tenant_id, ${ISO('latest.created_at')} AS last_sign_in_at,
              (SELECT json_build_object('max_sessions', l.max_sessions, 'limit_policy', l.limit_policy)
                 FROM ${t.userSessionLimits} l WHERE l.user_id = u.id) AS user_limit
         FROM ${t.users} u
         LEFT JOIN LATERAL (SELECT s.tenant_id, s.created_at FROM ${t.sessions} s WHERE s.user_id = u.id
                             ORDER BY s.created_at DESC, s.id DESC LIMIT 1) latest ON true
        WHERE u.id = $1`,
      detail: `SELECT ${SESSION_COLUMNS}, u.username, s.idle_timeout_seconds,
              ${ISO('s.revoked_at')} AS revoked_at, s.revoked_by, s.revoke_reason
         FROM ${t.sessions} s JOIN ${t.users} u ON u.id = s.user_id
        WHERE s.id = $1`,
      isActive: named(
        'session_active',
        `SELECT EXISTS (SELECT 1 FROM ${t.sessions} s WHERE s.id = $1 AND s.user_id = $2 AND ${ACTIVE}) AS active`,
      ),
      revokeOne: REVOKE(
        t,
        `SELECT id FROM ${t.sessions} WHERE id = $3 AND ($4::bigint IS NULL OR user_id = $4)`,
        '',
        auditAt(5),
      ),
      startBulkRevocation: `SELECT EXISTS (SELECT 1 FROM ${t.users} WHERE id = $1) AS user_exists, now()::text AS started_at`,
      revokeBatchOfUser: REVOKE(
        t,
        `SELECT s.id FROM ${t.sessions} s
          WHERE s.user_id = $3 AND ${ACTIVE} AND ($4::uuid IS NULL OR s.id <> $4)
            AND s.created_at <= $5::timestamptz
          LIMIT $6`,
        '',
        auditAt(7),
      ),
      countActiveOfUser: `SELECT count(*)::int AS n FROM ${t.sessions} s
        WHERE s.user_id = $1 AND ${ACTIVE} AND ($2::uuid IS NULL OR s.id <> $2)`,
      // The activity before this touch, read under the row lock so two touches in a row
      // see each other: `touched` is recorded at most once a minute per session.
      touch: `WITH prior AS (
         SELECT s.id, s.last_active_at FROM ${t.sessions} s WHERE s.id = $1 AND ${ACTIVE} FOR UPDATE
       ), s AS (
         UPDATE ${t.sessions} s
            SET last_active_at = now(),
                idle_timeout_seconds = ${TENANT_IDLE(t)},
                idle_expires_at = LEAST(now() + make_interval(secs => ${TENANT_IDLE(t)}), s.expires_at)
           FROM prior
          WHERE s.id = prior.id AND ${ACTIVE}
          RETURNING s.*, prior.last_active_at AS prior_active_at
       )${events(userEventRows('touched', 's', `x.prior_active_at < now() - interval '60 seconds'`), 2)}
       SELECT ${SESSION_COLUMNS} FROM s`,
      // Ordered by the table's columns (`r.`): a bare `xid` or `id` in ORDER BY would name the
      // output's text columns, and '1003' sorts before '999' as text.
      readRevocations: `SELECT r.id::text AS id, r.xid::text AS xid, r.session_id, r.user_id::text AS user_id,
              ${ISO('r.revoked_at')} AS revoked_at, r.revoked_by, r.reason
         FROM ${t.revocations} r
        WHERE (r.xid, r.id) > ($1::xid8, $2::bigint)
          AND r.xid < pg_snapshot_xmin(pg_current_snapshot())
          AND ($4::timestamptz IS NULL OR r.revoked_at >= $4::timestamptz)
        ORDER BY r.xid, r.id
        LIMIT $3`,
    };
    const { insert, insertWithSubject } = this.sql;
    const noOwnLimit = `NOT EXISTS (SELECT 1 FROM ${t.userSessionLimits} l
                                    WHERE l.user_id = $1 AND l.max_sessions IS NOT NULL)`;
    const limit = USER_LIMIT(t);
    this.signIn = {
      unlimited: {
        plain: named('sign_in_unlimited', insert(noOwnLimit)),
        withSubject: named('sign_in_subject_unlimited', insertWithSubject(noOwnLimit)),
      },
      checked: {
        plain: named('sign_in', insert('true')),
        withSubject: named('sign_in_subject', insertWithSubject('true')),
      },
      replaceDevice: named(
        'replace_device',
        REVOKE(
          t,
          `SELECT s.id FROM ${t.sessions} s WHERE s.user_id = $3 AND s.device_id = $4 AND ${ACTIVE}`,
          '',
          auditAt(5),
        ),
      ),
      // Keeps the max_sessions - 1 most recently active sessions (the sign-in
      // adds one); under deny revokes nothing and reports the count.
      evict: named(
        'evict',
        REVOKE(
          t,
          `SELECT ranked.id
           FROM (SELECT s.id, row_number() OVER (ORDER BY s.last_active_at DESC, s.id DESC) AS n
                   FROM ${t.sessions} s WHERE s.user_id = $3 AND ${ACTIVE}) ranked
          CROSS JOIN (${limit}) lim
          WHERE lim.limit_policy = 'evict-oldest' AND ranked.n >= lim.max_sessions`,
          `, (SELECT count(*)::int FROM ${t.sessions} s WHERE s.user_id = $3 AND ${ACTIVE}) AS active,
           lim.max_sessions, lim.limit_policy, lim.overridden
           FROM (${limit}) lim`,
          auditAt(6),
        ),
      ),
    };
  }

  /**
   * Whether the user exists, how many active sessions they have, and one page
   * of them, most recently active first, in one round trip. The count and the
   * skip to the page share a single index-only pass over the user's entries in
   * `sessions_user_active_idx` (a window count); only the page's rows are read
   * from the table. A page past the end has no row to carry the count, so it
   * alone costs a second, index-only count.
   */
  async findUserSessionsPage(
    userId: string,
    limit: number,
    offset: number,
  ): Promise<UserSessionsPage> {
    const { userSessionsPage, userSessionsCount } = this.sql;
    const result = await this.read<PageRow>(
      userSessionsPage.text,
      [userId, limit, offset],
      userSessionsPage.name,
    );
    const [first] = result;
    const items: string[] = [];
    for (const row of result) if (row.item !== null) items.push(row.item);
    let total = first.total ?? 0;
    if (items.length === 0 && offset > 0 && first.user_exists) {
      const [counted] = await this.read<{ total: number }>(
        userSessionsCount.text,
        [userId],
        userSessionsCount.name,
      );
      total = counted.total;
    }
    return { userExists: first.user_exists, total, items };
  }

  /**
   * Every active session matching the filter, with its user's name, most
   * recently active first, read through a server-side cursor `STREAM_BATCH`
   * rows per FETCH, so memory stays flat however many sessions there are. A
   * declared cursor is planned for fast first rows, and `statement_timeout`
   * bounds each FETCH rather than the whole list. PostgreSQL writes each item's
   * JSON (`StreamedAdminItem`): the driver parses one text column per row
   * instead of a dozen typed ones (three, and Node writes the name, when a
   * host's directory names the users: `whole` false).
   * On the embedded PostgreSQL the cursor is declared WITH HOLD outside a
   * transaction instead: PGlite computes the list as it declares it, and other
   * requests take their turns on its one backend between the FETCHes.
   */
  async streamActive(
    filter: AdminListFilter = {},
    whole = true,
  ): Promise<BatchStream<StreamedAdminItem>> {
    const params: unknown[] = [];
    const sql = `SELECT ${adminItemColumns(whole)}
         FROM ${this.sql.adminFrom} CROSS JOIN ${adminItem(whole)}
        WHERE ${adminWhere(filter, params)}
        ORDER BY s.last_active_at DESC, s.id DESC`;
    const held = await this.onSingleBackend();
    // One backend for every connection (embedded PostgreSQL): a cursor name of
    // its own, WITH HOLD so no transaction stays open between FETCHes.
    const cursor = held ? `admin_list_${randomUUID().replace(/-/g, '')}` : 'admin_list';
    const runner = this.dataSource.createQueryRunner('slave');
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await runner.query(held ? `CLOSE ${cursor}` : 'ROLLBACK').catch(() => undefined);
      await runner.release();
    };
    try {
      await runner.connect();
      if (held) {
        await runner.query(`DECLARE ${cursor} NO SCROLL CURSOR WITH HOLD FOR ${sql}`, params);
      } else {
        // No JIT for this plan: its cost is far above jit_above_cost, and compiling it took
        // 280-370 ms of the first byte against 14-84 ms to declare it without (1M sessions,
        // docs/performance.md); the rows come no faster compiled. One round trip for both.
        await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL jit = off');
        await runner.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, params);
      }
    } catch (error) {
      await close();
      throw error;
    }
    async function* fetchAll(): AsyncGenerator<StreamedAdminItem[]> {
      try {
        for (let size = STREAM_FIRST_BATCH; ; size = STREAM_BATCH) {
          const batch = (await runner.query(`FETCH ${size} FROM ${cursor}`)) as StreamedAdminItem[];
          if (batch.length > 0) yield batch;
          if (batch.length < size) return;
        }
      } finally {
        await close();
      }
    }
    return { batches: fetchAll(), release: () => void close() };
  }

  /**
   * Whether the database is PGlite (the embedded PostgreSQL), whose one
   * backend serves every connection in turns: a transaction held open across
   * a whole streamed list would keep every other request waiting.
   */
  private onSingleBackend(): Promise<boolean> {
    this.singleBackend ??= this.dataSource
      .query<{ version: string }[]>('SELECT version() AS version')
      .then(([row]) => /\bPGlite\b/.test(row.version))
      .catch(() => {
        this.singleBackend = undefined;
        return false;
      });
    return this.singleBackend;
  }

  /**
   * One keyset page of the admin list: `limit` sessions after `after`, each
   * written by PostgreSQL as the stream writes it. Each combination of
   * filters is its own prepared statement, planned once per connection.
   */
  async findActivePage(
    filter: AdminListFilter,
    limit: number,
    after?: ListPosition,
    whole = true,
  ): Promise<AdminPageItem[]> {
    const params: unknown[] = [];
    let where = adminWhere(filter, params);
    if (after) {
      params.push(after.lastActiveAt, after.id);
      where += ` AND (s.last_active_at, s.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    params.push(limit);
    const sql = `SELECT ${adminItemColumns(whole)}, s.id, s.last_active_at::text AS position_key
         FROM ${this.sql.adminFrom} CROSS JOIN ${adminItem(whole)}
        WHERE ${where}
        ORDER BY s.last_active_at DESC, s.id DESC
        LIMIT $${params.length}`;
    let name = this.adminPageStatements.get(sql);
    if (name === undefined) {
      name = statementName('admin_page', sql);
      this.adminPageStatements.set(sql, name);
    }
    return this.read<AdminPageItem>(sql, params, name);
  }

  /** TypeORM's node-postgres pools: the primary's, and the read replicas' (`DATABASE_READ_URLS`). */
  private pools(): { master: Pool; slaves: Pool[] } {
    return this.dataSource.driver as unknown as { master: Pool; slaves: Pool[] };
  }

  /**
   * A list read, served by a read replica (one at random, as TypeORM picks
   * them) when `DATABASE_READ_URLS` configures some, else by the primary. It
   * goes straight to that node-postgres pool, with no query runner built per
   * call; a `name` makes it a prepared statement each connection plans once.
   */
  private async read<T extends QueryResultRow>(
    sql: string,
    params: unknown[],
    name?: string,
  ): Promise<T[]> {
    const { master, slaves } = this.pools();
    const pool = slaves.length === 0 ? master : slaves[Math.floor(Math.random() * slaves.length)];
    return (await pool.query<T>({ name, text: sql, values: params })).rows;
  }

  /**
   * Records a sign-in: upserts the user (the name may have changed) and inserts
   * the session in one statement, so neither is written without the other.
   * With a `subject`, its mapping to the user is inserted in the same
   * statement; undefined when that subject is mapped to another user, and
   * then nothing is written.
   */
  async insert(session: NewSession): Promise<SessionRow | undefined> {
    const { subject } = session;
    const { unlimited } = this.signIn;
    const { rows } = await this.pools().master.query<SessionRow>({
      ...(subject ? unlimited.withSubject : unlimited.plain),
      values: this.audited(signInParams(session), session.request),
    });
    return rows[0];
  }

  /**
   * Records a sign-in held to a concurrent-session limit, in one transaction
   * serialised per user (`pg_advisory_xact_lock` on the schema and user id):
   * with `replaceDevice`, the user's active sessions on the sign-in's device
   * are revoked first (reason `device-replaced`); then, under `evict-oldest`,
   * the least recently active sessions past the limit (reason `limit`), both
   * through the one revocation statement, so each gets its feed row; under
   * `deny` a user at the limit is refused and nothing is written. The limit
   * is an admin's own for the user if set, else `limit`.
   */
  async insertWithinLimit(
    session: NewSession,
    limit: SessionLimit,
    replaceDevice: boolean,
  ): Promise<LimitedSignIn> {
    // Straight on the primary's pool, its statements prepared once per connection.
    const client = await this.pools().master.connect();
    let open = false;
    let broken: Error | undefined;
    try {
      open = true;
      const { checked } = this.signIn;
      const replacing = replaceDevice && session.deviceId !== null;
      // Two round trips in all: the lock and the statements go out in one
      // pipelined flight (answered in order; each statement still takes its
      // snapshot after the one before it, so after the lock), then COMMIT or
      // ROLLBACK as the answers say.
      const [, , replaced, evicted, inserted] = await pipelined(client, [
        { text: 'BEGIN' },
        { ...LOCK_SIGN_IN, values: [signInLockKey(this.schemaName, session.userId)] },
        replacing
          ? {
              ...this.signIn.replaceDevice,
              values: this.audited(
                [POLICY_REVOKER, 'device-replaced', session.userId, session.deviceId],
                session.request,
              ),
            }
          : { text: 'SELECT 0 AS revoked' },
        {
          ...this.signIn.evict,
          values: this.audited(
            [POLICY_REVOKER, 'limit', session.userId, limit.max_sessions, limit.limit_policy],
            session.request,
          ),
        },
        {
          ...(session.subject ? checked.withSubject : checked.plain),
          values: this.audited(signInParams(session), session.request),
        },
      ]);
      const eviction = evicted[0] as RevocationResult & {
        active: number;
        max_sessions: number | null;
        limit_policy: SessionLimitPolicy;
        overridden: boolean;
      };
      const row = inserted[0] as SessionRow | undefined;
      // Under deny the evict statement revoked nothing and counted the
      // sessions active before this sign-in: at the limit, the insert is undone.
      const denied =
        eviction.limit_policy === 'deny' &&
        eviction.max_sessions !== null &&
        eviction.active >= eviction.max_sessions;
      const keep = row !== undefined && !denied;
      open = false;
      await client.query(keep ? 'COMMIT' : 'ROLLBACK');
      if (denied) {
        return {
          revoked: 0,
          denied: {
            max_sessions: eviction.max_sessions,
            limit_policy: 'deny',
            source: eviction.overridden ? 'user' : limit.source,
          },
        };
      }
      const revoked = (replaced[0] as RevocationResult).revoked + eviction.revoked;
      return { row, revoked: keep ? revoked : 0 };
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      if (open) {
        await client.query('ROLLBACK').then(
          () => (broken = undefined),
          () => undefined,
        );
      }
      // A connection whose transaction could not be ended is closed, not reused.
      client.release(open ? broken : undefined);
    }
  }

  /** The user id `subject` of `issuer` is mapped to, read on the primary (so a mapping just recorded is found). */
  async resolveSubject(issuer: string, subject: string): Promise<string | null> {
    const [row]: { user_id: string }[] = await this.dataSource.query(this.sql.resolveSubject, [
      issuer,
      subject,
    ]);
    return row?.user_id ?? null;
  }

  /** A user as recorded, with their subjects (the oldest `MAX_LISTED_SUBJECTS`, oldest first) and active sessions counted. */
  async findUserSummary(userId: string): Promise<UserSummaryRow | undefined> {
    const [row] = await this.read<UserSummaryRow>(this.sql.userSummary, [userId]);
    return row;
  }

  /** One session of any status, with its user's name and revocation record. */
  async findDetail(sessionId: string): Promise<SessionDetailRow | undefined> {
    const [row]: SessionDetailRow[] = await this.dataSource.query(this.sql.detail, [sessionId]);
    return row;
  }

  /** Whether the session is active and belongs to the user: one primary-key lookup. */
  async isActive(sessionId: string, userId: string): Promise<boolean> {
    const { rows } = await this.pools().master.query<{ active: boolean }>({
      ...this.sql.isActive,
      values: [sessionId, userId],
    });
    return rows[0].active;
  }

  /** Revokes one session; with `ownerId`, only if it belongs to that user. */
  async revokeOne(
    sessionId: string,
    ownerId: string | null,
    actor: RevocationActor,
  ): Promise<RevocationResult> {
    const [row]: RevocationResult[] = await this.dataSource.query(
      this.sql.revokeOne,
      this.audited([actor.by, actor.reason, sessionId, ownerId], actor.request),
    );
    return row;
  }

  /**
   * Where a bulk revocation of a user's sessions starts: whether the user
   * exists, and the database's clock, which bounds the sessions it ends to
   * those created by then.
   */
  async startBulkRevocation(userId: string): Promise<{ userExists: boolean; startedAt: string }> {
    const [row]: { user_exists: boolean; started_at: string }[] = await this.dataSource.query(
      this.sql.startBulkRevocation,
      [userId],
    );
    return { userExists: row.user_exists, startedAt: row.started_at };
  }

  /**
   * Revokes at most `limit` active sessions of a user created at or before
   * `createdBy`, except `keepSessionId`, with their feed rows, in one
   * statement (its own short transaction). `found` below `limit` means none
   * is left.
   */
  async revokeBatchOfUser(
    userId: string,
    keepSessionId: string | null,
    actor: RevocationActor,
    createdBy: string,
    limit: number,
  ): Promise<RevocationResult> {
    const [row]: RevocationResult[] = await this.dataSource.query(
      this.sql.revokeBatchOfUser,
      this.audited(
        [actor.by, actor.reason, userId, keepSessionId, createdBy, limit],
        actor.request,
      ),
    );
    return row;
  }

  /**
   * Active sessions of a user, except `keepSessionId`: what a bulk revocation
   * still has to end (and any created since it started). An index-only count.
   */
  async countActiveOfUser(userId: string, keepSessionId: string | null): Promise<number> {
    const [row]: { n: number }[] = await this.dataSource.query(this.sql.countActiveOfUser, [
      userId,
      keepSessionId,
    ]);
    return row.n;
  }

  /**
   * Records activity: slides the idle expiry forward by the session's idle
   * timeout (its tenant's current one, which the session then keeps), never
   * past the absolute expiry. Only an active session is touched,
   * so a touch racing a revocation can never bring the session back.
   */
  async touch(sessionId: string, request?: RequestContext): Promise<SessionRow | undefined> {
    const [row]: SessionRow[] = await this.dataSource.query(
      this.sql.touch,
      this.audited([sessionId], request),
    );
    return row;
  }

  /**
   * A writing statement's parameters, followed (when the audit trail is on)
   * by the request id and trace id its events record: those of `request`,
   * which the library's writing routes hand down, else of the current request
   * context (`currentRequestContext`, which a host may establish); none
   * outside a request.
   */
  private audited(params: unknown[], request?: RequestContext): unknown[] {
    if (!this.audit) return params;
    const context = request ?? currentRequestContext();
    return [...params, context?.requestId ?? null, context?.traceId ?? null];
  }

  /**
   * Revocations after `after`, oldest first. Only rows written by transactions
   * older than every transaction still running are served: a revocation that
   * commits later always sorts after the cursor, so no reader misses it.
   * `since`: only revocations made at or after it.
   */
  async readRevocations(
    after: FeedPosition,
    limit: number,
    since?: string,
  ): Promise<RevocationRow[]> {
    return this.dataSource.query(this.sql.readRevocations, [
      after.xid,
      after.id,
      limit,
      since ?? null,
    ]);
  }
}
