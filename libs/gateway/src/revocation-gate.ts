import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import {
  createRemoteJWKSet,
  importJWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  type JWTVerifyOptions,
} from 'jose';
import type { BearerToken, RevocationGateOptions, TokenVerificationOptions } from './options';
import { type GatewayProblem, refusalProblem, type RefusalReason } from './problem';
import { RevokedSessions } from './revoked-sessions';
import {
  isObject,
  POLL_DELIVERY,
  PUSH_DELIVERY,
  revokedSessionId,
  SESSION_REVOKED_EVENT,
  SET_CONTENT_TYPE,
  SET_TYPE,
  type SetErrorCode,
  ssfConfigurationUrl,
  STREAM_UPDATED_EVENT,
  type StreamConfiguration,
  type TransmitterConfiguration,
  VERIFICATION_EVENT,
} from './ssf';

/** The answer for one request. */
export type GateDecision =
  | { allowed: true; sessionId: string; claims: JWTPayload; failedOpen: boolean }
  | { allowed: false; reason: RefusalReason; problem: GatewayProblem };

/** What a push endpoint answers (RFC 8935 section 2). */
export interface PushResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

export interface GateHealth {
  /** `up` when revocations are current; `down` otherwise (starting, stale or stopped). */
  status: 'up' | 'down';
  state: 'starting' | 'following' | 'stale' | 'stopped';
  /** Time since the stream last confirmed it was current, ms (absent before the first). */
  stalenessMs?: number;
  streamId?: string;
  revokedSessions: number;
  lastError?: string;
}

const ASYMMETRIC = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'EdDSA'];
const SET_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

type Counter =
  'allowed' | 'allowed_stale' | 'token_missing' | 'token_invalid' | 'session_revoked' | 'stale';
type SetRejection = 'signature' | 'claims' | 'malformed';

/**
 * Verifies access tokens locally and refuses those of revoked sessions,
 * following the session service's SSF 1.0 stream of CAEP `session-revoked`
 * events. No framework imports: the Fastify, Express and NestJS adapters call
 * `check()` per request, which never leaves the process.
 *
 * `start()` creates (or reuses) the stream first, then reads the revocations of
 * the last `maxTokenLifetimeSeconds` from the service's feed, then polls: a
 * revocation made in between is in the stream's queue, one made before is in the
 * snapshot, so a fresh gateway is never blind.
 */
export class RevocationGate {
  private readonly revoked: RevokedSessions;
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;
  private readonly sessionPath: string[];
  private readonly maxStalenessMs: number;
  private readonly pushAuthorization: string;
  private tokenKey?: Promise<JWTVerifyOptions & { key: Uint8Array | JWTVerifyGetKey }>;
  private transmitter?: TransmitterConfiguration;
  private setKeys?: JWTVerifyGetKey;
  private stream?: StreamConfiguration;
  private streamEnabled = true;
  private lastSyncAt?: number;
  private lastError?: string;
  private running = false;
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private readyWaiters: (() => void)[] = [];
  private pendingAcks: string[] = [];
  private pendingErrs: Record<string, { err: SetErrorCode; description: string }> = {};
  private verificationState?: string;
  private readonly counters: Record<Counter, number> = {
    allowed: 0,
    allowed_stale: 0,
    token_missing: 0,
    token_invalid: 0,
    session_revoked: 0,
    stale: 0,
  };
  private readonly setCounters = {
    received: 0,
    revocations: 0,
    rejected: { signature: 0, claims: 0, malformed: 0 } as Record<SetRejection, number>,
    polls: 0,
    pollErrors: 0,
    snapshotRevocations: 0,
    streamsCreated: 0,
  };

  constructor(private readonly options: RevocationGateOptions) {
    if (!(options.maxTokenLifetimeSeconds > 0)) {
      throw new RangeError('maxTokenLifetimeSeconds must be positive');
    }
    this.now = options.now ?? Date.now;
    this.fetchImpl = options.fetch ?? fetch;
    const tolerance = options.token.clockToleranceSeconds ?? 5;
    this.revoked = new RevokedSessions(
      (options.maxTokenLifetimeSeconds + tolerance) * 1000,
      options.maxRevokedSessions ?? 100_000,
      this.now,
    );
    this.sessionPath = (options.token.sessionClaim ?? 'session_id').split('.');
    this.maxStalenessMs = options.maxStalenessMs ?? 30_000;
    this.pushAuthorization =
      options.ssf.push?.authorization ?? `Bearer ${randomBytes(32).toString('base64url')}`;
    const sources = ['key', 'secret', 'jwksUrl', 'discovery'] as const;
    if (
      sources.filter((s) => options.token[s] !== undefined && options.token[s] !== false).length !==
      1
    ) {
      throw new TypeError('token: give exactly one of key, secret, jwksUrl or discovery');
    }
    if (options.ssf.delivery === 'push' && !options.ssf.push?.endpointUrl) {
      throw new TypeError('ssf.push.endpointUrl is required for push delivery');
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts following revocations in the background; resolves once the gate is
   * current (stream created and snapshot read), retrying until then. Requests
   * checked before that are treated as stale (`failMode`).
   */
  start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      this.stopped = false;
      this.loop = this.follow();
    }
    return this.ready();
  }

  /** Resolves once the gate is current. */
  ready(): Promise<void> {
    if (this.lastSyncAt !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Stops polling; pending acknowledgements are sent by the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.wake?.();
    await this.loop;
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  // ---------------------------------------------------------------- requests

  /** Checks the `Authorization` header value of a request. Never calls the service. */
  async check(authorization: string | undefined): Promise<GateDecision> {
    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization ?? '');
    if (!match) return this.refuse('token_missing', 401);
    return this.checkToken(match[1]);
  }

  /** Checks a bearer token. */
  async checkToken(token: string): Promise<GateDecision> {
    let claims: JWTPayload;
    try {
      const { key, ...verify } = await this.tokenVerification();
      claims =
        typeof key === 'function'
          ? (await jwtVerify(token, key, verify)).payload
          : (await jwtVerify(token, key, verify)).payload;
    } catch {
      return this.refuse('token_invalid', 401);
    }
    const sessionId = this.sessionPath.reduce<unknown>(
      (value, name) => (isObject(value) ? value[name] : undefined),
      claims,
    );
    if (typeof sessionId !== 'string' || sessionId === '') return this.refuse('token_invalid', 401);
    if (this.revoked.has(sessionId)) return this.refuse('session_revoked', 401);
    if (!this.isCurrent()) {
      if (this.options.failMode === 'open') {
        this.counters.allowed_stale++;
        return { allowed: true, sessionId, claims, failedOpen: true };
      }
      return this.refuse('stale', this.options.failClosedStatus ?? 503);
    }
    this.counters.allowed++;
    return { allowed: true, sessionId, claims, failedOpen: false };
  }

  /** Whether `sessionId` is known to be revoked. */
  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  private refuse(reason: RefusalReason, status: 401 | 503): GateDecision {
    this.counters[reason]++;
    return {
      allowed: false,
      reason,
      problem: refusalProblem(reason, status, this.options.problemTypeBase),
    };
  }

  private tokenVerification(): Promise<JWTVerifyOptions & { key: Uint8Array | JWTVerifyGetKey }> {
    this.tokenKey ??= this.resolveTokenKey(this.options.token).catch((error: unknown) => {
      this.tokenKey = undefined; // a failed discovery is retried by the next request
      throw error;
    });
    return this.tokenKey;
  }

  private async resolveTokenKey(
    token: TokenVerificationOptions,
  ): Promise<JWTVerifyOptions & { key: Uint8Array | JWTVerifyGetKey }> {
    const common: JWTVerifyOptions = {
      issuer: token.issuer,
      audience: token.audience,
      clockTolerance: token.clockToleranceSeconds ?? 5,
      requiredClaims: ['exp'],
    };
    if (token.secret !== undefined) {
      return {
        ...common,
        algorithms: token.algorithms ?? ['HS256'],
        key: new TextEncoder().encode(token.secret),
      };
    }
    const algorithms = token.algorithms ?? ASYMMETRIC;
    if (token.key !== undefined) {
      const key = token.key;
      // A JWK imported once, not per request.
      const imported = 'kty' in key ? await importJWK(key, key.alg ?? algorithms[0]) : key;
      return { ...common, algorithms, key: () => imported };
    }
    let jwksUrl = token.jwksUrl;
    if (jwksUrl === undefined) {
      if (!token.issuer) throw new TypeError('token.discovery needs token.issuer');
      const metadata = await this.getJson(
        `${token.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
      );
      if (!isObject(metadata) || typeof metadata.jwks_uri !== 'string') {
        throw new Error('OpenID configuration without jwks_uri');
      }
      jwksUrl = metadata.jwks_uri;
    }
    return { ...common, algorithms, key: createRemoteJWKSet(new URL(jwksUrl)) };
  }

  // ---------------------------------------------------------------- state

  /** Whether the stream confirmed it was current within `maxStalenessMs`. */
  isCurrent(): boolean {
    return (
      this.lastSyncAt !== undefined &&
      this.streamEnabled &&
      this.now() - this.lastSyncAt <= this.maxStalenessMs
    );
  }

  /** Time since the stream last confirmed it was current, ms (Infinity before the first). */
  stalenessMs(): number {
    return this.lastSyncAt === undefined ? Infinity : this.now() - this.lastSyncAt;
  }

  /** For a health endpoint: `up` when revocations are current. */
  health(): GateHealth {
    const state = this.stopped
      ? 'stopped'
      : this.lastSyncAt === undefined
        ? 'starting'
        : this.isCurrent()
          ? 'following'
          : 'stale';
    return {
      status: state === 'following' ? 'up' : 'down',
      state,
      ...(this.lastSyncAt !== undefined && { stalenessMs: this.stalenessMs() }),
      ...(this.stream && { streamId: this.stream.stream_id }),
      revokedSessions: this.revoked.size,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
    };
  }

  /** The figures behind `prometheus()`. */
  metrics() {
    return {
      stalenessSeconds: this.stalenessMs() / 1000,
      current: this.isCurrent(),
      revokedSessions: this.revoked.size,
      revokedEvicted: this.revoked.evicted,
      requests: { ...this.counters },
      sets: {
        received: this.setCounters.received,
        revocations: this.setCounters.revocations,
        rejected: { ...this.setCounters.rejected },
      },
      polls: this.setCounters.polls,
      pollErrors: this.setCounters.pollErrors,
      snapshotRevocations: this.setCounters.snapshotRevocations,
      streamsCreated: this.setCounters.streamsCreated,
    };
  }

  /** The metrics in the Prometheus text format (no global registry: append to your own `/metrics`). */
  prometheus(prefix = 'session_gateway_'): string {
    const m = this.metrics();
    const lines: string[] = [];
    const metric = (
      name: string,
      type: 'gauge' | 'counter',
      help: string,
      values: [string, number][],
    ) => {
      lines.push(`# HELP ${prefix}${name} ${help}`, `# TYPE ${prefix}${name} ${type}`);
      for (const [labels, value] of values) {
        const v = Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : '-Inf';
        lines.push(`${prefix}${name}${labels} ${v}`);
      }
    };
    metric(
      'staleness_seconds',
      'gauge',
      'Time since the revocation stream was last confirmed current.',
      [['', m.stalenessSeconds]],
    );
    metric('current', 'gauge', '1 when revocations are current, 0 when stale or starting.', [
      ['', m.current ? 1 : 0],
    ]);
    metric('revoked_sessions', 'gauge', 'Revoked sessions remembered.', [['', m.revokedSessions]]);
    metric(
      'revoked_evicted_total',
      'counter',
      'Revoked sessions dropped because the store was full.',
      [['', m.revokedEvicted]],
    );
    metric(
      'requests_total',
      'counter',
      'Requests checked, by result.',
      Object.entries(m.requests).map(([result, n]) => [`{result="${result}"}`, n]),
    );
    metric('sets_received_total', 'counter', 'Security event tokens received.', [
      ['', m.sets.received],
    ]);
    metric(
      'sets_rejected_total',
      'counter',
      'Security event tokens refused, by reason.',
      Object.entries(m.sets.rejected).map(([reason, n]) => [`{reason="${reason}"}`, n]),
    );
    metric('revocations_total', 'counter', 'Session revocations received, by source.', [
      ['{source="stream"}', m.sets.revocations],
      ['{source="snapshot"}', m.snapshotRevocations],
    ]);
    metric('polls_total', 'counter', 'Polls of the stream.', [['', m.polls]]);
    metric('poll_errors_total', 'counter', 'Failed polls or stream setups.', [['', m.pollErrors]]);
    return `${lines.join('\n')}\n`;
  }

  // ---------------------------------------------------------------- the stream

  private async follow(): Promise<void> {
    let backoffMs = 250;
    let needsSetup = true;
    while (!this.stopped) {
      try {
        if (needsSetup) {
          await this.setUp();
          needsSetup = false;
          this.synced();
        }
        if (this.options.ssf.delivery === 'push') {
          await this.requestVerification();
          await this.sleep(this.options.ssf.verificationIntervalMs ?? 10_000);
        } else {
          const more = await this.poll();
          if (!more) await this.sleep(this.options.ssf.pollIntervalMs ?? 250);
        }
        backoffMs = 250;
      } catch (error) {
        if (this.stopped) break;
        this.setCounters.pollErrors++;
        this.failed(error);
        if (error instanceof StreamGoneError) needsSetup = true;
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
  }

  /** Stream first, then the snapshot: nothing revoked in between is missed. */
  private async setUp(): Promise<void> {
    const ssf = this.options.ssf;
    const metadata = await this.getJson(ssfConfigurationUrl(ssf.issuer));
    if (!isObject(metadata) || typeof metadata.jwks_uri !== 'string') {
      throw new Error('SSF configuration without jwks_uri');
    }
    const transmitter = metadata as unknown as TransmitterConfiguration;
    if (
      transmitter.issuer !== ssf.issuer.replace(/\/+$/, '') &&
      transmitter.issuer !== ssf.issuer
    ) {
      throw new Error(`SSF configuration issuer ${transmitter.issuer} is not ${ssf.issuer}`);
    }
    if (!transmitter.configuration_endpoint) {
      throw new Error('SSF configuration without configuration_endpoint');
    }
    this.transmitter = transmitter;
    this.setKeys ??= createRemoteJWKSet(new URL(transmitter.jwks_uri));
    this.stream = await this.openStream(transmitter.configuration_endpoint);
    this.streamEnabled = true;
    await this.readSnapshot();
  }

  private async openStream(endpoint: string): Promise<StreamConfiguration> {
    const ssf = this.options.ssf;
    const push = ssf.delivery === 'push';
    const method = push ? PUSH_DELIVERY : POLL_DELIVERY;
    const description = ssf.streamName ?? `session gateway ${hostname()}`;
    const delivery = push
      ? {
          method,
          endpoint_url: ssf.push?.endpointUrl,
          authorization_header: this.pushAuthorization,
        }
      : { method };
    const existing = await this.request(endpoint, { method: 'GET' });
    if (existing.ok) {
      const body: unknown = await existing.json();
      const streams = (Array.isArray(body) ? body : [body]).filter(isObject);
      const mine = streams.find(
        (s) =>
          s.description === description &&
          isObject(s.delivery) &&
          s.delivery.method === method &&
          typeof s.stream_id === 'string',
      ) as StreamConfiguration | undefined;
      if (mine) {
        if (push) {
          // The Authorization value may be new (generated per process): hand it over.
          const updated = await this.request(endpoint, {
            method: 'PATCH',
            body: JSON.stringify({ stream_id: mine.stream_id, delivery }),
          });
          if (updated.ok) return (await updated.json()) as StreamConfiguration;
        }
        return mine;
      }
    } else {
      await existing.body?.cancel();
    }
    const created = await this.request(endpoint, {
      method: 'POST',
      body: JSON.stringify({ delivery, events_requested: [SESSION_REVOKED_EVENT], description }),
    });
    if (!created.ok) {
      throw new Error(`creating the SSF stream failed: ${created.status} ${await created.text()}`);
    }
    const stream = (await created.json()) as StreamConfiguration;
    if (typeof stream.stream_id !== 'string') throw new Error('SSF stream without stream_id');
    if (!push && !stream.delivery?.endpoint_url)
      throw new Error('poll stream without endpoint_url');
    this.setCounters.streamsCreated++;
    return stream;
  }

  /** Revocations of the last token lifetime, from the service's feed (`since`). */
  private async readSnapshot(): Promise<void> {
    const snapshot = this.options.snapshot;
    if (!snapshot) return;
    const tolerance = this.options.token.clockToleranceSeconds ?? 5;
    const since = new Date(
      this.now() - (this.options.maxTokenLifetimeSeconds + tolerance) * 1000,
    ).toISOString();
    const base = `${snapshot.serviceUrl.replace(/\/+$/, '')}/api/sessions/revocations`;
    let after: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ since, limit: String(snapshot.pageSize ?? 1000) });
      if (after) query.set('after', after);
      const response = await this.request(
        `${base}?${query.toString()}`,
        { method: 'GET' },
        snapshot.bearerToken,
      );
      if (!response.ok) {
        throw new Error(
          `reading the revocation feed failed: ${response.status} ${await response.text()}`,
        );
      }
      const page = (await response.json()) as {
        revocations: { session_id: string; revoked_at: string }[];
        next_cursor: string;
        has_more: boolean;
      };
      for (const r of page.revocations) {
        if (this.revoked.add(r.session_id, Date.parse(r.revoked_at))) {
          this.setCounters.snapshotRevocations++;
        }
      }
      if (!page.has_more) return;
      after = page.next_cursor;
    }
  }

  /** One RFC 8936 poll: acknowledges what was processed, processes what arrives. */
  private async poll(): Promise<boolean> {
    const url = this.stream?.delivery?.endpoint_url as string;
    const acks = this.pendingAcks;
    const errs = this.pendingErrs;
    const body = {
      ack: acks,
      ...(Object.keys(errs).length && { setErrs: errs }),
      maxEvents: this.options.ssf.maxEvents ?? 100,
      returnImmediately: true,
    };
    const startedAt = this.now();
    const response = await this.request(url, { method: 'POST', body: JSON.stringify(body) });
    this.setCounters.polls++;
    if (response.status === 404) {
      await response.body?.cancel();
      throw new StreamGoneError('the poll endpoint answered 404');
    }
    if (!response.ok) {
      throw new Error(`poll failed: ${response.status} ${await response.text()}`);
    }
    const result: unknown = await response.json();
    // Delivered: the transmitter has them; only new acknowledgements remain.
    this.pendingAcks = [];
    this.pendingErrs = {};
    if (!isObject(result) || !isObject(result.sets)) throw new Error('poll answer without sets');
    for (const [jti, set] of Object.entries(result.sets)) {
      const outcome = await this.receive(String(set), jti);
      if (outcome === true) this.pendingAcks.push(jti);
      else this.pendingErrs[jti] = outcome;
    }
    const more = result.moreAvailable === true;
    // Everything queued before this poll began is now known.
    if (!more) this.synced(startedAt);
    // Poll again at once when more wait, or to acknowledge what just arrived.
    return more || this.pendingAcks.length + Object.keys(this.pendingErrs).length > 0;
  }

  /**
   * Verifies one SET (signature with the transmitter's keys, `typ`, `iss`,
   * `aud`) and applies it. Returns true, or the RFC 8936 error to report.
   */
  private async receive(
    set: string,
    expectedJti?: string,
  ): Promise<true | { err: SetErrorCode; description: string }> {
    this.setCounters.received++;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(set, this.setKeys as JWTVerifyGetKey, {
        typ: SET_TYPE,
        issuer: this.transmitter?.issuer,
        audience: this.options.ssf.audience ?? this.stream?.aud,
        algorithms: this.options.ssf.algorithms ?? SET_ALGORITHMS,
      }));
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
        this.setCounters.rejected.claims++;
        const claim = (error as { claim?: string }).claim;
        return claim === 'iss'
          ? { err: 'invalid_issuer', description: 'unexpected iss' }
          : claim === 'aud'
            ? { err: 'invalid_audience', description: 'unexpected aud' }
            : { err: 'invalid_request', description: `invalid ${claim ?? 'claim'}` };
      }
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JWKS_NO_MATCHING_KEY') {
        this.setCounters.rejected.signature++;
        return { err: 'invalid_key', description: 'the signature does not verify' };
      }
      this.setCounters.rejected.malformed++;
      return { err: 'invalid_request', description: 'not a valid SET' };
    }
    if (!isObject(payload.events) || (expectedJti !== undefined && payload.jti !== expectedJti)) {
      this.setCounters.rejected.malformed++;
      return { err: 'invalid_request', description: 'SET without events or with another jti' };
    }
    const revoked = payload.events[SESSION_REVOKED_EVENT];
    if (isObject(revoked)) {
      const sessionId = revokedSessionId(payload, revoked);
      if (sessionId === undefined) {
        this.setCounters.rejected.malformed++;
        return { err: 'invalid_request', description: 'session-revoked without a session subject' };
      }
      const at =
        typeof revoked.event_timestamp === 'number'
          ? revoked.event_timestamp
          : (payload.iat ?? this.now() / 1000);
      this.revoked.add(sessionId, at * 1000);
      this.setCounters.revocations++;
    }
    const updated = payload.events[STREAM_UPDATED_EVENT];
    if (isObject(updated) && typeof updated.status === 'string') {
      this.streamEnabled = updated.status === 'enabled';
    }
    const verification = payload.events[VERIFICATION_EVENT];
    if (isObject(verification) && verification.state === this.verificationState) this.synced();
    return true;
  }

  /** Push delivery: asks for a verification event, whose arrival proves the stream current. */
  private async requestVerification(): Promise<void> {
    const endpoint = this.transmitter?.verification_endpoint;
    if (!this.stream) return;
    if (!endpoint) {
      // No verification events: the stream's own configuration answering is the best proof left.
      const url = new URL(this.transmitter?.configuration_endpoint as string);
      url.searchParams.set('stream_id', this.stream.stream_id);
      const response = await this.request(url.toString(), { method: 'GET' });
      await response.body?.cancel();
      if (response.status === 404) throw new StreamGoneError('the stream is gone');
      if (!response.ok) throw new Error(`reading the stream failed: ${response.status}`);
      this.synced();
      return;
    }
    this.verificationState = randomBytes(16).toString('base64url');
    const response = await this.request(endpoint, {
      method: 'POST',
      body: JSON.stringify({ stream_id: this.stream.stream_id, state: this.verificationState }),
    });
    await response.body?.cancel();
    if (response.status === 404) throw new StreamGoneError('verification answered 404');
    if (!response.ok) throw new Error(`verification request failed: ${response.status}`);
  }

  /**
   * RFC 8935 push endpoint: mount it at `ssf.push.endpointUrl` (POST, raw body).
   * Answers 202 for a SET it accepted, 400 with `{err, description}` otherwise.
   */
  async handlePush(request: {
    body: string | Buffer;
    contentType?: string;
    authorization?: string;
  }): Promise<PushResponse> {
    const json = { 'content-type': 'application/json' };
    const expected = Buffer.from(this.pushAuthorization);
    const given = Buffer.from(request.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return {
        status: 401,
        headers: json,
        body: JSON.stringify({ err: 'authentication_failed', description: 'bad Authorization' }),
      };
    }
    if (!(request.contentType ?? '').toLowerCase().startsWith(SET_CONTENT_TYPE)) {
      return {
        status: 400,
        headers: json,
        body: JSON.stringify({
          err: 'invalid_request',
          description: `expected ${SET_CONTENT_TYPE}`,
        }),
      };
    }
    if (!this.setKeys) {
      return { status: 503, headers: { ...json, 'retry-after': '1' } };
    }
    const outcome = await this.receive(request.body.toString().trim());
    if (outcome !== true) return { status: 400, headers: json, body: JSON.stringify(outcome) };
    return { status: 202, headers: {} };
  }

  // ---------------------------------------------------------------- plumbing

  private synced(at = this.now()): void {
    if (!this.streamEnabled) return;
    this.lastSyncAt = Math.max(this.lastSyncAt ?? -Infinity, at);
    this.lastError = undefined;
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  private failed(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.lastError = err.message;
    this.options.onError?.(err);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async bearer(token: BearerToken): Promise<string> {
    return `Bearer ${typeof token === 'function' ? await token() : token}`;
  }

  private async request(
    url: string,
    init: { method: string; body?: string },
    token: BearerToken = this.options.ssf.bearerToken,
  ): Promise<Response> {
    return this.fetchImpl(url, {
      method: init.method,
      body: init.body,
      headers: {
        accept: 'application/json',
        authorization: await this.bearer(token),
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
      },
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
    });
  }

  private async getJson(url: string): Promise<unknown> {
    const response = await this.fetchImpl(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
    });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return response.json();
  }
}

/** The stream no longer exists (deleted, or the transmitter lost it): set it up again. */
class StreamGoneError extends Error {}
