import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

export interface SessionSeed {
  id?: string;
  userId: number;
  ip?: string;
  userAgent?: string;
  amr?: string[];
  deviceType?: string;
  tenantId?: string | null;
  deviceId?: string | null;
  geoip?: string | null;
  /** Seconds relative to the database's now(); negative is in the past. */
  lastActiveOffset?: number;
  expiresOffset?: number;
  idleExpiresOffset?: number;
  createdOffset?: number;
  revoked?: boolean;
  /** With `revoked`: seconds relative to now() of the revocation (default 0). */
  revokedOffset?: number;
  /** Seconds relative to now() at which the sweeper marked it expired; absent: not marked. */
  expiredMarkOffset?: number;
  idleTimeoutSeconds?: number;
}

export async function insertUser(
  dataSource: DataSource,
  id: number,
  username = `user${id}`,
): Promise<void> {
  await dataSource.query(
    'INSERT INTO session_service.users (id, username) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username',
    [id, username],
  );
}

/** Inserts a session row directly, with times relative to the database clock. */
export async function insertSession(dataSource: DataSource, seed: SessionSeed): Promise<string> {
  const id = seed.id ?? randomUUID();
  await dataSource.query(
    `INSERT INTO session_service.sessions (id, user_id, tenant_id, device_id, device_type, ip, geoip, user_agent, amr,
                           created_at, authenticated_at, last_active_at, idle_expires_at, expires_at,
                           revoked_at, revoked_by, revoke_reason, expired_at, idle_timeout_seconds)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
             now() + make_interval(secs => $10::int), now() + make_interval(secs => $10::int),
             now() + make_interval(secs => $11::int),
             now() + make_interval(secs => $12::int), now() + make_interval(secs => $13::int),
             CASE WHEN $14::boolean THEN now() + make_interval(secs => $15::int) END,
             CASE WHEN $14::boolean THEN 'test' END, CASE WHEN $14::boolean THEN 'test' END,
             now() + make_interval(secs => $16::int), $17)`,
    [
      id,
      seed.userId,
      seed.tenantId ?? null,
      seed.deviceId ?? null,
      seed.deviceType ?? 'desktop',
      seed.ip ?? '192.0.2.1',
      seed.geoip ?? null,
      seed.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      seed.amr ?? ['pwd'],
      seed.createdOffset ?? -3600,
      seed.lastActiveOffset ?? -60,
      seed.idleExpiresOffset ?? 1800,
      seed.expiresOffset ?? 3600,
      seed.revoked ?? false,
      seed.revokedOffset ?? 0,
      seed.expiredMarkOffset ?? null,
      seed.idleTimeoutSeconds ?? 1800,
    ],
  );
  return id;
}
