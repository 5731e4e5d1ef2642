import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TenantRow, TenantSettings, UserSessionLimit } from './session-policy';
import { SESSIONS_DATA_SOURCE, SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import { resolveSessionsOptions, type SessionsSettings } from './sessions.options';
import { sessionsTables } from './sessions-schema';

/** An ISO 8601 UTC timestamp with milliseconds, as `Date.prototype.toISOString` writes it. */
const ISO = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const TENANT_COLUMNS = `id AS tenant_id, absolute_ttl_seconds, min_absolute_ttl_seconds,
  max_absolute_ttl_seconds, idle_timeout_seconds, min_idle_timeout_seconds,
  max_idle_timeout_seconds, max_sessions, limit_policy,
  ${ISO('created_at')} AS created_at, ${ISO('updated_at')} AS updated_at`;

/** The settings in column order, as statement parameters $2..$9. */
const settingsParams = (s: TenantSettings): unknown[] => [
  s.absolute_ttl_seconds,
  s.min_absolute_ttl_seconds,
  s.max_absolute_ttl_seconds,
  s.idle_timeout_seconds,
  s.min_idle_timeout_seconds,
  s.max_idle_timeout_seconds,
  s.max_sessions,
  s.limit_policy,
];

/** The SQL of tenants and of admins' per-user session limits; always on the primary. */
@Injectable()
export class TenantsRepository {
  private readonly sql: Record<
    | 'find'
    | 'findLocked'
    | 'insert'
    | 'update'
    | 'remove'
    | 'page'
    | 'pageAfter'
    | 'findUserLimit'
    | 'putUserLimit'
    | 'removeUserLimit',
    string
  >;

  constructor(
    @Inject(SESSIONS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SESSIONS_MODULE_OPTIONS) options: SessionsSettings,
  ) {
    const t = sessionsTables(resolveSessionsOptions(options).schema);
    this.sql = {
      find: `SELECT ${TENANT_COLUMNS} FROM ${t.tenants} WHERE id = $1`,
      findLocked: `SELECT ${TENANT_COLUMNS} FROM ${t.tenants} WHERE id = $1 FOR UPDATE`,
      insert: `INSERT INTO ${t.tenants} (id, absolute_ttl_seconds, min_absolute_ttl_seconds,
                 max_absolute_ttl_seconds, idle_timeout_seconds, min_idle_timeout_seconds,
                 max_idle_timeout_seconds, max_sessions, limit_policy)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (id) DO NOTHING
               RETURNING ${TENANT_COLUMNS}`,
      update: `UPDATE ${t.tenants}
                  SET absolute_ttl_seconds = $2, min_absolute_ttl_seconds = $3,
                      max_absolute_ttl_seconds = $4, idle_timeout_seconds = $5,
                      min_idle_timeout_seconds = $6, max_idle_timeout_seconds = $7,
                      max_sessions = $8, limit_policy = $9, updated_at = now()
                WHERE id = $1
               RETURNING ${TENANT_COLUMNS}`,
      remove: `DELETE FROM ${t.tenants} WHERE id = $1`,
      page: `SELECT ${TENANT_COLUMNS} FROM ${t.tenants} ORDER BY id COLLATE "C" LIMIT $1`,
      pageAfter: `SELECT ${TENANT_COLUMNS} FROM ${t.tenants}
                   WHERE id COLLATE "C" > $2 COLLATE "C" ORDER BY id COLLATE "C" LIMIT $1`,
      findUserLimit: `SELECT max_sessions, limit_policy FROM ${t.userSessionLimits} WHERE user_id = $1`,
      // Only for a user who exists ($4: a host's directory says so): no row back otherwise.
      putUserLimit: `INSERT INTO ${t.userSessionLimits} AS l (user_id, max_sessions, limit_policy)
                     SELECT $1::bigint, $2::int, $3::varchar
                      WHERE $4::boolean OR EXISTS (SELECT 1 FROM ${t.users} WHERE id = $1)
                     ON CONFLICT (user_id) DO UPDATE
                       SET max_sessions = EXCLUDED.max_sessions, limit_policy = EXCLUDED.limit_policy,
                           updated_at = now()
                     RETURNING max_sessions, limit_policy`,
      removeUserLimit: `WITH removed AS (DELETE FROM ${t.userSessionLimits} WHERE user_id = $1 RETURNING 1)
        SELECT EXISTS (SELECT 1 FROM removed) AS removed,
               EXISTS (SELECT 1 FROM ${t.users} WHERE id = $1) AS user_exists`,
    };
  }

  async find(tenantId: string): Promise<TenantRow | undefined> {
    const [row]: TenantRow[] = await this.dataSource.query(this.sql.find, [tenantId]);
    return row;
  }

  /** The new tenant; undefined when one with that id exists (nothing written). */
  async insert(tenantId: string, s: TenantSettings): Promise<TenantRow | undefined> {
    const [row]: TenantRow[] = await this.dataSource.query(this.sql.insert, [
      tenantId,
      ...settingsParams(s),
    ]);
    return row;
  }

  /**
   * Changes a tenant in one transaction: reads it locked (`FOR UPDATE`),
   * writes what `change` makes of it (which may throw: nothing is written).
   * Undefined when there is no such tenant. Two changes of one tenant take
   * turns, so neither is checked against a state the other replaced.
   */
  async update(
    tenantId: string,
    change: (current: TenantRow) => TenantSettings,
  ): Promise<TenantRow | undefined> {
    const runner = this.dataSource.createQueryRunner('master');
    await runner.connect();
    let open = false;
    try {
      await runner.query('BEGIN');
      open = true;
      const [current] = (await runner.query(this.sql.findLocked, [tenantId])) as TenantRow[];
      if (!current) return undefined;
      const [rows] = (await runner.query(this.sql.update, [
        tenantId,
        ...settingsParams(change(current)),
      ])) as [TenantRow[], number];
      open = false;
      await runner.query('COMMIT');
      return rows[0];
    } finally {
      if (open) await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  }

  /** Whether a tenant was deleted. */
  async remove(tenantId: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.dataSource.query(this.sql.remove, [tenantId]);
    return count > 0;
  }

  /** `limit` tenants in id order (byte order), after `afterId`. */
  async page(limit: number, afterId?: string): Promise<TenantRow[]> {
    return afterId === undefined
      ? this.dataSource.query(this.sql.page, [limit])
      : this.dataSource.query(this.sql.pageAfter, [limit, afterId]);
  }

  async findUserLimit(userId: string): Promise<UserSessionLimit | undefined> {
    const [row]: UserSessionLimit[] = await this.dataSource.query(this.sql.findUserLimit, [userId]);
    return row;
  }

  /**
   * Sets a user's limit; undefined when the user does not exist in the
   * library's `users` table, unless `known` (a host's directory knows them).
   */
  async putUserLimit(
    userId: string,
    limit: UserSessionLimit,
    known = false,
  ): Promise<UserSessionLimit | undefined> {
    const [row]: UserSessionLimit[] = await this.dataSource.query(this.sql.putUserLimit, [
      userId,
      limit.max_sessions,
      limit.limit_policy,
      known,
    ]);
    return row;
  }

  /** Clears the user's own limit: whether they had one, and whether they are a recorded user. */
  async removeUserLimit(userId: string): Promise<{ removed: boolean; userExists: boolean }> {
    const [row]: { removed: boolean; user_exists: boolean }[] = await this.dataSource.query(
      this.sql.removeUserLimit,
      [userId],
    );
    return { removed: row.removed, userExists: row.user_exists };
  }
}
