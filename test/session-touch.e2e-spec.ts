import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('touch and status (service role)', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
  });

  beforeEach(() => resetDatabase(t.dataSource));

  afterAll(() => t.close());

  const dbNow = async (): Promise<number> => {
    const [{ now }] = await t.dataSource.query('SELECT now() AS now');
    return (now as Date).getTime();
  };
  const touch = (id: string, token = serviceToken()) =>
    request(http)
      .post(`/api/sessions/${id}/touch`)
      .set(...bearer(token));

  it('slides the idle expiry forward by the session’s own idle timeout', async () => {
    await insertUser(t.dataSource, 1);
    const id = await insertSession(t.dataSource, {
      userId: 1,
      idleTimeoutSeconds: 600,
      lastActiveOffset: -500,
      idleExpiresOffset: 100,
      expiresOffset: 7200,
    });
    const before = await dbNow();
    const res = await touch(id).expect(200);
    const after = await dbNow();
    const idle = Date.parse(res.body.idle_expires_at);
    expect(idle).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(idle).toBeLessThanOrEqual(after + 600_000 + 1000);
    expect(Date.parse(res.body.last_active_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(res.body.status).toBe('active');
  });

  it('never slides the idle expiry past the absolute expiry', async () => {
    await insertUser(t.dataSource, 1);
    const id = await insertSession(t.dataSource, {
      userId: 1,
      idleTimeoutSeconds: 1800,
      idleExpiresOffset: 30,
      expiresOffset: 120,
    });
    const res = await touch(id).expect(200);
    expect(res.body.idle_expires_at).toBe(res.body.expires_at);
  });

  it('moves the touched session to the top of the user list', async () => {
    await insertUser(t.dataSource, 1);
    const old = await insertSession(t.dataSource, { userId: 1, lastActiveOffset: -3000 });
    await insertSession(t.dataSource, { userId: 1, lastActiveOffset: -10 });
    await touch(old).expect(200);
    const list = await request(http)
      .get('/sessions/user/1/sessions')
      .set(...bearer(tokenFor(1)))
      .expect(200);
    expect(list.body.items[0].id).toBe(old);
  });

  it('409 for a revoked or expired session, which stays as it is', async () => {
    await insertUser(t.dataSource, 1);
    const revoked = await insertSession(t.dataSource, { userId: 1, revoked: true });
    const expired = await insertSession(t.dataSource, { userId: 1, idleExpiresOffset: -5 });
    for (const id of [revoked, expired]) {
      const body = expectProblem(await touch(id), 409);
      expect(body.type).toBe('/problems/session-not-active');
    }
    const [row] = await t.dataSource.query(
      'SELECT idle_expires_at < now() AS still_expired FROM session_service.sessions WHERE id = $1',
      [expired],
    );
    expect(row.still_expired).toBe(true);
  });

  it('404 unknown, 400 malformed, 403 for a user token, 401 without one', async () => {
    await insertUser(t.dataSource, 1);
    const id = await insertSession(t.dataSource, { userId: 1 });
    expectProblem(await touch(MISSING), 404);
    expectProblem(await touch('nope'), 400);
    expectProblem(await touch(id, tokenFor(1)), 403);
    expectProblem(await request(http).post(`/api/sessions/${id}/touch`), 401);
    await touch(id, adminToken()).expect(200);
  });

  it('a touch racing a revoke never brings the session back', async () => {
    await insertUser(t.dataSource, 1);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await insertSession(t.dataSource, { userId: 1 }));
    await Promise.all(
      ids.flatMap((id) => [
        touch(id),
        request(http)
          .delete(`/api/sessions/${id}`)
          .set(...bearer(adminToken())),
        touch(id),
      ]),
    );
    const [row] = await t.dataSource.query(
      `SELECT count(*)::int AS revoked FROM session_service.sessions WHERE user_id = 1 AND revoked_at IS NOT NULL`,
    );
    expect(row.revoked).toBe(30);
    const list = await request(http)
      .get('/sessions/user/1/sessions')
      .set(...bearer(tokenFor(1)))
      .expect(200);
    expect(list.body.total).toBe(0);
  });

  describe('GET /api/sessions/{id}/status', () => {
    it('answers active, revoked and expired sessions', async () => {
      await insertUser(t.dataSource, 1);
      const active = await insertSession(t.dataSource, { userId: 1 });
      const revoked = await insertSession(t.dataSource, { userId: 1, revoked: true });
      const expired = await insertSession(t.dataSource, {
        userId: 1,
        expiresOffset: -1,
        idleExpiresOffset: -1,
      });
      const status = async (id: string) =>
        (
          await request(http)
            .get(`/api/sessions/${id}/status`)
            .set(...bearer(serviceToken()))
            .expect(200)
        ).body;
      expect(await status(active)).toMatchObject({
        session_id: active,
        user_id: '1',
        active: true,
        status: 'active',
      });
      expect(await status(revoked)).toMatchObject({ active: false, status: 'revoked' });
      expect(await status(expired)).toMatchObject({ active: false, status: 'expired' });
    });

    it('404 unknown, 403 for a user token', async () => {
      expectProblem(
        await request(http)
          .get(`/api/sessions/${MISSING}/status`)
          .set(...bearer(serviceToken())),
        404,
      );
      expectProblem(
        await request(http)
          .get(`/api/sessions/${MISSING}/status`)
          .set(...bearer(tokenFor(1))),
        403,
      );
    });
  });
});

describe('session state cache (SESSION_STATE_CACHE_MS)', () => {
  it('a revoked session’s token gets 401 once the configured staleness bound has passed', async () => {
    const t = await createTestApp({ SESSION_STATE_CACHE_MS: '400' });
    try {
      const http = t.app.getHttpServer() as App;
      await resetDatabase(t.dataSource);
      await insertUser(t.dataSource, 1);
      const id = await insertSession(t.dataSource, { userId: 1 });
      const token = tokenFor(1, { claims: { session_id: id } });
      await request(http)
        .get('/sessions/user/1/sessions')
        .set(...bearer(token))
        .expect(200);
      // Revoked behind this instance's back (as by another instance): the cached answer may live on...
      await t.dataSource.query(
        'UPDATE session_service.sessions SET revoked_at = now() WHERE id = $1',
        [id],
      );
      const revokedAt = Date.now();
      // ...but never past the bound.
      await new Promise((resolve) => setTimeout(resolve, 450));
      const res = await request(http)
        .get('/sessions/user/1/sessions')
        .set(...bearer(token));
      expectProblem(res, 401);
      expect(Date.now() - revokedAt).toBeGreaterThanOrEqual(400);
    } finally {
      await t.close();
    }
  });
});
