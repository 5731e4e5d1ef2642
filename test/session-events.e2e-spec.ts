import { SessionsRepository, SessionsSweeper } from '@session-service/sessions';
import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';

const KEYCLOAK = 'https://idp.example.com/realms/main';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

const signIn = (overrides: Record<string, unknown> = {}) => ({
  user_id: 701,
  username: 'gina',
  amr: ['pwd'],
  ip: '198.51.100.9',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  tenant_id: 'acme',
  ...overrides,
});

interface EventRow {
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
}

describe('audit trail of session events', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
  });

  beforeEach(() => resetDatabase(t.dataSource));

  afterAll(() => t.close());

  const post = (body: object, headers: Record<string, string> = {}) =>
    request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .set(headers)
      .send(body);

  /** Every event of the table, oldest first, read straight from the database. */
  const stored = async (): Promise<EventRow[]> =>
    t.dataSource.query(
      `SELECT id::text, type, session_id, user_id::text, tenant_id, initiator, actor, reason,
              request_id, trace_id, occurred_at::text, details
         FROM session_service.session_events e ORDER BY e.id`,
    );

  const events = (query: Record<string, string | number> = {}) =>
    request(http)
      .get('/api/sessions/events')
      .query(query)
      .set(...bearer(adminToken()));

  it('records a sign-in as created, with the request id and the trace id of its request', async () => {
    const res = await post(signIn(), {
      'X-Request-Id': 'req-audit-1',
      traceparent: TRACEPARENT,
    }).expect(201);
    const rows = await stored();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: 'created',
      session_id: res.body.id,
      user_id: '701',
      tenant_id: 'acme',
      initiator: 'user',
      actor: 'user:701',
      reason: null,
      request_id: 'req-audit-1',
      trace_id: TRACE_ID,
      details: null,
    });
    // The route answers the same event.
    const listed = await events().expect(200);
    expect(listed.body.events).toHaveLength(1);
    expect(listed.body.events[0]).toMatchObject({
      id: rows[0].id,
      type: 'created',
      session_id: res.body.id,
      user_id: '701',
      initiator: 'user',
      actor: 'user:701',
      request_id: 'req-audit-1',
      trace_id: TRACE_ID,
    });
    expect(listed.body.next_cursor).toBeNull();
  });

  it('records the subject mapping of a sign-in once, and not again when the subject is reused', async () => {
    const first = await post(signIn({ subject: 'auth0|gina', issuer: KEYCLOAK })).expect(201);
    await post(signIn({ subject: 'auth0|gina', issuer: KEYCLOAK })).expect(201);
    const rows = await stored();
    // The first sign-in's two events come from one statement, in no particular order.
    expect([...rows.slice(0, 2).map((r) => r.type)].sort()).toEqual(['created', 'subject_mapped']);
    expect(rows.map((r) => r.type)[2]).toBe('created');
    const mapped = rows.filter((r) => r.type === 'subject_mapped');
    expect(mapped).toHaveLength(1);
    expect(mapped[0]).toMatchObject({
      session_id: first.body.id,
      user_id: '701',
      initiator: 'user',
      actor: 'user:701',
      details: { issuer: KEYCLOAK, subject: 'auth0|gina' },
    });
  });

  it('writes no event when the change fails: a 409 subject-taken sign-in records nothing', async () => {
    await post(signIn({ subject: 'taken', issuer: KEYCLOAK })).expect(201);
    const before = await stored();
    expectProblem(
      await post(signIn({ user_id: 702, username: 'hal', subject: 'taken', issuer: KEYCLOAK })),
      409,
    );
    const after = await stored();
    expect(after).toEqual(before);
    expect(after.some((r) => r.user_id === '702')).toBe(false);
  });

  it('records two touches within a minute as one touched event', async () => {
    await insertUser(t.dataSource, 703);
    const id = await insertSession(t.dataSource, { userId: 703, lastActiveOffset: -300 });
    for (let i = 0; i < 2; i++) {
      await request(http)
        .post(`/api/sessions/${id}/touch`)
        .set(...bearer(serviceToken()))
        .set('X-Request-Id', `req-touch-${i}`)
        .expect(200);
    }
    const rows = await stored();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: 'touched',
      session_id: id,
      user_id: '703',
      initiator: 'user',
      actor: 'user:703',
      request_id: 'req-touch-0',
    });
  });

  it('records a touch of a session active within the last minute as nothing', async () => {
    await insertUser(t.dataSource, 703);
    const id = await insertSession(t.dataSource, { userId: 703, lastActiveOffset: -30 });
    await request(http)
      .post(`/api/sessions/${id}/touch`)
      .set(...bearer(serviceToken()))
      .expect(200);
    expect(await stored()).toEqual([]);
  });

  it('records a user’s own revocation, an admin’s, and each session of a bulk revocation', async () => {
    await insertUser(t.dataSource, 704);
    const [own, stolen, a, b] = await Promise.all(
      [1, 2, 3, 4].map(() => insertSession(t.dataSource, { userId: 704 })),
    );
    await request(http)
      .delete(`/sessions/user/704/sessions/${own}`)
      .set(...bearer(tokenFor(704)))
      .expect(204);
    await request(http)
      .delete(`/api/sessions/${stolen}?reason=stolen%20device`)
      .set(...bearer(adminToken(9)))
      .set('X-Request-Id', 'req-admin-revoke')
      .expect(204);
    // Revoking it again changes nothing, and records nothing.
    await request(http)
      .delete(`/api/sessions/${stolen}`)
      .set(...bearer(adminToken(9)))
      .expect(204);
    await request(http)
      .delete('/api/users/704/sessions?reason=offboarding')
      .set(...bearer(adminToken(9)))
      .set('X-Request-Id', 'req-bulk')
      .expect(200);
    const rows = await stored();
    expect(rows.slice(0, 2).map((r) => [r.type, r.session_id, r.initiator, r.actor])).toEqual([
      ['revoked', own, 'user', 'user:704'],
      ['revoked', stolen, 'admin', 'admin:9'],
    ]);
    // The bulk revocation: one event per session it ended, in whichever order it ended them.
    expect(
      rows
        .slice(2)
        .map((r) => [r.type, r.session_id, r.initiator, r.actor])
        .sort((x, y) => String(x[1]).localeCompare(String(y[1]))),
    ).toEqual([a, b].sort().map((id) => ['revoked', id, 'admin', 'admin:9']));
    expect(rows[1]).toMatchObject({ reason: 'stolen device', request_id: 'req-admin-revoke' });
    expect(
      rows.slice(2).every((r) => r.reason === 'offboarding' && r.request_id === 'req-bulk'),
    ).toBe(true);
  });

  it('records a policy’s revocation for the limit as evicted, and takes the initiator from revoked_by', async () => {
    await insertUser(t.dataSource, 705);
    const id = await insertSession(t.dataSource, { userId: 705 });
    const other = await insertSession(t.dataSource, { userId: 705 });
    const byService = await insertSession(t.dataSource, { userId: 705 });
    const bySystem = await insertSession(t.dataSource, { userId: 705 });
    const repository = t.app.get(SessionsRepository);
    await repository.revokeOne(id, null, { by: 'policy', reason: 'limit' });
    await repository.revokeOne(other, null, { by: 'policy', reason: 'risk' });
    await repository.revokeOne(byService, null, { by: 'service:7', reason: null });
    await repository.revokeOne(bySystem, null, { by: 'maintenance', reason: null });
    const rows = await stored();
    expect(rows.map((r) => [r.type, r.session_id, r.initiator, r.actor, r.reason])).toEqual([
      ['evicted', id, 'policy', 'policy', 'limit'],
      ['revoked', other, 'policy', 'policy', 'risk'],
      ['revoked', byService, 'service', 'service:7', null],
      ['revoked', bySystem, 'system', 'maintenance', null],
    ]);
    // Outside a request: no request id, no trace id.
    expect(rows.every((r) => r.request_id === null && r.trace_id === null)).toBe(true);
  });

  it('records the sweeper’s expiry as expired, initiator system, with which expiry ran out', async () => {
    await insertUser(t.dataSource, 706);
    const idle = await insertSession(t.dataSource, { userId: 706, idleExpiresOffset: -5 });
    const absolute = await insertSession(t.dataSource, {
      userId: 706,
      idleExpiresOffset: -10,
      expiresOffset: -10,
    });
    const result = await t.app.get(SessionsSweeper).sweep();
    expect(result.expired).toBe(2);
    const rows = await stored();
    const byId = new Map(rows.map((r) => [r.session_id, r]));
    expect(rows).toHaveLength(2);
    for (const [id, reason] of [
      [idle, 'idle'],
      [absolute, 'absolute'],
    ]) {
      expect(byId.get(id)).toMatchObject({
        type: 'expired',
        initiator: 'system',
        actor: 'system',
        reason,
        request_id: null,
        trace_id: null,
      });
      expect(byId.get(id)!.details!.expired_at).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    }
    // A second sweep marks nothing and records nothing.
    await t.app.get(SessionsSweeper).sweep();
    expect(await stored()).toHaveLength(2);
  });

  describe('listing', () => {
    /** 7 events: 3 sign-ins of 710, 2 of 711, a revocation of each user's first session. */
    const seed = async () => {
      const a1 = (await post(signIn({ user_id: 710 })).expect(201)).body.id as string;
      await post(signIn({ user_id: 710 })).expect(201);
      await post(signIn({ user_id: 710 })).expect(201);
      const b1 = (await post(signIn({ user_id: 711 })).expect(201)).body.id as string;
      await post(signIn({ user_id: 711 })).expect(201);
      await request(http)
        .delete(`/api/sessions/${a1}`)
        .set(...bearer(adminToken()))
        .expect(204);
      await request(http)
        .delete(`/sessions/user/711/sessions/${b1}`)
        .set(...bearer(tokenFor(711)))
        .expect(204);
      return { a1, b1 };
    };

    it('pages newest first with an opaque cursor, every event exactly once', async () => {
      await seed();
      const all = (await stored()).map((r) => r.id).reverse();
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: Record<string, string | number> = { limit: 3 };
        if (cursor) query.cursor = cursor;
        const res = await events(query).expect(200);
        const body = res.body as { events: EventRow[]; next_cursor: string | null };
        seen.push(...body.events.map((e) => e.id));
        cursor = body.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(all);
    });

    it('filters by user, session, type, initiator and time', async () => {
      const { a1 } = await seed();
      const types = async (query: Record<string, string | number>) =>
        (await events(query).expect(200)).body.events.map((e: EventRow) => [e.type, e.user_id]);
      expect(await types({ user_id: 711 })).toEqual([
        ['revoked', '711'],
        ['created', '711'],
        ['created', '711'],
      ]);
      expect(await types({ session_id: a1 })).toEqual([
        ['revoked', '710'],
        ['created', '710'],
      ]);
      expect(await types({ type: 'revoked', initiator: 'admin' })).toEqual([['revoked', '710']]);
      expect(await types({ initiator: 'user', type: 'revoked' })).toEqual([['revoked', '711']]);
      const [{ now }] = await t.dataSource.query<{ now: Date }[]>('SELECT now() AS now');
      const later = new Date(now.getTime() + 3_600_000);
      expect(await types({ since: later.toISOString() })).toEqual([]);
      expect((await types({ until: later.toISOString() })).length).toBe(7);
      expect(await types({ until: '2000-01-01T00:00:00Z' })).toEqual([]);
    });

    it('lists one user’s events; 404 Problem for an unknown user', async () => {
      await seed();
      const res = await request(http)
        .get('/api/users/710/events?type=created&limit=2')
        .set(...bearer(adminToken()))
        .expect(200);
      expect(res.body.events.map((e: EventRow) => [e.type, e.user_id])).toEqual([
        ['created', '710'],
        ['created', '710'],
      ]);
      expect(res.body.next_cursor).toEqual(expect.any(String));
      const next = await request(http)
        .get('/api/users/710/events')
        .query({ type: 'created', limit: 2, cursor: res.body.next_cursor })
        .set(...bearer(adminToken()))
        .expect(200);
      expect(next.body.events).toHaveLength(1);
      expect(next.body.next_cursor).toBeNull();
      const missing = expectProblem(
        await request(http)
          .get('/api/users/799/events')
          .set(...bearer(adminToken())),
        404,
      );
      expect(missing.code).toBeDefined();
    });

    it('answers 400 naming the field for each bad filter, and for a cursor with one character changed', async () => {
      await seed();
      const first = await events({ limit: 2 }).expect(200);
      const cursor = first.body.next_cursor as string;
      const changed = [5, 10, cursor.length - 1].map((i) => {
        const c = cursor[i] === 'A' ? 'B' : 'A';
        return cursor.slice(0, i) + c + cursor.slice(i + 1);
      });
      const bad: [Record<string, string>, string][] = [
        [{ type: 'deleted' }, 'type'],
        [{ initiator: 'robot' }, 'initiator'],
        [{ user_id: 'abc' }, 'user_id'],
        [{ session_id: 'not-a-uuid' }, 'session_id'],
        [{ since: 'yesterday' }, 'since'],
        [{ until: '2026-13-01T00:00:00Z' }, 'until'],
        // An empty or reversed range is a mistake, not a question with no answer.
        [{ since: '2026-04-15T12:00:00Z', until: '2026-04-15T10:00:00Z' }, 'until'],
        [{ since: '2026-04-15T12:00:00+02:00', until: '2026-04-15T10:00:00Z' }, 'until'],
        [{ limit: '0' }, 'limit'],
        [{ limit: '1001' }, 'limit'],
        [{ cursor: 'nonsense' }, 'cursor'],
        ...changed.map((c): [Record<string, string>, string] => [{ cursor: c }, 'cursor']),
      ];
      for (const [query, field] of bad) {
        const body = expectProblem(await events(query), 400);
        expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
      }
    });

    it('is for admins only', async () => {
      expectProblem(
        await request(http)
          .get('/api/sessions/events')
          .set(...bearer(serviceToken())),
        403,
      );
      expectProblem(
        await request(http)
          .get('/api/users/710/events')
          .set(...bearer(tokenFor(710))),
        403,
      );
      expectProblem(await request(http).get('/api/sessions/events'), 401);
    });
  });

  it('sweeps events past their retention in batches, and keeps the newer ones', async () => {
    await insertUser(t.dataSource, 720);
    await t.dataSource.query(
      `INSERT INTO session_service.session_events (type, user_id, initiator, actor, occurred_at)
       SELECT 'created', 720, 'user', 'user:720', now() - make_interval(days => 40) + make_interval(secs => g)
         FROM generate_series(1, 25) g`,
    );
    const fresh = (await post(signIn({ user_id: 720 })).expect(201)).body.id as string;
    const retention = await createTestApp({
      SESSION_SWEEP_BATCH_SIZE: '10',
      SESSION_EVENTS_RETENTION_SECONDS: String(30 * 24 * 3600),
    });
    try {
      const result = await retention.app.get(SessionsSweeper).sweep();
      expect(result.eventsDeleted).toBe(25);
    } finally {
      await retention.close();
    }
    const rows = await stored();
    expect(rows.map((r) => [r.type, r.session_id])).toEqual([['created', fresh]]);
  });
});

describe('audit trail turned off (SESSION_AUDIT=false)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ SESSION_AUDIT: 'false' });
    await resetDatabase(t.dataSource);
  });

  afterAll(() => t.close());

  it('changes sessions as usual and writes no event', async () => {
    const http = t.app.getHttpServer() as App;
    const res = await request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send(signIn({ subject: 'off', issuer: KEYCLOAK }))
      .expect(201);
    await t.dataSource.query(
      `UPDATE session_service.sessions SET last_active_at = now() - interval '5 minutes' WHERE id = $1`,
      [res.body.id],
    );
    await request(http)
      .post(`/api/sessions/${res.body.id}/touch`)
      .set(...bearer(serviceToken()))
      .expect(200);
    await request(http)
      .delete(`/api/sessions/${res.body.id}`)
      .set(...bearer(adminToken()))
      .expect(204);
    const [{ n }] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM session_service.session_events',
    );
    expect(n).toBe(0);
    const [{ revoked }] = await t.dataSource.query(
      'SELECT revoked_at IS NOT NULL AS revoked FROM session_service.sessions WHERE id = $1',
      [res.body.id],
    );
    expect(revoked).toBe(true);
  });
});
