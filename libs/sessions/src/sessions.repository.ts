import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AdminSessionRow, SessionRow } from './session.row';

/** Active: not revoked, and now before both the absolute and the idle expiry. */
const ACTIVE = `s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()`;

const STATUS = `CASE
    WHEN s.revoked_at IS NOT NULL THEN 'revoked'
    WHEN s.expires_at <= now() OR s.idle_expires_at <= now() THEN 'expired'
    ELSE 'active' END`;

const SESSION_COLUMNS = `s.id, s.user_id::text AS user_id, s.tenant_id, s.device_id, s.device_type,
  host(s.ip) AS ip, s.geoip, s.user_agent, s.amr, ${STATUS} AS status, s.created_at,
  s.authenticated_at, s.last_active_at, s.idle_expires_at, s.expires_at`;

export interface UserSessionsPage {
  userExists: boolean;
  total: number;
  rows: SessionRow[];
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
}

type PageRow = Partial<SessionRow> & { user_exists: boolean; total: number };

/**
 * The SQL behind the sessions feature. Reads return raw rows (no entity
 * hydration) and use the database clock, so every instance agrees on "now".
 */
@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Whether the user exists, how many active sessions they have, and one page
   * of them, most recently active first: one round trip, served by
   * `sessions_user_active_idx`.
   */
  async findUserSessionsPage(
    userId: string,
    limit: number,
    offset: number,
  ): Promise<UserSessionsPage> {
    const result: PageRow[] = await this.dataSource.query(
      `SELECT u.id IS NOT NULL AS user_exists, c.total, p.*
         FROM (VALUES (1)) AS one (x)
         LEFT JOIN users u ON u.id = $1
         CROSS JOIN LATERAL (
           SELECT count(*)::int AS total FROM sessions s WHERE s.user_id = $1 AND ${ACTIVE}
         ) c
         LEFT JOIN LATERAL (
           SELECT ${SESSION_COLUMNS} FROM sessions s
            WHERE s.user_id = $1 AND ${ACTIVE}
            ORDER BY s.last_active_at DESC, s.id DESC
            LIMIT $2 OFFSET $3
         ) p ON true`,
      [userId, limit, offset],
    );
    const [first] = result;
    return {
      userExists: first.user_exists,
      total: first.total,
      rows: result.filter((r): r is PageRow & SessionRow => r.id != null),
    };
  }

  /** Every active session with its user's name, most recently active first. */
  async findAllActive(): Promise<AdminSessionRow[]> {
    return this.dataSource.query(
      `SELECT ${SESSION_COLUMNS}, u.username
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE ${ACTIVE}
        ORDER BY s.last_active_at DESC, s.id DESC`,
    );
  }

  /**
   * Records a sign-in: upserts the user (the name may have changed) and inserts
   * the session in one statement, so neither is written without the other.
   */
  async insert(session: NewSession): Promise<SessionRow> {
    const [row]: SessionRow[] = await this.dataSource.query(
      `WITH upserted_user AS (
         INSERT INTO users (id, username) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, updated_at = now()
           WHERE users.username IS DISTINCT FROM EXCLUDED.username
       ), s AS (
         INSERT INTO sessions (user_id, tenant_id, device_id, device_type, ip, geoip, user_agent, amr,
                               authenticated_at, last_active_at, idle_expires_at, expires_at)
         VALUES ($1, $3, $4, $5, $6, $7, $8, $9, now(), now(),
                 now() + make_interval(secs => LEAST($11::int, $10::int)),
                 now() + make_interval(secs => $10::int))
         RETURNING *
       )
       SELECT ${SESSION_COLUMNS} FROM s`,
      [
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
      ],
    );
    return row;
  }
}
