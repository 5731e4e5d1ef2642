import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** The identifiers, as SSF 1.0 / CAEP 1.0 / RFC 8936 define them (written out, not imported). */
const POLL = 'urn:ietf:rfc:8936';
const PUSH = 'urn:ietf:rfc:8935';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
export const RECEIVER_TOKEN = 'receiver-token';
export const FEED_TOKEN = 'feed-token';

interface Stream {
  stream_id: string;
  iss: string;
  aud: string;
  description?: string;
  events_requested: string[];
  events_delivered: string[];
  delivery: { method: string; endpoint_url?: string; authorization_header?: string };
  /** jti -> SET, not yet acknowledged. */
  queue: Map<string, string>;
}

/**
 * A transmitter written from the specifications, for the gateway's specs:
 * SSF 1.0 metadata and stream management, RFC 8936 polling with acks, RFC 8935
 * pushes, ES256 SETs with `typ: secevent+jwt` carrying CAEP `session-revoked`
 * with a complex `sub_id`; and the session service's revocation feed with `since`.
 */
export class TestTransmitter {
  readonly streams = new Map<string, Stream>();
  readonly acks: string[] = [];
  readonly setErrs: Record<string, { err: string; description: string }> = {};
  readonly polls: { ack: string[]; maxEvents?: number; returnImmediately?: boolean }[] = [];
  readonly feedRequests: URLSearchParams[] = [];
  readonly pushes: { status: number; body: string }[] = [];
  /** Revocations in the service's feed. */
  readonly feed: { session_id: string; revoked_at: string }[] = [];
  /** Verification events sent. */
  verifications = 0;
  /** Answer 503 to everything (the transmitter is down). */
  down = false;
  url = '';
  private server?: Server;
  private key?: CryptoKey;
  private jwk?: JWK;

  get issuer(): string {
    return this.url;
  }

  async start(): Promise<this> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    this.key = privateKey;
    this.jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /**
   * A session revoked at `at`: in the feed, and as a SET queued on (or pushed
   * to) every stream. Returns the SETs' jtis.
   */
  async revoke(sessionId: string, at = new Date()): Promise<string[]> {
    this.feed.push({ session_id: sessionId, revoked_at: at.toISOString() });
    const jtis: string[] = [];
    for (const stream of this.streams.values()) {
      const jti = randomUUID();
      const set = await this.sign(stream, jti, sessionId, Math.floor(at.getTime() / 1000));
      await this.deliver(stream, jti, set);
      jtis.push(jti);
    }
    return jtis;
  }

  /** Queues (or pushes) an arbitrary SET on every stream, under `jti`. */
  async deliverRaw(jti: string, set: string): Promise<void> {
    for (const stream of this.streams.values()) await this.deliver(stream, jti, set);
  }

  /** A correctly formed session-revoked SET, with `overrides` to spoil it. */
  async sign(
    stream: Stream,
    jti: string,
    sessionId: string,
    at: number,
    overrides: { key?: CryptoKey; typ?: string; iss?: string; aud?: string } = {},
  ): Promise<string> {
    return new SignJWT({
      sub_id: {
        format: 'complex',
        user: { format: 'opaque', id: '1001' },
        session: { format: 'opaque', id: sessionId },
      },
      events: { [SESSION_REVOKED]: { event_timestamp: at, initiating_entity: 'user' } },
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: overrides.typ ?? 'secevent+jwt' })
      .setIssuer(overrides.iss ?? stream.iss)
      .setAudience(overrides.aud ?? stream.aud)
      .setIssuedAt()
      .setJti(jti)
      .sign(overrides.key ?? (this.key as CryptoKey));
  }

  onlyStream(): Stream {
    const [stream] = this.streams.values();
    if (!stream) throw new Error('no stream');
    return stream;
  }

  private async deliver(stream: Stream, jti: string, set: string): Promise<void> {
    if (stream.delivery.method === POLL) {
      stream.queue.set(jti, set);
      return;
    }
    const response = await fetch(stream.delivery.endpoint_url as string, {
      method: 'POST',
      headers: {
        'content-type': 'application/secevent+jwt',
        accept: 'application/json',
        authorization: stream.delivery.authorization_header ?? '',
      },
      body: set,
    });
    this.pushes.push({ status: response.status, body: await response.text() });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (this.down) return send(503, { error: 'down' });
    if (url.pathname === '/.well-known/ssf-configuration') {
      return send(200, {
        spec_version: '1_0',
        issuer: this.issuer,
        jwks_uri: `${this.url}/jwks`,
        delivery_methods_supported: [POLL, PUSH],
        configuration_endpoint: `${this.url}/ssf/streams`,
        verification_endpoint: `${this.url}/ssf/verify`,
      });
    }
    if (url.pathname === '/jwks') return send(200, { keys: [this.jwk] });
    const auth = req.headers.authorization;
    if (url.pathname === '/api/sessions/revocations') {
      if (auth !== `Bearer ${FEED_TOKEN}`) return send(401, { status: 401 });
      this.feedRequests.push(url.searchParams);
      const since = Date.parse(url.searchParams.get('since') ?? '1970-01-01T00:00:00Z');
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const start = Number(url.searchParams.get('after') ?? 0);
      const matching = this.feed
        .map((r, index) => ({ ...r, cursor: String(index + 1) }))
        .slice(start)
        .filter((r) => Date.parse(r.revoked_at) >= since);
      const page = matching.slice(0, limit);
      return send(200, {
        revocations: page,
        next_cursor: page.at(-1)?.cursor ?? String(start),
        has_more: matching.length > limit,
      });
    }
    if (auth !== `Bearer ${RECEIVER_TOKEN}`) return send(401, { err: 'authentication_failed' });
    const body = req.method === 'POST' || req.method === 'PATCH' ? await readJson(req) : {};
    if (url.pathname === '/ssf/streams') {
      if (req.method === 'GET') return send(200, [...this.streams.values()].map(view));
      if (req.method === 'POST') {
        const id = randomUUID();
        const delivery = body.delivery as Stream['delivery'];
        const stream: Stream = {
          stream_id: id,
          iss: this.issuer,
          aud: 'gateway-receiver',
          description: body.description as string | undefined,
          events_requested: body.events_requested as string[],
          events_delivered: [SESSION_REVOKED],
          delivery:
            delivery.method === POLL
              ? { method: POLL, endpoint_url: `${this.url}/ssf/poll/${id}` }
              : delivery,
          queue: new Map(),
        };
        this.streams.set(id, stream);
        return send(201, view(stream));
      }
      if (req.method === 'PATCH') {
        const stream = this.streams.get(body.stream_id as string);
        if (!stream) return send(404);
        Object.assign(stream.delivery, body.delivery);
        return send(200, view(stream));
      }
    }
    if (url.pathname === '/ssf/verify' && req.method === 'POST') {
      // SSF 1.0 section 8.1.4: answer 204, then send a verification event carrying `state`.
      const stream = this.streams.get(body.stream_id as string);
      if (!stream) return send(404);
      send(204);
      const jti = randomUUID();
      const set = await new SignJWT({
        sub_id: { format: 'opaque', id: stream.stream_id },
        events: { [VERIFICATION]: { state: body.state } },
      })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'secevent+jwt' })
        .setIssuer(stream.iss)
        .setAudience(stream.aud)
        .setIssuedAt()
        .setJti(jti)
        .sign(this.key as CryptoKey);
      this.verifications++;
      return this.deliver(stream, jti, set);
    }
    const poll = /^\/ssf\/poll\/([^/]+)$/.exec(url.pathname);
    if (poll && req.method === 'POST') {
      const stream = this.streams.get(poll[1]);
      if (!stream) return send(404, { err: 'invalid_request', description: 'no such stream' });
      const ack = (body.ack as string[] | undefined) ?? [];
      this.polls.push({
        ack,
        maxEvents: body.maxEvents as number | undefined,
        returnImmediately: body.returnImmediately as boolean | undefined,
      });
      for (const jti of ack) {
        stream.queue.delete(jti);
        this.acks.push(jti);
      }
      const errs = (body.setErrs ?? {}) as Record<string, { err: string; description: string }>;
      for (const [jti, err] of Object.entries(errs)) {
        stream.queue.delete(jti);
        this.setErrs[jti] = err;
      }
      const max = (body.maxEvents as number | undefined) ?? 100;
      const sets = Object.fromEntries([...stream.queue.entries()].slice(0, max));
      return send(200, { sets, moreAvailable: stream.queue.size > max });
    }
    return send(404);
  }
}

/** The stream as the management API shows it: no queue, no push secret. */
function view(stream: Stream) {
  const shown: Record<string, unknown> = { ...stream, delivery: { ...stream.delivery } };
  delete shown.queue;
  delete (shown.delivery as Record<string, unknown>).authorization_header;
  return shown;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
