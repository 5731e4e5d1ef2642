import { SUBJECT_RESOLVER, type SubjectResolver } from '@session-service/auth';
import request from 'supertest';
import type { App } from 'supertest/types';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor, TEST_ISSUER } from './support/tokens';

const KEYCLOAK = 'https://idp.example.com/realms/main';

const signIn = (overrides: Record<string, unknown> = {}) => ({
  user_id: 601,
  username: 'erin',
  amr: ['pwd'],
  ip: '198.51.100.9',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  ...overrides,
});

describe('subject mapping', () => {
  let t: TestApp;
  let http: App;
  let resolver: SubjectResolver;

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
    resolver = t.app.get<SubjectResolver>(SUBJECT_RESOLVER);
    await resetDatabase(t.dataSource);
  });

  afterAll(() => t.close());

  const post = (body: object) =>
    request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send(body);

  const counts = async () => {
    const [row] = await t.dataSource.query(
      `SELECT (SELECT count(*)::int FROM session_service.sessions) AS sessions,
              (SELECT count(*)::int FROM session_service.users) AS users,
              (SELECT count(*)::int FROM session_service.user_subjects) AS subjects`,
    );
    return row as { sessions: number; users: number; subjects: number };
  };

  it('records the subject at the configured issuer with the session, and resolves it', async () => {
    const uuid = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
    const res = await post(signIn({ subject: uuid })).expect(201);
    expect(res.body).toMatchObject({ user_id: '601', status: 'active' });
    const rows = await t.dataSource.query(
      'SELECT issuer, subject, user_id::text AS user_id FROM session_service.user_subjects',
    );
    expect(rows).toEqual([{ issuer: TEST_ISSUER, subject: uuid, user_id: '601' }]);
    await expect(resolver.resolve(TEST_ISSUER, uuid)).resolves.toBe('601');
    // Cached now, and still the same answer.
    await expect(resolver.resolve(TEST_ISSUER, uuid)).resolves.toBe('601');
  });

  it('records a subject of another issuer when the sign-in names it', async () => {
    await post(signIn({ subject: 'auth0|abc', issuer: KEYCLOAK })).expect(201);
    await expect(resolver.resolve(KEYCLOAK, 'auth0|abc')).resolves.toBe('601');
    await expect(resolver.resolve(TEST_ISSUER, 'auth0|abc')).resolves.toBeNull();
  });

  it('answers null for an unknown subject, and resolves it as soon as a sign-in records it', async () => {
    await expect(resolver.resolve(KEYCLOAK, '123456789012345678')).resolves.toBeNull();
    await post(
      signIn({ user_id: 602, username: 'finn', subject: '123456789012345678', issuer: KEYCLOAK }),
    ).expect(201);
    await expect(resolver.resolve(KEYCLOAK, '123456789012345678')).resolves.toBe('602');
  });

  it('signs the same user in again with the same subject', async () => {
    const before = await counts();
    await post(signIn({ subject: 'auth0|abc', issuer: KEYCLOAK })).expect(201);
    const after = await counts();
    expect(after).toEqual({ ...before, sessions: before.sessions + 1 });
  });

  it('answers 409 subject-taken for a subject mapped to another user, and writes nothing', async () => {
    const before = await counts();
    const res = await post(
      signIn({ user_id: 603, username: 'gus', subject: 'auth0|abc', issuer: KEYCLOAK }),
    );
    const problem = expectProblem(res, 409);
    expect(problem).toMatchObject({ code: 30240903 });
    expect(String(problem.type)).toMatch(/\/problems\/subject-taken$/);
    expect(await counts()).toEqual(before);
    const [user] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM session_service.users WHERE id = 603',
    );
    expect(user.n).toBe(0);
    await expect(resolver.resolve(KEYCLOAK, 'auth0|abc')).resolves.toBe('601');
  });

  it('maps a subject claimed by two sign-ins at once to one user: the other answers 409', async () => {
    const answers = await Promise.all(
      [611, 612, 613, 614].map((userId) =>
        post(
          signIn({ user_id: userId, username: `u${userId}`, subject: 'raced', issuer: KEYCLOAK }),
        ),
      ),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409]);
    const winner = answers.find((r) => r.status === 201)!.body.user_id as string;
    await expect(resolver.resolve(KEYCLOAK, 'raced')).resolves.toBe(winner);
    const [row] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM session_service.sessions WHERE user_id IN (611, 612, 613, 614)`,
    );
    expect(row.n).toBe(1);
  });

  it.each([
    [{ subject: '' }, 'subject'],
    [{ subject: 'x'.repeat(256) }, 'subject'],
    [{ subject: 42 }, 'subject'],
    [{ subject: 'a\u0000b' }, 'subject'],
    [{ subject: 'ok', issuer: '' }, 'issuer'],
    [{ subject: 'ok', issuer: 'i'.repeat(256) }, 'issuer'],
    [{ issuer: KEYCLOAK }, 'issuer'],
  ])('400 names the bad field: %j', async (fields, field) => {
    const before = await counts();
    const problem = expectProblem(await post(signIn(fields)), 400);
    expect((problem.errors as { field: string }[]).map((e) => e.field)).toEqual([field]);
    expect(await counts()).toEqual(before);
  });

  it('accepts a subject of 255 characters (code points)', async () => {
    await post(signIn({ subject: '😀'.repeat(255), issuer: KEYCLOAK })).expect(201);
    await expect(resolver.resolve(KEYCLOAK, '😀'.repeat(255))).resolves.toBe('601');
  });

  describe('GET /api/users/{user_id}', () => {
    it('answers the user, their subjects and active sessions to an admin', async () => {
      const res = await request(http)
        .get('/api/users/601')
        .set(...bearer(adminToken()))
        .expect(200);
      expect(res.body).toEqual({
        user_id: 601,
        username: 'erin',
        subjects: expect.any(Array),
        active_sessions: 4,
        tenant_id: null,
        last_sign_in_at: expect.any(String),
        session_limit: { max_sessions: null, limit_policy: 'evict-oldest', source: 'default' },
      });
      const subjects = res.body.subjects as {
        issuer: string;
        subject: string;
        created_at: string;
      }[];
      expect(subjects.map((s) => [s.issuer, s.subject])).toEqual([
        [TEST_ISSUER, 'f47ac10b-58cc-4372-a567-0e02b2c3d479'],
        [KEYCLOAK, 'auth0|abc'],
        [KEYCLOAK, '😀'.repeat(255)],
      ]);
      for (const s of subjects) expect(new Date(s.created_at).toISOString()).toBe(s.created_at);
    });

    it('counts active sessions only', async () => {
      await t.dataSource.query(
        `UPDATE session_service.sessions SET revoked_at = now(), revoked_by = 'admin:1'
          WHERE id = (SELECT id FROM session_service.sessions WHERE user_id = 601 LIMIT 1)`,
      );
      const res = await request(http)
        .get('/api/users/601')
        .set(...bearer(adminToken()))
        .expect(200);
      expect(res.body.active_sessions).toBe(3);
    });

    it('answers a user without subjects with an empty list', async () => {
      await post(signIn({ user_id: 604, username: 'hana' })).expect(201);
      const res = await request(http)
        .get('/api/users/604')
        .set(...bearer(adminToken()))
        .expect(200);
      expect(res.body).toEqual({
        user_id: 604,
        username: 'hana',
        subjects: [],
        active_sessions: 1,
        tenant_id: null,
        last_sign_in_at: expect.any(String),
        session_limit: { max_sessions: null, limit_policy: 'evict-oldest', source: 'default' },
      });
    });

    it('answers 404 user-not-found for an unknown user', async () => {
      const res = await request(http)
        .get('/api/users/999999')
        .set(...bearer(adminToken()));
      const problem = expectProblem(res, 404);
      expect(problem.code).toBe(30240401);
    });

    it('answers 403 without the admin role, even for the user themself, and 401 without a token', async () => {
      expectProblem(
        await request(http)
          .get('/api/users/601')
          .set(...bearer(tokenFor(601))),
        403,
      );
      expectProblem(
        await request(http)
          .get('/api/users/601')
          .set(...bearer(serviceToken())),
        403,
      );
      expectProblem(await request(http).get('/api/users/601'), 401);
    });

    it('answers 400 naming user_id for an id that is not a positive integer', async () => {
      const problem = expectProblem(
        await request(http)
          .get('/api/users/01')
          .set(...bearer(adminToken())),
        400,
      );
      expect((problem.errors as { field: string }[]).map((e) => e.field)).toEqual(['user_id']);
    });
  });
});

describe('a token whose subject is mapped, end to end', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
  });

  afterAll(() => t.close());

  const post = (body: object) =>
    request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send(body);

  it("lets a token whose sub is the IdP's UUID in once a sign-in recorded it, and not before", async () => {
    const uuid = '0b3f1c2e-7d4a-4c1e-9f00-5a6b7c8d9e01';
    const list = (token: string) =>
      request(http)
        .get('/sessions/user/602/sessions')
        .set(...bearer(token));
    const idpToken = tokenFor(uuid); // sub: the UUID, iss: the configured issuer
    expectProblem(await list(idpToken), 401);
    const created = await post(signIn({ user_id: 602, username: 'frank', subject: uuid })).expect(
      201,
    );
    const bound = tokenFor(uuid, { claims: { session_id: created.body.id } });
    const res = await list(bound).expect(200);
    expect((res.body.items as { id: string }[]).map((s) => s.id)).toContain(created.body.id);
    // The same subject from another issuer is no one.
    expectProblem(await list(tokenFor(uuid, { sign: { issuer: KEYCLOAK } })), 401);
  });
});
