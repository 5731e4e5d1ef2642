import { Inject, Injectable } from '@nestjs/common';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import type { EventPosition } from './event-cursor';
import { SESSIONS_DATA_SOURCE, SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import { resolveSessionsOptions, type SessionsSettings } from './sessions.options';
import { sessionsTables, type SessionsTables } from './sessions-schema';

/** Filters of the audit trail; all optional, combined with AND. */
export interface SessionEventsFilter {
  userId?: string;
  sessionId?: string;
  type?: string;
  initiator?: string;
  /** ISO 8601: events at or after it. */
  since?: string;
  /** ISO 8601: events before it. */
  until?: string;
}

/** One event as the listing reads it, with its keyset position. */
export interface SessionEventRow {
  id: string;
  type: string;
  session_id: string | null;
  user_id: string;
  tenant_id: string | null;
  initiator: string;
  actor: string | null;
  reason: string | null;
  request_id: string | null;
  trace_id: string | null;
  occurred_at: string;
  details: Record<string, string> | null;
  /** `occurred_at` in microseconds since the epoch: the cursor's time. */
  position_micros: string;
}

const COLUMNS = `e.id::text AS id, e.type, e.session_id, e.user_id::text AS user_id, e.tenant_id,
  e.initiator, e.actor, e.reason, e.request_id, e.trace_id,
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at,
  e.details, (extract(epoch FROM e.occurred_at) * 1000000)::bigint::text AS position_micros`;

/** A timestamptz from whole microseconds since the epoch, exactly (no floating point). */
const FROM_MICROS = (p: string) =>
  `(timestamptz 'epoch' + (${p}::bigint / 1000000) * interval '1 second'
     + (${p}::bigint % 1000000) * interval '1 microsecond')`;

/**
 * The audit trail's reads. Each page is a keyset walk newest first along
 * `(occurred_at, id)`: over `session_events_user_idx` for one user,
 * `session_events_session_idx` for one session, else
 * `session_events_occurred_idx`, so a page deep in ten million events costs
 * what the first one does (docs/performance.md).
 */
@Injectable()
export class SessionEventsRepository {
  private readonly t: SessionsTables;

  constructor(
    @Inject(SESSIONS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SESSIONS_MODULE_OPTIONS) options: SessionsSettings,
  ) {
    this.t = sessionsTables(resolveSessionsOptions(options).schema);
  }

  /** `limit` events matching the filter, after `after`, newest first. */
  async findPage(
    filter: SessionEventsFilter,
    limit: number,
    after?: EventPosition,
  ): Promise<SessionEventRow[]> {
    const params: unknown[] = [];
    const clauses: string[] = [];
    const add = (value: unknown, clause: (placeholder: string) => string) => {
      params.push(value);
      clauses.push(clause(`$${params.length}`));
    };
    if (filter.userId) add(filter.userId, (p) => `e.user_id = ${p}::bigint`);
    if (filter.sessionId) add(filter.sessionId, (p) => `e.session_id = ${p}::uuid`);
    if (filter.type) add(filter.type, (p) => `e.type = ${p}`);
    if (filter.initiator) add(filter.initiator, (p) => `e.initiator = ${p}`);
    if (filter.since) add(filter.since, (p) => `e.occurred_at >= ${p}::timestamptz`);
    if (filter.until) add(filter.until, (p) => `e.occurred_at < ${p}::timestamptz`);
    if (after) {
      params.push(after.micros, after.id);
      const [micros, id] = [`$${params.length - 1}`, `$${params.length}`];
      clauses.push(`(e.occurred_at, e.id) < (${FROM_MICROS(micros)}, ${id}::bigint)`);
    }
    params.push(limit);
    return this.read<SessionEventRow>(
      `SELECT ${COLUMNS}
         FROM ${this.t.events} e
        WHERE ${clauses.length ? clauses.join(' AND ') : 'true'}
        ORDER BY e.occurred_at DESC, e.id DESC
        LIMIT $${params.length}`,
      params,
    );
  }

  /** Whether the library's own users table has the user. */
  async userExists(userId: string): Promise<boolean> {
    const [row] = await this.read<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${this.t.users} WHERE id = $1) AS found`,
      [userId],
    );
    return row.found;
  }

  /** A read on a replica when there are some (as the admin lists), else on the primary. */
  private async read<T extends QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
    const driver = this.dataSource.driver as unknown as { master: Pool; slaves: Pool[] };
    const { slaves } = driver;
    const pool =
      slaves.length === 0 ? driver.master : slaves[Math.floor(Math.random() * slaves.length)];
    return (await pool.query<T>({ text: sql, values: params })).rows;
  }
}
