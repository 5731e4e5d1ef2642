import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';

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
      'SELECT revoked_at, revoked_by, revoke_reason FROM sessions WHERE id = $1',
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
      const token = tokenFor(1, { claims: { sid: current } });
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
        .set(...bearer(tokenFor(1, { claims: { sid: ids[0] } })));
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

  describe('tokens bound to a session (sid claim)', () => {
    it('work while the session is active and get 401 from the next request after a revoke', async () => {
      await insertUser(t.dataSource, 1);
      const id = await insertSession(t.dataSource, { userId: 1 });
      const token = tokenFor(1, { claims: { sid: id } });
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
          .set(...bearer(tokenFor(1, { claims: { sid: id } }))),
        401,
      );
    });

    it("are refused when the sid is another user's session or not a UUID", async () => {
      await insertUser(t.dataSource, 1);
      await insertUser(t.dataSource, 2);
      const bobs = await insertSession(t.dataSource, { userId: 2 });
      for (const sid of [bobs, MISSING, 'sess_abc123']) {
        expectProblem(
          await request(http)
            .get('/sessions/user/1/sessions')
            .set(...bearer(tokenFor(1, { claims: { sid } }))),
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
        'SELECT DISTINCT revoked_by, revoke_reason FROM sessions WHERE user_id = 5',
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
