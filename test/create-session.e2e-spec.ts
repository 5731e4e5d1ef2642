import request from 'supertest';
import type { App } from 'supertest/types';
import { expectProblem, expectSchema } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const WINDOWS_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

const valid = (overrides: Record<string, unknown> = {}) => ({
  user_id: 501,
  username: 'dora',
  amr: ['password', 'totp'],
  ip: '198.51.100.4',
  user_agent: WINDOWS_CHROME,
  ...overrides,
});

describe('POST /api/sessions', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp({
      SESSION_MAX_ABSOLUTE_TTL_SECONDS: '86400',
      SESSION_MAX_IDLE_TIMEOUT_SECONDS: '7200',
    });
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
  });

  afterAll(() => t.close());

  const post = (body: unknown, token = serviceToken()) =>
    request(http)
      .post('/api/sessions')
      .set(...bearer(token))
      .send(body as object);

  it("lists a recorded session on the user's page byte for byte as the sign-in answered it", async () => {
    const answers = [
      await post(
        valid({
          user_id: 502,
          tenant_id: 'tnt_1',
          device_id: 'dev_"quoted"\\',
          geoip: 'Zürich, CH 🏔',
          ip: '2001:db8::7',
          amr: ['pwd', 'otp', 'hwk'],
          user_agent: 'agent\twith "quotes", a backslash \\ and </script>',
        }),
      ).expect(201),
      await post(valid({ user_id: 502, amr: ['pwd'], ip: '::ffff:192.0.2.9' })).expect(201),
    ];
    const page = await request(http)
      .get('/sessions/user/502/sessions')
      .set(...bearer(tokenFor(502)))
      .expect(200);
    expect(page.headers['content-type']).toBe('application/json; charset=utf-8');
    for (const answer of answers) expect(page.text).toContain(answer.text);
    expect((page.body as { items: unknown[] }).items).toEqual(
      answers.map((a) => a.body as unknown).reverse(),
    );
  });

  it('records a sign-in and answers 201 with a dto.SessionResponse', async () => {
    const res = await post(
      valid({ tenant_id: 'tnt_1', device_id: 'dev_1', geoip: 'Oslo, NO' }),
    ).expect(201);
    expectSchema('sessionListResponse', {
      code: 0,
      message: 'success',
      items: [res.body],
      pagination: {
        page: 1,
        page_size: 1,
        total: 1,
        total_pages: 1,
        has_next: false,
        has_prev: false,
      },
      total: 1,
      timestamp: new Date().toISOString(),
    });
    expect(res.body).toMatchObject({
      user_id: '501',
      tenant_id: 'tnt_1',
      device_id: 'dev_1',
      geoip: 'Oslo, NO',
      device_type: 'desktop',
      ip: '198.51.100.4',
      // Sent as password, totp: stored under their RFC 8176 names.
      amr: 'pwd,otp',
      status: 'active',
    });
    const created = Date.parse(res.body.created_at);
    expect(Date.parse(res.body.expires_at) - created).toBe(12 * 3600 * 1000);
    expect(Date.parse(res.body.idle_expires_at) - created).toBe(30 * 60 * 1000);

    const list = await request(http)
      .get('/sessions/user/501/sessions')
      .set(...bearer(tokenFor(501)))
      .expect(200);
    expect(list.body.items.map((s: { id: string }) => s.id)).toContain(res.body.id);
  });

  it('accepts the admin role as well as the service role', async () => {
    await post(valid(), adminToken()).expect(201);
  });

  it('derives the device type from the user agent, unless given', async () => {
    expect((await post(valid({ user_agent: IPHONE })).expect(201)).body.device_type).toBe('mobile');
    expect(
      (await post(valid({ user_agent: IPHONE, device_type: 'tablet' })).expect(201)).body
        .device_type,
    ).toBe('tablet');
  });

  it('applies per-session lifetimes within the configured bounds, idle never past absolute', async () => {
    const res = await post(valid({ ttl_seconds: 600, idle_timeout_seconds: 3600 })).expect(201);
    const created = Date.parse(res.body.created_at);
    expect(Date.parse(res.body.expires_at) - created).toBe(600_000);
    expect(res.body.idle_expires_at).toBe(res.body.expires_at);
  });

  it('creates the user, then renames it on a later sign-in', async () => {
    await post(valid({ user_id: 777, username: 'first' })).expect(201);
    await post(valid({ user_id: 777, username: 'second' })).expect(201);
    const [user] = await t.dataSource.query(
      'SELECT username FROM session_service.users WHERE id = 777',
    );
    expect(user.username).toBe('second');
  });

  describe('400 names each bad field', () => {
    it.each([
      [{ user_id: 0 }, 'user_id'],
      [{ user_id: -3 }, 'user_id'],
      [{ user_id: 1.5 }, 'user_id'],
      [{ user_id: '12' }, 'user_id'],
      [{ user_id: 2 ** 53 }, 'user_id'],
      [{ username: '' }, 'username'],
      [{ username: 'x'.repeat(256) }, 'username'],
      [{ amr: [] }, 'amr'],
      [{ amr: 'pwd' }, 'amr'],
      [{ amr: ['pwd', 'pwd'] }, 'amr'],
      [{ amr: ['pwd', 'carrier-pigeon'] }, 'amr'],
      [{ ip: '999.1.1.1' }, 'ip'],
      [{ ip: 'localhost' }, 'ip'],
      [{ user_agent: 42 }, 'user_agent'],
      [{ device_type: 'spaceship' }, 'device_type'],
      [{ tenant_id: 'x'.repeat(129) }, 'tenant_id'],
      [{ ttl_seconds: 59 }, 'ttl_seconds'],
      [{ ttl_seconds: 86401 }, 'ttl_seconds'],
      [{ ttl_seconds: '600' }, 'ttl_seconds'],
      [{ idle_timeout_seconds: 7201 }, 'idle_timeout_seconds'],
    ])('%j -> %s', async (override, field) => {
      const body = expectProblem(await post(valid(override)), 400);
      expect((body.errors as { field: string }[]).map((e) => e.field)).toEqual([field]);
    });

    it('names every missing required field', async () => {
      const body = expectProblem(await post({}), 400);
      expect((body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(
        ['amr', 'ip', 'user_agent', 'user_id', 'username'].sort(),
      );
    });

    it('rejects a body that is not JSON', async () => {
      const res = await request(http)
        .post('/api/sessions')
        .set(...bearer(serviceToken()))
        .set('Content-Type', 'application/json')
        .send('{"user_id": 5,');
      const body = expectProblem(res, 400);
      expect(body.code).toBe(30240002);
    });

    it('writes nothing when the request is refused', async () => {
      await post(valid({ user_id: 888, ttl_seconds: 1 })).expect(400);
      const rows = await t.dataSource.query('SELECT 1 FROM session_service.users WHERE id = 888');
      expect(rows).toHaveLength(0);
    });
  });

  it('401 without a token', async () => {
    expectProblem(await request(http).post('/api/sessions').send(valid()), 401);
  });

  it('403 for a user token: users cannot mint sessions', async () => {
    const body = expectProblem(await post(valid({ user_id: 501 }), tokenFor(501)), 403);
    expect(body.code).toBe(30240303);
  });
});
