import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';
import { pollUntil } from './support/wait';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('revoking sessions', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
  });

  beforeEach(() => resetDatabase(t.dataSource));

  afterAll(() => t.close());

  const listIds = async (userId: number): Promise<string[]> => {
    const res = await request(http)
      .get(`/sessions/user/${userId}/sessions?page_size=100`)
      .set(...bearer(tokenFor(userId)))
      .expect(200);
    return res.body.items.map((s: { id: string }) => s.id);
  };
  const adminListIds = async (): Promise<string[]> => {
    const res = await request(http)
      .get('/api/sessions/all')
      .set(...bearer(adminToken()))
      .expect(200);
    return res.body.sessions.map((s: { session_id: string }) => s.session_id);
  };
  const record = async (id: string) => {
    const [row] = await t.dataSource.query(
      'SELECT revoked_at, revoked_by, revoke_reason FROM session_service.sessions WHERE id = $1',
      [id],
    );
    return row as {
      revoked_at: Date | null;
      revoked_by: string | null;
      revoke_reason: string | null;
    };
  };

  describe('DELETE /sessions/user/{user_id}/sessions/{session_id}', () => {
    it('signs one session out: 204, gone from both lists, recorded for audit', async () => {
      await insertUser(t.dataSource, 1, 'ann');
      const [keep, drop] = [
        await insertSession(t.dataSource, { userId: 1 }),
        await insertSession(t.dataSource, { userId: 1 }),
      ];
      await request(http)
        .delete(`/sessions/user/1/sessions/${drop}`)
        .set(...bearer(tokenFor(1)))
        .expect(204);
      expect(await listIds(1)).toEqual([keep]);
      expect(await adminListIds()).toEqual([keep]);
      const row = await record(drop);
      expect(row.revoked_at).toBeInstanceOf(Date);
      expect(row.revoked_by).toBe('user:1');
      expect(row.revoke_reason).toBe('signed out');
    });

    it('is idempotent: a second revoke answers 204 and keeps the first record', async () => {
      await insertUser(t.dataSource, 1);
      const id = await insertSession(t.dataSource, { userId: 1 });
      await request(http)
        .delete(`/sessions/user/1/sessions/${id}`)
        .set(...bearer(tokenFor(1)))
        .expect(204);
      const first = await record(id);
      await request(http)
        .delete(`/sessions/user/1/sessions/${id}`)
        .set(...bearer(tokenFor(1)))
        .expect(204);
      expect(await record(id)).toEqual(first);
    });

    it("answers 404 for another user's session, exactly as for one that does not exist, and leaves it alone", async () => {
      await insertUser(t.dataSource, 1);
      await insertUser(t.dataSource, 2);
      const bobs = await insertSession(t.dataSource, { userId: 2 });
      const other = expectProblem(
        await request(http)
          .delete(`/sessions/user/1/sessions/${bobs}`)
          .set(...bearer(tokenFor(1))),
        404,
      );
      const missing = expectProblem(
        await request(http)
          .delete(`/sessions/user/1/sessions/${MISSING}`)
          .set(...bearer(tokenFor(1))),
        404,
      );
      expect(other.code).toBe(missing.code);
      expect(other.title).toBe(missing.title);
      expect((await record(bobs)).revoked_at).toBeNull();
      expect(await listIds(2)).toEqual([bobs]);
    });

    it('400 for a session id that is not a UUID', async () => {
      await insertUser(t.dataSource, 1);
      const body = expectProblem(
        await request(http)
          .delete('/sessions/user/1/sessions/not-a-uuid')
          .set(...bearer(tokenFor(1))),
        400,
      );
      expect(body.errors).toEqual([
        expect.objectContaining({ field: 'session_id', code: 'format' }),
      ]);
    });

    it("403 on another user's path, 401 without a token", async () => {
      await insertUser(t.dataSource, 2);
      const id = await insertSession(t.dataSource, { userId: 2 });
      expectProblem(
        await request(http)
          .delete(`/sessions/user/2/sessions/${id}`)
          .set(...bearer(tokenFor(1))),
        403,
      );
      expectProblem(await request(http).delete(`/sessions/user/2/sessions/${id}`), 401);
      expect((await record(id)).revoked_at).toBeNull();
    });
  });

  describe('DELETE /sessions/user/{user_id}/sessions', () => {
    it('signs every session out and says how many ended', async () => {
      await insertUser(t.dataSource, 1);
      await insertUser(t.dataSource, 2);
      for (let i = 0; i < 4; i++) await insertSession(t.dataSource, { userId: 1 });
      await insertSession(t.dataSource, { userId: 1, revoked: true });
      await insertSession(t.dataSource, { userId: 1, expiresOffset: -1, idleExpiresOffset: -1 });
      const bobs = await insertSession(t.dataSource, { userId: 2 });
      const res = await request(http)
        .delete('/sessions/user/1/sessions')
        .set(...bearer(tokenFor(1)))
        .expect(200);
      expect(res.body).toEqual({ revoked: 4 });
      expect(await listIds(1)).toEqual([]);
      expect(await listIds(2)).toEqual([bobs]);
    });

    it('keep_current=true keeps exactly the session the calling token belongs to', async () => {
      await insertUser(t.dataSource, 1);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await insertSession(t.dataSource, { userId: 1 }));
      const current = ids[2];
      const token = tokenFor(1, { claims: { session_id: current } });
      const res = await request(http)
        .delete('/sessions/user/1/sessions?keep_current=true')
        .set(...bearer(token))
        .expect(200);
      expect(res.body).toEqual({ revoked: 4 });
      expect(await listIds(1)).toEqual([current]);
      // The caller's own token still works; a token of another device does not.
      await request(http)
        .get('/sessions/user/1/sessions')
        .set(...bearer(token))
        .expect(200);
      const other = await request(http)
        .get('/sessions/user/1/sessions')
        .set(...bearer(tokenFor(1, { claims: { session_id: ids[0] } })));
      expectProblem(other, 401);
    });

    it('keep_current=true needs a token bound to a session', async () => {
      await insertUser(t.dataSource, 1);
      const id = await insertSession(t.dataSource, { userId: 1 });
      const body = expectProblem(
        await request(http)
          .delete('/sessions/user/1/sessions?keep_current=true')
          .set(...bearer(tokenFor(1))),
        400,
      );
      expect(body.errors).toEqual([expect.objectContaining({ field: 'keep_current' })]);
      expect(await listIds(1)).toEqual([id]);
    });

    it('rejects a keep_current that is not true or false', async () => {
      await insertUser(t.dataSource, 1);
      const body = expectProblem(
        await request(http)
          .delete('/sessions/user/1/sessions?keep_current=yes')
          .set(...bearer(tokenFor(1))),
        400,
      );
      expect(body.errors).toEqual([expect.objectContaining({ field: 'keep_current' })]);
    });

    it('404 for a user that does not exist', async () => {
      expectProblem(
        await request(http)
          .delete('/sessions/user/77/sessions')
          .set(...bearer(tokenFor(77))),
        404,
      );
    });
  });

  describe('tokens bound to a session (session_id claim)', () => {
    it('work while the session is active and get 401 from the next request after a revoke', async () => {
      await insertUser(t.dataSource, 1);
      const id = await insertSession(t.dataSource, { userId: 1 });
      const token = tokenFor(1, { claims: { session_id: id } });
      await request(http)
        .get('/sessions/user/1/sessions')
        .set(...bearer(token))
        .expect(200);
      await request(http)
        .delete(`/sessions/user/1/sessions/${id}`)
        .set(...bearer(token))
        .expect(204);
      const res = await request(http)
        .get('/sessions/user/1/sessions')
        .set(...bearer(token));
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it.each([
      ['an expired session', { expiresOffset: -1, idleExpiresOffset: -1 }],
      ['an idle-expired session', { idleExpiresOffset: -1 }],
      ['a revoked session', { revoked: true }],
    ])('are refused for %s', async (_name, seed) => {
      await insertUser(t.dataSource, 1);
      const id = await insertSession(t.dataSource, { userId: 1, ...seed });
      expectProblem(
        await request(http)
          .get('/sessions/user/1/sessions')
          .set(...bearer(tokenFor(1, { claims: { session_id: id } }))),
        401,
      );
    });

    it('concurrent requests each get the answer of their own session', async () => {
      for (const user of [1, 2, 3, 4]) await insertUser(t.dataSource, user);
      const checks: { sessionId: string; userId: number; active: boolean }[] = [];
      for (const user of [1, 2, 3, 4]) {
        const active = await insertSession(t.dataSource, { userId: user });
        const revoked = await insertSession(t.dataSource, { userId: user, revoked: true });
        const idle = await insertSession(t.dataSource, { userId: user, idleExpiresOffset: -1 });
        checks.push(
          { sessionId: active, userId: user, active: true },
          { sessionId: revoked, userId: user, active: false },
          { sessionId: idle, userId: user, active: false },
          // another user's active session, and one that does not exist
          { sessionId: active, userId: (user % 4) + 1, active: false },
          { sessionId: MISSING, userId: user, active: false },
          { sessionId: active, userId: user, active: true },
        );
      }
      const statuses = await Promise.all(
        checks.map((c) =>
          request(http)
            .get(`/sessions/user/${c.userId}/sessions`)
            .set(...bearer(tokenFor(c.userId, { claims: { session_id: c.sessionId } })))
            .then((res) => res.status),
        ),
      );
      expect(statuses).toEqual(checks.map((c) => (c.active ? 200 : 401)));
    });

    it("are refused when the session_id is another user's session or not a UUID", async () => {
      await insertUser(t.dataSource, 1);
      await insertUser(t.dataSource, 2);
      const bobs = await insertSession(t.dataSource, { userId: 2 });
      for (const sid of [bobs, MISSING, 'sess_abc123']) {
        expectProblem(
          await request(http)
            .get('/sessions/user/1/sessions')
            .set(...bearer(tokenFor(1, { claims: { session_id: sid } }))),
          401,
        );
      }
    });
  });

  describe('admin', () => {
    it('GET /api/sessions/{id} shows a session of any status with its record', async () => {
      await insertUser(t.dataSource, 5, 'eve');
      const active = await insertSession(t.dataSource, { userId: 5, amr: ['pwd', 'otp'] });
      const expired = await insertSession(t.dataSource, {
        userId: 5,
        expiresOffset: -1,
        idleExpiresOffset: -1,
      });
      const revoked = await insertSession(t.dataSource, { userId: 5 });
      await request(http)
        .delete(`/api/sessions/${revoked}?reason=${encodeURIComponent('stolen laptop')}`)
        .set(...bearer(adminToken(9)))
        .expect(204);

      const get = (id: string) =>
        request(http)
          .get(`/api/sessions/${id}`)
          .set(...bearer(adminToken()))
          .expect(200);
      expect((await get(active)).body).toMatchObject({
        session_id: active,
        user_id: 5,
        username: 'eve',
        status: 'active',
        is_active: true,
        amr: ['pwd', 'otp'],
        auth_method: 'pwd',
      });
      expect((await get(active)).body.revoked_at).toBeUndefined();
      expect((await get(expired)).body).toMatchObject({ status: 'expired', is_active: false });
      expect((await get(revoked)).body).toMatchObject({
        status: 'revoked',
        is_active: false,
        revoked_by: 'admin:9',
        revoke_reason: 'stolen laptop',
      });
    });

    it('DELETE /api/sessions/{id} revokes any session; 404 unknown; 400 malformed; reason bounded', async () => {
      await insertUser(t.dataSource, 5);
      const id = await insertSession(t.dataSource, { userId: 5 });
      await request(http)
        .delete(`/api/sessions/${id}`)
        .set(...bearer(adminToken()))
        .expect(204);
      expect(await listIds(5)).toEqual([]);
      expectProblem(
        await request(http)
          .delete(`/api/sessions/${MISSING}`)
          .set(...bearer(adminToken())),
        404,
      );
      expectProblem(
        await request(http)
          .delete('/api/sessions/123')
          .set(...bearer(adminToken())),
        400,
      );
      const long = expectProblem(
        await request(http)
          .delete(`/api/sessions/${id}?reason=${'x'.repeat(257)}`)
          .set(...bearer(adminToken())),
        400,
      );
      expect(long.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    });

    it('admin routes refuse a user or service token with 403', async () => {
      await insertUser(t.dataSource, 5);
      const id = await insertSession(t.dataSource, { userId: 5 });
      for (const token of [tokenFor(5), serviceToken()]) {
        expectProblem(
          await request(http)
            .delete(`/api/sessions/${id}`)
            .set(...bearer(token)),
          403,
        );
        expectProblem(
          await request(http)
            .get(`/api/sessions/${id}`)
            .set(...bearer(token)),
          403,
        );
        expectProblem(
          await request(http)
            .delete('/api/users/5/sessions')
            .set(...bearer(token)),
          403,
        );
      }
      expect(await listIds(5)).toEqual([id]);
    });

    it('DELETE /api/users/{user_id}/sessions ends every active session of that user', async () => {
      await insertUser(t.dataSource, 5);
      await insertUser(t.dataSource, 6);
      for (let i = 0; i < 3; i++) await insertSession(t.dataSource, { userId: 5 });
      const other = await insertSession(t.dataSource, { userId: 6 });
      const res = await request(http)
        .delete('/api/users/5/sessions?reason=offboarded')
        .set(...bearer(adminToken()))
        .expect(200);
      expect(res.body).toEqual({ revoked: 3 });
      expect(await adminListIds()).toEqual([other]);
      const reasons = await t.dataSource.query(
        'SELECT DISTINCT revoked_by, revoke_reason FROM session_service.sessions WHERE user_id = 5',
      );
      expect(reasons).toEqual([{ revoked_by: 'admin:1', revoke_reason: 'offboarded' }]);
      expectProblem(
        await request(http)
          .delete('/api/users/404/sessions')
          .set(...bearer(adminToken())),
        404,
      );
      expectProblem(
        await request(http)
          .delete('/api/users/05/sessions')
          .set(...bearer(adminToken())),
        400,
      );
    });
  });
});

/**
 * A user holding more sessions than one statement can revoke within
 * `statement_timeout` (200 ms here; 20,000 sessions take seconds in one
 * statement): the revocation still completes, in bounded batches.
 */
describe('revoking every session of a large account', () => {
  const BIG_USER = 9100;
  const SESSIONS = 20_000;
  const MARKED = ['00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-00000000a002'];

  /** Seeds the user with `SESSIONS` active sessions, two of them with known ids. */
  async function seed(t: TestApp): Promise<void> {
    // Seeding takes longer than the app's statement timeout allows.
    await t.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL statement_timeout = 0');
      await manager.query(
        'TRUNCATE session_service.sessions, session_service.user_subjects, session_service.users, session_service.session_revocations',
      );
      await manager.query('INSERT INTO session_service.users (id, username) VALUES ($1, $2)', [
        BIG_USER,
        'big',
      ]);
      await manager.query(
        `INSERT INTO session_service.sessions (user_id, device_type, ip, user_agent, amr, authenticated_at,
                               last_active_at, idle_expires_at, expires_at)
         SELECT $1, 'desktop', '192.0.2.1', 'Mozilla/5.0', '{pwd}', now(),
                now() - make_interval(secs => g), now() + interval '1 hour', now() + interval '2 hours'
           FROM generate_series(1, $2::int) g`,
        [BIG_USER, SESSIONS - MARKED.length],
      );
    });
    for (const id of MARKED) await insertSession(t.dataSource, { id, userId: BIG_USER });
  }

  const count = async (t: TestApp, sql: string): Promise<number> =>
    (await t.dataSource.query<{ n: number }[]>(sql, [BIG_USER]))[0].n;
  const active = (t: TestApp) =>
    count(
      t,
      'SELECT count(*)::int AS n FROM session_service.sessions WHERE user_id = $1 AND revoked_at IS NULL',
    );

  /** Every session revoked by admin 1 for `reason`, one feed row each, and sid-bound tokens refused. */
  async function expectAllRevoked(t: TestApp, reason: string): Promise<void> {
    expect(await active(t)).toBe(0);
    expect(
      await count(
        t,
        `SELECT count(*)::int AS n FROM session_service.sessions
          WHERE user_id = $1 AND revoked_by = 'admin:1' AND revoke_reason = '${reason}'`,
      ),
    ).toBe(SESSIONS);
    expect(
      await count(
        t,
        `SELECT count(DISTINCT session_id)::int AS n FROM session_service.session_revocations
          WHERE user_id = $1 AND revoked_by = 'admin:1' AND reason = '${reason}'`,
      ),
    ).toBe(SESSIONS);
    expect(
      await count(
        t,
        'SELECT count(*)::int AS n FROM session_service.session_revocations WHERE user_id = $1',
      ),
    ).toBe(SESSIONS);
    const http = t.app.getHttpServer();
    for (const sid of MARKED) {
      const res = await request(http)
        .get(`/sessions/user/${BIG_USER}/sessions`)
        .set(...bearer(tokenFor(BIG_USER, { claims: { session_id: sid } })));
      expectProblem(res, 401);
    }
  }

  describe('within the request budget', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        DATABASE_STATEMENT_TIMEOUT_MS: '200',
        SESSION_REVOKE_BUDGET_MS: '120000',
      });
      await seed(t);
    }, 120_000);
    afterAll(() => t?.close());

    it('answers 200 with the count, every session revoked, one feed row each', async () => {
      const http = t.app.getHttpServer();
      // Tokens bound to the sessions work before.
      await request(http)
        .get(`/sessions/user/${BIG_USER}/sessions`)
        .set(...bearer(tokenFor(BIG_USER, { claims: { session_id: MARKED[0] } })))
        .expect(200);
      const res = await request(http)
        .delete(`/api/users/${BIG_USER}/sessions?reason=compromised`)
        .set(...bearer(adminToken()));
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ revoked: SESSIONS });
      await expectAllRevoked(t, 'compromised');
      // Again: nothing left to end.
      const again = await request(http)
        .delete(`/api/users/${BIG_USER}/sessions?reason=again`)
        .set(...bearer(adminToken()));
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ revoked: 0 });
    }, 120_000);
  });

  describe('past the request budget', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        DATABASE_STATEMENT_TIMEOUT_MS: '200',
        SESSION_REVOKE_BUDGET_MS: '100',
      });
      await seed(t);
    }, 120_000);
    afterAll(() => t?.close());

    it('answers 202 with the progress, and finishes in the background', async () => {
      const http = t.app.getHttpServer();
      const res = await request(http)
        .delete(`/api/users/${BIG_USER}/sessions?reason=takeover`)
        .set(...bearer(adminToken()));
      expect(res.status, res.text).toBe(202);
      expect(res.body.complete).toBe(false);
      expect(res.body.revoked).toBeGreaterThanOrEqual(0);
      expect(res.body.revoked).toBeLessThan(SESSIONS);
      expect(res.body.remaining).toBeGreaterThan(0);
      expect(res.body.revoked + res.body.remaining).toBeLessThanOrEqual(SESSIONS);
      await pollUntil(
        () => active(t),
        (n) => n === 0,
        100_000,
        'every session revoked',
        250,
      );
      await expectAllRevoked(t, 'takeover');
    }, 120_000);
  });
});
