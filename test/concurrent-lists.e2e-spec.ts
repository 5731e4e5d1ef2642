import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, tokenFor } from './support/tokens';

/**
 * Many list calls at once, on every backend (in the e2e-embedded project on
 * the embedded PostgreSQL, where all pooled connections share one backend):
 * each user list is a named prepared statement on a pooled connection, each
 * full admin list a cursor in a transaction. Every call must answer 200 with
 * its own rows, within a bounded time.
 */
const USERS = 10;
const FIRST_USER = 8101;
const SESSIONS_PER_USER = 3;
const NO_RATE_LIMITS = { RATE_LIMIT_IP_PER_MINUTE: '100000', RATE_LIMIT_USER_PER_MINUTE: '100000' };
/** No single call may take longer: a call left hanging fails the test. */
const CALL_DEADLINE_MS = 20_000;

describe('concurrent list calls', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp(NO_RATE_LIMITS);
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
    for (let u = 0; u < USERS; u++) {
      await insertUser(t.dataSource, FIRST_USER + u);
      for (let s = 0; s < SESSIONS_PER_USER; s++) {
        await insertSession(t.dataSource, {
          userId: FIRST_USER + u,
          lastActiveOffset: -60 * (s + 1),
        });
      }
    }
  });

  afterAll(() => t.close());

  const userList = (userId: number) =>
    request(http)
      .get(`/sessions/user/${userId}/sessions`)
      .query({ page: 1, page_size: 20 })
      .set(...bearer(tokenFor(userId)))
      .timeout({ deadline: CALL_DEADLINE_MS });

  const adminPage = (limit: number) =>
    request(http)
      .get('/api/sessions/all')
      .query({ limit })
      .set(...bearer(adminToken()))
      .timeout({ deadline: CALL_DEADLINE_MS });

  it('answers the same user list twice in a row (its prepared statement is reused)', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await userList(FIRST_USER);
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(SESSIONS_PER_USER);
    }
  });

  it('answers 50 concurrent user lists and 50 concurrent admin pages, every one 200', async () => {
    const users = Array.from({ length: 50 }, (_, i) => FIRST_USER + (i % USERS));
    const limits = Array.from({ length: 50 }, (_, i) => 1 + (i % 40));
    const [userAnswers, adminAnswers] = await Promise.all([
      Promise.all(users.map((u) => userList(u))),
      Promise.all(limits.map((l) => adminPage(l))),
    ]);

    userAnswers.forEach((res, i) => {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.items).toHaveLength(SESSIONS_PER_USER);
      for (const item of res.body.items as { user_id: string }[]) {
        expect(item.user_id).toBe(String(users[i]));
      }
    });
    adminAnswers.forEach((res, i) => {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.sessions).toHaveLength(Math.min(limits[i], USERS * SESSIONS_PER_USER));
    });
  });

  it('answers user lists while full admin lists stream from their cursors', async () => {
    // As many streams as their connection budget (DATABASE_STREAM_POOL_SIZE) lets run at once.
    const budget = t.config.sessions.streamConnections ?? 0;
    expect(budget).toBeGreaterThan(0);
    const streams = Array.from({ length: budget }, () =>
      request(http)
        .get('/api/sessions/all')
        .set(...bearer(adminToken()))
        .timeout({ deadline: CALL_DEADLINE_MS }),
    );
    const lists = Array.from({ length: 20 }, (_, i) => userList(FIRST_USER + (i % USERS)));
    const answers = await Promise.all([...streams, ...lists]);
    for (const res of answers.slice(0, budget)) {
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(USERS * SESSIONS_PER_USER);
    }
    for (const res of answers.slice(budget)) {
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(SESSIONS_PER_USER);
    }
  });
});
