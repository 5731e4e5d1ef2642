import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import type { App } from 'supertest/types';
import { insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, tokenFor } from './support/tokens';
import { pollUntil } from './support/wait';
import { testDatabaseUrl } from './support/test-database';

const httpOf = (t: TestApp): App => t.app.getHttpServer();

interface RawResponse {
  statusLine: string;
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

/** Sends `payload` on a fresh TCP connection and reads until the server closes it. */
function rawExchange(port: number, payload: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may answer and close before the whole payload is written (EPIPE/ECONNRESET):
    // what was received before that is the answer.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      if (chunks.length === 0) reject(new Error('connection closed without a response'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(payload);
  });
}

function parseRaw(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  const [statusLine, ...headerLines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const text = raw.slice(end + 4);
  const body: unknown = JSON.parse(text);
  return {
    statusLine,
    status: Number(/^HTTP\/1\.[01] (\d{3}) /.exec(statusLine)?.[1]),
    headers,
    text,
    body,
  };
}

/** The Retry-After header as whole seconds; asserts it is a positive integer equal to the body's. */
function expectRetryAfter(
  res: { headers: Record<string, string> },
  body: Record<string, unknown>,
): number {
  const header = res.headers['retry-after'];
  expect(header).toMatch(/^[1-9][0-9]*$/);
  const seconds = Number(header);
  expect(body.retry_after).toBe(seconds);
  return seconds;
}

const userList = (http: App, userId: number, token = tokenFor(userId)) =>
  request(http)
    .get(`/sessions/user/${userId}/sessions`)
    .set(...bearer(token));

describe('operations: routing, headers, metrics, tracing', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp();
    http = httpOf(t);
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, 1, 'ada');
    await insertUser(t.dataSource, 2, 'bob');
  });

  afterAll(() => t.close());

  describe('405 Method Not Allowed', () => {
    it('answers PUT on a GET route with 405 and an Allow header', async () => {
      const res = await request(http)
        .put('/api/sessions/all')
        .set(...bearer(adminToken()))
        .send({});
      const body = expectProblem(res, 405);
      expect(body).toMatchObject({ type: '/problems/method-not-allowed', code: 30240501 });
      const allow = res.headers.allow.split(/,\s*/);
      expect(allow).toEqual(expect.arrayContaining(['GET', 'HEAD']));
      expect(allow).not.toContain('PUT');
      expect(allow).toEqual([...allow].sort());
    });

    it('lists every method of the user sessions collection', async () => {
      const res = await request(http)
        .patch('/sessions/user/1/sessions')
        .set(...bearer(tokenFor(1)))
        .send({});
      const body = expectProblem(res, 405);
      expect(res.headers.allow).toBe('DELETE, GET, HEAD');
      expect(body.detail).toContain('PATCH');
    });

    it('keeps an unknown path a 404, without Allow', async () => {
      const res = await request(http).put('/no/such/resource/here');
      const body = expectProblem(res, 404);
      expect(body.type).toBe('/problems/route-not-found');
      expect(res.headers.allow).toBeUndefined();
    });
  });

  describe('requests Node rejects before routing', () => {
    let port: number;

    beforeAll(async () => {
      await t.app.listen(0, '127.0.0.1');
      port = (t.app.getHttpServer().address() as { port: number }).port;
    });

    it('answers over-long headers with a 431 Problem', async () => {
      const raw = await rawExchange(
        port,
        `GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`,
      );
      const res = parseRaw(raw);
      expect(res.statusLine).toMatch(/^HTTP\/1\.1 431 /);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      const body = expectProblem(res, 431);
      expect(body).toMatchObject({
        code: 30243101,
        type: '/problems/request-header-fields-too-large',
      });
    });

    it('answers a garbage request line with a 400 malformed-request Problem', async () => {
      const res = parseRaw(await rawExchange(port, 'GARBAGE\r\n\r\n'));
      expect(res.statusLine).toMatch(/^HTTP\/1\.1 400 /);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      const body = expectProblem(res, 400);
      expect(body).toMatchObject({ type: '/problems/malformed-request', code: 30240003 });
    });

    it('still serves normal requests on the same listener afterwards', async () => {
      const raw = await rawExchange(
        port,
        'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      );
      expect(raw).toMatch(/^HTTP\/1\.1 200 /);
      expect(raw).toContain('{"status":"ok"}');
    });
  });

  describe('security headers and Swagger UI', () => {
    it('sends helmet headers and no X-Powered-By', async () => {
      const res = await request(http).get('/health/live').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.headers['x-frame-options']).toBeDefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
      const problem = await request(http).get('/api/sessions/all');
      expectProblem(problem, 401);
      expect(problem.headers['x-content-type-options']).toBe('nosniff');
      expect(problem.headers['x-powered-by']).toBeUndefined();
    });

    it('serves Swagger UI whose scripts and stylesheets load same-origin under the CSP', async () => {
      const page = await request(http).get('/docs').expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const csp = page.headers['content-security-policy'];
      const directive = (name: string): string[] => {
        const found = csp
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .find(([key]) => key === name);
        return found ? found.slice(1) : directive('default-src');
      };
      expect(directive('script-src')).toContain("'self'");
      expect(directive('style-src')).toContain("'self'");

      const refs = [...page.text.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/g)].map(
        (m) => m[1],
      );
      const scripts = [...page.text.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/g)];
      const styles = [...page.text.matchAll(/<link\b[^>]*rel\s*=\s*["']stylesheet["'][^>]*>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      expect(styles.length).toBeGreaterThan(0);
      // Inline scripts would be blocked by script-src 'self': everything must be external.
      expect(page.text).not.toMatch(/<script\b(?![^>]*\bsrc=)[^>]*>\s*\S/);
      // The page's inline <style> blocks need 'unsafe-inline' in style-src.
      if (/<style\b/.test(page.text)) expect(directive('style-src')).toContain("'unsafe-inline'");

      const base = 'http://app.invalid/docs';
      const paths = new Set<string>();
      for (const ref of refs) {
        const url = new URL(ref, base);
        expect(url.origin).toBe('http://app.invalid'); // same-origin, as 'self' requires
        paths.add(url.pathname + url.search);
      }
      expect(paths.size).toBeGreaterThan(0);
      for (const path of paths) {
        const asset = await request(http).get(path);
        expect({ path, status: asset.status }).toEqual({ path, status: 200 });
        if (path.endsWith('.js')) {
          expect(asset.headers['content-type']).toMatch(/javascript/);
        }
        if (path.endsWith('.css')) expect(asset.headers['content-type']).toMatch(/text\/css/);
      }
    });
  });

  describe('metrics', () => {
    it('counts requests by route pattern and status, rejections, and pool usage', async () => {
      const unknown = `/nowhere-${randomUUID()}`;
      await userList(http, 1).expect(200);
      expectProblem(await request(http).get('/sessions/user/1/sessions'), 401);
      expectProblem(await userList(http, 2, tokenFor(1)), 403);
      expectProblem(await request(http).get(unknown), 404);
      // Refused tokens, counted by reason (never by token).
      const expired = tokenFor(1, { expiresIn: -60 });
      expectProblem(await userList(http, 1, expired), 401);
      expectProblem(await userList(http, 1, 'not-a-jwt'), 401);
      expectProblem(await userList(http, 1, `${tokenFor(1).slice(0, -4)}AAAA`), 401);

      const res = await request(http).get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const text = res.text;
      const route = '/sessions/user/:user_id/sessions';
      const count = (pattern: RegExp): number => {
        const match = pattern.exec(text);
        expect(match, `metrics line ${String(pattern)}`).not.toBeNull();
        return Number(match?.[1]);
      };
      const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      expect(
        count(
          new RegExp(
            `^http_requests_total\\{method="GET",route="${esc(route)}",status="200"\\} (\\d+)$`,
            'm',
          ),
        ),
      ).toBeGreaterThanOrEqual(1);
      expect(text).toMatch(
        new RegExp(`^http_request_duration_seconds_bucket\\{[^}]*route="${esc(route)}"`, 'm'),
      );
      expect(
        count(
          new RegExp(
            `^http_request_duration_seconds_count\\{method="GET",route="${esc(route)}",status="200"\\} (\\d+)$`,
            'm',
          ),
        ),
      ).toBeGreaterThanOrEqual(1);
      // The OpenTelemetry semantic conventions' names and labels.
      expect(
        count(
          new RegExp(
            `^http_server_request_duration_seconds_count\\{http_request_method="GET",http_route="${esc(route)}",http_response_status_code="200"\\} (\\d+)$`,
            'm',
          ),
        ),
      ).toBeGreaterThanOrEqual(1);
      expect(text).toMatch(
        new RegExp(
          `^http_server_request_duration_seconds_bucket\\{[^}]*http_route="${esc(route)}"`,
          'm',
        ),
      );
      for (const reason of ['expired', 'malformed', 'signature']) {
        expect(
          count(new RegExp(`^jwt_verify_failures_total\\{reason="${reason}"\\} (\\d+)$`, 'm')),
          reason,
        ).toBeGreaterThanOrEqual(1);
      }
      for (const reason of ['unknown_kid', 'claims', 'session']) {
        expect(text).toMatch(
          new RegExp(`^jwt_verify_failures_total\\{reason="${reason}"\\} \\d+$`, 'm'),
        );
      }
      expect(text).toMatch(/^jwks_fetches_total \d+$/m);
      expect(text).toMatch(/^jwks_fetch_failures_total \d+$/m);
      expect(text).not.toContain(expired);
      for (const status of ['401', '403']) {
        expect(
          count(
            new RegExp(
              `^http_rejections_total\\{route="${esc(route)}",status="${status}"\\} (\\d+)$`,
              'm',
            ),
          ),
        ).toBeGreaterThanOrEqual(1);
      }
      expect(text).not.toContain(unknown);
      expect(text).not.toContain('/sessions/user/1/sessions');
      expect(text).not.toContain('/sessions/user/2/sessions');
      for (const gauge of [
        'db_pool_connections_in_use',
        'db_pool_connections_idle',
        'db_pool_requests_waiting',
      ]) {
        expect(count(new RegExp(`^${gauge} (\\d+)$`, 'm'))).toBeGreaterThanOrEqual(0);
      }
      // The pool was used: it holds at least one connection, checked out or idle.
      const inUse = count(/^db_pool_connections_in_use (\d+)$/m);
      const idle = count(/^db_pool_connections_idle (\d+)$/m);
      expect(inUse + idle).toBeGreaterThanOrEqual(1);
      // An unmatched request is labelled by a fixed value, not by any route pattern.
      expect(
        count(/^http_requests_total\{method="GET",route="unmatched",status="404"\} (\d+)$/m),
      ).toBeGreaterThanOrEqual(1);
    });
  });

  describe('request context', () => {
    it('continues the caller trace from traceparent with a new span', async () => {
      const traceId = randomBytes(16).toString('hex');
      const parentId = randomBytes(8).toString('hex');
      const res = await request(http)
        .get('/api/sessions/all')
        .set('traceparent', `00-${traceId}-${parentId}-01`);
      const body = expectProblem(res, 401);
      expect(body.trace_id).toBe(traceId);
      expect(body.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(body.span_id).not.toBe(parentId);
    });

    it.each([
      ['no traceparent', undefined],
      ['a malformed traceparent', 'not-a-trace'],
      ['an all-zero trace id', `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`],
      ['version ff', `ff-${'a'.repeat(32)}-${'1'.repeat(16)}-01`],
    ])('starts a fresh trace for %s', async (_label, header) => {
      const req = request(http).get('/api/sessions/all');
      if (header !== undefined) req.set('traceparent', header);
      const body = expectProblem(await req, 401);
      expect(body.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(body.trace_id).not.toBe('0'.repeat(32));
      expect(body.trace_id).not.toBe('a'.repeat(32));
      expect(body.span_id).toMatch(/^[0-9a-f]{16}$/);
    });

    it('gives two requests without traceparent different trace ids', async () => {
      const a = expectProblem(await request(http).get('/api/sessions/all'), 401);
      const b = expectProblem(await request(http).get('/api/sessions/all'), 401);
      expect(a.trace_id).not.toBe(b.trace_id);
    });
  });

  describe('undecodable path segment', () => {
    it('answers 400 with a valid uri-reference instance', async () => {
      const res = await request(http)
        .get('/sessions/user/%zz/sessions')
        .set(...bearer(tokenFor(1)));
      const body = expectProblem(res, 400);
      expect(body.instance).toBe('/sessions/user/%25zz/sessions');
    });
  });
});

describe('rate limits', () => {
  describe('per IP (TRUST_PROXY=false)', () => {
    let t: TestApp;
    let http: App;

    beforeAll(async () => {
      t = await createTestApp({ RATE_LIMIT_IP_PER_MINUTE: '5' });
      http = httpOf(t);
    });

    afterAll(() => t.close());

    it('never limits /health/live and /metrics, nor counts them', async () => {
      for (let i = 0; i < 8; i++) {
        await request(http).get('/health/live').expect(200);
        await request(http).get('/metrics').expect(200);
      }
    });

    it('answers the 6th request in the window with 429 and Retry-After', async () => {
      for (let i = 0; i < 5; i++) {
        expectProblem(await request(http).get('/sessions/user/1/sessions'), 401);
      }
      const res = await request(http).get('/sessions/user/1/sessions');
      const body = expectProblem(res, 429);
      expect(body).toMatchObject({ type: '/problems/too-many-requests', code: 30242901 });
      const seconds = expectRetryAfter(res, body);
      expect(seconds).toBeLessThanOrEqual(60);
    });

    it('ignores X-Forwarded-For from an untrusted peer (no escape by spoofing)', async () => {
      for (let i = 1; i <= 3; i++) {
        const res = await request(http)
          .get('/sessions/user/1/sessions')
          .set('X-Forwarded-For', `203.0.113.${i}`);
        expectRetryAfter(res, expectProblem(res, 429));
      }
    });

    it('still answers /health/live and /metrics while the client is limited', async () => {
      await request(http).get('/health/live').expect(200, { status: 'ok' });
      const metrics = await request(http).get('/metrics').expect(200);
      expect(metrics.text).toMatch(
        /^http_rejections_total\{route="\/sessions\/user\/:user_id\/sessions",status="429"\} [1-9]/m,
      );
    });
  });

  describe('per IP behind a trusted proxy (TRUST_PROXY=loopback)', () => {
    let t: TestApp;
    let http: App;

    beforeAll(async () => {
      t = await createTestApp({ RATE_LIMIT_IP_PER_MINUTE: '5', TRUST_PROXY: 'loopback' });
      http = httpOf(t);
    });

    afterAll(() => t.close());

    it('counts each forwarded client address separately', async () => {
      const from = (ip: string) =>
        request(http).get('/sessions/user/1/sessions').set('X-Forwarded-For', ip);
      for (let i = 0; i < 5; i++) expectProblem(await from('198.51.100.1'), 401);
      const limited = await from('198.51.100.1');
      expectRetryAfter(limited, expectProblem(limited, 429));

      for (let i = 0; i < 5; i++) expectProblem(await from('198.51.100.2'), 401);
      const limitedToo = await from('198.51.100.2');
      expectProblem(limitedToo, 429);

      expectProblem(await from('198.51.100.3'), 401);
      // The first client stays limited.
      expectProblem(await from('198.51.100.1'), 429);
    });
  });

  describe('per user', () => {
    let t: TestApp;
    let http: App;

    beforeAll(async () => {
      t = await createTestApp({
        RATE_LIMIT_USER_PER_MINUTE: '3',
        RATE_LIMIT_IP_PER_MINUTE: '1000',
        TRUST_PROXY: 'loopback',
      });
      http = httpOf(t);
      await resetDatabase(t.dataSource);
      await insertUser(t.dataSource, 41, 'alice');
      await insertUser(t.dataSource, 42, 'brian');
    });

    afterAll(() => t.close());

    it('limits user A after 3 requests while user B is still served', async () => {
      for (let i = 0; i < 3; i++) await userList(http, 41).expect(200);
      const res = await userList(http, 41);
      const body = expectProblem(res, 429);
      expect(body.detail).toMatch(/user/);
      expectRetryAfter(res, body);

      for (let i = 0; i < 3; i++) await userList(http, 42).expect(200);
      expectProblem(await userList(http, 42), 429);
    });

    it('follows the user across client addresses', async () => {
      const res = await userList(http, 41).set('X-Forwarded-For', '192.0.2.77');
      expectRetryAfter(res, expectProblem(res, 429));
    });

    it('does not limit unauthenticated requests per user, nor health and metrics', async () => {
      for (let i = 0; i < 5; i++) {
        expectProblem(await request(http).get('/sessions/user/41/sessions'), 401);
        await request(http).get('/health/live').expect(200);
        await request(http).get('/metrics').expect(200);
      }
    });
  });
});

describe('health while PostgreSQL goes away and comes back', () => {
  let proxy: TcpProxy;
  let t: TestApp | undefined;
  let http: App;

  beforeAll(async () => {
    const target = new URL(testDatabaseUrl());
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    t = await createTestApp({
      DATABASE_URL: proxy.rewrite(target.toString()),
      DATABASE_CONNECT_TIMEOUT_MS: '500',
    });
    http = httpOf(t);
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, 51, 'carol');
  });

  afterAll(async () => {
    await proxy.cut().catch(() => undefined);
    await t?.close().catch(() => undefined);
  });

  it('reports live and ready, then not-ready (fail closed) while down, then ready again', async () => {
    await request(http).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(http).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok' });
    await userList(http, 51).expect(200);

    await proxy.cut();

    // Liveness never touches the database.
    const liveStarted = Date.now();
    await request(http).get('/health/live').expect(200, { status: 'ok' });
    expect(Date.now() - liveStarted).toBeLessThan(500);

    const notReady = await pollUntil(
      () => request(http).get('/health/ready'),
      (r) => r.status !== 200,
      5000,
      'readiness to fail',
    );
    const notReadyBody = expectProblem(notReady, 503);
    expect(notReadyBody).toMatchObject({ type: '/problems/not-ready', code: 30250302 });
    expectRetryAfter(notReady, notReadyBody);

    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await userList(http, 51);
      expect(Date.now() - started).toBeLessThan(2000);
      const body = expectProblem(res, 503);
      expectRetryAfter(res, body);
    }
    await request(http).get('/health/live').expect(200, { status: 'ok' });

    await proxy.start();
    await pollUntil(
      () => request(http).get('/health/ready'),
      (r) => r.status === 200,
      10_000,
      'readiness to recover',
    );
    await pollUntil(
      () => userList(http, 51),
      (r) => r.status === 200,
      5000,
      'sessions to be served again',
    );
  });
});

describe('connection pool exhaustion', () => {
  let t: TestApp;
  let http: App;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await createTestApp({
      DATABASE_POOL_SIZE: '2',
      DATABASE_CONNECT_TIMEOUT_MS: '500',
      DATABASE_STATEMENT_TIMEOUT_MS: '3000',
      DATABASE_QUERY_TIMEOUT_MS: '3500',
    });
    http = httpOf(t);
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, 61, 'dora');
  });

  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await t.close();
  });

  const newClient = async (): Promise<Client> => {
    const client = new Client({ connectionString: testDatabaseUrl() });
    clients.push(client);
    await client.connect();
    return client;
  };

  it('answers 503 with Retry-After fast when every connection is blocked, and recovers', async () => {
    await userList(http, 61).expect(200);

    const locker = await newClient();
    // Outside the locker's transaction: pg_stat_activity is a per-transaction snapshot.
    const observer = await newClient();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE session_service.sessions IN ACCESS EXCLUSIVE MODE');

    // Start both (a supertest request runs once it is awaited or then-ed).
    const blocked = [userList(http, 61).then((r) => r), userList(http, 61).then((r) => r)];
    const lockWaiters = () =>
      observer
        .query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = $1
              AND wait_event_type = 'Lock'`,
          [t.config.serviceName],
        )
        .then((r) => r.rows[0].n);
    await pollUntil(lockWaiters, (n) => n >= 2, 2500, 'two requests blocked on the lock');

    const started = Date.now();
    const res = await userList(http, 61);
    const elapsed = Date.now() - started;
    const body = expectProblem(res, 503);
    expect(body.type).toBe('/problems/database-unavailable');
    expectRetryAfter(res, body);
    expect(elapsed).toBeLessThan(2000);

    await locker.query('ROLLBACK');
    const finished = await Promise.all(blocked);
    for (const r of finished) {
      expect([200, 503]).toContain(r.status);
      if (r.status === 503) expectProblem(r, 503);
    }
    await userList(http, 61).expect(200);
  });
});

describe('rate limit budgets span routes', () => {
  it('counts one budget per client IP across every route', async () => {
    const t = await createTestApp({ RATE_LIMIT_IP_PER_MINUTE: '3' });
    try {
      const http = t.app.getHttpServer() as App;
      const statuses: number[] = [];
      for (const path of [
        '/sessions/user/1/sessions',
        '/api/sessions/all',
        '/api/sessions/revocations',
        '/api/sessions/all',
      ]) {
        statuses.push((await request(http).get(path)).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });

  it('counts one budget per user across every route', async () => {
    const t = await createTestApp({ RATE_LIMIT_USER_PER_MINUTE: '2' });
    try {
      const http = t.app.getHttpServer() as App;
      const token = adminToken(77);
      const statuses: number[] = [];
      for (const path of [
        '/api/sessions/all?limit=1',
        '/api/sessions/revocations',
        '/api/sessions/all?limit=1',
      ]) {
        statuses.push(
          (
            await request(http)
              .get(path)
              .set(...bearer(token))
          ).status,
        );
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await t.close();
    }
  });
});
