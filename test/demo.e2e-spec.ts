import request from 'supertest';
import { startService, type RunningService } from '../apps/session-service/src/bootstrap';
import { expectSchema } from './support/schemas';

/**
 * The README's first command: no DATABASE_URL and no JWT key outside
 * production means an embedded PostgreSQL, demo data and printed tokens.
 */
describe('demo mode (embedded PostgreSQL, printed tokens)', () => {
  let service: RunningService;
  let printed = '';

  beforeAll(async () => {
    service = await startService(
      {
        NODE_ENV: 'development',
        PORT: '0',
        HOST: '127.0.0.1',
        EMBEDDED_DB_DIR: 'memory://',
        LOG_LEVEL: 'silent',
        SHUTDOWN_DRAIN_MS: '0',
      },
      (text) => (printed += text),
    );
  });

  afterAll(() => service.app.close());

  const printedToken = (name: string): string => {
    const match = new RegExp(`^${name}=(\\S+)$`, 'm').exec(printed);
    if (!match) throw new Error(`${name} not printed:\n${printed}`);
    return match[1];
  };

  it('prints an admin token, a user token and the docs URL', () => {
    // HOST=127.0.0.1: the address printed is the one the service is bound to.
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed).toContain(`${service.url}/docs`);
    expect(printedToken('ADMIN_TOKEN')).toBe(service.demo?.adminToken);
    expect(printedToken('USER_TOKEN')).toBe(service.demo?.userToken);
  });

  it('the printed admin token lists the demo sessions', async () => {
    const res = await request(service.url)
      .get('/api/sessions/all')
      .set('Authorization', `Bearer ${printedToken('ADMIN_TOKEN')}`)
      .expect(200);
    expectSchema('adminSessionList', res.body);
    expect(res.body.total).toBeGreaterThanOrEqual(3);
  });

  it("the printed user token lists that user's sessions", async () => {
    const res = await request(service.url)
      .get('/sessions/user/1001/sessions')
      .set('Authorization', `Bearer ${printedToken('USER_TOKEN')}`)
      .expect(200);
    expectSchema('sessionListResponse', res.body);
    expect(res.body.items.length).toBeGreaterThan(0);
    expect(res.body.items.every((s: { user_id: string }) => s.user_id === '1001')).toBe(true);
  });

  it("prints SESSION_ID, another user's active session the README's admin example ends", async () => {
    const sessionId = printedToken('SESSION_ID');
    expect(sessionId).toBe(service.demo?.sessionId);
    const admin = ['Authorization', `Bearer ${printedToken('ADMIN_TOKEN')}`] as const;
    const before = await request(service.url)
      .get(`/api/sessions/${sessionId}`)
      .set(...admin)
      .expect(200);
    expect(before.body).toMatchObject({ user_id: 1002, status: 'active' });

    await request(service.url)
      .delete(`/api/sessions/${sessionId}?reason=stolen%20laptop`)
      .set(...admin)
      .expect(204);
    // The user token is alice's: ending bob's session leaves it working.
    await request(service.url)
      .get('/sessions/user/1001/sessions')
      .set('Authorization', `Bearer ${printedToken('USER_TOKEN')}`)
      .expect(200);
  });
});
