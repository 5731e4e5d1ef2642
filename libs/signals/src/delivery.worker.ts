import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { epochSeconds, logoutJti, logoutTokenClaims, LOGOUT_TYP } from './events';
import { FeedSignal } from './feed-signal';
import { SIGNALS_MODULE_OPTIONS } from './signals.module-definition';
import {
  type ResolvedSignalsOptions,
  resolveSignalsOptions,
  type SignalsSettings,
} from './signals.options';
import { type RelyingPartyRow, SignalsRepository, type StreamRow } from './signals.repository';
import { SigningKeys } from './signing-keys';
import { StreamsService } from './streams.service';

/** Items delivered to one receiver per claim, one after the other. */
const ITEMS_PER_CLAIM = 20;
/** Receivers claimed per round, of each kind. */
const CLAIMS_PER_ROUND = 10;
/**
 * The shortest time between the starts of two rounds: under a stream of
 * sign-ins and revocations each waking the worker, at most 1000 / 25 = 40
 * rounds (2 claim queries each when nothing is due) per second and instance.
 */
const MIN_ROUND_GAP_MS = 25;

/** What came back from a receiver. */
type Outcome =
  { kind: 'delivered' } | { kind: 'refused'; error: string } | { kind: 'failed'; error: string };

/**
 * Delivers to push streams (RFC 8935) and Back-Channel Logout relying parties,
 * following the revocation feed from each one's stored position: at least
 * once, in commit order per receiver, one instance per receiver at a time (a
 * lease on its row, claimed with `FOR UPDATE SKIP LOCKED`). Any 2xx answer
 * delivers the item (RFC 8935 section 2.2 asks for 202, Back-Channel Logout
 * 1.0 section 2.8 for 200 or 204; a receiver that answers another 2xx has
 * taken it, and sending it again would not change that). A failure (network,
 * timeout, any other status but 400) is retried after an exponential backoff
 * with jitter, kept in the row, so a restart or another instance continues
 * where it stopped. A redirect is such a failure: it is never followed, so a
 * SET and the stream's Authorization header go to the registered URL only.
 * A receiver that refuses one item for good (400, RFC 8935 section 2.3) gets
 * the next one; the refusal is kept as its last error.
 *
 * A round runs every `deliveryIntervalMs` (200 ms by default: 2 queries
 * when nothing is waiting, 10 per second and instance), and at once when this
 * instance records a sign-in or a revocation (`FeedSignal`), so a receiver
 * hears of a revocation made here without waiting for the next round.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SignalsDelivery');
  private readonly options: ResolvedSignalsOptions;
  /** This instance's lease owner id. */
  private readonly instance = randomUUID();
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly repository: SignalsRepository,
    private readonly streams: StreamsService,
    private readonly keys: SigningKeys,
    private readonly signal: FeedSignal,
    @Inject(SIGNALS_MODULE_OPTIONS) options: SignalsSettings,
  ) {
    this.options = resolveSignalsOptions(options);
  }

  onApplicationBootstrap(): void {
    if (this.options.deliveryWorker) this.running = this.loop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.signal.wake();
    await this.running;
  }

  /** Rounds until shutdown: after each, the next at the interval or at a wake. */
  private async loop(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      const generation = this.signal.generation();
      await this.round().catch((error: unknown) =>
        this.logger.warn(`delivery round failed: ${String(error)}`),
      );
      if (this.stopped) return;
      // A wake during the round (its change may have committed too late for it) counts.
      await this.signal.wait(this.options.deliveryIntervalMs, generation);
      const gap = started + MIN_ROUND_GAP_MS - Date.now();
      if (gap > 0 && !this.stopped) await sleep(gap, undefined, { ref: false });
    }
  }

  /** How long a claim lasts: long enough for a claim's items at the push timeout each. */
  private get leaseMs(): number {
    return this.options.pushTimeoutMs * (ITEMS_PER_CLAIM + 2) + 5_000;
  }

  /** One round: every due push stream and relying party with something waiting. */
  async round(): Promise<void> {
    const streams = await this.repository.claimStreams(
      this.instance,
      this.leaseMs,
      CLAIMS_PER_ROUND,
      this.options.auditTrail,
    );
    await Promise.all(streams.map((stream) => this.deliverStream(stream)));
    const parties = await this.repository.claimRelyingParties(
      this.instance,
      this.leaseMs,
      CLAIMS_PER_ROUND,
    );
    await Promise.all(parties.map((party) => this.deliverLogout(party)));
  }

  private async deliverStream(stream: StreamRow): Promise<void> {
    try {
      const { items } = await this.streams.pending(stream, ITEMS_PER_CLAIM);
      for (const item of items) {
        if (this.stopped) break;
        const set = await this.streams.sign(stream, item);
        const outcome = await this.post(stream.endpoint_url ?? '', set, {
          'content-type': 'application/secevent+jwt',
          accept: 'application/json',
          ...(stream.authorization_header ? { authorization: stream.authorization_header } : {}),
        });
        const to = item.kind === 'feed' ? item.position : null;
        const signInTo = item.kind === 'signIn' ? item.position : null;
        if (outcome.kind === 'failed') {
          await this.fail('streams', stream.id, stream.attempts, outcome.error);
          return;
        }
        if (item.kind === 'event')
          await this.repository.deleteStreamEvents(stream.id, [item.row.id]);
        if (outcome.kind === 'delivered') {
          await this.repository.recordDelivered('streams', stream.id, this.instance, to, signInTo);
        } else {
          await this.repository.recordSkipped(
            'streams',
            stream.id,
            this.instance,
            to,
            outcome.error,
            signInTo,
          );
        }
      }
      await this.repository.releaseLease('streams', stream.id, this.instance);
    } catch (error) {
      await this.fail('streams', stream.id, stream.attempts, String(error));
    }
  }

  private async deliverLogout(party: RelyingPartyRow): Promise<void> {
    try {
      const rows = await this.repository.readFeed(
        { xid: party.feed_xid, id: party.feed_id },
        ITEMS_PER_CLAIM,
        null,
      );
      for (const event of rows) {
        if (this.stopped) break;
        const claims = logoutTokenClaims({
          issuer: this.options.issuer,
          clientId: party.client_id,
          jti: logoutJti(party.client_id, event),
          issuedAt: epochSeconds(new Date()),
          ttlSeconds: this.options.logoutTokenTtlSeconds,
          event,
        });
        const token = await this.keys.sign(claims, LOGOUT_TYP);
        const outcome = await this.post(
          party.backchannel_logout_uri,
          new URLSearchParams({ logout_token: token }).toString(),
          { 'content-type': 'application/x-www-form-urlencoded' },
        );
        const to = { xid: event.feed_xid, id: event.feed_id };
        if (outcome.kind === 'failed') {
          await this.fail('relyingParties', party.client_id, party.attempts, outcome.error);
          return;
        }
        if (outcome.kind === 'delivered') {
          await this.repository.recordDelivered(
            'relyingParties',
            party.client_id,
            this.instance,
            to,
          );
        } else {
          await this.repository.recordSkipped(
            'relyingParties',
            party.client_id,
            this.instance,
            to,
            outcome.error,
          );
        }
      }
      await this.repository.releaseLease('relyingParties', party.client_id, this.instance);
    } catch (error) {
      await this.fail('relyingParties', party.client_id, party.attempts, String(error));
    }
  }

  /** Next attempt after base * 2^attempts (at most the maximum), between half and all of it. */
  retryDelayMs(attempts: number): number {
    const { retryBaseMs, retryMaxMs } = this.options;
    const ceiling = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(attempts, 30));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private async fail(
    table: 'streams' | 'relyingParties',
    key: string,
    attempts: number,
    error: string,
  ): Promise<void> {
    const delay = this.retryDelayMs(attempts);
    this.logger.warn(`delivery to ${key} failed (${error}); next attempt in ${delay} ms`);
    await this.repository
      .recordFailure(table, key, this.instance, error, delay)
      .catch((e: unknown) => this.logger.warn(`recording the failure failed: ${String(e)}`));
  }

  /** POSTs one item: a 2xx delivers it, a 400 refuses it, anything else fails (retried). */
  private async post(url: string, body: string, headers: Record<string, string>): Promise<Outcome> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body,
        headers,
        // Never followed: the item (and a stream's Authorization header) goes to the registered URL only.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.pushTimeoutMs),
      });
    } catch (error) {
      return { kind: 'failed', error: `${url}: ${(error as Error).message}` };
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300) return { kind: 'delivered' };
    if (response.status >= 300 && response.status < 400) {
      return { kind: 'failed', error: `HTTP ${response.status}: redirects are not followed` };
    }
    if (response.status === 400) {
      // RFC 8935 section 2.3 / Back-Channel Logout 1.0 section 2.8: {"err"|"error", "description"|"error_description"}.
      let detail = text.slice(0, 200);
      try {
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const code = parsed.err ?? parsed.error;
        const description = parsed.description ?? parsed.error_description;
        if (typeof code === 'string') {
          detail = typeof description === 'string' ? `${code}: ${description}` : code;
        }
      } catch {
        // not JSON: the text itself
      }
      return { kind: 'refused', error: `400 ${detail}`.trim() };
    }
    return { kind: 'failed', error: `HTTP ${response.status}` };
  }
}
