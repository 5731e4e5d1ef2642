/**
 * The opt-in modules of `@session-service/ops` in a host application on
 * Fastify (its own route, its own DataSource, the sessions library under
 * `/auth`): without them the host gets no rate-limit fields, no metrics and no
 * request log; with each, exactly what the module says, over real HTTP on
 * the run's PostgreSQL.
 */
import { createSecretKey } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  Controller,
  type ExecutionContext,
  Get,
  type DynamicModule,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { ApplicationConfig } from '@nestjs/core';
import { SkipThrottle, Throttle } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { type Counter, Registry } from 'prom-client';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import {
  MetricsModule,
  MetricsService,
  RateLimitModule,
  RateLimitStore,
  REQUEST_LOGGER,
  RequestLoggingModule,
} from '@session-service/ops';
import { ProblemModule, requestIdMiddleware } from '@session-service/problem';
import { SESSIONS_ENTITIES, SESSIONS_MIGRATIONS, SessionsModule } from '@session-service/sessions';
import { insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { bearer, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, tokenFor } from './support/tokens';
import { sleep } from './support/wait';

const USER = 501;
const USER_LIST = `/auth/sessions/user/${USER}/sessions`;
const USER_LIST_ROUTE = '/auth/sessions/user/:user_id/sessions';
const SECRET = 'query-secret-value-9313';

/** A route of the host's own. */
@Controller('host')
class HostController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }
}

/** The host without any ops module: Problems, the scheduler, its DataSource, the sessions library. */
const hostBasics = (): NonNullable<ModuleMetadata['imports']> => [
  // This host answers Problems on its own routes too (unknown ones, its 429s).
  ProblemModule.forRoot({ serviceName: 'auth-service', global: true }),
  ScheduleModule.forRoot(),
  TypeOrmModule.forRootAsync({
    useFactory: () => ({
      type: 'postgres' as const,
      url: process.env.TEST_DATABASE_URL,
      entities: SESSIONS_ENTITIES,
      migrations: SESSIONS_MIGRATIONS,
      migrationsRun: true,
    }),
  }),
  SessionsModule.forRoot({
    routePrefix: 'auth',
    auth: {
      verificationKey: createSecretKey(Buffer.from(TEST_JWT_SECRET)),
      algorithms: ['HS256'],
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
    },
    sweepIntervalMs: 0,
  }),
];

class HostModule {}

/** Host routes with limits of their own, as `@nestjs/throttler`'s decorators set them. */
@Controller('host/limited')
class LimitedController {
  @Get('free')
  @SkipThrottle({ ip: true })
  free(): { ok: true } {
    return { ok: true };
  }

  @Get('computed')
  @Throttle({ ip: { limit: (context: ExecutionContext) => context.getHandler().name.length } })
  computed(): { ok: true } {
    return { ok: true };
  }

  @Get('strict')
  @Throttle({ ip: { limit: 2, ttl: 30_000 } })
  strict(): { ok: true } {
    return { ok: true };
  }
}

async function startHost(
  ops: (DynamicModule | Promise<DynamicModule>)[],
  controllers: Type<unknown>[] = [HostController],
): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [{ module: HostModule, imports: [...hostBasics(), ...ops], controllers }],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: ['fatal'],
  });
  app.use(requestIdMiddleware);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const userList = (http: App) =>
  request(http)
    .get(USER_LIST)
    .set(...bearer(tokenFor(USER)));

function expectNoRateLimitFields(headers: Record<string, string>): void {
  expect(headers.ratelimit).toBeUndefined();
  expect(headers['ratelimit-policy']).toBeUndefined();
  expect(headers['retry-after']).toBeUndefined();
}

/** Lines written to a pino destination, parsed. */
function captureLines(): {
  destination: Writable;
  lines: Record<string, unknown>[];
  raw: string[];
} {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { destination, lines, raw };
}

beforeAll(async () => {
  const app = await startHost([]);
  const dataSource = app.get(DataSource);
  await dataSource.query(
    'TRUNCATE session_service.sessions, session_service.user_subjects, session_service.users, session_service.session_revocations',
  );
  await insertUser(dataSource, USER, 'olga');
  await app.close();
});

describe('a host importing none of the ops modules', () => {
  let app: NestFastifyApplication;
  let http: App;

  beforeAll(async () => {
    app = await startHost([]);
    http = app.getHttpServer();
  });

  afterAll(() => app.close());

  it('sends no rate-limit fields and never limits, on its own routes or the library’s', async () => {
    for (let i = 0; i < 3; i++) {
      expectNoRateLimitFields((await request(http).get('/host/ping').expect(200)).headers);
      expectNoRateLimitFields((await userList(http).expect(200)).headers);
    }
  });

  it('serves no metrics', async () => {
    expectProblem(await request(http).get('/metrics'), 404);
  });

  it('has none of their providers', () => {
    for (const token of [MetricsService, REQUEST_LOGGER, RateLimitStore]) {
      expect(() => app.get(token)).toThrow();
    }
  });
});

describe('a host importing the three modules, rate limits on the sessions library only', () => {
  let app: NestFastifyApplication;
  let http: App;
  const registry = new Registry();
  const log = captureLines();

  beforeAll(async () => {
    app = await startHost([
      RateLimitModule.forRootAsync({
        useFactory: () => ({ modules: [SessionsModule], ipLimit: 5, userLimit: 3 }),
      }),
      MetricsModule.forRootAsync({
        path: 'ops/metrics',
        inject: [DataSource],
        useFactory: (dataSource: DataSource) => ({ registry, dataSource, defaultMetrics: false }),
      }),
      RequestLoggingModule.forRoot({
        level: 'info',
        base: { service: 'auth-service' },
        destination: log.destination,
      }),
    ]);
    http = app.getHttpServer();
  });

  afterAll(() => app.close());

  it('runs the per-user limit in one global interceptor (the default placement)', () => {
    const interceptors = app.get(ApplicationConfig).getGlobalInterceptors();
    expect(interceptors.map((i) => i.constructor.name)).toEqual(['UserThrottlerInterceptor']);
  });

  it('states both policies on the library’s route, and answers 429 past the per-user limit', async () => {
    const first = await userList(http).expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"ip";q=5;w=60, "user";q=3;w=60');
    expect(first.headers.ratelimit).toMatch(/^"ip";r=4;t=(59|60), "user";r=2;t=(59|60)$/);
    await userList(http).expect(200);
    const third = await userList(http).expect(200);
    expect(third.headers.ratelimit).toMatch(/^"ip";r=2;t=\d+, "user";r=0;t=\d+$/);

    const limited = await userList(http);
    const body = expectProblem(limited, 429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(body).toMatchObject({ retry_after: retryAfter, service: 'auth-service' });
    expect(limited.headers.ratelimit).toMatch(new RegExp(`"user";r=0;t=${retryAfter}$`));
  });

  it('neither limits nor counts the host’s own route', async () => {
    for (let i = 0; i < 8; i++) {
      expectNoRateLimitFields(
        (await request(http).get(`/host/ping?access_token=${SECRET}`).expect(200)).headers,
      );
    }
    // The per-IP budget of the library's route was not spent by the host's requests.
    const res = await request(http).get(USER_LIST);
    expectProblem(res, 401);
    expect(res.headers.ratelimit).toMatch(/^"ip";r=0;t=\d+$/);
  });

  it('counts every request in the registry it was given and serves it at its path only', async () => {
    const requests = registry.getSingleMetric('http_requests_total') as Counter;
    const values = (await requests.get()).values;
    const count = (route: string, status: string) =>
      values.find((v) => v.labels.route === route && v.labels.status === status)?.value;
    expect(count('/host/ping', '200')).toBe(8);
    expect(count(USER_LIST_ROUTE, '200')).toBe(3);
    expect(count(USER_LIST_ROUTE, '429')).toBe(1);

    const scrape = await request(http).get('/ops/metrics').expect(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain/);
    expect(scrape.text).toContain(
      `http_rejections_total{route="${USER_LIST_ROUTE}",status="429"} 1`,
    );
    expect(scrape.text).toMatch(/^db_pool_connections_idle \d+$/m);
    // defaultMetrics: false
    expect(scrape.text).not.toContain('process_cpu_user_seconds_total');
    expectNoRateLimitFields(scrape.headers);
    expectProblem(await request(http).get('/metrics'), 404);
  });

  it('logs one line per request, without the query string, through the given destination', async () => {
    const res = await request(http).get(`/host/ping?access_token=${SECRET}&page=2`).expect(200);
    const requestId = String(res.headers['x-request-id']);
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = log.lines.find((l) => l.request_id === requestId);
      if (!line) await sleep(20);
    }
    expect(line).toMatchObject({
      level: 30,
      service: 'auth-service',
      msg: 'request completed',
      req: { method: 'GET', url: '/host/ping' },
      res: { status: 200 },
      route: '/host/ping',
    });
    const limited = log.lines.find((l) => (l.res as { status?: number })?.status === 429);
    expect(limited).toMatchObject({ level: 40, route: USER_LIST_ROUTE });
    expect(log.raw.join('\n')).not.toContain(SECRET);
  });

  it('redacts query strings in any line written through REQUEST_LOGGER', async () => {
    const logger = app.get<Logger>(REQUEST_LOGGER);
    logger.warn({ url: `/elsewhere?token=${SECRET}` }, `could not call /x?key=${SECRET}`);
    await sleep(20);
    const line = log.lines.at(-1);
    expect(line).toMatchObject({
      url: '/elsewhere?[redacted]',
      msg: 'could not call /x?[redacted]',
    });
    expect(log.raw.join('\n')).not.toContain(SECRET);
  });
});

describe('a host with the per-user limit inside the access guards', () => {
  let app: NestFastifyApplication;
  let http: App;

  beforeAll(async () => {
    app = await startHost([
      RateLimitModule.forRootAsync({
        useFactory: () => ({ modules: [SessionsModule], ipLimit: 50, userLimit: 2 }),
        userLimitIn: 'access-guards',
      }),
    ]);
    http = app.getHttpServer();
  });

  afterAll(() => app.close());

  it('registers no global interceptor', () => {
    expect(app.get(ApplicationConfig).getGlobalInterceptors()).toEqual([]);
  });

  it('counts each request once its access is granted, and answers 429 past the limit', async () => {
    const first = await userList(http).expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"ip";q=50;w=60, "user";q=2;w=60');
    expect(first.headers.ratelimit).toMatch(/^"ip";r=49;t=\d+, "user";r=1;t=\d+$/);
    // Another user's list: refused by the ownership check, so neither counted nor stated.
    const refused = await request(http)
      .get(`/auth/sessions/user/${USER + 1}/sessions`)
      .set(...bearer(tokenFor(USER)));
    expectProblem(refused, 403);
    expect(refused.headers.ratelimit).toMatch(/^"ip";r=48;t=\d+$/);
    const second = await userList(http).expect(200);
    expect(second.headers.ratelimit).toMatch(/^"ip";r=47;t=\d+, "user";r=0;t=\d+$/);
    const limited = await userList(http);
    const body = expectProblem(limited, 429);
    expect(body.retry_after).toBe(Number(limited.headers['retry-after']));
    expect(limited.headers.ratelimit).toMatch(/"user";r=0;t=\d+$/);
  });
});

describe('a host with global rate limits and the default metrics path', () => {
  let app: NestFastifyApplication;
  let http: App;

  beforeAll(async () => {
    app = await startHost([
      RateLimitModule.forRoot({ global: true, ipLimit: 2, userLimit: false }),
      MetricsModule.forRoot({}),
    ]);
    http = app.getHttpServer();
  });

  afterAll(() => app.close());

  it('limits the host’s own route too, with a 429 Problem past the limit', async () => {
    const first = await request(http).get('/host/ping').expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"ip";q=2;w=60');
    expect(first.headers.ratelimit).toMatch(/^"ip";r=1;t=\d+$/);
    await request(http).get('/host/ping').expect(200);
    const limited = await request(http).get('/host/ping');
    expectProblem(limited, 429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    // One budget across routes: the library's route is past it as well, with no per-user policy.
    const library = await userList(http);
    expectProblem(library, 429);
    expect(library.headers['ratelimit-policy']).toBe('"ip";q=2;w=60');
  });

  it('never limits /metrics, which counts the refusals', async () => {
    for (let i = 0; i < 3; i++) {
      const scrape = await request(http).get('/metrics').expect(200);
      expectNoRateLimitFields(scrape.headers);
    }
    const scrape = await request(http).get('/metrics').expect(200);
    expect(scrape.text).toContain('http_rejections_total{route="/host/ping",status="429"} 1');
    expect(scrape.text).toMatch(/^process_cpu_user_seconds_total /m);
    // No dataSource given: no pool gauges.
    expect(scrape.text).not.toContain('db_pool_connections_idle');
  });
});

describe('a host whose routes carry limits of their own', () => {
  let app: NestFastifyApplication;
  let http: App;

  beforeAll(async () => {
    app = await startHost(
      [RateLimitModule.forRoot({ global: true, ipLimit: 100, userLimit: false })],
      [LimitedController],
    );
    http = app.getHttpServer();
  });

  afterAll(() => app.close());

  it('honours @SkipThrottle(), a computed limit and a route’s own limit and window, on every request', async () => {
    for (let i = 0; i < 3; i++) {
      expectNoRateLimitFields((await request(http).get('/host/limited/free').expect(200)).headers);
    }
    // The limit is a function of the request's context: 'computed'.length is 8.
    for (const remaining of [7, 6]) {
      const computed = await request(http).get('/host/limited/computed').expect(200);
      expect(computed.headers['ratelimit-policy']).toBe('"ip";q=8;w=60');
      expect(computed.headers.ratelimit).toMatch(new RegExp(`^"ip";r=${remaining};t=\\d+$`));
    }
    // One budget per client address across routes: two hits so far, a third is past 2.
    const strict = await request(http).get('/host/limited/strict');
    expectProblem(strict, 429);
    expect(strict.headers['ratelimit-policy']).toBe('"ip";q=2;w=30');
    expect(Number(strict.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(strict.headers['retry-after'])).toBeLessThanOrEqual(30);
    // Still not counted, not limited.
    expectNoRateLimitFields((await request(http).get('/host/limited/free').expect(200)).headers);
  });
});

describe('RateLimitModule without a scope', () => {
  it('refuses to start rather than limit nothing', async () => {
    await expect(
      Test.createTestingModule({ imports: [RateLimitModule.forRoot({})] }).compile(),
    ).rejects.toThrow(/global: true`, or `modules/);
  });
});
