import { randomUUID } from 'node:crypto';
import { get, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationConfig } from '@nestjs/core';
import Redis from 'ioredis';
import request from 'supertest';
import type { App } from 'supertest/types';
import { insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { bearer, serviceToken, tokenFor } from './support/tokens';
import { pollUntil } from './support/wait';

/** The Redis the shared-budget specs use (shared with other runs: each spec uses a key prefix of its own). */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const httpOf = (t: TestApp): App => t.app.getHttpServer();

interface PolicyItem {
  name: string;
  params: Record<string, number>;
}

/**
 * Parses a RateLimit or RateLimit-Policy field (a Structured Fields List of
 * String items with integer parameters), failing on anything else.
 */
function parseList(value: string | undefined): PolicyItem[] {
  expect(value, 'rate-limit field').toBeDefined();
  // The shape the OpenAPI document states (components.headers).
  expect(value).toMatch(/^"ip";[qr]=\d+;[wt]=\d+(, "user";[qr]=\d+;[wt]=\d+)?$/);
  return value!.split(/\s*,\s*/).map((member) => {
    expect(member).toMatch(/^"[a-z]+"(;[a-z]+=\d+)+$/);
    const [name, ...params] = member.split(';');
    return {
      name: JSON.parse(name) as string,
      params: Object.fromEntries(
        params.map((p) => {
          const [key, number] = p.split('=');
          return [key, Number(number)];
        }),
      ),
    };
  });
}

function expectNoLegacyHeaders(headers: Record<string, string>): void {
  expect(Object.keys(headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
}

describe('rate-limit header fields (draft-ietf-httpapi-ratelimit-headers)', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_IP_PER_MINUTE: '5',
      RATE_LIMIT_USER_PER_MINUTE: '3',
      TRUST_PROXY: 'loopback',
    });
    http = httpOf(t);
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, 41, 'alice');
  });

  afterAll(() => t.close());

  it('states the per-IP policy and what is left of it on an unauthenticated answer', async () => {
    const from = () =>
      request(http).get('/sessions/user/41/sessions').set('X-Forwarded-For', '198.51.100.10');
    const first = await from();
    expectProblem(first, 401);
    expect(parseList(first.headers['ratelimit-policy'])).toEqual([
      { name: 'ip', params: { q: 5, w: 60 } },
    ]);
    const [ip] = parseList(first.headers.ratelimit);
    expect(ip.name).toBe('ip');
    expect(ip.params.r).toBe(4);
    expect(ip.params.t).toBeGreaterThanOrEqual(59);
    expect(ip.params.t).toBeLessThanOrEqual(60);
    expectNoLegacyHeaders(first.headers);

    const second = await from();
    expect(parseList(second.headers.ratelimit)[0].params.r).toBe(3);
  });

  it('runs the per-user limit inside the access guards, with no global interceptor', () => {
    expect(t.app.get(ApplicationConfig).getGlobalInterceptors()).toEqual([]);
  });

  it('adds the per-user policy once the caller is authenticated, also on a 400', async () => {
    const list = (query = '') =>
      request(http)
        .get(`/sessions/user/41/sessions${query}`)
        .set('X-Forwarded-For', '198.51.100.11')
        .set(...bearer(tokenFor(41)));
    const ok = await list().expect(200);
    expect(parseList(ok.headers['ratelimit-policy'])).toEqual([
      { name: 'ip', params: { q: 5, w: 60 } },
      { name: 'user', params: { q: 3, w: 60 } },
    ]);
    const [ip, user] = parseList(ok.headers.ratelimit);
    expect([ip.name, ip.params.r, user.name, user.params.r]).toEqual(['ip', 4, 'user', 2]);
    expect(user.params.t).toBeGreaterThanOrEqual(59);
    expectNoLegacyHeaders(ok.headers);

    const invalid = await list('?page_size=0');
    expectProblem(invalid, 400);
    const items = parseList(invalid.headers.ratelimit);
    expect(items.map((i) => [i.name, i.params.r])).toEqual([
      ['ip', 3],
      ['user', 1],
    ]);
  });

  it('answers past the limit with 429, Retry-After and RateLimit r=0 with the same wait', async () => {
    const from = () =>
      request(http).get('/api/sessions/all').set('X-Forwarded-For', '198.51.100.12');
    for (let i = 0; i < 5; i++) expectProblem(await from(), 401);
    const limited = await from();
    const body = expectProblem(limited, 429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(body.retry_after).toBe(retryAfter);
    const [ip] = parseList(limited.headers.ratelimit);
    expect(ip).toEqual({ name: 'ip', params: { r: 0, t: retryAfter } });
    expect(parseList(limited.headers['ratelimit-policy'])).toEqual([
      { name: 'ip', params: { q: 5, w: 60 } },
    ]);
    expectNoLegacyHeaders(limited.headers);
  });

  it('sends the fields on the revocation stream (Server-Sent Events) too', async () => {
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const headers = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      const req = get(
        {
          host: '127.0.0.1',
          port,
          path: '/api/sessions/revocations/stream',
          headers: {
            Accept: 'text/event-stream',
            Authorization: `Bearer ${serviceToken(43)}`,
            'X-Forwarded-For': '198.51.100.13',
          },
        },
        (res) => {
          expect(res.statusCode).toBe(200);
          resolve(res.headers);
          req.destroy();
        },
      );
      req.on('error', reject);
    });
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    expect(parseList(headers['ratelimit-policy'] as string).map((i) => i.name)).toEqual([
      'ip',
      'user',
    ]);
    expect(parseList(headers.ratelimit as string).map((i) => i.params.r)).toEqual([4, 2]);
  });

  it('sends no rate-limit fields on the probes and metrics, which are not limited', async () => {
    for (const path of ['/health/live', '/metrics']) {
      const res = await request(http).get(path).expect(200);
      expect(res.headers.ratelimit).toBeUndefined();
      expect(res.headers['ratelimit-policy']).toBeUndefined();
    }
  });
});

describe('rate limits shared through Redis (REDIS_URL)', () => {
  const prefix = `test-ratelimit-${randomUUID()}:`;
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    const env = {
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_IP_PER_MINUTE: '4',
      RATE_LIMIT_USER_PER_MINUTE: '3',
      TRUST_PROXY: 'loopback',
    };
    a = await createTestApp(env);
    b = await createTestApp(env);
    await resetDatabase(a.dataSource);
    await insertUser(a.dataSource, 71, 'erin');
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await a.close();
    await b.close();
  });

  it('enforces one per-IP budget across two instances', async () => {
    const remaining: number[] = [];
    for (const t of [a, b, a, b]) {
      const res = await request(httpOf(t))
        .get('/api/sessions/all')
        .set('X-Forwarded-For', '198.51.100.40');
      expectProblem(res, 401);
      remaining.push(parseList(res.headers.ratelimit)[0].params.r);
    }
    expect(remaining).toEqual([3, 2, 1, 0]);
    for (const t of [a, b]) {
      const res = await request(httpOf(t))
        .get('/api/sessions/all')
        .set('X-Forwarded-For', '198.51.100.40');
      const body = expectProblem(res, 429);
      expect(body.retry_after).toBe(Number(res.headers['retry-after']));
    }
    expect(await redis.keys(`${prefix}*`)).not.toEqual([]);
  });

  it('enforces one per-user budget across two instances', async () => {
    const token = tokenFor(71);
    const list = (t: TestApp, ip: string) =>
      request(httpOf(t))
        .get('/sessions/user/71/sessions')
        .set(...bearer(token))
        .set('X-Forwarded-For', ip);
    const remaining: number[] = [];
    for (const [t, ip] of [
      [a, '192.0.2.1'],
      [b, '192.0.2.2'],
      [a, '192.0.2.3'],
    ] as const) {
      const res = await list(t, ip).expect(200);
      const [ipItem, user] = parseList(res.headers.ratelimit);
      expect(ipItem.params.r).toBe(3);
      remaining.push(user.params.r);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const limited = await list(b, '192.0.2.4');
    expectProblem(limited, 429);
    expect(parseList(limited.headers.ratelimit)[1]).toMatchObject({
      name: 'user',
      params: { r: 0 },
    });
  });
});

describe('rate limits when Redis cannot be reached (fail open to per-instance counters)', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp({
      // Nothing listens on port 1.
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_KEY_PREFIX: `test-ratelimit-${randomUUID()}:`,
      RATE_LIMIT_IP_PER_MINUTE: '3',
    });
    http = httpOf(t);
  });

  afterAll(() => t.close());

  it('keeps answering, still limits per instance, and counts the store errors', async () => {
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await request(http).get('/api/sessions/all');
      expect(Date.now() - started).toBeLessThan(1000);
      expectProblem(res, 401);
      expect(parseList(res.headers.ratelimit)[0].params.r).toBe(2 - i);
    }
    expectProblem(await request(http).get('/api/sessions/all'), 429);
    const metrics = await request(http).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^rate_limit_store_errors_total [1-9]\d*$/m);
  });
});

describe('rate limits while Redis goes away and comes back', () => {
  const prefix = `test-ratelimit-${randomUUID()}:`;
  let proxy: TcpProxy;
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    const target = new URL(REDIS_URL);
    proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
    await proxy.start();
    t = await createTestApp({
      REDIS_URL: proxy.rewrite(REDIS_URL),
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_IP_PER_MINUTE: '100',
      TRUST_PROXY: 'loopback',
    });
    http = httpOf(t);
  });

  afterAll(async () => {
    await proxy.cut().catch(() => undefined);
    await t.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('counts in memory while Redis is cut off, then in Redis again', async () => {
    const hit = async (): Promise<number> => {
      const res = await request(http)
        .get('/api/sessions/all')
        .set('X-Forwarded-For', '198.51.100.50');
      expectProblem(res, 401);
      return parseList(res.headers.ratelimit)[0].params.r;
    };
    for (let i = 0; i < 30; i++) await hit();
    expect(await hit()).toBe(69);

    await proxy.cut();
    const started = Date.now();
    // This instance's own counter starts afresh: the request is served, not refused.
    expect(await hit()).toBe(99);
    expect(Date.now() - started).toBeLessThan(1000);
    const metrics = await request(http).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^rate_limit_store_errors_total [1-9]\d*$/m);

    await proxy.start();
    // Back on the shared counter, which kept the 31 hits (memory alone would stay above 80).
    await pollUntil(hit, (remaining) => remaining < 69, 8000, 'the Redis counter', 300);
  });
});
