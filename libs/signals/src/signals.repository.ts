import { Inject, Injectable } from '@nestjs/common';
import { sessionsTables } from '@session-service/sessions';
import { DataSource } from 'typeorm';
import { SESSION_ESTABLISHED, type RevocationEvent, type SignInEvent } from './events';
import { SIGNALS_DATA_SOURCE, SIGNALS_MODULE_OPTIONS } from './signals.module-definition';
import { resolveSignalsOptions, type SignalsSettings } from './signals.options';

/** An ISO 8601 UTC timestamp with milliseconds, as the sessions repository writes them. */
const ISO = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Where a stream or relying party is in the revocation feed: after this row. */
export interface FeedPosition {
  xid: string;
  id: string;
}

export type StreamStatus = 'enabled' | 'paused' | 'disabled';

export interface StreamRow {
  id: string;
  owner: string;
  audience: string;
  delivery_method: string;
  endpoint_url: string | null;
  authorization_header: string | null;
  events_requested: string[];
  description: string | null;
  status: StreamStatus;
  status_reason: string | null;
  feed_xid: string;
  feed_id: string;
  /** Its position in the sign-ins (`session-established`). */
  established_xid: string;
  established_id: string;
  attempts: number;
  delivered_count: string;
  last_delivered_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  next_attempt_at: string;
}

export interface RelyingPartyRow {
  client_id: string;
  backchannel_logout_uri: string;
  backchannel_logout_session_required: boolean;
  feed_xid: string;
  feed_id: string;
  attempts: number;
  delivered_count: string;
  last_delivered_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  next_attempt_at: string;
  created_at: string;
}

/** A feed row as a stream sees it: acknowledged already or not. */
export type StreamFeedRow = RevocationEvent & { acked: boolean };

/** A sign-in as a stream sees it: acknowledged already or not. */
export type StreamSignInRow = SignInEvent & { acked: boolean };

/** Where an acknowledgement points: the revocation feed (0) or the sign-ins (1). */
export type AckSource = 0 | 1;

export interface StreamEventRow {
  id: string;
  event_type: string;
  payload: Record<string, unknown>;
  created_at: string;
}

export interface NewStream {
  owner: string;
  audience: string;
  deliveryMethod: string;
  endpointUrl: string | null;
  authorizationHeader: string | null;
  eventsRequested: string[];
  description: string | null;
}

/** The delivery tables: what both a push stream and a relying party carry. */
type DeliveryTable = 'streams' | 'relyingParties';

const DELIVERY_COLUMNS = `feed_xid::text AS feed_xid, feed_id::text AS feed_id, attempts,
  delivered_count::text AS delivered_count, ${ISO('last_delivered_at')} AS last_delivered_at,
  last_error, ${ISO('last_error_at')} AS last_error_at, ${ISO('next_attempt_at')} AS next_attempt_at`;

const STREAM_COLUMNS = `id, owner, audience, delivery_method, endpoint_url, authorization_header,
  events_requested, description, status, status_reason,
  established_xid::text AS established_xid, established_id::text AS established_id, ${DELIVERY_COLUMNS}`;

const RP_COLUMNS = `client_id, backchannel_logout_uri, backchannel_logout_session_required,
  ${ISO('created_at')} AS created_at, ${DELIVERY_COLUMNS}`;

/** The first position of a new reader: past every transaction that has already finished. */
const HEAD_XID = `pg_snapshot_xmin(pg_current_snapshot())`;

/** A stream that requested session-established, as SQL over its row `c`. */
const WANTS_SIGN_INS = (c: string) => `'${SESSION_ESTABLISHED}' = ANY(${c}.events_requested)`;

/**
 * The SQL of the transmitter: streams, relying parties, their positions in
 * the revocation feed and their delivery state. Each statement is one short
 * transaction; nothing is held open while a receiver is called.
 */
@Injectable()
export class SignalsRepository {
  private readonly t: {
    streams: string;
    subjects: string;
    acks: string;
    events: string;
    relyingParties: string;
    revocations: string;
    userSubjects: string;
    sessionEvents: string;
    sessions: string;
  };

  constructor(
    @Inject(SIGNALS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SIGNALS_MODULE_OPTIONS) options: SignalsSettings,
  ) {
    const tables = sessionsTables(resolveSignalsOptions(options).schema);
    this.t = {
      streams: `${tables.schema}.ssf_streams`,
      subjects: `${tables.schema}.ssf_stream_subjects`,
      acks: `${tables.schema}.ssf_stream_acks`,
      events: `${tables.schema}.ssf_stream_events`,
      relyingParties: `${tables.schema}.relying_parties`,
      revocations: tables.revocations,
      userSubjects: tables.subjects,
      sessionEvents: tables.events,
      sessions: tables.sessions,
    };
  }

  private async q<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const result: unknown = await this.dataSource.query(sql, params);
    // TypeORM answers an UPDATE or DELETE on PostgreSQL as [rows, affected count].
    if (
      Array.isArray(result) &&
      result.length === 2 &&
      Array.isArray(result[0]) &&
      typeof result[1] === 'number'
    ) {
      return result[0] as T[];
    }
    return result as T[];
  }

  // Streams

  async createStream(stream: NewStream): Promise<StreamRow> {
    const [row] = await this.q<StreamRow>(
      `INSERT INTO ${this.t.streams} (owner, audience, delivery_method, endpoint_url, authorization_header,
                                      events_requested, description, feed_xid)
       VALUES ($1, $2, $3, $4, $5, $6, $7, ${HEAD_XID})
       RETURNING ${STREAM_COLUMNS}`,
      [
        stream.owner,
        stream.audience,
        stream.deliveryMethod,
        stream.endpointUrl,
        stream.authorizationHeader,
        stream.eventsRequested,
        stream.description,
      ],
    );
    return row;
  }

  async findStream(id: string, owner?: string): Promise<StreamRow | undefined> {
    const [row] = await this.q<StreamRow>(
      `SELECT ${STREAM_COLUMNS} FROM ${this.t.streams} WHERE id = $1 AND ($2::text IS NULL OR owner = $2)`,
      [id, owner ?? null],
    );
    return row;
  }

  listStreams(owner: string): Promise<StreamRow[]> {
    return this.q<StreamRow>(
      `SELECT ${STREAM_COLUMNS} FROM ${this.t.streams} WHERE owner = $1 ORDER BY created_at, id`,
      [owner],
    );
  }

  /** Replaces the receiver-supplied settings; a push stream whose endpoint changed retries at once. */
  async updateStream(id: string, owner: string, stream: NewStream): Promise<StreamRow | undefined> {
    const [row] = await this.q<StreamRow>(
      `UPDATE ${this.t.streams}
          SET delivery_method = $3, endpoint_url = $4, authorization_header = $5,
              events_requested = $6, description = $7, updated_at = now(),
              next_attempt_at = now(), attempts = 0,
              -- Sign-ins newly requested start at the present end, as a new stream's do
              -- (events_requested here is the value before the update).
              established_xid = CASE WHEN '${SESSION_ESTABLISHED}' = ANY(events_requested)
                                     THEN established_xid ELSE ${HEAD_XID} END,
              established_id = CASE WHEN '${SESSION_ESTABLISHED}' = ANY(events_requested)
                                    THEN established_id ELSE 0 END
        WHERE id = $1 AND owner = $2
        RETURNING ${STREAM_COLUMNS}`,
      [
        id,
        owner,
        stream.deliveryMethod,
        stream.endpointUrl,
        stream.authorizationHeader,
        stream.eventsRequested,
        stream.description,
      ],
    );
    return row;
  }

  async deleteStream(id: string, owner: string): Promise<boolean> {
    const rows = await this.q(
      `DELETE FROM ${this.t.streams} WHERE id = $1 AND owner = $2 RETURNING 1`,
      [id, owner],
    );
    return rows.length > 0;
  }

  /**
   * Sets the status. A disabled stream holds nothing for later (SSF 1.0
   * section 8.1.2): enabling it again starts it at the feed's present end.
   */
  async setStatus(
    id: string,
    owner: string,
    status: StreamStatus,
    reason: string | null,
  ): Promise<StreamRow | undefined> {
    const [row] = await this.q<StreamRow>(
      `WITH old AS (SELECT status AS old_status FROM ${this.t.streams} WHERE id = $1 AND owner = $2 FOR UPDATE),
       cleared AS (
         DELETE FROM ${this.t.acks} a USING old
          WHERE a.stream_id = $1 AND old.old_status = 'disabled' AND $3 <> 'disabled')
       UPDATE ${this.t.streams} s
          SET status = $3, status_reason = $4, updated_at = now(), next_attempt_at = now(), attempts = 0,
              feed_xid = CASE WHEN old.old_status = 'disabled' AND $3 <> 'disabled' THEN ${HEAD_XID} ELSE s.feed_xid END,
              feed_id = CASE WHEN old.old_status = 'disabled' AND $3 <> 'disabled' THEN 0 ELSE s.feed_id END,
              established_xid = CASE WHEN old.old_status = 'disabled' AND $3 <> 'disabled' THEN ${HEAD_XID} ELSE s.established_xid END,
              established_id = CASE WHEN old.old_status = 'disabled' AND $3 <> 'disabled' THEN 0 ELSE s.established_id END
         FROM old
        WHERE s.id = $1 AND s.owner = $2
        RETURNING ${STREAM_COLUMNS}`,
      [id, owner, status, reason],
    );
    return row;
  }

  /** Records a subject added (`removed` false) or removed (true) on a stream. */
  async setSubject(
    streamId: string,
    key: string,
    subject: Record<string, unknown>,
    removed: boolean,
  ): Promise<void> {
    await this.q(
      `INSERT INTO ${this.t.subjects} (stream_id, subject_key, subject, removed) VALUES ($1, $2, $3, $4)
       ON CONFLICT (stream_id, subject_key) DO UPDATE SET subject = EXCLUDED.subject, removed = EXCLUDED.removed`,
      [streamId, key, JSON.stringify(subject), removed],
    );
  }

  async removedSubjectKeys(streamId: string): Promise<Set<string>> {
    const rows = await this.q<{ subject_key: string }>(
      `SELECT subject_key FROM ${this.t.subjects} WHERE stream_id = $1 AND removed`,
      [streamId],
    );
    return new Set(rows.map((r) => r.subject_key));
  }

  async addStreamEvent(streamId: string, eventType: string, payload: object): Promise<void> {
    await this.q(
      `INSERT INTO ${this.t.events} (stream_id, event_type, payload) VALUES ($1, $2, $3)`,
      [streamId, eventType, JSON.stringify(payload)],
    );
  }

  streamEvents(streamId: string, limit: number): Promise<StreamEventRow[]> {
    return this.q<StreamEventRow>(
      `SELECT e.id, e.event_type, e.payload, ${ISO('e.created_at')} AS created_at
         FROM ${this.t.events} e WHERE e.stream_id = $1 ORDER BY e.created_at, e.id LIMIT $2`,
      [streamId, limit],
    );
  }

  async deleteStreamEvents(streamId: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.q(`DELETE FROM ${this.t.events} WHERE stream_id = $1 AND id = ANY($2::uuid[])`, [
      streamId,
      ids,
    ]);
  }

  // The feed, as one stream or relying party follows it

  /**
   * Revocations after `after`, in commit order, only of transactions older
   * than every one still running (the revocation feed's rule: a row that
   * commits late never lands behind a position already passed), each with the
   * user's oldest recorded subject and, for a stream, whether it acknowledged it.
   */
  readFeed(after: FeedPosition, limit: number, streamId: string | null): Promise<StreamFeedRow[]> {
    return this.q<StreamFeedRow>(
      `SELECT r.xid::text AS feed_xid, r.id::text AS feed_id, r.session_id, r.user_id::text AS user_id,
              ${ISO('r.revoked_at')} AS revoked_at, r.revoked_by, r.reason,
              m.issuer AS subject_issuer, m.subject,
              ($4::uuid IS NOT NULL AND EXISTS (
                 SELECT 1 FROM ${this.t.acks} a
                  WHERE a.stream_id = $4 AND a.source = 0 AND a.feed_xid = r.xid AND a.feed_id = r.id)) AS acked
         FROM ${this.t.revocations} r
         LEFT JOIN LATERAL (
           SELECT us.issuer, us.subject FROM ${this.t.userSubjects} us
            WHERE us.user_id = r.user_id ORDER BY us.created_at, us.issuer, us.subject LIMIT 1) m ON true
        WHERE (r.xid, r.id) > ($1::xid8, $2::bigint)
          AND r.xid < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY r.xid, r.id
        LIMIT $3`,
      [after.xid, after.id, limit, streamId],
    );
  }

  /**
   * Whether a stream has an event waiting, or (enabled) a readable feed row
   * after its position, or (`signIns`: it receives session-established) a
   * readable sign-in after that position: one indexed look, what a waiting
   * poll asks each interval.
   */
  async hasPending(streamId: string, signIns: boolean): Promise<boolean> {
    const [row] = await this.q<{ pending: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${this.t.events} e WHERE e.stream_id = s.id)
              OR (s.status = 'enabled' AND (EXISTS (
                    SELECT 1 FROM ${this.t.revocations} r
                     WHERE (r.xid, r.id) > (s.feed_xid, s.feed_id)
                       AND r.xid < pg_snapshot_xmin(pg_current_snapshot()))
                  OR ($2::boolean AND ${this.signInsWaiting('s')}))) AS pending
         FROM ${this.t.streams} s WHERE s.id = $1`,
      [streamId, signIns],
    );
    return row?.pending ?? true;
  }

  /**
   * Sign-ins (the audit trail's `created` rows) after `after`, in commit
   * order, by the feed's rule (only transactions older than every running
   * one), with the session's IP address and methods, the user's oldest
   * subject and whether the stream acknowledged each.
   */
  readSignIns(after: FeedPosition, limit: number, streamId: string): Promise<StreamSignInRow[]> {
    return this.q<StreamSignInRow>(
      `SELECT e.xid::text AS feed_xid, e.id::text AS feed_id, e.session_id::text AS session_id,
              e.user_id::text AS user_id, ${ISO('e.occurred_at')} AS established_at,
              host(s.ip) AS ip, s.amr, m.issuer AS subject_issuer, m.subject,
              EXISTS (SELECT 1 FROM ${this.t.acks} a
                       WHERE a.stream_id = $4 AND a.source = 1 AND a.feed_xid = e.xid AND a.feed_id = e.id) AS acked
         FROM ${this.t.sessionEvents} e
         LEFT JOIN ${this.t.sessions} s ON s.id = e.session_id
         LEFT JOIN LATERAL (
           SELECT us.issuer, us.subject FROM ${this.t.userSubjects} us
            WHERE us.user_id = e.user_id ORDER BY us.created_at, us.issuer, us.subject LIMIT 1) m ON true
        WHERE e.type = 'created' AND (e.xid, e.id) > ($1::xid8, $2::bigint)
          AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.xid, e.id
        LIMIT $3`,
      [after.xid, after.id, limit, streamId],
    );
  }

  /**
   * Events waiting after a position: revocations after `after`, and with
   * `signIns` (the stream receives session-established) the sign-ins after
   * that position too; at most `cap` of each counted.
   */
  async backlog(after: FeedPosition, signIns?: FeedPosition, cap = 10_000): Promise<number> {
    const [row] = await this.q<{ n: number }>(
      `SELECT (SELECT count(*)::int FROM (
                 SELECT 1 FROM ${this.t.revocations} r
                  WHERE (r.xid, r.id) > ($1::xid8, $2::bigint) AND r.xid < pg_snapshot_xmin(pg_current_snapshot())
                  LIMIT $3) x)
            + (SELECT count(*)::int FROM (
                 SELECT 1 FROM ${this.t.sessionEvents} e
                  WHERE $4::xid8 IS NOT NULL AND e.type = 'created'
                    AND (e.xid, e.id) > ($4::xid8, $5::bigint) AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
                  LIMIT $3) y) AS n`,
      [after.xid, after.id, cap, signIns?.xid ?? null, signIns?.id ?? null],
    );
    return row.n;
  }

  async acknowledge(
    streamId: string,
    positions: FeedPosition[],
    source: AckSource = 0,
  ): Promise<void> {
    if (!positions.length) return;
    await this.q(
      `INSERT INTO ${this.t.acks} (stream_id, source, feed_xid, feed_id)
       SELECT $1, $4, x::xid8, i::bigint FROM unnest($2::text[], $3::text[]) AS p (x, i)
       ON CONFLICT DO NOTHING`,
      [streamId, positions.map((p) => p.xid), positions.map((p) => p.id), source],
    );
  }

  /** A poll acknowledged SETs of the stream: its `last_delivered_at` is now. */
  async recordAcknowledged(streamId: string): Promise<void> {
    await this.q(`UPDATE ${this.t.streams} SET last_delivered_at = now() WHERE id = $1`, [
      streamId,
    ]);
  }

  /** Moves a stream's position forward to `to` (never back) and forgets the acknowledgements behind it. */
  async advanceStream(streamId: string, to: FeedPosition): Promise<void> {
    await this.q(
      `WITH moved AS (
         UPDATE ${this.t.streams} SET feed_xid = $2::xid8, feed_id = $3::bigint
          WHERE id = $1 AND (feed_xid, feed_id) < ($2::xid8, $3::bigint))
       DELETE FROM ${this.t.acks}
        WHERE stream_id = $1 AND source = 0 AND (feed_xid, feed_id) <= ($2::xid8, $3::bigint)`,
      [streamId, to.xid, to.id],
    );
  }

  /** As `advanceStream`, in the sign-ins. */
  async advanceSignIns(streamId: string, to: FeedPosition): Promise<void> {
    await this.q(
      `WITH moved AS (
         UPDATE ${this.t.streams} SET established_xid = $2::xid8, established_id = $3::bigint
          WHERE id = $1 AND (established_xid, established_id) < ($2::xid8, $3::bigint))
       DELETE FROM ${this.t.acks}
        WHERE stream_id = $1 AND source = 1 AND (feed_xid, feed_id) <= ($2::xid8, $3::bigint)`,
      [streamId, to.xid, to.id],
    );
  }

  /** A stream that requested session-established has a readable sign-in after its position (SQL over its row `c`). */
  private signInsWaiting(c: string): string {
    return `(${WANTS_SIGN_INS(c)} AND EXISTS (
               SELECT 1 FROM ${this.t.sessionEvents} e
                WHERE e.type = 'created' AND (e.xid, e.id) > (${c}.established_xid, ${c}.established_id)
                  AND e.xid < pg_snapshot_xmin(pg_current_snapshot())))`;
  }

  // Delivery state (push streams and relying parties)

  private key(table: DeliveryTable): string {
    return table === 'streams' ? 'id' : 'client_id';
  }

  /**
   * Claims up to `limit` push streams that have something to deliver and are
   * due, for `leaseMs`: rows another instance holds (an unexpired lease, or
   * locked at this moment) are skipped, so one instance delivers to a stream at a time.
   * Sign-ins count only with `signIns` (session-established is supported).
   */
  claimStreams(
    owner: string,
    leaseMs: number,
    limit: number,
    signIns: boolean,
  ): Promise<StreamRow[]> {
    const s = this.t.streams;
    return this.q<StreamRow>(
      `UPDATE ${s} SET lease_owner = $1, lease_until = now() + make_interval(secs => $2::float8 / 1000)
        WHERE id IN (
          SELECT id FROM ${s} c
           WHERE c.delivery_method = 'urn:ietf:rfc:8935' AND c.status = 'enabled'
             AND c.next_attempt_at <= now()
             AND (c.lease_until IS NULL OR c.lease_until < now() OR c.lease_owner = $1)
             AND (EXISTS (SELECT 1 FROM ${this.t.events} e WHERE e.stream_id = c.id)
                  OR EXISTS (SELECT 1 FROM ${this.t.revocations} r
                              WHERE (r.xid, r.id) > (c.feed_xid, c.feed_id)
                                AND r.xid < pg_snapshot_xmin(pg_current_snapshot()))
                  OR ($4::boolean AND ${this.signInsWaiting('c')}))
           ORDER BY c.next_attempt_at LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING ${STREAM_COLUMNS}`,
      [owner, leaseMs, limit, signIns],
    );
  }

  /** As `claimStreams`, for relying parties. */
  claimRelyingParties(owner: string, leaseMs: number, limit: number): Promise<RelyingPartyRow[]> {
    const p = this.t.relyingParties;
    return this.q<RelyingPartyRow>(
      `UPDATE ${p} SET lease_owner = $1, lease_until = now() + make_interval(secs => $2::float8 / 1000)
        WHERE client_id IN (
          SELECT client_id FROM ${p} c
           WHERE c.next_attempt_at <= now()
             AND (c.lease_until IS NULL OR c.lease_until < now() OR c.lease_owner = $1)
             AND EXISTS (SELECT 1 FROM ${this.t.revocations} r
                          WHERE (r.xid, r.id) > (c.feed_xid, c.feed_id)
                            AND r.xid < pg_snapshot_xmin(pg_current_snapshot()))
           ORDER BY c.next_attempt_at LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING ${RP_COLUMNS}`,
      [owner, leaseMs, limit],
    );
  }

  /** One delivery succeeded: the position moves past it (when given) and the failures are forgotten. */
  async recordDelivered(
    table: DeliveryTable,
    key: string,
    leaseOwner: string,
    to: FeedPosition | null,
    signInTo: FeedPosition | null = null,
  ): Promise<void> {
    await this.q(
      `UPDATE ${this.t[table]}
          SET feed_xid = COALESCE($3::xid8, feed_xid), feed_id = COALESCE($4::bigint, feed_id),
              ${this.signInPosition(table, '$5', '$6')}
              attempts = 0, delivered_count = delivered_count + 1, last_delivered_at = now(),
              next_attempt_at = now()
        WHERE ${this.key(table)} = $1 AND lease_owner = $2`,
      this.positionParams(table, [key, leaseOwner, to?.xid ?? null, to?.id ?? null], signInTo),
    );
  }

  /** Sets a stream's sign-in position from two parameters (when given); nothing for relying parties. */
  private signInPosition(table: DeliveryTable, xid: string, id: string): string {
    return table === 'streams'
      ? `established_xid = COALESCE(${xid}::xid8, established_xid),
         established_id = COALESCE(${id}::bigint, established_id),`
      : '';
  }

  private positionParams(
    table: DeliveryTable,
    params: unknown[],
    signInTo: FeedPosition | null,
  ): unknown[] {
    return table === 'streams' ? [...params, signInTo?.xid ?? null, signInTo?.id ?? null] : params;
  }

  /** A receiver refused one item for good (a 4xx): recorded, and delivery goes on past it. */
  async recordSkipped(
    table: DeliveryTable,
    key: string,
    leaseOwner: string,
    to: FeedPosition | null,
    error: string,
    signInTo: FeedPosition | null = null,
  ): Promise<void> {
    await this.q(
      `UPDATE ${this.t[table]}
          SET feed_xid = COALESCE($3::xid8, feed_xid), feed_id = COALESCE($4::bigint, feed_id),
              ${this.signInPosition(table, '$6', '$7')}
              attempts = 0, last_error = left($5, 500), last_error_at = now(), next_attempt_at = now()
        WHERE ${this.key(table)} = $1 AND lease_owner = $2`,
      this.positionParams(
        table,
        [key, leaseOwner, to?.xid ?? null, to?.id ?? null, error],
        signInTo,
      ),
    );
  }

  /** A delivery failed: the next attempt after `delayMs`, the lease given back. */
  async recordFailure(
    table: DeliveryTable,
    key: string,
    leaseOwner: string,
    error: string,
    delayMs: number,
  ): Promise<void> {
    await this.q(
      `UPDATE ${this.t[table]}
          SET attempts = attempts + 1, last_error = left($3, 500), last_error_at = now(),
              next_attempt_at = now() + make_interval(secs => $4::float8 / 1000),
              lease_owner = NULL, lease_until = NULL
        WHERE ${this.key(table)} = $1 AND lease_owner = $2`,
      [key, leaseOwner, error, delayMs],
    );
  }

  async releaseLease(table: DeliveryTable, key: string, leaseOwner: string): Promise<void> {
    await this.q(
      `UPDATE ${this.t[table]} SET lease_owner = NULL, lease_until = NULL
        WHERE ${this.key(table)} = $1 AND lease_owner = $2`,
      [key, leaseOwner],
    );
  }

  // Relying parties

  async createRelyingParty(
    clientId: string,
    uri: string,
    sessionRequired: boolean,
  ): Promise<RelyingPartyRow | undefined> {
    const [row] = await this.q<RelyingPartyRow>(
      `INSERT INTO ${this.t.relyingParties} (client_id, backchannel_logout_uri, backchannel_logout_session_required, feed_xid)
       VALUES ($1, $2, $3, ${HEAD_XID})
       ON CONFLICT (client_id) DO NOTHING
       RETURNING ${RP_COLUMNS}`,
      [clientId, uri, sessionRequired],
    );
    return row;
  }

  listRelyingParties(): Promise<RelyingPartyRow[]> {
    return this.q<RelyingPartyRow>(
      // The table's timestamp (`rp.`), not the output's text of the same name.
      `SELECT ${RP_COLUMNS} FROM ${this.t.relyingParties} rp ORDER BY rp.created_at, rp.client_id`,
    );
  }

  async findRelyingParty(clientId: string): Promise<RelyingPartyRow | undefined> {
    const [row] = await this.q<RelyingPartyRow>(
      `SELECT ${RP_COLUMNS} FROM ${this.t.relyingParties} WHERE client_id = $1`,
      [clientId],
    );
    return row;
  }

  async deleteRelyingParty(clientId: string): Promise<boolean> {
    const rows = await this.q(
      `DELETE FROM ${this.t.relyingParties} WHERE client_id = $1 RETURNING 1`,
      [clientId],
    );
    return rows.length > 0;
  }
}
