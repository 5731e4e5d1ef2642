import { createSecretKey, randomUUID } from 'node:crypto';
import {
  type ArgumentsHost,
  Body,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  HttpException,
  Module,
  NotFoundException,
  Param,
  Post,
  type Provider,
  UnauthorizedException,
  ValidationPipe,
} from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ScheduleModule } from '@nestjs/schedule';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IsString } from 'class-validator';
import type { FastifyReply } from 'fastify';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import {
  defineProblemType,
  ProblemError,
  ProblemModule,
  REQUEST_ID_HEADER,
  requestContext,
} from '@session-service/problem';
import {
  completeSessionsDocument,
  SESSIONS_ENTITIES,
  SESSIONS_MIGRATIONS,
  SessionsModule,
  SessionsService,
} from '@session-service/sessions';
import { insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import {
  adminToken,
  bearer,
  serviceToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  tokenFor,
} from './support/tokens';

/** A problem type of the host's own. */
const ACCOUNT_LOCKED = defineProblemType({
  status: 423,
  code: 90042301,
  slug: 'account-locked',
  title: 'Account Locked',
  when: 'Too many failed sign-ins.',
  action: 'Wait until the lock ends.',
  details: { default: 'The account is locked until {locked_until}' },
});

class NewItem {
  @IsString()
  name!: string;

  /** No decorator: a host whose pipe does not whitelist keeps it. */
  nickname?: string;
}

/** The host's routes, each answering the host's own way. */
@Controller()
class HostController {
  @Get('items/:id')
  item(): never {
    throw new NotFoundException('No such item');
  }

  @Post('login')
  login(): never {
    throw new UnauthorizedException('Wrong password');
  }

  @Post('lock')
  lock(): never {
    throw new HttpException({ message: 'Locked', lockedUntil: '2030-01-01T00:00:00Z' }, 423);
  }

  @Post('items')
  create(@Body() body: NewItem): NewItem {
    return body;
  }
}

/** The host's own filter: its own body, and a header saying it answered. */
@Catch(HttpException)
class HostFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply
      .code(exception.getStatus())
      .header('X-Host-Filter', 'yes')
      .send({ failed: exception.getStatus(), why: exception.getResponse() });
  }
}

/** The host's HTTP layer: its global pipe (no whitelist) and its filter. */
const hostHttp: Provider[] = [
  { provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: false, transform: true }) },
  { provide: APP_FILTER, useClass: HostFilter },
];

const database = () =>
  TypeOrmModule.forRootAsync({
    useFactory: () => ({
      type: 'postgres' as const,
      url: process.env.TEST_DATABASE_URL,
      entities: SESSIONS_ENTITIES,
      migrations: SESSIONS_MIGRATIONS,
      migrationsRun: true,
    }),
  });

const sessionsModule = (routePrefix = '') =>
  SessionsModule.forRoot({
    routePrefix,
    auth: {
      verificationKey: createSecretKey(Buffer.from(TEST_JWT_SECRET)),
      algorithms: ['HS256'],
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
    },
    sweepIntervalMs: 0,
  });

/** The host as it is without the libraries. */
@Module({ controllers: [HostController], providers: hostHttp })
class HostWithoutLibraryModule {}

/** The same host with the sessions feature under `/auth`, its Problem pages beside it. */
@Module({
  imports: [
    ProblemModule.forRoot({
      serviceName: 'auth-service',
      pagesPath: 'auth/problems',
      problemTypes: [ACCOUNT_LOCKED],
    }),
    ScheduleModule.forRoot(),
    database(),
    sessionsModule('auth'),
  ],
  controllers: [HostController],
  providers: hostHttp,
})
class HostWithLibraryModule {}

async function start(
  module: new () => unknown,
  options: { rawBody?: boolean } = {},
): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: ['fatal'],
    ...options,
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (req, reply, done) => {
      reply.raw.setHeader(REQUEST_ID_HEADER, requestContext(req).requestId);
      done();
    });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** What is compared between the two hosts: status, body and the headers a client reads. */
function answer(res: request.Response) {
  return {
    status: res.status,
    body: res.body as unknown,
    contentType: res.headers['content-type'],
    wwwAuthenticate: res.headers['www-authenticate'],
    allow: res.headers['allow'],
    hostFilter: res.headers['x-host-filter'],
  };
}

describe("a host's own routes beside the library", () => {
  let without: NestFastifyApplication;
  let withLibrary: NestFastifyApplication;

  beforeAll(async () => {
    without = await start(HostWithoutLibraryModule);
    withLibrary = await start(HostWithLibraryModule);
    const dataSource = withLibrary.get(DataSource);
    await dataSource.query(
      'TRUNCATE session_service.sessions, session_service.user_subjects, session_service.users, session_service.session_revocations',
    );
    await insertUser(dataSource, 701, 'hedy');
  });

  afterAll(async () => {
    await withLibrary?.close();
    await without?.close();
  });

  const requests: [string, (http: App) => request.Test][] = [
    ['a NotFoundException of its own', (http) => request(http).get('/items/7')],
    [
      'its login route refusing a password (no WWW-Authenticate)',
      (http) => request(http).post('/login').send({ user: 'ada', password: 'x' }),
    ],
    ['a 423 with fields of its own', (http) => request(http).post('/lock')],
    [
      'a body field without a decorator (its pipe keeps it)',
      (http) => request(http).post('/items').send({ name: 'lamp', nickname: 'lampy' }),
    ],
    ['a body its own pipe refuses', (http) => request(http).post('/items').send({ name: 3 })],
    ['an unknown route', (http) => request(http).get('/no-such-route')],
    ['a known path with another method', (http) => request(http).delete('/items/7')],
    ['/problems at its root', (http) => request(http).get('/problems/invalid-request')],
  ];

  it.each(requests)('answers %s exactly as without the library', async (_name, send) => {
    const expected = answer(await send(without.getHttpServer()));
    const actual = answer(await send(withLibrary.getHttpServer()));
    expect(actual).toEqual(expected);
    expect(actual.contentType).not.toMatch(/problem/);
  });

  it("completes the host's OpenAPI document: the bearer scheme every operation names, an untyped refused value", () => {
    const build = () =>
      SwaggerModule.createDocument(
        withLibrary,
        new DocumentBuilder().setTitle('host').addBearerAuth().build(),
      );
    const undefinedSchemes = (document: OpenAPIObject) => {
      const defined = Object.keys(document.components?.securitySchemes ?? {});
      return Object.entries(document.paths).flatMap(([path, item]) =>
        (['get', 'post', 'put', 'patch', 'delete'] as const).flatMap((method) =>
          (item[method]?.security ?? [])
            .flatMap((requirement) => Object.keys(requirement))
            .filter((name) => !defined.includes(name))
            .map((name) => `${method} ${path}: ${name}`),
        ),
      );
    };
    const violationValue = (document: OpenAPIObject) =>
      (document.components?.schemas?.['dto.FieldViolation'] as SchemaObject).properties?.value;

    // As @nestjs/swagger builds it: the library's operations name a scheme the host's
    // document does not define, and the refused value is typed as an object.
    const built = build();
    expect(undefinedSchemes(built)).toContain(
      'get /auth/sessions/user/{user_id}/sessions: bearerAuth',
    );
    expect(violationValue(built)).toMatchObject({ type: 'object' });

    const completed = completeSessionsDocument(build());
    expect(undefinedSchemes(completed)).toEqual([]);
    expect(completed.components?.securitySchemes?.bearer).toBeDefined();
    expect(violationValue(completed)).not.toHaveProperty('type');
    expect(violationValue(completed)).toHaveProperty('example', 500);
  });

  it('keeps the fields of its 423 and the undecorated field of its DTO', async () => {
    const http = withLibrary.getHttpServer() as App;
    const locked = await request(http).post('/lock').expect(423);
    expect(locked.body).toEqual({
      failed: 423,
      why: { message: 'Locked', lockedUntil: '2030-01-01T00:00:00Z' },
    });
    const created = await request(http)
      .post('/items')
      .send({ name: 'lamp', nickname: 'lampy' })
      .expect(201);
    expect(created.body).toEqual({ name: 'lamp', nickname: 'lampy' });
  });

  describe('the library routes keep their Problems', () => {
    const http = () => withLibrary.getHttpServer() as App;

    it('400 naming the field on page=0, ahead of the host pipe', async () => {
      const res = await request(http())
        .get('/auth/sessions/user/701/sessions?page=0')
        .set(...bearer(tokenFor(701)));
      const body = expectProblem(res, 400);
      expect(res.headers['x-host-filter']).toBeUndefined();
      expect(body.errors).toEqual([expect.objectContaining({ field: 'page', code: 'range' })]);
      expect(body.service).toBe('auth-service');
      expect(body.type).toBe('/auth/problems/invalid-request');
    });

    it("drops a query parameter the library does not know, whatever the host's pipe keeps", async () => {
      const res = await request(http())
        .get('/auth/sessions/user/701/sessions?colour=red')
        .set(...bearer(tokenFor(701)));
      // Whitelisted by the library's rules: an unknown parameter is dropped, not refused.
      expect(res.status).toBe(200);
    });

    it('400 naming every bad field of a sign-in, ahead of the host pipe', async () => {
      const res = await request(http())
        .post('/auth/api/sessions')
        .set(...bearer(serviceToken()))
        .send({ user_id: 'ada', username: 'ada', amr: ['pwd'], ip: 'nowhere' });
      const body = expectProblem(res, 400);
      const fields = (body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(['ip', 'user_agent', 'user_id']);
    });

    it('401 from the JWT guard, with WWW-Authenticate', async () => {
      const res = await request(http()).get('/auth/sessions/user/701/sessions');
      const body = expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="auth-service"');
      expect(body.type).toBe('/auth/problems/unauthorized');
    });

    it('403 from the ownership and admin guards', async () => {
      expectProblem(
        await request(http())
          .get('/auth/sessions/user/701/sessions')
          .set(...bearer(tokenFor(702))),
        403,
      );
      const res = await request(http())
        .get('/auth/api/sessions/all')
        .set(...bearer(tokenFor(701)));
      expect(expectProblem(res, 403).code).toBe(30240303);
    });

    it('404 for an unknown session', async () => {
      const body = expectProblem(
        await request(http())
          .get(`/auth/api/sessions/${randomUUID()}`)
          .set(...bearer(adminToken())),
        404,
      );
      expect(body.type).toBe('/auth/problems/session-not-found');
    });

    it('serves the problem pages where the types point, the host type among them', async () => {
      const page = await request(http()).get('/auth/problems/session-not-found').expect(200);
      expect(page.text).toContain('/auth/problems/session-not-found');
      const index = await request(http()).get('/auth/problems').expect(200);
      expect(index.text).toContain('/auth/problems/account-locked');
      const own = await request(http()).get('/auth/problems/account-locked').expect(200);
      expect(own.text).toContain('Account Locked');
      expect(own.text).toContain('90042301');
    });
  });
});

describe("a host's parser and a body that is not UTF-8", () => {
  // "ada" with its "d" replaced by a byte that is never UTF-8.
  const body = Buffer.concat([
    Buffer.from('{"user_id":702,"username":"a'),
    Buffer.from([0xff]),
    Buffer.from('a","amr":["pwd"],"ip":"203.0.113.9","user_agent":"Mozilla/5.0"}'),
  ]);
  // Fastify's inject sends the bytes as they are (supertest would serialise a Buffer).
  const signIn = async (app: NestFastifyApplication) => {
    const res = await app.inject({
      method: 'POST',
      url: '/auth/api/sessions',
      headers: { authorization: `Bearer ${serviceToken()}`, 'content-type': 'application/json' },
      payload: body,
    });
    return {
      status: res.statusCode,
      headers: res.headers as Record<string, string>,
      body: res.json<Record<string, unknown>>(),
      text: res.body,
    };
  };
  let apps: NestFastifyApplication[] = [];

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
  });

  it('is refused on the library routes (400 malformed-body) when the host keeps raw bodies', async () => {
    const app = await start(HostWithLibraryModule, { rawBody: true });
    apps.push(app);
    const problem = expectProblem(await signIn(app), 400);
    expect(problem).toMatchObject({ type: '/auth/problems/malformed-body' });
    const stored = await app
      .get(DataSource)
      .query('SELECT 1 FROM session_service.users WHERE id = 702');
    expect(stored).toHaveLength(0);
  });

  it("reaches the library decoded by the host's parser (U+FFFD in its place) without raw bodies", async () => {
    const app = await start(HostWithLibraryModule);
    apps.push(app);
    const res = await signIn(app);
    expect(res.status).toBe(201);
    const [user] = await app
      .get(DataSource)
      .query<{ username: string }[]>('SELECT username FROM session_service.users WHERE id = 702');
    expect(user.username).toBe('a\uFFFDa');
    await app.get(DataSource).query('DELETE FROM session_service.sessions WHERE user_id = 702');
    await app.get(DataSource).query('DELETE FROM session_service.users WHERE id = 702');
  });
});

/** A host route using the library's service directly: its errors reach the host's handling. */
@Controller('host-admin')
class HostAdminController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('end/:id')
  async end(@Param('id') id: string): Promise<void> {
    await this.sessions.revoke(id, null, { by: 'host', reason: null });
  }

  /** Each of the service's calls that take an id, with whatever the host was given. */
  @Post('call/:method/:id')
  async call(@Param('method') method: string, @Param('id') id: string): Promise<void> {
    const actor = { by: 'host', reason: null };
    const calls: Record<string, () => Promise<unknown>> = {
      revoke: () => this.sessions.revoke(id, null, actor),
      revokeOwned: () => this.sessions.revoke(randomUUID(), id, actor),
      touch: () => this.sessions.touch(id),
      getDetail: () => this.sessions.getDetail(id),
      getUser: () => this.sessions.getUser(id),
      listForUser: () => this.sessions.listForUser(id, 1, 20),
      revokeAllOfUser: () => this.sessions.revokeAllOfUser(id, null, actor),
      revokeAllButKeep: () => this.sessions.revokeAllOfUser('711', id, actor),
    };
    await calls[method]();
  }
}

/** A host with no exception filter, no pipe and no ProblemModule. */
@Module({
  imports: [ScheduleModule.forRoot(), database(), sessionsModule()],
  controllers: [HostAdminController],
})
class BareHostModule {}

describe('a host with no filter, no pipe and no ProblemModule', () => {
  let app: NestFastifyApplication;
  let http: App;

  beforeAll(async () => {
    app = await start(BareHostModule);
    http = app.getHttpServer();
    const dataSource = app.get(DataSource);
    await dataSource.query(
      'TRUNCATE session_service.sessions, session_service.user_subjects, session_service.users, session_service.session_revocations',
    );
    await insertUser(dataSource, 711, 'radia');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 400 naming the field on page=0 (never reaching SQL)', async () => {
    const body = expectProblem(
      await request(http)
        .get('/sessions/user/711/sessions?page=0')
        .set(...bearer(tokenFor(711))),
      400,
    );
    expect(body.errors).toEqual([expect.objectContaining({ field: 'page', code: 'range' })]);
    expect(body.service).toBe('session-service');
  });

  it('answers 401 and 403 Problems from the guards', async () => {
    expectProblem(await request(http).get('/sessions/user/711/sessions'), 401);
    expectProblem(
      await request(http)
        .get('/sessions/user/711/sessions')
        .set(...bearer(tokenFor(712))),
      403,
    );
  });

  it('answers 404 for an unknown session', async () => {
    expectProblem(
      await request(http)
        .get(`/api/sessions/${randomUUID()}`)
        .set(...bearer(adminToken())),
      404,
    );
  });

  it("gives a library error on the host's own route its status through Nest's default filter", async () => {
    const res = await request(http).post(`/host-admin/end/${randomUUID()}`).expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      type: '/problems/session-not-found',
      status: 404,
      code: 30240402,
      i18n_key: 'error.session_not_found',
    });
  });

  it.each([
    ['revoke', 'not-a-uuid', 'session-not-found'],
    ['revokeOwned', 'abc', 'session-not-found'],
    ['touch', "1' OR '1'='1", 'session-not-found'],
    ['getDetail', '123', 'session-not-found'],
    ['revokeAllButKeep', 'zzz', 'session-not-found'],
    ['getUser', 'abc', 'user-not-found'],
    ['listForUser', '99999999999999999999', 'user-not-found'],
    ['revokeAllOfUser', '-1', 'user-not-found'],
  ])(
    'answers 404 when a host route calls %s with an id that names nothing (%j), never 500',
    async (method, id, slug) => {
      const res = await request(http)
        .post(`/host-admin/call/${method}/${encodeURIComponent(id)}`)
        .expect(404);
      expect(res.body).toMatchObject({ type: `/problems/${slug}`, status: 404 });
    },
  );

  it('serves no problem pages and leaves unknown routes to Nest', async () => {
    const res = await request(http).get('/problems').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});

/** A host whose own routes answer Problems too, with a problem type of its own. */
@Controller()
class LockingController {
  @Post('lock')
  lock(): never {
    throw ProblemError.fromTemplate(ACCOUNT_LOCKED, 'default', {
      locked_until: '2030-01-01T00:00:00Z',
    });
  }

  @Get('items/:id')
  item(): never {
    throw new NotFoundException('No such item');
  }
}

@Module({
  imports: [
    ProblemModule.forRoot({
      serviceName: 'auth-service',
      global: true,
      pages: false,
      typeBaseUri: 'https://errors.example.com/',
      problemTypes: [ACCOUNT_LOCKED],
    }),
  ],
  controllers: [LockingController],
})
class ProblemsEverywhereModule {}

describe('a host opting in to Problems for every route', () => {
  let app: NestFastifyApplication;
  let http: App;

  beforeAll(async () => {
    app = await start(ProblemsEverywhereModule);
    http = app.getHttpServer();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers its own problem type as a Problem', async () => {
    const body = expectProblem(await request(http).post('/lock'), 423);
    expect(body).toMatchObject({
      type: 'https://errors.example.com/account-locked',
      title: 'Account Locked',
      code: 90042301,
      detail: 'The account is locked until 2030-01-01T00:00:00Z',
      i18n_key: 'error.account_locked',
      i18n_args: { locked_until: '2030-01-01T00:00:00Z' },
      service: 'auth-service',
    });
  });

  it('answers its framework errors and unknown routes as Problems, typed at typeBaseUri', async () => {
    const own = expectProblem(await request(http).get('/items/1'), 404);
    expect(own).toMatchObject({
      type: 'https://errors.example.com/http-404',
      detail: 'No such item',
    });
    const unknown = expectProblem(await request(http).get('/nowhere'), 404);
    expect(unknown.type).toBe('https://errors.example.com/route-not-found');
  });

  it('serves no pages with pages: false', async () => {
    expectProblem(await request(http).get('/problems'), 404);
  });
});
