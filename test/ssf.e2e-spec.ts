import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { SessionsSweeper } from '@session-service/sessions';
import { insertSession, insertUser } from './support/factories';
import { freePort, startReceiver } from './support/receivers';
import {
  createTestApp,
  resetDatabase,
  startTransmitterApp,
  type TestApp,
} from './support/test-app';
import { adminToken, serviceToken, tokenFor } from './support/tokens';
import { pollUntil } from './support/wait';

/**
 * A Shared Signals receiver written from the specifications alone (SSF 1.0,
 * CAEP 1.0, RFC 8417, RFC 8935, RFC 8936, RFC 9493): it discovers the
 * transmitter, verifies each SET through the published JWKS, and acknowledges.
 */
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const SESSION_ESTABLISHED =
  'https://schemas.openid.net/secevent/caep/event-type/session-established';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
const PUSH = 'urn:ietf:rfc:8935';
const POLL = 'urn:ietf:rfc:8936';
const RECEIVER_ROLE = 'ssf-receiver';

interface TransmitterMetadata {
  spec_version: string;
  issuer: string;
  jwks_uri: string;
  delivery_methods_supported: string[];
  configuration_endpoint: string;
  status_endpoint: string;
  add_subject_endpoint: string;
  remove_subject_endpoint: string;
  verification_endpoint: string;
  authorization_schemes: { spec_urn: string }[];
}

interface StreamConfig {
  stream_id: string;
  iss: string;
  aud: string;
  events_supported: string[];
  events_requested: string[];
  events_delivered: string[];
  delivery: { method: string; endpoint_url: string };
}

interface SetClaims extends JWTPayload {
  sub_id: {
    format: string;
    user: { format: string; id?: string; iss?: string; sub?: string };
    session: { format: string; id: string };
  };
  events: Record<string, Record<string, unknown>>;
}

describe('Shared Signals transmitter (SSF 1.0, CAEP session-revoked, RFC 8935/8936)', () => {
  let t: TestApp;
  let base: string;
  let metadata: TransmitterMetadata;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  const receiver = tokenFor(7, { roles: [RECEIVER_ROLE] });
  const otherReceiver = tokenFor(8, { roles: [RECEIVER_ROLE] });

  const call = async (
    method: string,
    url: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; json: ReturnType<typeof JSON.parse>; contentType: string }> => {
    const response = await fetch(url, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      json: text ? JSON.parse(text) : undefined,
      contentType: String(response.headers.get('content-type')),
    };
  };

  /** RFC 8417 / SSF 1.0 checks of one SET, signature through the published JWKS. */
  async function verifySet(set: string, audience: string): Promise<SetClaims> {
    const header = decodeProtectedHeader(set);
    expect(header.typ).toBe('secevent+jwt');
    expect(header.alg).toBe('ES256');
    expect(typeof header.kid).toBe('string');
    const { payload } = await jwtVerify(set, jwks, {
      issuer: metadata.issuer,
      audience,
      typ: 'secevent+jwt',
      algorithms: ['ES256'],
    });
    expect(typeof payload.jti).toBe('string');
    expect(typeof payload.iat).toBe('number');
    // RFC 8417 section 2.2: a SET is not an access token; no sub at top level, events present.
    expect(payload.sub).toBeUndefined();
    expect(typeof payload.events).toBe('object');
    return payload as SetClaims;
  }

  const revoke = (sessionId: string, reason = 'stolen laptop') =>
    call(
      'DELETE',
      `${base}/api/sessions/${sessionId}?reason=${encodeURIComponent(reason)}`,
      adminToken(),
    );

  const createStream = async (body: unknown, token = receiver): Promise<StreamConfig> => {
    const created = await call('POST', metadata.configuration_endpoint, token, body);
    expect(created.status).toBe(201);
    return created.json as StreamConfig;
  };

  const poll = (stream: StreamConfig, body: unknown, token = receiver) =>
    call('POST', stream.delivery.endpoint_url, token, body);

  beforeAll(async () => {
    ({ t, base } = await startTransmitterApp({
      SIGNALS_DELIVERY_INTERVAL_MS: '50',
      SIGNALS_RETRY_BASE_MS: '50',
      SIGNALS_RETRY_MAX_MS: '200',
      SIGNALS_POLL_TIMEOUT_MS: '3000',
      SIGNALS_PUSH_TIMEOUT_MS: '2000',
    }));
    const discovered = await call('GET', `${base}/.well-known/ssf-configuration`, undefined);
    expect(discovered.status).toBe(200);
    metadata = discovered.json as TransmitterMetadata;
    jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
  });

  afterAll(async () => {
    await t?.close();
  });

  beforeEach(async () => {
    await resetDatabase(t.dataSource);
    await t.dataSource.query('DELETE FROM session_service.ssf_streams');
    await insertUser(t.dataSource, 1001);
  });

  it('publishes its configuration (SSF 1.0 section 7.1) and its public keys', async () => {
    expect(metadata).toMatchObject({
      spec_version: '1_0',
      issuer: base,
      jwks_uri: `${base}/.well-known/jwks.json`,
      configuration_endpoint: `${base}/ssf/streams`,
      status_endpoint: `${base}/ssf/status`,
      add_subject_endpoint: `${base}/ssf/subjects/add`,
      remove_subject_endpoint: `${base}/ssf/subjects/remove`,
      verification_endpoint: `${base}/ssf/verify`,
    });
    expect(metadata.delivery_methods_supported.sort()).toEqual([PUSH, POLL]);
    const keys = await call('GET', metadata.jwks_uri, undefined);
    expect(keys.status).toBe(200);
    expect(keys.json.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys.json.keys[0].d).toBeUndefined();
  });

  it('a poll stream receives the session-revoked SET, again until acknowledged, then no more', async () => {
    const stream = await createStream({
      delivery: { method: POLL },
      events_requested: [SESSION_REVOKED],
      description: 'gateway',
    });
    expect(stream).toMatchObject({
      iss: base,
      events_delivered: [SESSION_REVOKED],
      delivery: { method: POLL },
    });
    expect(stream.delivery.endpoint_url).toBe(`${base}/ssf/poll/${stream.stream_id}`);
    const sessionId = await insertSession(t.dataSource, { userId: 1001 });
    expect((await revoke(sessionId)).status).toBe(204);

    const first = await poll(stream, { returnImmediately: true, maxEvents: 10 });
    expect(first.status).toBe(200);
    expect(first.json.moreAvailable).toBe(false);
    const jtis = Object.keys(first.json.sets);
    expect(jtis).toHaveLength(1);
    const claims = await verifySet(first.json.sets[jtis[0]], stream.aud);
    expect(claims.jti).toBe(jtis[0]);
    expect(claims.sub_id).toEqual({
      format: 'complex',
      user: { format: 'opaque', id: '1001' },
      session: { format: 'opaque', id: sessionId },
    });
    const event = claims.events[SESSION_REVOKED];
    expect(event).toMatchObject({
      initiating_entity: 'admin',
      reason_admin: { en: 'stolen laptop' },
    });
    expect(Math.abs((event.event_timestamp as number) - Date.now() / 1000)).toBeLessThan(60);

    // Not acknowledged: delivered again, the same jti.
    const again = await poll(stream, { returnImmediately: true });
    expect(Object.keys(again.json.sets)).toEqual(jtis);

    const statusOf = async () =>
      (await call('GET', `${metadata.status_endpoint}?stream_id=${stream.stream_id}`, receiver))
        .json as { last_delivered_at: string | null; next_attempt_at: string | null };
    // A poll stream pushes nothing: no attempt is ever due.
    expect(await statusOf()).toMatchObject({ last_delivered_at: null, next_attempt_at: null });

    // Acknowledged: gone, and delivered as the stream's status says.
    const ackedAt = Date.now();
    const acked = await poll(stream, { returnImmediately: true, ack: jtis });
    expect(acked.status).toBe(200);
    expect(acked.json.sets).toEqual({});
    const { last_delivered_at } = await statusOf();
    expect(Math.abs(Date.parse(last_delivered_at ?? '') - ackedAt)).toBeLessThan(5000);
  });

  it('a waiting poll answers as soon as a revocation commits', async () => {
    const stream = await createStream({ events_requested: [SESSION_REVOKED] });
    const sessionId = await insertSession(t.dataSource, { userId: 1001 });
    const started = Date.now();
    const waiting = poll(stream, { returnImmediately: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await revoke(sessionId);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    const [set] = Object.values(answer.json.sets as Record<string, string>);
    const claims = await verifySet(set, stream.aud);
    expect(claims.sub_id.session.id).toBe(sessionId);
    expect(Date.now() - started).toBeLessThan(3000);
    // Nothing pending: a waiting poll returns empty at the poll timeout.
    const empty = await poll(stream, { ack: [claims.jti], maxEvents: 5, returnImmediately: true });
    expect(empty.json).toEqual({ sets: {}, moreAvailable: false });
  });

  it('sends session-established for a sign-in, then session-revoked, only to streams that requested it', async () => {
    const pushed = await startReceiver(() => ({ status: 202 }));
    try {
      const both = await createStream({
        delivery: { method: POLL },
        events_requested: [SESSION_ESTABLISHED, SESSION_REVOKED],
      });
      expect(both.events_supported).toEqual(expect.arrayContaining([SESSION_ESTABLISHED]));
      expect([...both.events_delivered].sort()).toEqual([SESSION_ESTABLISHED, SESSION_REVOKED]);
      const revokedOnly = await createStream({ events_requested: [SESSION_REVOKED] });
      const pushStream = await createStream({
        delivery: { method: PUSH, endpoint_url: pushed.url },
        events_requested: [SESSION_REVOKED, SESSION_ESTABLISHED],
      });

      const signedIn = await call('POST', `${base}/api/sessions`, serviceToken(), {
        user_id: 1001,
        username: 'user1001',
        amr: ['pwd', 'otp'],
        ip: '198.51.100.9',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      });
      expect(signedIn.status).toBe(201);
      const sessionId = signedIn.json.id as string;
      expect((await revoke(sessionId)).status).toBe(204);
      // The status counts what each stream has waiting: the sign-in only where it was requested.
      const backlog = async (stream: { stream_id: string }) =>
        (await call('GET', `${metadata.status_endpoint}?stream_id=${stream.stream_id}`, receiver))
          .json.backlog;
      // (Both once the feed releases them: it waits for every older write transaction.)
      await pollUntil(
        () => backlog(both),
        (n) => n === 2,
        10_000,
        'a backlog of 2',
      );
      expect(await backlog(revokedOnly)).toBe(1);

      const answer = await poll(both, { returnImmediately: true, maxEvents: 10 });
      expect(answer.status).toBe(200);
      const sets = answer.json.sets as Record<string, string>;
      const claims = await Promise.all(Object.values(sets).map((set) => verifySet(set, both.aud)));
      expect(claims.map((c) => Object.keys(c.events))).toEqual([
        [SESSION_ESTABLISHED],
        [SESSION_REVOKED],
      ]);
      const established = claims[0];
      expect(established.sub_id).toEqual({
        format: 'complex',
        user: { format: 'opaque', id: '1001' },
        session: { format: 'opaque', id: sessionId },
      });
      const event = established.events[SESSION_ESTABLISHED];
      expect(event).toMatchObject({ ips: ['198.51.100.9'], amr: ['pwd', 'otp'] });
      expect(Object.keys(event).sort()).toEqual(['amr', 'event_timestamp', 'ips']);
      expect(Math.abs((event.event_timestamp as number) - Date.now() / 1000)).toBeLessThan(60);
      expect(claims[1].sub_id.session.id).toBe(sessionId);

      // Acknowledged, both are gone; the stream that did not request it only ever had the revocation.
      const acked = await poll(both, { returnImmediately: true, ack: Object.keys(sets) });
      expect(acked.json.sets).toEqual({});
      const other = await poll(revokedOnly, { returnImmediately: true, maxEvents: 10 });
      const otherClaims = await Promise.all(
        Object.values(other.json.sets as Record<string, string>).map((set) =>
          verifySet(set, revokedOnly.aud),
        ),
      );
      expect(otherClaims.map((c) => Object.keys(c.events))).toEqual([[SESSION_REVOKED]]);

      // Push: the same two, in the same order, once each.
      await pollUntil(
        () => Promise.resolve(pushed.requests.length),
        (n) => n >= 2,
        10_000,
        'two pushed SETs',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const pushedClaims = await Promise.all(
        pushed.requests.map((r) => verifySet(r.body, pushStream.aud)),
      );
      expect(pushedClaims.map((c) => Object.keys(c.events))).toEqual([
        [SESSION_ESTABLISHED],
        [SESSION_REVOKED],
      ]);
    } finally {
      await pushed.close();
    }
  });

  it('names the user by the identity provider subject when one is recorded, and maps initiating_entity', async () => {
    await t.dataSource.query(
      `INSERT INTO session_service.user_subjects (issuer, subject, user_id) VALUES ('https://idp.example.com', 'abc-123', 1001)`,
    );
    const stream = await createStream({ events_requested: [SESSION_REVOKED] });
    const mine = await insertSession(t.dataSource, { userId: 1001 });
    const signOut = await call(
      'DELETE',
      `${base}/sessions/user/1001/sessions/${mine}`,
      tokenFor(1001),
    );
    expect(signOut.status).toBe(204);
    const expiring = await insertSession(t.dataSource, {
      userId: 1001,
      expiresOffset: -5,
      idleExpiresOffset: -5,
    });
    expect((await t.app.get(SessionsSweeper).sweep()).expired).toBe(1);

    const answer = await pollUntil(
      () => poll(stream, { returnImmediately: true }),
      (r) => Object.keys(r.json.sets).length === 2,
      5000,
      'two SETs',
    );
    const claims = await Promise.all(
      Object.values(answer.json.sets as Record<string, string>).map((s) =>
        verifySet(s, stream.aud),
      ),
    );
    const bySession = new Map(claims.map((c) => [c.sub_id.session.id, c]));
    expect(bySession.get(mine)!.sub_id.user).toEqual({
      format: 'iss_sub',
      iss: 'https://idp.example.com',
      sub: 'abc-123',
    });
    expect(bySession.get(mine)!.events[SESSION_REVOKED].initiating_entity).toBe('user');
    expect(bySession.get(expiring)!.events[SESSION_REVOKED]).toMatchObject({
      initiating_entity: 'system',
      reason_admin: { en: 'expired' },
    });
  });

  it('sends a verification event on request, and leaves out removed subjects', async () => {
    const stream = await createStream({ events_requested: [SESSION_REVOKED] });
    const verify = await call('POST', metadata.verification_endpoint, receiver, {
      stream_id: stream.stream_id,
      state: 'check-1',
    });
    expect(verify.status).toBe(204);
    const removed = await call('POST', metadata.remove_subject_endpoint, receiver, {
      stream_id: stream.stream_id,
      subject: { format: 'opaque', id: '1002' },
    });
    expect(removed.status).toBe(204);
    await insertUser(t.dataSource, 1002);
    await revoke(await insertSession(t.dataSource, { userId: 1002 }));
    const kept = await insertSession(t.dataSource, { userId: 1001 });
    await revoke(kept);

    const answer = await poll(stream, { returnImmediately: true });
    const claims = await Promise.all(
      Object.values(answer.json.sets as Record<string, string>).map((s) =>
        verifySet(s, stream.aud),
      ),
    );
    expect(claims).toHaveLength(2);
    expect(claims[0].events[VERIFICATION]).toEqual({ state: 'check-1' });
    expect(claims[0].sub_id).toEqual({ format: 'opaque', id: stream.stream_id });
    expect(claims[1].sub_id.session.id).toBe(kept);
  });

  it('lets a receiver see and change only its own streams; other roles get 403', async () => {
    const stream = await createStream({ events_requested: [SESSION_REVOKED] });
    const url = `${metadata.configuration_endpoint}?stream_id=${stream.stream_id}`;
    expect((await call('GET', url, receiver)).json).toMatchObject({ stream_id: stream.stream_id });
    expect((await call('GET', metadata.configuration_endpoint, receiver)).json).toHaveLength(1);
    const foreign = await call('GET', url, otherReceiver);
    expect(foreign.status).toBe(404);
    expect(foreign.contentType).toContain('application/problem+json');
    expect(foreign.json.type).toMatch(/stream-not-found$/);
    expect((await call('GET', metadata.configuration_endpoint, otherReceiver)).json).toEqual([]);
    expect((await poll(stream, {}, otherReceiver)).status).toBe(404);
    expect((await call('GET', url, tokenFor(7))).status).toBe(403);
    expect((await call('GET', url, undefined)).status).toBe(401);

    const patched = await call('PATCH', metadata.configuration_endpoint, receiver, {
      stream_id: stream.stream_id,
      description: 'renamed',
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      description: 'renamed',
      events_requested: [SESSION_REVOKED],
    });
    const status = await call('POST', metadata.status_endpoint, receiver, {
      stream_id: stream.stream_id,
      status: 'paused',
      reason: 'maintenance',
    });
    expect(status.json).toMatchObject({ status: 'paused', reason: 'maintenance', backlog: 0 });
    expect((await call('DELETE', url, otherReceiver)).status).toBe(404);
    expect((await call('DELETE', url, receiver)).status).toBe(204);
    expect((await call('GET', url, receiver)).status).toBe(404);
  });

  it('answers an invalid poll request with the RFC error body, and bad management input with a Problem', async () => {
    const stream = await createStream({ events_requested: [SESSION_REVOKED] });
    const bad = await poll(stream, { maxEvents: -1 });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ err: 'invalid_request', description: expect.any(String) });
    const push = await call('POST', metadata.configuration_endpoint, receiver, {
      delivery: { method: PUSH },
    });
    expect(push.status).toBe(400);
    expect(push.contentType).toContain('application/problem+json');
    expect(push.json.errors[0].field).toBe('delivery.endpoint_url');
  });

  it('answers text PostgreSQL cannot store (U+0000, an unpaired surrogate) with a 400 naming the field, changing nothing', async () => {
    const stream = await createStream({ events_requested: [SESSION_REVOKED], description: 'kept' });
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['POST', metadata.configuration_endpoint, { description: 'a\u0000b' }, 'description'],
      ['POST', metadata.configuration_endpoint, { description: '\ud800' }, 'description'],
      [
        'POST',
        metadata.configuration_endpoint,
        { events_requested: [`${SESSION_REVOKED}\u0000`] },
        'events_requested',
      ],
      [
        'POST',
        metadata.configuration_endpoint,
        { delivery: { method: PUSH, endpoint_url: 'https://rcv.example.com/\u0000' } },
        'delivery.endpoint_url',
      ],
      [
        'PATCH',
        metadata.configuration_endpoint,
        { stream_id: stream.stream_id, description: 'a\u0000' },
        'description',
      ],
      [
        'POST',
        metadata.status_endpoint,
        { stream_id: stream.stream_id, status: 'paused', reason: 'a\u0000' },
        'reason',
      ],
      [
        'POST',
        metadata.verification_endpoint,
        { stream_id: stream.stream_id, state: 'a\u0000' },
        'state',
      ],
      [
        'POST',
        metadata.remove_subject_endpoint,
        { stream_id: stream.stream_id, subject: { format: 'opaque', id: 'a\u0000' } },
        'subject',
      ],
      [
        'POST',
        metadata.remove_subject_endpoint,
        {
          stream_id: stream.stream_id,
          subject: { format: 'iss_sub', iss: '\ud800', sub: 'x' },
        },
        'subject',
      ],
    ];
    for (const [method, url, body, field] of cases) {
      const answer = await call(method, url, receiver, body);
      expect(answer.status, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
      expect(answer.contentType).toContain('application/problem+json');
      expect(answer.json.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const status = await call(
      'GET',
      `${metadata.status_endpoint}?stream_id=${stream.stream_id}`,
      receiver,
    );
    expect(status.json.status).toBe('enabled');
    const read = await call(
      'GET',
      `${metadata.configuration_endpoint}?stream_id=${stream.stream_id}`,
      receiver,
    );
    expect(read.json.description).toBe('kept');
  });

  it('pushes every SET once, in order, to a receiver that was down and came back', async () => {
    let down = true;
    const pushed = await startReceiver(() => (down ? { status: 503 } : { status: 202 }));
    try {
      const stream = await createStream({
        delivery: {
          method: PUSH,
          endpoint_url: pushed.url,
          authorization_header: 'Bearer rcv-secret',
        },
        events_requested: [SESSION_REVOKED],
      });
      const sessions: string[] = [];
      for (let i = 0; i < 3; i++) {
        const id = await insertSession(t.dataSource, { userId: 1001 });
        sessions.push(id);
        await revoke(id, `reason ${i}`);
      }
      const failing = await pollUntil(
        () => call('GET', `${metadata.status_endpoint}?stream_id=${stream.stream_id}`, receiver),
        (r) => r.json.attempts >= 2,
        10_000,
        'failed attempts',
      );
      expect(failing.json).toMatchObject({ status: 'enabled', last_error: 'HTTP 503', backlog: 3 });
      // The next push is due after the back-off, not already past.
      expect(Date.parse(failing.json.next_attempt_at)).toBeGreaterThan(
        Date.parse(failing.json.last_error_at),
      );
      down = false;
      await pollUntil(
        () => Promise.resolve(pushed.requests.filter((r) => r.status === 202).length),
        (n) => n >= 3,
        10_000,
        'three accepted SETs',
      );
      const accepted = pushed.requests.filter((r) => r.status === 202);
      expect(accepted[0].contentType).toBe('application/secevent+jwt');
      expect(accepted[0].authorization).toBe('Bearer rcv-secret');
      const claims = await Promise.all(accepted.map((r) => verifySet(r.body, stream.aud)));
      expect(claims.map((c) => c.sub_id.session.id)).toEqual(sessions);
      const settled = await pollUntil(
        () => call('GET', `${metadata.status_endpoint}?stream_id=${stream.stream_id}`, receiver),
        (r) => r.json.backlog === 0,
        5000,
        'empty backlog',
      );
      expect(settled.json.attempts).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(pushed.requests.filter((r) => r.status === 202)).toHaveLength(3);
    } finally {
      await pushed.close();
    }
  });

  it('moves past a SET the push receiver refuses (400 with an RFC 8935 error) and records why', async () => {
    let refuse = true;
    const pushed = await startReceiver(() =>
      refuse
        ? { status: 400, body: JSON.stringify({ err: 'invalid_key', description: 'unknown kid' }) }
        : { status: 202 },
    );
    try {
      const stream = await createStream({
        delivery: { method: PUSH, endpoint_url: pushed.url },
        events_requested: [SESSION_REVOKED],
      });
      await revoke(await insertSession(t.dataSource, { userId: 1001 }));
      const status = await pollUntil(
        () => call('GET', `${metadata.status_endpoint}?stream_id=${stream.stream_id}`, receiver),
        (r) => r.json.last_error !== null && r.json.backlog === 0,
        10_000,
        'the refusal recorded',
      );
      expect(status.json.last_error).toBe('400 invalid_key: unknown kid');
      refuse = false;
      const next = await insertSession(t.dataSource, { userId: 1001 });
      await revoke(next);
      await pollUntil(
        () => Promise.resolve(pushed.requests.filter((r) => r.status === 202).length),
        (n) => n === 1,
        10_000,
        'the next SET',
      );
      const [accepted] = pushed.requests.filter((r) => r.status === 202);
      expect((await verifySet(accepted.body, stream.aud)).sub_id.session.id).toBe(next);
    } finally {
      await pushed.close();
    }
  });
});

describe('push delivery with two instances on one database', () => {
  it('delivers each SET once, in order: one instance at a time per stream', async () => {
    const ports = [await freePort(), await freePort()];
    const env = (port: number) => ({
      SIGNALS_ISSUER: 'http://127.0.0.1:1',
      SIGNALS_DELIVERY_WORKER: 'true',
      SIGNALS_DELIVERY_INTERVAL_MS: '20',
      PORT: String(port),
    });
    const a = await createTestApp(env(ports[0]));
    const b = await createTestApp(env(ports[1]));
    const pushed = await startReceiver(() => ({ status: 202 }));
    try {
      await resetDatabase(a.dataSource);
      await a.dataSource.query('DELETE FROM session_service.ssf_streams');
      await insertUser(a.dataSource, 1001);
      const head = await a.dataSource.query(
        `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xid`,
      );
      const [stream] = await a.dataSource.query(
        `INSERT INTO session_service.ssf_streams (owner, audience, delivery_method, endpoint_url, events_requested, feed_xid)
         VALUES ('7', '7', 'urn:ietf:rfc:8935', $1, ARRAY['${SESSION_REVOKED}'], $2::xid8) RETURNING id`,
        [pushed.url, head[0].xid],
      );
      const sessions: string[] = [];
      for (let i = 0; i < 12; i++) {
        const id = await insertSession(a.dataSource, { userId: 1001 });
        sessions.push(id);
        // Each revocation its own statement (and transaction), as the API revokes.
        await a.dataSource.query(
          `WITH r AS (UPDATE session_service.sessions SET revoked_at = now(), revoked_by = 'admin:1'
                       WHERE id = $1 RETURNING id, user_id, revoked_at)
           INSERT INTO session_service.session_revocations (session_id, user_id, revoked_at, revoked_by)
           SELECT id, user_id, revoked_at, revoked_by FROM r, (SELECT 'admin:1' AS revoked_by) x`,
          [id],
        );
      }
      await pollUntil(
        () => Promise.resolve(pushed.requests.length),
        (n) => n >= 12,
        15_000,
        'twelve SETs',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const delivered = pushed.requests.map(
        (r) =>
          (JSON.parse(Buffer.from(r.body.split('.')[1], 'base64url').toString()) as SetClaims)
            .sub_id.session.id,
      );
      expect(delivered).toEqual(sessions);
      const [row] = await a.dataSource.query(
        'SELECT delivered_count::int AS n FROM session_service.ssf_streams WHERE id = $1',
        [stream.id],
      );
      expect(row.n).toBe(12);
    } finally {
      await pushed.close();
      await a.close();
      await b.close();
    }
  });
});

describe('prompt delivery: a revocation of this instance wakes the worker and waiting polls', () => {
  let t: TestApp;
  let base: string;
  const receiver = tokenFor(7, { roles: [RECEIVER_ROLE] });

  const call = async (method: string, url: string, token: string, body?: unknown) => {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    // A minute between looks at the feed: only a wake can deliver within the test's seconds.
    ({ t, base } = await startTransmitterApp({
      SIGNALS_DELIVERY_INTERVAL_MS: '60000',
      SIGNALS_POLL_TIMEOUT_MS: '30000',
    }));
  });

  afterAll(async () => {
    await t?.close();
  });

  beforeEach(async () => {
    await resetDatabase(t.dataSource);
    await t.dataSource.query('DELETE FROM session_service.ssf_streams');
    await insertUser(t.dataSource, 1001);
  });

  it('pushes a revocation at once, not at the next interval', async () => {
    const pushed = await startReceiver(() => ({ status: 202 }));
    try {
      const created = await call('POST', `${base}/ssf/streams`, receiver, {
        delivery: { method: PUSH, endpoint_url: pushed.url },
        events_requested: [SESSION_REVOKED],
      });
      expect(created.status).toBe(201);
      const sessionId = await insertSession(t.dataSource, { userId: 1001 });
      const revoked = await call('DELETE', `${base}/api/sessions/${sessionId}`, adminToken());
      expect(revoked.status).toBe(204);
      await pollUntil(
        () => Promise.resolve(pushed.requests.length),
        (n) => n >= 1,
        5_000,
        'the pushed SET',
      );
      const claims = JSON.parse(
        Buffer.from(pushed.requests[0].body.split('.')[1], 'base64url').toString(),
      ) as SetClaims;
      expect(claims.sub_id.session.id).toBe(sessionId);
      expect(Object.keys(claims.events)).toEqual([SESSION_REVOKED]);
    } finally {
      await pushed.close();
    }
  });

  it('answers a waiting poll at once, not at the next interval', async () => {
    const created = await call('POST', `${base}/ssf/streams`, receiver, {
      delivery: { method: POLL },
      events_requested: [SESSION_REVOKED],
    });
    expect(created.status).toBe(201);
    const stream = created.json as StreamConfig;
    const sessionId = await insertSession(t.dataSource, { userId: 1001 });
    const waiting = call('POST', stream.delivery.endpoint_url, receiver, {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    const revokedAt = Date.now();
    expect((await call('DELETE', `${base}/api/sessions/${sessionId}`, adminToken())).status).toBe(
      204,
    );
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json.sets)).toHaveLength(1);
    // The interval is a minute: only the wake answers within seconds.
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
  });
});

describe('session-established with the audit trail off (SESSION_AUDIT=false)', () => {
  let t: TestApp;
  let base: string;
  const receiver = tokenFor(7, { roles: [RECEIVER_ROLE] });

  beforeAll(async () => {
    ({ t, base } = await startTransmitterApp({
      SIGNALS_DELIVERY_WORKER: 'false',
      SESSION_AUDIT: 'false',
    }));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('is not supported, and a stream asking for it is refused with a 400 Problem', async () => {
    const post = (events: string[]) =>
      fetch(`${base}/ssf/streams`, {
        method: 'POST',
        headers: { authorization: `Bearer ${receiver}`, 'content-type': 'application/json' },
        body: JSON.stringify({ delivery: { method: POLL }, events_requested: events }),
      });
    const refused = await post([SESSION_REVOKED, SESSION_ESTABLISHED]);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await refused.json()) as { errors?: { field: string }[] };
    expect(problem.errors?.map((v) => v.field)).toEqual(['events_requested']);

    const accepted = await post([SESSION_REVOKED]);
    expect(accepted.status).toBe(201);
    const stream = (await accepted.json()) as StreamConfig;
    expect(stream.events_supported).toEqual([SESSION_REVOKED]);
  });
});
