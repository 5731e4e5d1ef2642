import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { notify } from '@session-service/auth';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource, type QueryRunner } from 'typeorm';
import { SESSIONS_DATA_SOURCE, SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import {
  type ResolvedSessionsOptions,
  resolveSessionsOptions,
  type SessionsSettings,
} from './sessions.options';
import { DEFAULT_SESSIONS_SCHEMA, sessionsTables } from './sessions-schema';
import { SESSIONS_OBSERVER, type SessionsObserver } from './sessions-observer';
import { NO_REQUEST, sessionEventsCte } from './session-events.sql';

/**
 * Key of the PostgreSQL advisory lock that lets one instance sweep the
 * default schema's tables at a time ("sessions" in ASCII).
 */
export const SWEEP_LOCK_KEY = 0x73657373696f6e73n;

/**
 * The sweep lock of the tables in `schema`: `SWEEP_LOCK_KEY` for the default
 * schema; for another, 64 bits of a digest of its name, so the sweepers of two
 * schemas in one database never wait for each other.
 */
export function sweepLockKey(schema: string = DEFAULT_SESSIONS_SCHEMA): bigint {
  if (schema === DEFAULT_SESSIONS_SCHEMA) return SWEEP_LOCK_KEY;
  const digest = createHash('sha256').update(`sessions-sweeper:${schema}`).digest('hex');
  return BigInt.asIntN(64, BigInt(`0x${digest.slice(0, 16)}`));
}

export interface SweepResult {
  /** Another instance held the lock; this one did nothing. */
  skipped: boolean;
  /** Sessions newly marked expired. */
  expired: number;
  /** Ended sessions deleted after the retention period. */
  deleted: number;
  /** Revocation feed rows deleted after the retention period. */
  feedDeleted: number;
  /** Audit trail events deleted after their retention period (`eventsRetentionSeconds`). */
  eventsDeleted: number;
}

/**
 * Marks sessions that ran out and deletes ended ones past retention, in
 * bounded batches (each its own short statement, `SKIP LOCKED`). Several
 * instances may share a database: a session-level advisory lock makes one of
 * them do the work while the others skip.
 */
@Injectable()
export class SessionsSweeper implements OnApplicationBootstrap {
  private readonly logger = new Logger('SessionsSweeper');
  private readonly options: ResolvedSessionsOptions;
  private running?: Promise<SweepResult>;
  /** The batch statements, on the schema's tables; and the schema's lock. */
  private readonly sql: {
    expire: string;
    /** The `expired` events of the sessions `expire` marks (empty: the audit trail is off). */
    expireAlso: string;
    deleteEnded: string;
    deleteFeed: string;
    deleteEvents: string;
  };
  private readonly lockKey: string;

  constructor(
    @Inject(SESSIONS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly scheduler: SchedulerRegistry,
    @Inject(SESSIONS_MODULE_OPTIONS) options: SessionsSettings,
    @Optional() @Inject(SESSIONS_OBSERVER) private readonly observer?: SessionsObserver,
  ) {
    this.options = resolveSessionsOptions(options);
    const t = sessionsTables(this.options.schema);
    this.lockKey = sweepLockKey(this.options.schema).toString();
    this.sql = {
      expire: `UPDATE ${t.sessions} SET expired_at = now() WHERE id IN (
             SELECT id FROM ${t.sessions}
              WHERE revoked_at IS NULL AND expired_at IS NULL
                AND LEAST(expires_at, idle_expires_at) <= now()
              LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING id, user_id, tenant_id, expires_at, idle_expires_at, expired_at`,
      // In the same statement: each session it ends gets a revocation feed row (by `system`,
      // reason `expired`), so feed readers (gateways, signal streams) learn of expiries too.
      // Its `revoked_at` is when the session ran out, not when the sweep found it: a SET's
      // `event_timestamp` is when the event occurred (CAEP). And, with the audit trail, one
      // `expired` event (`absolute` or `idle` says which expiry ran out, `details.expired_at`
      // when).
      expireAlso: [
        `expired_logged AS (
           INSERT INTO ${t.revocations} (session_id, user_id, revoked_at, revoked_by, reason)
           SELECT id, user_id, LEAST(expires_at, idle_expires_at), 'system', 'expired'
             FROM affected)`,
        ...(this.options.audit
          ? [
              sessionEventsCte(
                t,
                `SELECT 'expired', a.id, a.user_id, a.tenant_id, 'system', 'system',
                    CASE WHEN a.expires_at <= a.idle_expires_at THEN 'absolute' ELSE 'idle' END,
                    jsonb_build_object('expired_at', to_char(LEAST(a.expires_at, a.idle_expires_at)
                      AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                   FROM affected a`,
                NO_REQUEST,
              ),
            ]
          : []),
      ].join(', '),
      deleteEnded: `DELETE FROM ${t.sessions} WHERE id IN (
             SELECT id FROM ${t.sessions}
              WHERE (revoked_at IS NOT NULL OR expired_at IS NOT NULL)
                AND COALESCE(revoked_at, expired_at) < now() - make_interval(secs => $2::int)
              LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING 1`,
      deleteFeed: `DELETE FROM ${t.revocations} WHERE id IN (
             SELECT id FROM ${t.revocations}
              WHERE revoked_at < now() - make_interval(secs => $2::int)
              LIMIT $1)
           RETURNING 1`,
      // Oldest first along (occurred_at, id): each batch is one index range.
      deleteEvents: `DELETE FROM ${t.events} WHERE id IN (
             SELECT id FROM ${t.events}
              WHERE occurred_at < now() - make_interval(secs => $2::int)
              ORDER BY occurred_at, id
              LIMIT $1)
           RETURNING 1`,
    };
  }

  onApplicationBootstrap(): void {
    if (this.options.sweepIntervalMs <= 0) return;
    const timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.warn(`sweep failed: ${String(error)}`));
    }, this.options.sweepIntervalMs);
    timer.unref();
    this.scheduler.addInterval('sessions-sweeper', timer);
  }

  /** One sweep; a call while this instance is already sweeping joins that sweep. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.sweepOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepOnce(): Promise<SweepResult> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const lock = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        this.lockKey,
      ])) as { locked: boolean }[];
      if (!lock[0].locked) {
        return { skipped: true, expired: 0, deleted: 0, feedDeleted: 0, eventsDeleted: 0 };
      }
      try {
        const { sweepBatchSize: batch, retentionSeconds: retention } = this.options;
        const expired = await this.repeat(runner, this.sql.expire, [batch], this.sql.expireAlso);
        if (expired) notify(this.observer, 'sessionsEnded', { reason: 'expired', count: expired });
        const deleted = await this.repeat(runner, this.sql.deleteEnded, [batch, retention]);
        const feedDeleted = await this.repeat(runner, this.sql.deleteFeed, [batch, retention]);
        const eventsDeleted = await this.repeat(runner, this.sql.deleteEvents, [
          batch,
          this.options.eventsRetentionSeconds,
        ]);
        if (expired || deleted || feedDeleted || eventsDeleted) {
          this.logger.log(
            `expired ${expired}, deleted ${deleted} sessions, ${feedDeleted} feed rows and ${eventsDeleted} events`,
          );
        }
        return { skipped: false, expired, deleted, feedDeleted, eventsDeleted };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [this.lockKey]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Runs a batch statement until it touches fewer rows than a batch; returns
   * the total. `also` is a further CTE of the same statement, over `affected`.
   */
  private async repeat(
    runner: QueryRunner,
    sql: string,
    params: unknown[],
    also = '',
  ): Promise<number> {
    const batch = this.options.sweepBatchSize;
    let total = 0;
    for (;;) {
      const rows = await this.countAffected(runner, sql, params, also);
      total += rows;
      if (rows < batch) return total;
    }
  }

  private async countAffected(
    runner: QueryRunner,
    sql: string,
    params: unknown[],
    also: string,
  ): Promise<number> {
    // `also`: more data-modifying CTEs over `affected`, top-level as PostgreSQL requires.
    const rows = (await runner.query(
      `WITH affected AS (${sql})${also ? `, ${also}` : ''} SELECT count(*)::int AS n FROM affected`,
      params,
    )) as { n: number }[];
    return rows[0].n;
  }
}
