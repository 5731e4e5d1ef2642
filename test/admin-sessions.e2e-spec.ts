import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem, expectSchema } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';

describe('GET /api/sessions/all', () => {
  let t: TestApp;
  let http: App;
  const active: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, 11, 'alice');
    await insertUser(t.dataSource, 12, 'bob');
    await insertUser(t.dataSource, 13, 'carol');
    active.push(
      await insertSession(t.dataSource, {
        userId: 11,
        lastActiveOffset: -10,
        amr: ['otp', 'pwd'],
        ip: '203.0.113.5',
      }),
      await insertSession(t.dataSource, { userId: 12, lastActiveOffset: -20, ip: '2001:db8::7' }),
      await insertSession(t.dataSource, { userId: 11, lastActiveOffset: -30 }),
    );
    await insertSession(t.dataSource, { userId: 13, revoked: true });
    await insertSession(t.dataSource, { userId: 13, expiresOffset: -5, idleExpiresOffset: -5 });
    await insertSession(t.dataSource, { userId: 12, idleExpiresOffset: -5 });
  });

  afterAll(() => t.close());

  it('lists every active session, and only those, in the seed shape', async () => {
    const res = await request(http)
      .get('/api/sessions/all')
      .set(...bearer(adminToken()))
      .expect(200);
    expectSchema('adminSessionList', res.body);
    expect(res.body.total).toBe(3);
    expect(res.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual(active);
    expect(res.body.sessions[0]).toMatchObject({
      session_id: active[0],
      user_id: 11,
      ip_address: '203.0.113.5',
      auth_method: 'otp',
      is_active: true,
      username: 'alice',
    });
    expect(res.body.sessions[1]).toMatchObject({
      user_id: 12,
      username: 'bob',
      ip_address: '2001:db8::7',
    });
  });

  it('reflects a username change at the next sign-in', async () => {
    await request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send({
        user_id: 12,
        username: 'robert',
        amr: ['pwd'],
        ip: '192.0.2.9',
        user_agent: 'curl/8.5.0',
      })
      .expect(201);
    const res = await request(http)
      .get('/api/sessions/all')
      .set(...bearer(adminToken()))
      .expect(200);
    const names = new Set(
      res.body.sessions
        .filter((s: { user_id: number }) => s.user_id === 12)
        .map((s: { username: string }) => s.username),
    );
    expect([...names]).toEqual(['robert']);
    expect(res.body.total).toBe(res.body.sessions.length);
  });

  it('answers an empty list with total 0', async () => {
    await resetDatabase(t.dataSource);
    const res = await request(http)
      .get('/api/sessions/all')
      .set(...bearer(adminToken()))
      .expect(200);
    expectSchema('adminSessionList', res.body);
    expect(res.body).toEqual({ sessions: [], total: 0 });
  });

  it('401 without a token, with a Bearer challenge', async () => {
    const res = await request(http).get('/api/sessions/all');
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="session-service"');
  });

  it('401 with an expired admin token', async () => {
    const res = await request(http)
      .get('/api/sessions/all')
      .set(...bearer(tokenFor(1, { roles: ['admin'], expiresIn: -30 })));
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it.each([
    ['no roles', tokenFor(11)],
    ['the service role', serviceToken()],
    ['a role that only looks like admin', tokenFor(11, { roles: ['Admin', 'administrator'] })],
    ['admin in another claim', tokenFor(11, { claims: { role: 'admin', scope: 'admin' } })],
  ])('403 for a token with %s', async (_name, token) => {
    const body = expectProblem(
      await request(http)
        .get('/api/sessions/all')
        .set(...bearer(token)),
      403,
    );
    expect(body.code).toBe(30240303);
  });
});

describe('roles from a configured claim', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      JWT_ROLES_CLAIM: 'realm_access.roles',
      JWT_ADMIN_ROLE: 'session-admin',
    });
  });

  afterAll(() => t.close());

  it('reads the admin role from a nested claim such as Keycloak realm roles', async () => {
    const http = t.app.getHttpServer() as App;
    const keycloakStyle = tokenFor(1, { claims: { realm_access: { roles: ['session-admin'] } } });
    await request(http)
      .get('/api/sessions/all')
      .set(...bearer(keycloakStyle))
      .expect(200);
    expectProblem(
      await request(http)
        .get('/api/sessions/all')
        .set(...bearer(adminToken())),
      403,
    );
  });
});
