import { decodeJwt } from 'jose';
import { insertSession, insertUser } from './support/factories';
import { startRedirectingReceiver } from './support/redirecting-receiver';
import { startReceiver } from './support/receivers';
import { resetDatabase, startTransmitterApp, type TestApp } from './support/test-app';
import { adminToken, serviceToken, TEST_ISSUER, tokenFor } from './support/tokens';
import { pollUntil, sleep } from './support/wait';

/**
 * Rules of the Shared Signals transmitter a receiver relies on, one block per
 * rule, each checked as a receiver sees it (SETs decoded, statuses read).
 */
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const SESSION_ESTABLISHED =
  'https://schemas.openid.net/secevent/caep/event-type/session-established';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
const PUSH = 'urn:ietf:rfc:8935';
const POLL = 'urn:ietf:rfc:8936';

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

interface SetPayload {
  jti: string;
  txn?: unknown;
  events: Record<string, unknown>;
  sub_id: { session?: { id: string } };
}

describe('Shared Signals transmitter: the rules a receiver relies on', () => {
  let t: TestApp;
  let base: string;
  const receiver = tokenFor(7, { roles: ['ssf-receiver'] });

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token = receiver,
  ): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, {
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

  const createStream = async (body: unknown): Promise<string> => {
    const created = await call('POST', '/ssf/streams', body);
    expect(created.status).toBe(201);
    return created.json.stream_id as string;
  };

  const poll = (streamId: string, body: unknown) => call('POST', `/ssf/poll/${streamId}`, body);

  const status = async (streamId: string) =>
    (await call('GET', `/ssf/status?stream_id=${streamId}`)).json as {
      backlog: number;
      attempts: number;
      last_error: string | null;
    };

  const revoke = async (sessionId: string) =>
    expect(
      (await call('DELETE', `/api/sessions/${sessionId}`, undefined, adminToken())).status,
    ).toBe(204);

  const payload = (set: string) => decodeJwt(set) as unknown as SetPayload;

  beforeAll(async () => {
    ({ t, base } = await startTransmitterApp({
      SIGNALS_DELIVERY_INTERVAL_MS: '50',
      SIGNALS_RETRY_BASE_MS: '50',
      SIGNALS_RETRY_MAX_MS: '200',
      SIGNALS_POLL_TIMEOUT_MS: '2000',
      SIGNALS_PUSH_TIMEOUT_MS: '2000',
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

  describe('txn (SSF 1.0 section 4.1.9)', () => {
    it('one revocation carries the same txn on every stream and every resend; jtis differ', async () => {
      const pushed = await startReceiver(() => ({ status: 202 }));
      try {
        await createStream({
          delivery: { method: PUSH, endpoint_url: pushed.url },
          events_requested: [SESSION_REVOKED],
        });
        const pollStream = await createStream({
          delivery: { method: POLL },
          events_requested: [SESSION_REVOKED],
        });
        const sessionId = await insertSession(t.dataSource, { userId: 1001 });
        await revoke(sessionId);

        const first = await pollUntil(
          () => poll(pollStream, { returnImmediately: true }),
          (r) => Object.keys(r.json.sets).length === 1,
          10_000,
          'the polled SET',
        );
        await pollUntil(
          () => Promise.resolve(pushed.requests.length),
          (n) => n >= 1,
          10_000,
          'the pushed SET',
        );
        const polled = payload(Object.values(first.json.sets as Record<string, string>)[0]);
        const pushedSet = payload(pushed.requests[0].body);
        expect(polled.sub_id.session?.id).toBe(sessionId);
        expect(pushedSet.sub_id.session?.id).toBe(sessionId);
        expect(typeof polled.txn).toBe('string');
        expect(polled.txn).not.toBe('');
        expect(pushedSet.txn).toBe(polled.txn);
        expect(pushedSet.jti).not.toBe(polled.jti);

        // Not acknowledged: sent again, the same jti and txn.
        const again = await poll(pollStream, { returnImmediately: true });
        const resent = payload(Object.values(again.json.sets as Record<string, string>)[0]);
        expect(resent.jti).toBe(polled.jti);
        expect(resent.txn).toBe(polled.txn);
      } finally {
        await pushed.close();
      }
    });

    it('a sign-in, its revocation and a verification event each have a txn of their own', async () => {
      const stream = await createStream({
        events_requested: [SESSION_ESTABLISHED, SESSION_REVOKED],
      });
      const signedIn = await call(
        'POST',
        '/api/sessions',
        {
          user_id: 1001,
          username: 'user1001',
          amr: ['pwd'],
          ip: '198.51.100.9',
          user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
        },
        serviceToken(),
      );
      expect(signedIn.status).toBe(201);
      await revoke(signedIn.json.id as string);
      expect(
        (await call('POST', '/ssf/verify', { stream_id: stream, state: 'check' })).status,
      ).toBe(204);

      const answer = await pollUntil(
        () => poll(stream, { returnImmediately: true, maxEvents: 10 }),
        (r) => Object.keys(r.json.sets).length === 3,
        10_000,
        'three SETs',
      );
      const sets = Object.values(answer.json.sets as Record<string, string>).map(payload);
      expect(sets.map((s) => Object.keys(s.events)[0])).toEqual([
        VERIFICATION,
        SESSION_ESTABLISHED,
        SESSION_REVOKED,
      ]);
      for (const set of sets) expect(typeof set.txn).toBe('string');
      expect(new Set(sets.map((s) => s.txn)).size).toBe(3);

      // Sent again until acknowledged: the verification event keeps its txn too.
      const again = await poll(stream, { returnImmediately: true, maxEvents: 10 });
      expect(
        Object.values(again.json.sets as Record<string, string>).map((s) => payload(s).txn),
      ).toEqual(sets.map((s) => s.txn));
    });
  });

  describe('moreAvailable (RFC 8936 section 2.2)', () => {
    it('says whether unacknowledged SETs remain, also when a poll only acknowledges (maxEvents 0)', async () => {
      const stream = await createStream({ events_requested: [SESSION_REVOKED] });
      for (let i = 0; i < 3; i++) await revoke(await insertSession(t.dataSource, { userId: 1001 }));
      await pollUntil(
        () => status(stream),
        (s) => s.backlog === 3,
        10_000,
        'three revocations waiting',
      );

      const none = await poll(stream, { returnImmediately: true, maxEvents: 0 });
      expect(none.status).toBe(200);
      expect(none.json).toEqual({ sets: {}, moreAvailable: true });

      const two = await poll(stream, { returnImmediately: true, maxEvents: 2 });
      const firstTwo = Object.keys(two.json.sets);
      expect(firstTwo).toHaveLength(2);
      expect(two.json.moreAvailable).toBe(true);

      // Acknowledging two of three leaves one.
      const acked = await poll(stream, { returnImmediately: true, maxEvents: 0, ack: firstTwo });
      expect(acked.json).toEqual({ sets: {}, moreAvailable: true });

      const last = await poll(stream, { returnImmediately: true, maxEvents: 5 });
      const lastJtis = Object.keys(last.json.sets);
      expect(lastJtis).toHaveLength(1);
      expect(lastJtis[0]).not.toBe(firstTwo[0]);
      expect(last.json.moreAvailable).toBe(false);

      const done = await poll(stream, { returnImmediately: true, maxEvents: 0, ack: lastJtis });
      expect(done.json).toEqual({ sets: {}, moreAvailable: false });
      expect((await status(stream)).backlog).toBe(0);
    });

    it('counts a waiting verification event as available', async () => {
      const stream = await createStream({ events_requested: [SESSION_REVOKED] });
      expect((await call('POST', '/ssf/verify', { stream_id: stream })).status).toBe(204);
      const answer = await poll(stream, { returnImmediately: true, maxEvents: 0 });
      expect(answer.json).toEqual({ sets: {}, moreAvailable: true });
    });
  });

  describe('push endpoints', () => {
    const refused = async (method: string, body: unknown, field: string) => {
      const answer = await call(method, '/ssf/streams', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.type).toMatch(/invalid-request$/);
      expect(answer.json.errors).toEqual([
        expect.objectContaining({
          field,
          code: 'format',
          description: 'endpoint_url must be an http(s) URL without credentials or a fragment',
        }),
      ]);
    };

    it('refuses an endpoint_url with credentials or a fragment: create, replace and update', async () => {
      for (const url of [
        'http://u:p@127.0.0.1:3220/events',
        'https://user@rcv.example.com/events',
        'https://:secret@rcv.example.com/events',
        'https://@rcv.example.com/events',
        'https://rcv.example.com@evil.example.com/events',
        'https://rcv.example.com/events#part',
      ]) {
        await refused(
          'POST',
          { delivery: { method: PUSH, endpoint_url: url } },
          'delivery.endpoint_url',
        );
      }
      const stream = await createStream({
        delivery: { method: PUSH, endpoint_url: 'https://rcv.example.com/events' },
        events_requested: [SESSION_REVOKED],
      });
      const withCredentials = { method: PUSH, endpoint_url: 'https://u:p@rcv.example.com/events' };
      await refused(
        'PUT',
        { stream_id: stream, delivery: withCredentials, events_requested: [SESSION_REVOKED] },
        'delivery.endpoint_url',
      );
      await refused(
        'PATCH',
        { stream_id: stream, delivery: withCredentials },
        'delivery.endpoint_url',
      );
      const read = await call('GET', `/ssf/streams?stream_id=${stream}`);
      expect(read.json.delivery.endpoint_url).toBe('https://rcv.example.com/events');
    });

    it('accepts an @ in the path or query, which names no credentials', async () => {
      for (const url of [
        'https://rcv.example.com/events/a@b',
        'https://rcv.example.com/events?to=a@b',
        'https://rcv.example.com:8443',
      ]) {
        const created = await call('POST', '/ssf/streams', {
          delivery: { method: PUSH, endpoint_url: url },
        });
        expect(created.status, url).toBe(201);
        expect(created.json.delivery.endpoint_url).toBe(url);
      }
    });
  });

  describe("a push receiver's answer (RFC 8935 section 2.2)", () => {
    it('any 2xx delivers the SET: 201 is not sent again', async () => {
      const pushed = await startReceiver(() => ({ status: 201 }));
      try {
        const stream = await createStream({
          delivery: { method: PUSH, endpoint_url: pushed.url },
          events_requested: [SESSION_REVOKED],
        });
        await revoke(await insertSession(t.dataSource, { userId: 1001 }));
        await pollUntil(
          () => Promise.resolve(pushed.requests.length),
          (n) => n >= 1,
          10_000,
          'the pushed SET',
        );
        await sleep(600);
        expect(pushed.requests).toHaveLength(1);
        expect(await status(stream)).toMatchObject({ backlog: 0, attempts: 0, last_error: null });
      } finally {
        await pushed.close();
      }
    });

    it('a redirect is not followed: retried, and recorded as a redirect', async () => {
      const elsewhere = await startReceiver(() => ({ status: 202 }));
      const moved = await startRedirectingReceiver(elsewhere.url);
      try {
        const stream = await createStream({
          delivery: {
            method: PUSH,
            endpoint_url: moved.url,
            authorization_header: 'Bearer rcv-secret',
          },
          events_requested: [SESSION_REVOKED],
        });
        await revoke(await insertSession(t.dataSource, { userId: 1001 }));
        const failing = await pollUntil(
          () => status(stream),
          (s) => s.attempts >= 2,
          10_000,
          'failed attempts',
        );
        expect(failing.backlog).toBe(1);
        expect(failing.last_error).toBe('HTTP 302: redirects are not followed');
        expect(moved.requests()).toBeGreaterThanOrEqual(2);
        expect(elsewhere.requests).toHaveLength(0);
      } finally {
        await moved.close();
        await elsewhere.close();
      }
    });
  });

  describe('field errors of stream management', () => {
    it('events_requested with a value that is not a string: a type error, before any length rule', async () => {
      for (const [method, extra] of [
        ['POST', {}],
        ['PATCH', { stream_id: await createStream({}) }],
      ] as const) {
        const answer = await call(method, '/ssf/streams', { ...extra, events_requested: [1, 2] });
        expect(answer.status).toBe(400);
        expect(answer.json.errors).toEqual([
          expect.objectContaining({
            field: 'events_requested',
            code: 'type',
            description: 'each value in events_requested must be a string',
          }),
        ]);
      }
      const long = await call('POST', '/ssf/streams', { events_requested: ['x'.repeat(256)] });
      expect(long.json.errors).toEqual([
        expect.objectContaining({ field: 'events_requested', code: 'range' }),
      ]);
      const many = await call('POST', '/ssf/streams', {
        events_requested: Array.from({ length: 21 }, (_, i) => i),
      });
      expect(many.json.errors).toEqual([
        expect.objectContaining({ field: 'events_requested', code: 'range' }),
      ]);
      const notArray = await call('POST', '/ssf/streams', { events_requested: SESSION_REVOKED });
      expect(notArray.json.errors).toEqual([
        expect.objectContaining({ field: 'events_requested', code: 'type' }),
      ]);
    });

    it('a subject of another format names where each accepted format is defined', async () => {
      const stream = await createStream({ events_requested: [SESSION_REVOKED] });
      const cases: [unknown, string, string][] = [
        [
          'user-1001',
          'subject',
          'subject must be an RFC 9493 subject identifier of format opaque or iss_sub, or an SSF 1.0 complex subject of those (user, session)',
        ],
        [
          { format: 'email', email: 'a@example.com' },
          'subject',
          'subject must be an RFC 9493 subject identifier of format opaque or iss_sub, or an SSF 1.0 complex subject of those (user, session)',
        ],
        [
          { format: 'complex', user: { format: 'complex', user: { format: 'opaque', id: '1' } } },
          'subject.user',
          'subject.user must be an RFC 9493 subject identifier of format opaque or iss_sub',
        ],
      ];
      for (const [subject, field, description] of cases) {
        const answer = await call('POST', '/ssf/subjects/remove', { stream_id: stream, subject });
        expect(answer.status).toBe(400);
        expect(answer.json.errors).toEqual([expect.objectContaining({ field, description })]);
      }
    });
  });

  describe('the receiver', () => {
    it('is a user: a token whose sub is no user id gets 401, unless its iss and sub are mapped to one', async () => {
      const client = tokenFor('gateway-eu-1', { roles: ['ssf-receiver'] });
      const refused = await call('POST', '/ssf/streams', {}, client);
      expect(refused.status).toBe(401);
      await t.dataSource.query(
        'INSERT INTO session_service.user_subjects (issuer, subject, user_id) VALUES ($1, $2, 1001)',
        [TEST_ISSUER, 'gateway-eu-1'],
      );
      const created = await call('POST', '/ssf/streams', {}, client);
      expect(created.status).toBe(201);
      // The mapped user owns the stream and is its SETs' audience.
      expect(created.json.aud).toBe('1001');
    });
  });
});
