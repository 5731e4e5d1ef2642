import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  epochSeconds,
  eventsSupported,
  feedJti,
  parseJti,
  POLL_DELIVERY,
  type RevocationEvent,
  SESSION_ESTABLISHED,
  SESSION_REVOKED,
  sessionEstablishedClaims,
  sessionRevokedClaims,
  type SignInEvent,
  signInJti,
  SET_TYP,
  type SubjectIdentifier,
  VERIFICATION_EVENT,
  verificationClaims,
  verificationJti,
  verificationTxn,
} from './events';
import { FeedSignal } from './feed-signal';
import { SIGNALS_MODULE_OPTIONS } from './signals.module-definition';
import {
  type ResolvedSignalsOptions,
  resolveSignalsOptions,
  type SignalsSettings,
} from './signals.options';
import { StreamNotFoundError } from './signals.errors';
import {
  type FeedPosition,
  type NewStream,
  SignalsRepository,
  type StreamEventRow,
  type StreamRow,
  type StreamStatus,
} from './signals.repository';
import { SigningKeys } from './signing-keys';

/** One SET waiting for a stream: a feed row's revocation, a sign-in or a stream event (verification). */
export type PendingSet =
  | { kind: 'feed'; jti: string; event: RevocationEvent; position: FeedPosition }
  | { kind: 'signIn'; jti: string; event: SignInEvent; position: FeedPosition }
  | { kind: 'event'; jti: string; row: StreamEventRow };

/** A row of one of a stream's sources, in the merged commit order. */
interface Candidate {
  source: FeedSource;
  xid: bigint;
  rank: number;
  id: bigint;
  at: FeedPosition;
  /** Acknowledged, or not received by the stream: passed without a SET. */
  done: boolean;
  item: PendingSet;
}

/** One source a stream follows: the revocation feed, or the sign-ins. */
interface FeedSource {
  rank: number;
  read(after: FeedPosition): Promise<Candidate[]>;
  /** Where the next read starts. */
  scan: FeedPosition;
  /** Still passing leading rows without a SET: the stored position may move past them. */
  prefix: boolean;
  advanceTo?: FeedPosition;
}

/** Feed rows read per query while looking for a stream's next SETs. */
const FEED_PAGE = 200;
/** Pages read per look: a stream that filters out long runs of rows catches up over several looks. */
const FEED_PAGES = 5;
/** The shortest time between two checks of a waiting poll woken again and again: at most 40 a second. */
const MIN_CHECK_GAP_MS = 25;

/** A poll request, as RFC 8936 section 2.1 defines its members. */
export interface PollRequest {
  maxEvents?: number;
  returnImmediately?: boolean;
  ack?: string[];
  setErrs?: Record<string, { err: string; description?: string }>;
}

/**
 * The streams: their management (SSF 1.0 section 8.1), what each has waiting,
 * and poll delivery (RFC 8936). A stream's position in the revocation feed
 * moves past every row it has acknowledged (or that it does not receive) in order.
 */
@Injectable()
export class StreamsService implements BeforeApplicationShutdown {
  readonly options: ResolvedSignalsOptions;
  private closing = false;

  constructor(
    private readonly repository: SignalsRepository,
    private readonly keys: SigningKeys,
    private readonly signal: FeedSignal,
    @Inject(SIGNALS_MODULE_OPTIONS) options: SignalsSettings,
  ) {
    this.options = resolveSignalsOptions(options);
  }

  /**
   * Shutdown, before the listener closes (in the service: once the drain is
   * over): a poll waiting for SETs answers now with what it has (an empty
   * `sets`) rather than have its connection cut with no answer; later polls
   * answer at once.
   */
  beforeApplicationShutdown(): void {
    this.closing = true;
    this.signal.wake();
  }

  /** An endpoint's absolute URL under the issuer. */
  url(path: string): string {
    return `${this.options.issuer}${path}`;
  }

  create(stream: NewStream): Promise<StreamRow> {
    return this.repository.createStream(stream);
  }

  async get(id: string, owner: string): Promise<StreamRow> {
    const row = await this.repository.findStream(id, owner);
    if (!row) throw new StreamNotFoundError(id);
    return row;
  }

  list(owner: string): Promise<StreamRow[]> {
    return this.repository.listStreams(owner);
  }

  async update(id: string, owner: string, stream: NewStream): Promise<StreamRow> {
    const row = await this.repository.updateStream(id, owner, stream);
    if (!row) throw new StreamNotFoundError(id);
    return row;
  }

  async delete(id: string, owner: string): Promise<void> {
    if (!(await this.repository.deleteStream(id, owner))) throw new StreamNotFoundError(id);
  }

  async setStatus(
    id: string,
    owner: string,
    status: StreamStatus,
    reason: string | null,
  ): Promise<StreamRow> {
    const row = await this.repository.setStatus(id, owner, status, reason);
    if (!row) throw new StreamNotFoundError(id);
    return row;
  }

  /** Events waiting for the stream: revocations, and sign-ins if it receives session-established (at most 10,000 of each counted). */
  backlog(row: StreamRow): Promise<number> {
    const signIns = this.eventsDelivered(row).includes(SESSION_ESTABLISHED)
      ? { xid: row.established_xid, id: row.established_id }
      : undefined;
    return this.repository.backlog({ xid: row.feed_xid, id: row.feed_id }, signIns);
  }

  /** Adds (`removed` false) or removes a subject; the stream must be the caller's. */
  async setSubject(
    id: string,
    owner: string,
    subject: SubjectIdentifier,
    removed: boolean,
  ): Promise<void> {
    await this.get(id, owner);
    await this.repository.setSubject(id, subjectKey(subject), subject, removed);
  }

  /** Queues a verification event (SSF 1.0 section 8.1.4.2), delivered ahead of the feed. */
  async requestVerification(id: string, owner: string, state: string | undefined): Promise<void> {
    await this.get(id, owner);
    await this.repository.addStreamEvent(
      id,
      VERIFICATION_EVENT,
      state === undefined ? {} : { state },
    );
    this.signal.wake();
  }

  /** Event types this transmitter emits (`session-established` only with the audit trail). */
  get eventsSupported(): readonly string[] {
    return eventsSupported(this.options.auditTrail);
  }

  /** Event types delivered: requested and supported. */
  eventsDelivered(row: Pick<StreamRow, 'events_requested'>): string[] {
    return row.events_requested.filter((e) => this.eventsSupported.includes(e));
  }

  /**
   * Up to `max` SETs waiting for the stream, in order: its events first, then
   * revocations and (when it requested session-established) sign-ins it has
   * not acknowledged, merged in commit order (within one transaction,
   * revocations first). Leading rows of each source it acknowledged (or does
   * not receive: an event type not delivered, a removed subject) move that
   * source's position forward.
   */
  async pending(row: StreamRow, max: number): Promise<{ items: PendingSet[]; more: boolean }> {
    const items: PendingSet[] = [];
    const events = await this.repository.streamEvents(row.id, max + 1);
    for (const event of events.slice(0, max)) {
      items.push({ kind: 'event', jti: verificationJti(row.id, event.id), row: event });
    }
    if (events.length > max) return { items, more: true };
    if (row.status !== 'enabled') return { items, more: false };
    const delivered = this.eventsDelivered(row);
    const removed = await this.repository.removedSubjectKeys(row.id);
    const revocations: FeedSource = {
      rank: 0,
      scan: { xid: row.feed_xid, id: row.feed_id },
      prefix: true,
      read: async (after) =>
        (await this.repository.readFeed(after, FEED_PAGE, row.id)).map((r) => {
          const at = { xid: r.feed_xid, id: r.feed_id };
          return candidate(
            revocations,
            at,
            r.acked || !delivered.includes(SESSION_REVOKED) || isRemoved(r, removed),
            { kind: 'feed', jti: feedJti(row.id, r), event: r, position: at },
          );
        }),
    };
    const sources = [revocations];
    if (delivered.includes(SESSION_ESTABLISHED)) {
      const signIns: FeedSource = {
        rank: 1,
        scan: { xid: row.established_xid, id: row.established_id },
        prefix: true,
        read: async (after) =>
          (await this.repository.readSignIns(after, FEED_PAGE, row.id)).map((r) => {
            const at = { xid: r.feed_xid, id: r.feed_id };
            return candidate(signIns, at, r.acked || isRemoved(r, removed), {
              kind: 'signIn',
              jti: signInJti(row.id, r),
              event: r,
              position: at,
            });
          }),
      };
      sources.push(signIns);
    }
    let more = false;
    scan: for (let page = 0; page < FEED_PAGES; page++) {
      const pages: Candidate[][] = [];
      for (const source of sources) pages.push(await source.read(source.scan));
      // A full page may have more rows after its last one: nothing past the
      // earliest full page's end is taken this time, so the merge stays in order.
      let boundary: Candidate | undefined;
      for (const rows of pages) {
        const last = rows[rows.length - 1];
        if (rows.length === FEED_PAGE && (!boundary || compare(last, boundary) < 0))
          boundary = last;
      }
      const merged = pages
        .flat()
        .filter((c) => !boundary || compare(c, boundary) <= 0)
        .sort(compare);
      for (const c of merged) {
        if (c.done) {
          if (c.source.prefix) c.source.advanceTo = c.at;
          c.source.scan = c.at;
          continue;
        }
        c.source.prefix = false;
        if (items.length >= max) {
          more = true;
          break scan;
        }
        items.push(c.item);
        c.source.scan = c.at;
      }
      if (!boundary) break;
      if (page === FEED_PAGES - 1) more = true;
    }
    if (revocations.advanceTo) await this.repository.advanceStream(row.id, revocations.advanceTo);
    const signIns = sources[1];
    if (signIns?.advanceTo) await this.repository.advanceSignIns(row.id, signIns.advanceTo);
    return { items, more };
  }

  /** The signed SET of a pending item, issued now. */
  sign(row: StreamRow, item: PendingSet): Promise<string> {
    const base = {
      issuer: this.options.issuer,
      audience: row.audience,
      jti: item.jti,
      issuedAt: epochSeconds(new Date()),
    };
    let claims: Record<string, unknown>;
    switch (item.kind) {
      case 'feed':
        claims = sessionRevokedClaims({ ...base, event: item.event });
        break;
      case 'signIn':
        claims = sessionEstablishedClaims({ ...base, event: item.event });
        break;
      case 'event':
        claims = verificationClaims({
          ...base,
          txn: verificationTxn(item.row.id),
          streamId: row.id,
          state: (item.row.payload as { state?: string }).state,
        });
        break;
    }
    return this.keys.sign(claims, SET_TYP);
  }

  /**
   * RFC 8936 section 2: acknowledges `ack` and `setErrs` (neither is sent
   * again), then answers what is waiting, up to `maxEvents`; with nothing
   * waiting and `returnImmediately` false it waits, up to the poll timeout.
   * `moreAvailable` says whether unacknowledged SETs remain beyond those
   * returned; with `maxEvents` 0 (acknowledge only) it answers at once, no
   * SETs and whether any remain.
   */
  async poll(
    row: StreamRow,
    request: PollRequest,
  ): Promise<{ sets: Record<string, string>; moreAvailable: boolean }> {
    const done = [...(request.ack ?? []), ...Object.keys(request.setErrs ?? {})];
    const positions: FeedPosition[] = [];
    const signIns: FeedPosition[] = [];
    const eventIds: string[] = [];
    for (const jti of done) {
      const parsed = parseJti(row.id, jti);
      if (parsed?.kind === 'feed') positions.push({ xid: parsed.xid, id: parsed.id });
      if (parsed?.kind === 'signIn') signIns.push({ xid: parsed.xid, id: parsed.id });
      if (parsed?.kind === 'event') eventIds.push(parsed.id);
    }
    await this.repository.acknowledge(row.id, positions);
    await this.repository.acknowledge(row.id, signIns, 1);
    await this.repository.deleteStreamEvents(row.id, eventIds);
    // A poll stream's SETs are delivered when the receiver acknowledges them.
    if (positions.length || signIns.length || eventIds.length) {
      await this.repository.recordAcknowledged(row.id);
    }
    const max = request.maxEvents ?? 100;
    if (max === 0) {
      // An acknowledge-only request (RFC 8936 section 2.1): no SETs, and whether
      // any remain unacknowledged now that its acknowledgements are applied.
      const { more } = await this.pending(row, 0);
      return { sets: {}, moreAvailable: more };
    }
    const deadline = Date.now() + (request.returnImmediately ? 0 : this.options.pollTimeoutMs);
    let current = row;
    for (;;) {
      const signIns = this.eventsDelivered(current).includes(SESSION_ESTABLISHED);
      const generation = this.signal.generation(signIns);
      const { items, more } = await this.pending(current, max);
      if (items.length || deadline <= Date.now() || this.closing) {
        const sets: Record<string, string> = {};
        for (const item of items) sets[item.jti] = await this.sign(current, item);
        return { sets, moreAvailable: more };
      }
      await this.waitForSets(current, deadline, generation, signIns);
      const reread = await this.repository.findStream(row.id);
      if (!reread) return { sets: {}, moreAvailable: false };
      current = reread;
    }
  }

  /**
   * Waits until the stream may have something or the deadline: one query
   * finding an event or a row after its positions, every `deliveryIntervalMs`
   * and at a wake of this instance (revocations; sign-ins only for a stream
   * that receives them), at most one per `MIN_CHECK_GAP_MS` however many wakes.
   */
  private async waitForSets(
    row: StreamRow,
    deadline: number,
    since: number,
    signIns: boolean,
  ): Promise<void> {
    let generation = since;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.closing) return;
      const woken = await this.signal.wait(
        Math.min(this.options.deliveryIntervalMs, remaining),
        generation,
        signIns,
      );
      generation = this.signal.generation(signIns);
      if (this.closing || (await this.repository.hasPending(row.id, signIns))) return;
      if (woken) await sleep(Math.min(MIN_CHECK_GAP_MS, Math.max(0, deadline - Date.now())));
    }
  }

  isPoll(row: StreamRow): boolean {
    return row.delivery_method === POLL_DELIVERY;
  }
}

/** The key a subject is recorded under: what a revocation's subject is matched against. */
export function subjectKey(subject: SubjectIdentifier): string {
  switch (subject.format) {
    case 'opaque':
      return `opaque:${subject.id}`;
    case 'iss_sub':
      return `iss_sub:${subject.iss}\n${subject.sub}`;
    case 'complex': {
      const member = subject.session ?? subject.user;
      if (!member || member.format === 'complex')
        throw new Error('complex subject without a member');
      return subjectKey(member);
    }
  }
}

function candidate(
  source: FeedSource,
  at: FeedPosition,
  done: boolean,
  item: PendingSet,
): Candidate {
  return { source, xid: BigInt(at.xid), rank: source.rank, id: BigInt(at.id), at, done, item };
}

/** Commit order across sources: transaction, then source (revocations first), then row. */
function compare(a: Candidate, b: Candidate): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

function isRemoved(
  event: Pick<RevocationEvent, 'user_id' | 'session_id' | 'subject_issuer' | 'subject'>,
  removed: Set<string>,
): boolean {
  if (!removed.size) return false;
  return (
    removed.has(`opaque:${event.user_id}`) ||
    removed.has(`opaque:${event.session_id}`) ||
    (event.subject_issuer !== null &&
      removed.has(`iss_sub:${event.subject_issuer}\n${event.subject}`))
  );
}
