import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  EVENTS_SUPPORTED,
  epochSeconds,
  feedJti,
  parseJti,
  POLL_DELIVERY,
  type RevocationEvent,
  SESSION_REVOKED,
  sessionRevokedClaims,
  SET_TYP,
  type SubjectIdentifier,
  VERIFICATION_EVENT,
  verificationClaims,
  verificationJti,
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

/** One SET waiting for a stream: a feed row's revocation or a stream event (verification). */
export type PendingSet =
  | { kind: 'feed'; jti: string; event: RevocationEvent; position: FeedPosition }
  | { kind: 'event'; jti: string; row: StreamEventRow };

/** Feed rows read per query while looking for a stream's next SETs. */
const FEED_PAGE = 200;
/** Pages read per look: a stream that filters out long runs of rows catches up over several looks. */
const FEED_PAGES = 5;

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
export class StreamsService implements OnApplicationShutdown {
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

  onApplicationShutdown(): void {
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

  /** Revocations waiting for the stream (at most 10,000 counted). */
  backlog(row: StreamRow): Promise<number> {
    return this.repository.backlog({ xid: row.feed_xid, id: row.feed_id });
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

  /** Event types delivered: requested and supported. */
  eventsDelivered(row: Pick<StreamRow, 'events_requested'>): string[] {
    return row.events_requested.filter((e) => EVENTS_SUPPORTED.includes(e));
  }

  /**
   * Up to `max` SETs waiting for the stream, in order: its events first, then
   * revocations it has not acknowledged. Leading rows it acknowledged (or does
   * not receive: an event type not delivered, a removed subject) move its
   * position forward.
   */
  async pending(row: StreamRow, max: number): Promise<{ items: PendingSet[]; more: boolean }> {
    const items: PendingSet[] = [];
    const events = await this.repository.streamEvents(row.id, max + 1);
    for (const event of events.slice(0, max)) {
      items.push({ kind: 'event', jti: verificationJti(row.id, event.id), row: event });
    }
    if (events.length > max) return { items, more: true };
    if (row.status !== 'enabled') return { items, more: false };
    const delivered = this.eventsDelivered(row).includes(SESSION_REVOKED);
    const removed = await this.repository.removedSubjectKeys(row.id);
    let position: FeedPosition = { xid: row.feed_xid, id: row.feed_id };
    let advanceTo: FeedPosition | undefined;
    let prefix = true;
    let more = false;
    scan: for (let page = 0; page < FEED_PAGES; page++) {
      const rows = await this.repository.readFeed(position, FEED_PAGE, row.id);
      for (const feedRow of rows) {
        const at = { xid: feedRow.feed_xid, id: feedRow.feed_id };
        if (feedRow.acked || !delivered || isRemoved(feedRow, removed)) {
          if (prefix) advanceTo = at;
          continue;
        }
        prefix = false;
        if (items.length >= max) {
          more = true;
          break scan;
        }
        items.push({ kind: 'feed', jti: feedJti(row.id, feedRow), event: feedRow, position: at });
      }
      if (rows.length < FEED_PAGE) break;
      position = { xid: rows[rows.length - 1].feed_xid, id: rows[rows.length - 1].feed_id };
      if (page === FEED_PAGES - 1) more = true;
    }
    if (advanceTo) await this.repository.advanceStream(row.id, advanceTo);
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
    const claims =
      item.kind === 'feed'
        ? sessionRevokedClaims({ ...base, event: item.event })
        : verificationClaims({
            ...base,
            streamId: row.id,
            state: (item.row.payload as { state?: string }).state,
          });
    return this.keys.sign(claims, SET_TYP);
  }

  /**
   * RFC 8936 section 2: acknowledges `ack` and `setErrs` (neither is sent
   * again), then answers what is waiting, up to `maxEvents`; with nothing
   * waiting and `returnImmediately` false it waits, up to the poll timeout.
   */
  async poll(
    row: StreamRow,
    request: PollRequest,
  ): Promise<{ sets: Record<string, string>; moreAvailable: boolean }> {
    const done = [...(request.ack ?? []), ...Object.keys(request.setErrs ?? {})];
    const positions: FeedPosition[] = [];
    const eventIds: string[] = [];
    for (const jti of done) {
      const parsed = parseJti(row.id, jti);
      if (parsed?.kind === 'feed') positions.push({ xid: parsed.xid, id: parsed.id });
      if (parsed?.kind === 'event') eventIds.push(parsed.id);
    }
    await this.repository.acknowledge(row.id, positions);
    await this.repository.deleteStreamEvents(row.id, eventIds);
    const max = request.maxEvents ?? 100;
    if (max === 0) return { sets: {}, moreAvailable: false };
    const deadline = Date.now() + (request.returnImmediately ? 0 : this.options.pollTimeoutMs);
    let current = row;
    for (;;) {
      const generation = this.signal.generation;
      const { items, more } = await this.pending(current, max);
      if (items.length || deadline <= Date.now() || this.closing) {
        const sets: Record<string, string> = {};
        for (const item of items) sets[item.jti] = await this.sign(current, item);
        return { sets, moreAvailable: more };
      }
      await this.waitForSets(current, deadline, generation);
      const reread = await this.repository.findStream(row.id);
      if (!reread) return { sets: {}, moreAvailable: false };
      current = reread;
    }
  }

  /**
   * Waits until the stream may have something (a wake of this instance, or
   * one query every `deliveryIntervalMs` finding a row or an event after its
   * position) or the deadline: one query per interval while nothing comes.
   */
  private async waitForSets(row: StreamRow, deadline: number, since: number): Promise<void> {
    let generation = since;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.closing) return;
      if (await this.signal.wait(Math.min(this.options.deliveryIntervalMs, remaining), generation))
        return;
      generation = this.signal.generation;
      if (await this.repository.hasPending(row.id)) return;
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

function isRemoved(event: RevocationEvent, removed: Set<string>): boolean {
  if (!removed.size) return false;
  return (
    removed.has(`opaque:${event.user_id}`) ||
    removed.has(`opaque:${event.session_id}`) ||
    (event.subject_issuer !== null &&
      removed.has(`iss_sub:${event.subject_issuer}\n${event.subject}`))
  );
}
