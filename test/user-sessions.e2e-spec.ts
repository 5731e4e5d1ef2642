import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem, expectSchema } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { bearer, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, tokenFor } from './support/tokens';

const ALICE = 1001;
const BOB = 1002;
const CAROL = 1003; // exists, no sessions
const GHOST = 4242; // has a valid token but no user row

describe('GET /sessions/user/{user_id}/sessions', () => {
  let t: TestApp;
  let http: App;
  const aliceSessions: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, ALICE, 'alice');
    await insertUser(t.dataSource, BOB, 'bob');
    await insertUser(t.dataSource, CAROL, 'carol');
    // 25 active sessions for alice, last activity 1..25 minutes ago.
    for (let i = 1; i <= 25; i++) {
      aliceSessions.push(
        await insertSession(t.dataSource, {
          userId: ALICE,
          lastActiveOffset: -60 * i,
          amr: i === 1 ? ['password', 'totp'] : ['pwd'],
          tenantId: i === 1 ? 'tnt_xyz789' : null,
          deviceId: i === 1 ? 'dev_abc123' : null,
          geoip: i === 1 ? 'Beijing, CN' : null,
          ip: i === 1 ? '2001:db8::1' : '192.0.2.10',
        }),
      );
    }
    // Not active: revoked, absolute expiry passed, idle expiry passed.
    await insertSession(t.dataSource, { userId: ALICE, revoked: true, lastActiveOffset: 0 });
    await insertSession(t.dataSource, { userId: ALICE, expiresOffset: -1, idleExpiresOffset: -1 });
    await insertSession(t.dataSource, {
      userId: ALICE,
      idleExpiresOffset: -1,
      expiresOffset: 3600,
    });
    await insertSession(t.dataSource, { userId: BOB });
  });

  afterAll(() => t.close());

  const list = (userId: string | number, token: string, query = '') =>
    request(http)
      .get(`/sessions/user/${userId}/sessions${query}`)
      .set(...bearer(token));

  describe('200', () => {
    it('returns the first page with defaults, matching the seed schema', async () => {
      const res = await list(ALICE, tokenFor(ALICE)).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expectSchema('sessionListResponse', res.body);
      expect(res.body.code).toBe(0);
      expect(res.body.items).toHaveLength(20);
      expect(res.body.total).toBe(25);
      expect(res.body.pagination).toEqual({
        page: 1,
        page_size: 20,
        total: 25,
        total_pages: 2,
        has_next: true,
        has_prev: false,
      });
      expect(Date.parse(res.body.timestamp)).not.toBeNaN();
    });

    it('renders every field as the contract names it', async () => {
      const res = await list(ALICE, tokenFor(ALICE), '?page_size=1').expect(200);
      const [first] = res.body.items;
      expect(first).toMatchObject({
        id: aliceSessions[0],
        user_id: String(ALICE),
        tenant_id: 'tnt_xyz789',
        device_id: 'dev_abc123',
        device_type: 'desktop',
        ip: '2001:db8::1',
        geoip: 'Beijing, CN',
        amr: 'password,totp',
        status: 'active',
      });
      for (const field of [
        'created_at',
        'authenticated_at',
        'last_active_at',
        'idle_expires_at',
        'expires_at',
      ]) {
        expect(new Date(first[field]).toISOString()).toBe(first[field]);
      }
    });

    it("writes each timestamp as toISOString writes the driver's date: UTC, milliseconds truncated", async () => {
      await insertUser(t.dataSource, 2002, 'clock');
      const id = await insertSession(t.dataSource, { userId: 2002 });
      await t.dataSource.query(
        `UPDATE session_service.sessions
            SET created_at = '2026-04-15 10:00:00.123999+02',
                authenticated_at = '2026-04-15 10:00:00.999999+02',
                last_active_at = date_trunc('day', now()) + interval '0.0005 s',
                idle_expires_at = now() + interval '1 hour 0.000001 s',
                expires_at = '9999-12-31 23:59:59.9995+00'
          WHERE id = $1`,
        [id],
      );
      const [stored]: Record<string, Date>[] = await t.dataSource.query(
        `SELECT created_at, authenticated_at, last_active_at, idle_expires_at, expires_at
           FROM session_service.sessions WHERE id = $1`,
        [id],
      );
      const res = await list(2002, tokenFor(2002)).expect(200);
      const [item] = res.body.items;
      expect(item.id).toBe(id);
      expect(item.created_at).toBe('2026-04-15T08:00:00.123Z');
      expect(item.authenticated_at).toBe('2026-04-15T08:00:00.999Z');
      expect(item.expires_at).toBe('9999-12-31T23:59:59.999Z');
      for (const field of Object.keys(stored)) {
        expect(item[field]).toBe(stored[field].toISOString());
      }
    });

    it('orders by most recent activity and pages without gaps or repeats', async () => {
      const page1 = await list(ALICE, tokenFor(ALICE), '?page=1&page_size=10').expect(200);
      const page2 = await list(ALICE, tokenFor(ALICE), '?page=2&page_size=10').expect(200);
      const page3 = await list(ALICE, tokenFor(ALICE), '?page=3&page_size=10').expect(200);
      const ids = [...page1.body.items, ...page2.body.items, ...page3.body.items].map(
        (s: { id: string }) => s.id,
      );
      expect(ids).toEqual(aliceSessions);
      expect(page3.body.items).toHaveLength(5);
      expect(page3.body.pagination).toMatchObject({
        has_next: false,
        has_prev: true,
        total_pages: 3,
      });
      expect(page2.body.pagination).toMatchObject({ has_next: true, has_prev: true });
    });

    it('breaks ties in last activity by id, so paging stays stable', async () => {
      await insertUser(t.dataSource, 2001, 'tied');
      const tied: string[] = [];
      for (let i = 0; i < 6; i++)
        tied.push(await insertSession(t.dataSource, { userId: 2001, lastActiveOffset: -30 }));
      await t.dataSource.query(
        `UPDATE session_service.sessions SET last_active_at = date_trunc('second', now()) WHERE user_id = 2001`,
      );
      const seen: string[] = [];
      for (let page = 1; page <= 3; page++) {
        const res = await list(2001, tokenFor(2001), `?page=${page}&page_size=2`).expect(200);
        seen.push(...res.body.items.map((s: { id: string }) => s.id));
      }
      expect(seen).toEqual([...tied].sort().reverse());
    });

    it('shows only active sessions: revoked, expired and idle-expired ones are left out', async () => {
      const res = await list(ALICE, tokenFor(ALICE), '?page_size=100').expect(200);
      expect(res.body.total).toBe(25);
      expect(res.body.items.map((s: { id: string }) => s.id)).toEqual(aliceSessions);
      expect(res.body.items.every((s: { status: string }) => s.status === 'active')).toBe(true);
    });

    it('answers a page past the end with no items', async () => {
      const res = await list(ALICE, tokenFor(ALICE), '?page=9&page_size=10').expect(200);
      expectSchema('sessionListResponse', res.body);
      expect(res.body.items).toEqual([]);
      expect(res.body.pagination).toEqual({
        page: 9,
        page_size: 10,
        total: 25,
        total_pages: 3,
        has_next: false,
        has_prev: true,
      });
    });

    it('answers an existing user without sessions with an empty list', async () => {
      const res = await list(CAROL, tokenFor(CAROL)).expect(200);
      expect(res.body.items).toEqual([]);
      expect(res.body.pagination).toMatchObject({
        total: 0,
        total_pages: 0,
        has_next: false,
        has_prev: false,
      });
    });

    it('accepts the largest page size', async () => {
      const res = await list(ALICE, tokenFor(ALICE), '?page_size=100').expect(200);
      expect(res.body.pagination.page_size).toBe(100);
    });
  });

  describe('400', () => {
    it.each([
      ['?page=0', 'page'],
      ['?page=-1', 'page'],
      ['?page=1.5', 'page'],
      ['?page=abc', 'page'],
      ['?page=1e1', 'page'],
      ['?page=', 'page'],
      ['?page=1&page=2', 'page'],
      ['?page_size=0', 'page_size'],
      ['?page_size=101', 'page_size'],
      ['?page_size=2.5', 'page_size'],
      ['?page_size=ten', 'page_size'],
    ])('%s names %s', async (query, field) => {
      const res = await list(ALICE, tokenFor(ALICE), query);
      const body = expectProblem(res, 400);
      expect(body.errors).toEqual([expect.objectContaining({ field })]);
      expect(body.code).toBe(30240001);
    });

    it('answers a repeated parameter as given more than once', async () => {
      const res = await list(ALICE, tokenFor(ALICE), '?page=1&page=2');
      const body = expectProblem(res, 400);
      expect(body.errors).toEqual([
        expect.objectContaining({
          field: 'page',
          code: 'type',
          description: 'page must be given once',
        }),
      ]);
    });

    it('answers an integer too long for a number as out of range, echoing no value', async () => {
      const res = await list(ALICE, tokenFor(ALICE), '?page=99999999999999999999');
      const body = expectProblem(res, 400);
      expect(body.errors).toEqual([
        { field: 'page', code: 'range', description: 'page must be at most 1000000' },
      ]);
    });

    it('names every bad field at once', async () => {
      const res = await list(ALICE, tokenFor(ALICE), '?page=0&page_size=500');
      const body = expectProblem(res, 400);
      expect((body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
        'page',
        'page_size',
      ]);
    });

    it.each([
      'abc',
      '0',
      '-5',
      '01001',
      '1001.0',
      '1e3',
      '99999999999999999999',
      '%20' + ALICE,
      '%00',
    ])('rejects malformed user_id %s', async (userId) => {
      const res = await list(userId, tokenFor(ALICE));
      const body = expectProblem(res, 400);
      expect(body.errors).toEqual([expect.objectContaining({ field: 'user_id', code: 'format' })]);
    });
  });

  describe('401', () => {
    const key = createSecretKey(Buffer.from(TEST_JWT_SECRET));
    const base = { issuer: TEST_ISSUER, audience: TEST_AUDIENCE };
    const cases: [string, () => string | undefined][] = [
      ['a missing token', () => undefined],
      ['a malformed token', () => 'not.a.jwt'],
      ['an expired token', () => tokenFor(ALICE, { expiresIn: -60 })],
      ['a not-yet-valid token', () => tokenFor(ALICE, { sign: { notBefore: 3600 } })],
      [
        'a token signed with another secret',
        () => sign({ sub: String(ALICE) }, 'x'.repeat(40), { ...base, expiresIn: 60 }),
      ],
      [
        'an alg:none token',
        () =>
          sign({ sub: String(ALICE) }, null as unknown as string, {
            ...base,
            algorithm: 'none',
            expiresIn: 60,
          }),
      ],
      ['a token without sub', () => tokenFor(undefined)],
      ['a token whose sub is not a user id', () => tokenFor('usr_abc123')],
      [
        'a token without exp',
        () => sign({ sub: String(ALICE) }, key, { ...base, algorithm: 'HS256' }),
      ],
      [
        'a token from another issuer',
        () => tokenFor(ALICE, { sign: { issuer: 'https://evil.example' } }),
      ],
      [
        'a token for another audience',
        () => tokenFor(ALICE, { sign: { audience: 'other-service' } }),
      ],
      [
        'an RS256 token when HS256 is configured',
        () => {
          const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
          return sign({ sub: String(ALICE) }, privateKey, {
            ...base,
            algorithm: 'RS256',
            expiresIn: 60,
          });
        },
      ],
    ];

    it.each(cases)('rejects %s', async (_name, makeToken) => {
      const token = makeToken();
      const req = request(http).get(`/sessions/user/${ALICE}/sessions`);
      if (token !== undefined) req.set(...bearer(token));
      const res = await req;
      const body = expectProblem(res, 401);
      expect(body.code).toBe(30240101);
      expect(res.headers['www-authenticate']).toBe(
        token === undefined
          ? 'Bearer realm="session-service"'
          : 'Bearer realm="session-service", error="invalid_token"',
      );
    });

    it('does not read a token from the query string', async () => {
      const res = await request(http).get(
        `/sessions/user/${ALICE}/sessions?access_token=${tokenFor(ALICE)}`,
      );
      expectProblem(res, 401);
    });

    it('checks authentication before the path', async () => {
      expectProblem(await request(http).get('/sessions/user/abc/sessions'), 401);
    });
  });

  describe('403', () => {
    it("refuses another user's sessions, without saying whether they exist", async () => {
      const existing = await list(BOB, tokenFor(ALICE));
      const missing = await list(GHOST, tokenFor(ALICE));
      const a = expectProblem(existing, 403);
      const b = expectProblem(missing, 403);
      expect(a.code).toBe(30240302);
      expect(a.detail).toBe(b.detail);
      expect(JSON.stringify(existing.body)).not.toContain('bob');
    });

    it('refuses even an admin token for somebody else', async () => {
      expectProblem(await list(BOB, tokenFor(ALICE, { roles: ['admin'] })), 403);
    });
  });

  describe('404', () => {
    it("answers 404 when the token's own user does not exist", async () => {
      const body = expectProblem(await list(GHOST, tokenFor(GHOST)), 404);
      expect(body.code).toBe(30240401);
      expect(body.type).toBe('/problems/user-not-found');
    });
  });
});
