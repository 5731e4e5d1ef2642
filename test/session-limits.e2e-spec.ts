import request from 'supertest';
import type { App } from 'supertest/types';
import type { DataSource } from 'typeorm';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken } from './support/tokens';
import { pollUntil } from './support/wait';

/** Tenants and users' own limits outlive resetDatabase: each spec empties them. */
async function resetAll(dataSource: DataSource): Promise<void> {
  await resetDatabase(dataSource);
  await dataSource.query('TRUNCATE session_service.tenants, session_service.user_session_limits');
}

const signIn = (userId: number, overrides: Record<string, unknown> = {}) => ({
  user_id: userId,
  username: `user${userId}`,
  amr: ['pwd'],
  ip: '198.51.100.9',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  ...overrides,
});

interface Row {
  id: string;
  revoked_by: string | null;
  revoke_reason: string | null;
  active: boolean;
}

/** Every session of a user, oldest sign-in first, with how it ended. */
async function sessionsOf(dataSource: DataSource, userId: number): Promise<Row[]> {
  return dataSource.query(
    `SELECT id, revoked_by, revoke_reason,
            (revoked_at IS NULL AND expires_at > now() AND idle_expires_at > now()) AS active
       FROM session_service.sessions WHERE user_id = $1 ORDER BY created_at, id`,
    [userId],
  );
}

const activeIds = (rows: Row[]) => rows.filter((r) => r.active).map((r) => r.id);

/**
 * The feed's rows of a user: what gateways following it are told, once there
 * are `expected` of them. The feed holds back rows while any older transaction
 * of the PostgreSQL server is open (other databases' too), so it is polled.
 */
async function feedOf(
  http: App,
  userId: number,
  expected: number,
): Promise<{ session_id: string; revoked_by: string; reason?: string }[]> {
  const read = async () => {
    const res = await request(http)
      .get('/api/sessions/revocations')
      .query({ limit: 1000 })
      .set(...bearer(serviceToken()))
      .expect(200);
    return (
      res.body.revocations as { user_id: string; session_id: string; revoked_by: string }[]
    ).filter((r) => r.user_id === String(userId));
  };
  return pollUntil(read, (rows) => rows.length >= expected, 10_000, `${expected} feed rows`);
}

/** Revocation rows recorded for a user, served by the feed or not yet. */
async function revocationsOf(dataSource: DataSource, userId: number): Promise<number> {
  const [{ n }] = await dataSource.query(
    'SELECT count(*)::int AS n FROM session_service.session_revocations WHERE user_id = $1',
    [userId],
  );
  return n as number;
}

describe('concurrent-session limits', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp({
      SESSION_MAX_PER_USER: '3',
      // 50 sign-ins of one user take turns on one lock, behind 4 pooled connections.
      DATABASE_CONNECT_TIMEOUT_MS: '20000',
      DATABASE_STATEMENT_TIMEOUT_MS: '10000',
      DATABASE_QUERY_TIMEOUT_MS: '20000',
    });
    http = t.app.getHttpServer();
  });

  beforeEach(() => resetAll(t.dataSource));

  afterAll(async () => {
    await resetAll(t.dataSource);
    await t.close();
  });

  const admin = () => bearer(adminToken());
  const record = (body: Record<string, unknown>) =>
    request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send(body);
  const createTenant = (body: Record<string, unknown>) =>
    request(http)
      .post('/api/tenants')
      .set(...admin())
      .send(body)
      .expect(201);
  const putLimit = (userId: number, body: Record<string, unknown>) =>
    request(http)
      .put(`/api/users/${userId}/session-limit`)
      .set(...admin())
      .send(body);
  const userOf = async (userId: number) =>
    (
      await request(http)
        .get(`/api/users/${userId}`)
        .set(...admin())
        .expect(200)
    ).body;

  describe('evict-oldest', () => {
    it('revokes the least recently active session, recorded as policy/limit with its feed row', async () => {
      await insertUser(t.dataSource, 801);
      // Created in one order, last active in another: eviction follows activity.
      const stale = await insertSession(t.dataSource, {
        userId: 801,
        createdOffset: -60,
        lastActiveOffset: -3000,
      });
      const busy = await insertSession(t.dataSource, {
        userId: 801,
        createdOffset: -3000,
        lastActiveOffset: -5,
      });
      const middle = await insertSession(t.dataSource, {
        userId: 801,
        createdOffset: -2000,
        lastActiveOffset: -600,
      });
      const created = (await record(signIn(801)).expect(201)).body;
      const rows = await sessionsOf(t.dataSource, 801);
      expect(activeIds(rows).sort()).toEqual([busy, middle, created.id].sort());
      expect(rows.find((r) => r.id === stale)).toMatchObject({
        active: false,
        revoked_by: 'policy',
        revoke_reason: 'limit',
      });
      expect(await feedOf(http, 801, 1)).toEqual([
        expect.objectContaining({ session_id: stale, revoked_by: 'policy', reason: 'limit' }),
      ]);
    });

    it('audits the eviction once, as evicted by policy, with the sign-in that caused it', async () => {
      await insertUser(t.dataSource, 802);
      const oldest = await insertSession(t.dataSource, { userId: 802, lastActiveOffset: -3000 });
      await insertSession(t.dataSource, { userId: 802, lastActiveOffset: -60 });
      await insertSession(t.dataSource, { userId: 802, lastActiveOffset: -30 });
      const created = (await record(signIn(802)).set('X-Request-Id', 'req-limit-802').expect(201))
        .body;
      const events = (
        await request(http)
          .get('/api/users/802/events')
          .set(...admin())
          .expect(200)
      ).body.events as Record<string, unknown>[];
      const evicted = events.filter((e) => e.type === 'evicted');
      expect(evicted).toEqual([
        expect.objectContaining({
          session_id: oldest,
          initiator: 'policy',
          actor: 'policy',
          reason: 'limit',
          request_id: 'req-limit-802',
        }),
      ]);
      expect(events.filter((e) => e.type === 'revoked')).toEqual([]);
      expect(events.filter((e) => e.type === 'created')).toEqual([
        expect.objectContaining({ session_id: created.id, request_id: 'req-limit-802' }),
      ]);
    });

    it('evicts several when a lower limit meets more sessions, keeping the most recent', async () => {
      await insertUser(t.dataSource, 802);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(
          await insertSession(t.dataSource, { userId: 802, lastActiveOffset: -1000 + i * 100 }),
        );
      }
      const created = (await record(signIn(802)).expect(201)).body;
      expect(activeIds(await sessionsOf(t.dataSource, 802)).sort()).toEqual(
        [ids[3], ids[4], created.id].sort(),
      );
      expect((await feedOf(http, 802, 3)).map((r) => r.session_id).sort()).toEqual(
        ids.slice(0, 3).sort(),
      );
    });

    it('ignores revoked and expired sessions when counting', async () => {
      await insertUser(t.dataSource, 803);
      await insertSession(t.dataSource, { userId: 803, revoked: true });
      await insertSession(t.dataSource, { userId: 803, idleExpiresOffset: -5 });
      const live = await insertSession(t.dataSource, { userId: 803 });
      await record(signIn(803)).expect(201);
      await record(signIn(803)).expect(201);
      const rows = await sessionsOf(t.dataSource, 803);
      expect(activeIds(rows)).toHaveLength(3);
      expect(activeIds(rows)).toContain(live);
      expect(await revocationsOf(t.dataSource, 803)).toBe(0);
    });
  });

  describe('deny', () => {
    it('409 session-limit-reached naming the limit, with nothing written', async () => {
      await createTenant({ tenant_id: 'tnt_deny', max_sessions: 2, limit_policy: 'deny' });
      await record(signIn(811, { tenant_id: 'tnt_deny' })).expect(201);
      await record(signIn(811, { tenant_id: 'tnt_deny' })).expect(201);
      const before = await sessionsOf(t.dataSource, 811);
      const body = expectProblem(
        await record(
          signIn(811, {
            tenant_id: 'tnt_deny',
            username: 'renamed',
            subject: 'kc-811',
            issuer: 'https://idp.example',
          }),
        ),
        409,
      );
      expect(body.type).toMatch(/\/problems\/session-limit-reached$/);
      expect(body.code).toBe(30240905);
      expect(body.i18n_args).toEqual({ user_id: '811', max_sessions: 2 });
      expect(body.detail).toBe('User 811 has reached their limit of active sessions (2)');
      expect(await sessionsOf(t.dataSource, 811)).toEqual(before);
      expect(await revocationsOf(t.dataSource, 811)).toBe(0);
      const [user] = await t.dataSource.query(
        'SELECT username FROM session_service.users WHERE id = 811',
      );
      expect(user.username).toBe('user811');
      const [{ n }] = await t.dataSource.query(
        'SELECT count(*)::int AS n FROM session_service.user_subjects',
      );
      expect(n).toBe(0);
    });

    it('records the sign-in again once a session has ended', async () => {
      await putLimit(812, { max_sessions: 1, limit_policy: 'deny' }).expect(404);
      const first = (await record(signIn(812)).expect(201)).body;
      await putLimit(812, { max_sessions: 1, limit_policy: 'deny' }).expect(200);
      expectProblem(await record(signIn(812)), 409);
      await request(http)
        .delete(`/api/sessions/${first.id}`)
        .set(...admin())
        .expect(204);
      await record(signIn(812)).expect(201);
    });
  });

  describe('which limit applies', () => {
    it('the user’s own beats the tenant’s, which beats the service’s', async () => {
      await createTenant({ tenant_id: 'tnt_two', max_sessions: 2 });
      for (let i = 0; i < 5; i++) {
        await record(signIn(821)).expect(201);
        await record(signIn(822, { tenant_id: 'tnt_two' })).expect(201);
        await record(signIn(823, { tenant_id: 'tnt_two' })).expect(201);
        if (i === 0) await putLimit(823, { max_sessions: 1 }).expect(200);
      }
      expect(activeIds(await sessionsOf(t.dataSource, 821))).toHaveLength(3);
      expect(activeIds(await sessionsOf(t.dataSource, 822))).toHaveLength(2);
      expect(activeIds(await sessionsOf(t.dataSource, 823))).toHaveLength(1);
      expect((await userOf(821)).session_limit).toEqual({
        max_sessions: 3,
        limit_policy: 'evict-oldest',
        source: 'default',
      });
      expect((await userOf(822)).session_limit).toEqual({
        max_sessions: 2,
        limit_policy: 'evict-oldest',
        source: 'tenant',
      });
      expect((await userOf(823)).session_limit).toEqual({
        max_sessions: 1,
        limit_policy: 'evict-oldest',
        source: 'user',
      });
    });

    it('a tenant without a limit, or a user’s own null limit, lifts the service’s', async () => {
      await createTenant({ tenant_id: 'tnt_free', max_sessions: null });
      await record(signIn(824)).expect(201);
      await putLimit(824, { max_sessions: null }).expect(200);
      for (let i = 0; i < 5; i++) {
        await record(signIn(824)).expect(201);
        await record(signIn(825, { tenant_id: 'tnt_free' })).expect(201);
      }
      expect(activeIds(await sessionsOf(t.dataSource, 824))).toHaveLength(6);
      expect(activeIds(await sessionsOf(t.dataSource, 825))).toHaveLength(5);
      expect((await userOf(825)).session_limit).toEqual({
        max_sessions: null,
        limit_policy: 'evict-oldest',
        source: 'tenant',
      });
    });

    it('clearing a user’s own limit gives the tenant’s back', async () => {
      await record(signIn(826)).expect(201);
      await putLimit(826, { max_sessions: 1, limit_policy: 'deny' }).expect(200, {
        max_sessions: 1,
        limit_policy: 'deny',
        source: 'user',
      });
      await request(http)
        .delete('/api/users/826/session-limit')
        .set(...admin())
        .expect(204);
      // Clearing again changes nothing: still 204 for a user who exists.
      await request(http)
        .delete('/api/users/826/session-limit')
        .set(...admin())
        .expect(204);
      expect((await userOf(826)).session_limit.source).toBe('default');
      await record(signIn(826)).expect(201);
    });

    it.each(['[3]', '[{"max_sessions":3}]', '3', '"3"', 'true', 'null'])(
      'refuses a body that is not a JSON object (%s), naming body',
      async (text) => {
        await record(signIn(828)).expect(201);
        const body = expectProblem(
          await request(http)
            .put('/api/users/828/session-limit')
            .set(...admin())
            .set('content-type', 'application/json')
            .send(text),
          400,
        );
        expect(body.type).toBe('/problems/invalid-request');
        expect(body.errors).toEqual([
          { field: 'body', code: 'type', description: 'The body must be a JSON object' },
        ]);
      },
    );

    it('clearing the limit of a user who does not exist is 404 user-not-found', async () => {
      const body = expectProblem(
        await request(http)
          .delete('/api/users/82999/session-limit')
          .set(...admin()),
        404,
      );
      expect(body.type).toBe('/problems/user-not-found');
      expect(body.detail).toBe('User 82999 does not exist');
    });

    it('400 for a bad limit, 403 for a non-admin', async () => {
      await record(signIn(827)).expect(201);
      const body = expectProblem(await putLimit(827, { max_sessions: 0, limit_policy: 'x' }), 400);
      expect((body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
        'limit_policy',
        'max_sessions',
      ]);
      expectProblem(await putLimit(827, {}), 400);
      expectProblem(
        await request(http)
          .put('/api/users/827/session-limit')
          .set(...bearer(serviceToken()))
          .send({ max_sessions: 2 }),
        403,
      );
    });
  });

  describe('GET /api/users/{user_id}', () => {
    it('gives the tenant and time of the latest sign-in', async () => {
      await record(signIn(831, { tenant_id: 'tnt_old' })).expect(201);
      const latest = (await record(signIn(831, { tenant_id: 'tnt_new' })).expect(201)).body;
      const user = await userOf(831);
      expect(user).toMatchObject({
        user_id: 831,
        username: 'user831',
        active_sessions: 2,
        subjects: [],
        tenant_id: 'tnt_new',
        last_sign_in_at: latest.created_at,
      });
    });

    it('gives nulls for a user without sessions', async () => {
      await insertUser(t.dataSource, 832);
      expect(await userOf(832)).toMatchObject({ tenant_id: null, last_sign_in_at: null });
    });
  });

  it('50 simultaneous sign-ins with a limit of 5 leave exactly 5 active and 45 feed rows', async () => {
    await record(signIn(841)).expect(201);
    await putLimit(841, { max_sessions: 5 }).expect(200);
    await t.dataSource.query(
      'TRUNCATE session_service.sessions, session_service.session_revocations',
    );
    const answers = await Promise.all(Array.from({ length: 50 }, () => record(signIn(841))));
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(201));
    const rows = await sessionsOf(t.dataSource, 841);
    expect(rows).toHaveLength(50);
    expect(activeIds(rows)).toHaveLength(5);
    const feed = await feedOf(http, 841, 45);
    expect(await revocationsOf(t.dataSource, 841)).toBe(45);
    expect(feed).toHaveLength(45);
    expect(new Set(feed.map((r) => r.session_id)).size).toBe(45);
    expect(feed.every((r) => r.revoked_by === 'policy' && r.reason === 'limit')).toBe(true);
  });
});

describe('one session per device (SESSION_REPLACE_SAME_DEVICE)', () => {
  let on: TestApp;
  let off: TestApp;

  beforeAll(async () => {
    on = await createTestApp({ SESSION_REPLACE_SAME_DEVICE: 'true' });
    off = await createTestApp();
  });

  beforeEach(() => resetAll(on.dataSource));

  afterAll(async () => {
    await resetAll(on.dataSource);
    await Promise.all([on.close(), off.close()]);
  });

  const record = (app: TestApp, body: Record<string, unknown>) =>
    request(app.app.getHttpServer())
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send(body)
      .expect(201);

  it('replaces the user’s session on the same device, reason device-replaced', async () => {
    const first = (await record(on, signIn(851, { device_id: 'dev_a' }))).body;
    const other = (await record(on, signIn(851, { device_id: 'dev_b' }))).body;
    const someoneElse = (await record(on, signIn(852, { device_id: 'dev_a' }))).body;
    const second = (await record(on, signIn(851, { device_id: 'dev_a' }))).body;
    const rows = await sessionsOf(on.dataSource, 851);
    expect(activeIds(rows).sort()).toEqual([other.id, second.id].sort());
    expect(rows.find((r) => r.id === first.id)).toMatchObject({
      revoked_by: 'policy',
      revoke_reason: 'device-replaced',
    });
    expect(activeIds(await sessionsOf(on.dataSource, 852))).toEqual([someoneElse.id]);
    expect(await feedOf(on.app.getHttpServer(), 851, 1)).toEqual([
      expect.objectContaining({ session_id: first.id, reason: 'device-replaced' }),
    ]);
  });

  it('is off by default: a device may hold several sessions', async () => {
    await record(off, signIn(853, { device_id: 'dev_a' }));
    await record(off, signIn(853, { device_id: 'dev_a' }));
    expect(activeIds(await sessionsOf(off.dataSource, 853))).toHaveLength(2);
  });
});
