import type { AddressInfo } from 'node:net';
import {
  createSessionsClient,
  SessionsApiError,
  type SessionsClient,
  type SessionListResponse,
} from '@session-service/sessions-client';
import { buildServedOpenApiDocument, stableJson } from '../scripts/openapi-document';
import { insertSession, insertUser } from './support/factories';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, serviceToken, tokenFor } from './support/tokens';

/** The real app, listening on a free loopback port. */
async function listening(overrides: NodeJS.ProcessEnv = {}): Promise<{ t: TestApp; url: string }> {
  const t = await createTestApp(overrides);
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return { t, url: `http://127.0.0.1:${port}` };
}

async function rejection(promise: Promise<unknown>): Promise<SessionsApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionsApiError);
  return error as SessionsApiError;
}

describe('@session-service/sessions-client against the running service', () => {
  let t: TestApp;
  let url: string;
  const as = (token: string): SessionsClient => createSessionsClient({ baseUrl: url, token });

  beforeAll(async () => {
    ({ t, url } = await listening());
  });

  afterAll(() => t.close());

  beforeEach(async () => {
    await resetDatabase(t.dataSource);
  });

  describe('a user', () => {
    it('lists their sessions page by page, with every typed field', async () => {
      await insertUser(t.dataSource, 1001, 'alice');
      const newest = await insertSession(t.dataSource, {
        userId: 1001,
        lastActiveOffset: -10,
        tenantId: 'acme',
        deviceId: 'dev_1',
        geoip: 'Berlin, DE',
        amr: ['pwd', 'otp'],
        deviceType: 'mobile',
        ip: '203.0.113.7',
      });
      const middle = await insertSession(t.dataSource, { userId: 1001, lastActiveOffset: -20 });
      const oldest = await insertSession(t.dataSource, { userId: 1001, lastActiveOffset: -30 });
      const client = as(tokenFor(1001));

      const first: SessionListResponse = await client.listUserSessions(1001, {
        page: 1,
        page_size: 2,
      });
      expect(first.code).toBe(0);
      expect((first.items ?? []).map((s) => s.id)).toEqual([newest, middle]);
      expect(first.pagination).toMatchObject({
        page: 1,
        page_size: 2,
        total: 3,
        total_pages: 2,
        has_next: true,
        has_prev: false,
      });
      expect(first.total).toBe(3);
      const [top, plain] = first.items ?? [];
      expect(top).toMatchObject({
        user_id: '1001',
        tenant_id: 'acme',
        device_id: 'dev_1',
        geoip: 'Berlin, DE',
        device_type: 'mobile',
        ip: '203.0.113.7',
        amr: 'pwd,otp',
        status: 'active',
      });
      for (const field of [
        'created_at',
        'last_active_at',
        'idle_expires_at',
        'expires_at',
      ] as const)
        expect(Number.isNaN(Date.parse(top[field] ?? ''))).toBe(false);
      // Left out when the sign-in did not give them.
      expect(plain).not.toHaveProperty('tenant_id');
      expect(plain).not.toHaveProperty('geoip');

      const second = await client.listUserSessions('1001', { page: 2, page_size: 2 });
      expect((second.items ?? []).map((s) => s.id)).toEqual([oldest]);
      expect(second.pagination).toMatchObject({ has_next: false, has_prev: true });
    });

    it('revokes one session, and the revocation feed reports it', async () => {
      await insertUser(t.dataSource, 1001);
      const keep = await insertSession(t.dataSource, { userId: 1001, lastActiveOffset: -10 });
      const gone = await insertSession(t.dataSource, { userId: 1001, lastActiveOffset: -20 });
      const user = as(tokenFor(1001));
      const service = as(serviceToken());
      const before = await service.revocations({ limit: 100 });

      await expect(user.revokeSession(1001, gone)).resolves.toBeUndefined();
      // Idempotent: the same answer again.
      await expect(user.revokeSession(1001, gone)).resolves.toBeUndefined();
      expect(((await user.listUserSessions(1001)).items ?? []).map((s) => s.id)).toEqual([keep]);
      expect(await service.sessionStatus(gone)).toMatchObject({
        session_id: gone,
        user_id: '1001',
        active: false,
        status: 'revoked',
      });

      // A revocation is readable once no older transaction in the cluster is still open.
      let feed = await service.revocations({ after: before.next_cursor, limit: 10 });
      for (let i = 0; i < 150 && feed.revocations.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        feed = await service.revocations({ after: before.next_cursor, limit: 10 });
      }
      expect(feed.revocations).toEqual([
        expect.objectContaining({ session_id: gone, user_id: '1001', revoked_by: 'user:1001' }),
      ]);
      expect(feed.has_more).toBe(false);
      const after = await service.revocations({ after: feed.next_cursor });
      expect(after.revocations).toEqual([]);
    });

    it('signs out every other device with keepCurrent, or all of them without it', async () => {
      await insertUser(t.dataSource, 1001);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await insertSession(t.dataSource, { userId: 1001 }));
      const current = ids[1];
      const device = as(tokenFor(1001, { claims: { session_id: current } }));

      expect(await device.revokeAllSessions(1001, { keepCurrent: true })).toEqual({ revoked: 3 });
      const left = await device.listUserSessions(1001);
      expect((left.items ?? []).map((s) => s.id)).toEqual([current]);

      expect(await as(tokenFor(1001)).revokeAllSessions(1001)).toEqual({ revoked: 1 });
      expect((await as(tokenFor(1001)).listUserSessions(1001)).total).toBe(0);
    });
  });

  describe('the auth platform (service token)', () => {
    it('records a sign-in, touches it and reads its status', async () => {
      const service = as(serviceToken());
      const created = await service.recordSignIn({
        user_id: 2002,
        username: 'bob',
        amr: ['pwd', 'otp'],
        ip: '198.51.100.4',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
        tenant_id: 'acme',
        idle_timeout_seconds: 600,
      });
      expect(created).toMatchObject({
        user_id: '2002',
        tenant_id: 'acme',
        ip: '198.51.100.4',
        amr: 'pwd,otp',
        status: 'active',
        device_type: 'desktop',
      });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      // Every member of dto.SessionResponse is optional in seed 001 (the service sends them all).
      const id = String(created.id);

      const listed = await as(tokenFor(2002)).listUserSessions(2002);
      expect((listed.items ?? []).map((s) => s.id)).toEqual([created.id]);

      const touched = await service.touch(id);
      expect(touched.id).toBe(created.id);
      expect(Date.parse(String(touched.last_active_at))).toBeGreaterThanOrEqual(
        Date.parse(String(created.last_active_at)),
      );
      expect(Date.parse(String(touched.idle_expires_at))).toBeLessThanOrEqual(
        Date.parse(String(touched.expires_at)),
      );

      expect(await service.sessionStatus(id)).toMatchObject({
        session_id: created.id,
        user_id: '2002',
        active: true,
        status: 'active',
      });
    });

    it('records a sign-in with a subject, which getUser lists (admin)', async () => {
      await as(serviceToken()).recordSignIn({
        user_id: 2003,
        username: 'cora',
        amr: ['pwd'],
        ip: '198.51.100.5',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
        subject: 'auth0|cora',
        issuer: 'https://idp.example.com/',
      });
      const user = await as(adminToken()).getUser(2003);
      expect(user).toMatchObject({
        user_id: 2003,
        username: 'cora',
        active_sessions: 1,
        subjects: [{ issuer: 'https://idp.example.com/', subject: 'auth0|cora' }],
      });
    });

    it('asks getToken for each request', async () => {
      let calls = 0;
      const client = createSessionsClient({
        baseUrl: url,
        getToken: () => {
          calls++;
          return Promise.resolve(serviceToken());
        },
      });
      await client.revocations({ limit: 1 });
      await client.revocations({ limit: 1 });
      expect(calls).toBe(2);
    });
  });

  describe('an admin', () => {
    it('pages through every active session with limit and next_cursor, and filters', async () => {
      await insertUser(t.dataSource, 1, 'carol');
      await insertUser(t.dataSource, 2, 'dave');
      const ids = [
        await insertSession(t.dataSource, { userId: 1, lastActiveOffset: -1 }),
        await insertSession(t.dataSource, { userId: 2, lastActiveOffset: -2 }),
        await insertSession(t.dataSource, { userId: 1, lastActiveOffset: -3 }),
      ];
      await insertSession(t.dataSource, { userId: 2, revoked: true });
      const admin = as(adminToken());

      const first = await admin.listAllSessions({ limit: 2 });
      expect(first.sessions.map((s) => s.session_id)).toEqual(ids.slice(0, 2));
      expect(first.sessions[0]).toMatchObject({
        user_id: 1,
        username: 'carol',
        is_active: true,
        auth_method: 'pwd',
      });
      expect(typeof first.next_cursor).toBe('string');
      const second = await admin.listAllSessions({ limit: 2, cursor: first.next_cursor ?? '' });
      expect(second.sessions.map((s) => s.session_id)).toEqual(ids.slice(2));
      expect(second.next_cursor).toBeNull();

      const all = await admin.listAllSessions();
      expect(all.total).toBe(3);
      expect(all.sessions.map((s) => s.session_id)).toEqual(ids);
      const dave = await admin.listAllSessions({ user_id: 2 });
      expect(dave.sessions.map((s) => s.session_id)).toEqual([ids[1]]);
    });
  });

  describe('errors become SessionsApiError with the Problem', () => {
    it("403 for another user's sessions (code 30240302)", async () => {
      await insertUser(t.dataSource, 1001);
      await insertUser(t.dataSource, 1002);
      const error = await rejection(as(tokenFor(1001)).listUserSessions(1002));
      expect(error.status).toBe(403);
      expect(error.code).toBe(30240302);
      expect(error.problem).toMatchObject({ status: 403, code: 30240302 });
      expect(error.type).toEqual(expect.any(String));
      expect(error.title).toEqual(expect.any(String));
      expect(error.requestId).toBe(error.response.headers.get('x-request-id'));
      expect(error.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(error.message).toContain('403');
    });

    it('403 for a token without the admin role', async () => {
      const error = await rejection(as(tokenFor(1001)).listAllSessions());
      expect(error.status).toBe(403);
    });

    it('400 naming each bad field in errors', async () => {
      await insertUser(t.dataSource, 1001);
      const error = await rejection(
        as(tokenFor(1001)).listUserSessions(1001, { page: 0, page_size: 1000 }),
      );
      expect(error.status).toBe(400);
      expect(error.code).toBe(30240001);
      expect(error.errors.map((e) => e.field).sort()).toEqual(['page', 'page_size']);

      const signIn = await rejection(
        as(serviceToken()).recordSignIn({
          user_id: 3,
          username: 'eve',
          amr: [],
          ip: 'not-an-ip',
          user_agent: 'UA',
        }),
      );
      expect(signIn.status).toBe(400);
      expect(signIn.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['amr', 'ip']));
    });

    it('401 without a token or with a bad one', async () => {
      const none = await rejection(createSessionsClient({ baseUrl: url }).listUserSessions(1001));
      expect(none.status).toBe(401);
      expect(none.code).toBe(30240101);
      expect(none.response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const expired = await rejection(
        as(tokenFor(1001, { expiresIn: -60 })).listUserSessions(1001),
      );
      expect(expired.problem).toMatchObject({ status: 401, code: 30240101 });
    });

    it('404 for a session that is not theirs', async () => {
      await insertUser(t.dataSource, 1001);
      await insertUser(t.dataSource, 1002);
      const other = await insertSession(t.dataSource, { userId: 1002 });
      const error = await rejection(as(tokenFor(1001)).revokeSession(1001, other));
      expect(error.status).toBe(404);
      expect((await as(tokenFor(1002)).listUserSessions(1002)).total).toBe(1);
    });
  });

  it('is generated from exactly the document the service serves', async () => {
    const served = await fetch(`${url}/docs-json`);
    expect(served.status).toBe(200);
    expect(stableJson(await served.json())).toBe(stableJson(await buildServedOpenApiDocument()));
  });
});

describe('@session-service/sessions-client when the service rate-limits', () => {
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    ({ t, url } = await listening({ RATE_LIMIT_USER_PER_MINUTE: '2' }));
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, 1001);
  });

  afterAll(() => t.close());

  it('throws 429 with retry_after', async () => {
    const client = createSessionsClient({ baseUrl: url, token: tokenFor(1001), retries: 0 });
    await client.listUserSessions(1001);
    await client.listUserSessions(1001);
    const error = await rejection(client.listUserSessions(1001));
    expect(error.status).toBe(429);
    expect(error.code).toBe(30242901);
    expect(error.retryAfter).toBeGreaterThan(0);
    expect(error.retryAfter).toBeLessThanOrEqual(60);
    expect(error.problem.retry_after).toBe(Number(error.response.headers.get('retry-after')));
  });
});
