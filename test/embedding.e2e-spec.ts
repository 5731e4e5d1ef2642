import { createSecretKey } from 'node:crypto';
import {
  Controller,
  Get,
  type INestApplication,
  Injectable,
  Module,
  Req,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { sign } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { ProblemModule, requestIdMiddleware } from '@session-service/problem';
import {
  SESSIONS_ENTITIES,
  SESSIONS_MIGRATIONS,
  SessionsModule,
  type UserDirectory,
} from '@session-service/sessions';
import { insertSession, insertUser } from './support/factories';
import { expectProblem, expectSchema } from './support/schemas';
import {
  adminToken,
  bearer,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  tokenFor,
} from './support/tokens';

/**
 * What every host below has besides the sessions module: Problems, the
 * scheduler, and its own DataSource running the library's migrations.
 */
const hostBasics = () => [
  ProblemModule.forRoot({ serviceName: 'auth-service' }),
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
];

async function startHost(module: new () => unknown): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app = moduleRef.createNestApplication({ logger: ['fatal'] });
  app.use(requestIdMiddleware);
  return app.init();
}

/** GET `path` with a bearer token. */
const getAs = (http: App, path: string, token: string) =>
  request(http)
    .get(path)
    .set(...bearer(token));

/** A Keycloak-style token: roles under `realm_access.roles`. */
const keycloakToken = (sub: number, roles: string[] = []) =>
  tokenFor(sub, { claims: { realm_access: { roles } } });

/** The host's own users, in a table of its own: the authority on who exists and their names. */
class AccountsDirectory implements UserDirectory {
  constructor(private readonly dataSource: DataSource) {}

  async exists(userId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM host_accounts WHERE id = $1',
      [userId],
    );
    return rows.length > 0;
  }

  async usernames(userIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const rows: { id: string; display_name: string }[] = await this.dataSource.query(
      'SELECT id::text AS id, display_name FROM host_accounts WHERE id = ANY($1::bigint[])',
      [userIds],
    );
    return new Map(rows.map((r) => [r.id, r.display_name]));
  }
}

/**
 * A separate, small host application: an auth-service that imports the
 * library with its own DataSource, its own user directory, a route prefix,
 * and the token settings and role names of its identity provider (Keycloak).
 */
@Module({
  imports: [
    ...hostBasics(),
    SessionsModule.forRootAsync({
      routePrefix: 'auth',
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => ({
        auth: {
          verificationKey: createSecretKey(Buffer.from(TEST_JWT_SECRET)),
          algorithms: ['HS256'],
          issuer: TEST_ISSUER,
          audience: TEST_AUDIENCE,
          rolesClaim: 'realm_access.roles',
          adminRole: 'platform-admin',
          serviceRole: 'sign-in-recorder',
        },
        userDirectory: new AccountsDirectory(dataSource),
        sweepIntervalMs: 0,
      }),
    }),
  ],
})
class HostAppModule {}

describe('embedded in a host application', () => {
  let app: INestApplication;
  let http: App;
  let dataSource: DataSource;
  const sessions: string[] = [];

  beforeAll(async () => {
    app = await startHost(HostAppModule);
    http = app.getHttpServer() as App;
    dataSource = app.get(DataSource);
    await dataSource.query(
      'TRUNCATE session_service.sessions, session_service.user_subjects, session_service.users, session_service.session_revocations',
    );
    await dataSource.query(
      'CREATE TABLE IF NOT EXISTS host_accounts (id bigint PRIMARY KEY, display_name text NOT NULL)',
    );
    await dataSource.query('TRUNCATE host_accounts');
    await dataSource.query(
      `INSERT INTO host_accounts (id, display_name) VALUES (301, 'Ada Lovelace'), (302, 'Alan Turing')`,
    );
    // The library's own table knows 303 too, but the host's directory does not.
    for (const [id, name] of [
      [301, 'ada'],
      [302, 'alan'],
      [303, 'ghost'],
    ] as const) {
      await insertUser(dataSource, id, name);
    }
    sessions.push(await insertSession(dataSource, { userId: 301, lastActiveOffset: -10 }));
    sessions.push(await insertSession(dataSource, { userId: 302, lastActiveOffset: -20 }));
    await insertSession(dataSource, { userId: 303, lastActiveOffset: -30 });
  });

  afterAll(async () => {
    await dataSource.query('DROP TABLE IF EXISTS host_accounts');
    await app.close();
  });

  it("serves the user list under the host's prefix", async () => {
    const res = await getAs(http, '/auth/sessions/user/301/sessions', tokenFor(301)).expect(200);
    expectSchema('sessionListResponse', res.body);
    expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([sessions[0]]);
  });

  it("asks the host's directory who exists", async () => {
    const body = expectProblem(
      await getAs(http, '/auth/sessions/user/303/sessions', tokenFor(303)),
      404,
    );
    expect(body.service).toBe('auth-service');
  });

  it("serves the admin list under the prefix with the host's display names, streamed and paged", async () => {
    const streamed = await getAs(
      http,
      '/auth/api/sessions/all',
      keycloakToken(1, ['platform-admin']),
    ).expect(200);
    expectSchema('adminSessionList', streamed.body);
    const names = new Map(
      streamed.body.sessions.map((s: { user_id: number; username: string }) => [
        s.user_id,
        s.username,
      ]),
    );
    expect(names.get(301)).toBe('Ada Lovelace');
    expect(names.get(302)).toBe('Alan Turing');
    expect(names.get(303)).toBe('ghost');
    const paged = await getAs(
      http,
      '/auth/api/sessions/all?limit=1',
      keycloakToken(1, ['platform-admin']),
    ).expect(200);
    expect(paged.body.sessions[0]).toMatchObject({
      session_id: sessions[0],
      username: 'Ada Lovelace',
    });
    expect(paged.body.next_cursor).toEqual(expect.any(String));
  });

  it("reads the roles at the host's claim path and names", async () => {
    // The default claim and role name mean nothing to this host.
    expectProblem(await getAs(http, '/auth/api/sessions/all?limit=1', adminToken()), 403);
    const signIn = {
      user_id: 302,
      username: 'alan',
      amr: ['pwd'],
      ip: '192.0.2.77',
      user_agent: 'curl/8.5.0',
    };
    expectProblem(
      await request(http)
        .post('/auth/api/sessions')
        .set(...bearer(keycloakToken(2, ['session-writer'])))
        .send(signIn),
      403,
    );
    const created = await request(http)
      .post('/auth/api/sessions')
      .set(...bearer(keycloakToken(2, ['sign-in-recorder'])))
      .send(signIn)
      .expect(201);
    expect(created.body).toMatchObject({ ip: '192.0.2.77', status: 'active' });
  });

  it('keeps the access rules of the library', async () => {
    expectProblem(await getAs(http, '/auth/sessions/user/302/sessions', tokenFor(301)), 403);
    expectProblem(await getAs(http, '/auth/api/sessions/all', tokenFor(301)), 403);
  });

  it('serves nothing at the unprefixed paths', async () => {
    // The host's own 404: Problems are the library routes' answers, not the host's.
    const res = await getAs(http, '/sessions/user/301/sessions', tokenFor(301)).expect(404);
    expect(res.headers['content-type']).not.toMatch(/problem/);
  });
});

/** The host's own tokens: its own key, and its own claim names. */
const HOST_SECRET = 'the-host-applications-own-signing-secret!';

interface HostUser {
  id: number;
  permissions: string[];
  sessionId?: string;
}

/** The passport strategy the host application already had, under passport's usual name. */
@Injectable()
class HostJwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: createSecretKey(Buffer.from(HOST_SECRET)) as unknown as string,
      algorithms: ['HS256'],
    });
  }

  validate(payload: { sub: string; perms?: string[]; session?: string }): HostUser {
    return {
      id: Number(payload.sub),
      permissions: payload.perms ?? [],
      sessionId: payload.session,
    };
  }
}

/** A route of the host's own, behind its own strategy. */
@Controller('me')
class HostProfileController {
  @Get()
  @UseGuards(AuthGuard('jwt'))
  me(@Req() req: { user: HostUser }): HostUser {
    return req.user;
  }
}

/** A host that keeps authenticating with its own strategy and maps its user to the caller. */
@Module({
  imports: [
    ...hostBasics(),
    SessionsModule.forRoot({
      auth: {
        hostStrategy: 'jwt',
        adminRole: 'sessions:admin',
        toUser: (user) => {
          const { id, permissions, sessionId } = user as HostUser;
          return { userId: String(id), roles: permissions, sessionId };
        },
      },
      sweepIntervalMs: 0,
    }),
  ],
  controllers: [HostProfileController],
  providers: [HostJwtStrategy],
})
class HostStrategyAppModule {}

describe("embedded behind the host's own passport strategy", () => {
  let app: INestApplication;
  let http: App;
  let active: string;
  let revoked: string;

  const hostToken = (sub: number, claims: Record<string, unknown> = {}) =>
    sign({ sub: String(sub), ...claims }, HOST_SECRET, { algorithm: 'HS256', expiresIn: '5m' });

  beforeAll(async () => {
    app = await startHost(HostStrategyAppModule);
    http = app.getHttpServer() as App;
    const dataSource = app.get(DataSource);
    await dataSource.query(
      'TRUNCATE session_service.sessions, session_service.user_subjects, session_service.users, session_service.session_revocations',
    );
    await insertUser(dataSource, 401, 'grace');
    await insertUser(dataSource, 402, 'edsger');
    active = await insertSession(dataSource, { userId: 401, lastActiveOffset: -5 });
    revoked = await insertSession(dataSource, {
      userId: 401,
      lastActiveOffset: -50,
      revoked: true,
    });
    await insertSession(dataSource, { userId: 402, lastActiveOffset: -60 });
  });

  afterAll(async () => {
    await app.close();
  });

  it("serves the user list to the host's tokens", async () => {
    const res = await getAs(http, '/sessions/user/401/sessions', hostToken(401)).expect(200);
    expectSchema('sessionListResponse', res.body);
    expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([active]);
  });

  it("leaves the host's own strategy and routes working", async () => {
    const res = await getAs(http, '/me', hostToken(401, { perms: ['profile'] })).expect(200);
    expect(res.body).toEqual({ id: 401, permissions: ['profile'] });
  });

  it("refuses what the host's strategy refuses", async () => {
    // Signed with the library's test key, not the host's: the host's strategy decides.
    expectProblem(await getAs(http, '/sessions/user/401/sessions', tokenFor(401)), 401);
    expectProblem(await request(http).get('/sessions/user/401/sessions'), 401);
  });

  it('applies ownership and the mapped admin role', async () => {
    expectProblem(await getAs(http, '/sessions/user/402/sessions', hostToken(401)), 403);
    expectProblem(
      await getAs(http, '/api/sessions/all', hostToken(401, { perms: ['admin'] })),
      403,
    );
    const res = await getAs(
      http,
      '/api/sessions/all',
      hostToken(9, { perms: ['sessions:admin'] }),
    ).expect(200);
    expectSchema('adminSessionList', res.body);
    expect(res.body.total).toBe(2);
  });

  it('refuses a token whose session was revoked, like the library strategy does', async () => {
    await getAs(http, '/sessions/user/401/sessions', hostToken(401, { session: active })).expect(
      200,
    );
    expectProblem(
      await getAs(http, '/sessions/user/401/sessions', hostToken(401, { session: revoked })),
      401,
    );
  });

  it('refuses a host user that maps to no valid user id', async () => {
    expectProblem(await getAs(http, '/sessions/user/401/sessions', hostToken(0)), 401);
  });
});

describe('two applications in one process', () => {
  const OTHER_SECRET = 'a-second-applications-secret-of-32-bytes';

  /** A host verifying tokens with `secret`; passport's strategy registry is shared by both. */
  function hostWithKey(secret: string) {
    @Module({
      imports: [
        ...hostBasics(),
        SessionsModule.forRoot({
          auth: { verificationKey: createSecretKey(Buffer.from(secret)), algorithms: ['HS256'] },
          sweepIntervalMs: 0,
        }),
      ],
    })
    class KeyedHostModule {}
    return KeyedHostModule;
  }

  it('keeps the keys of each: a token of one is refused by the other', async () => {
    const first = await startHost(hostWithKey(TEST_JWT_SECRET));
    const second = await startHost(hostWithKey(OTHER_SECRET));
    try {
      await insertUser(first.get(DataSource), 501, 'barbara');
      const path = '/sessions/user/501/sessions';
      const signWith = (secret: string) =>
        sign({ sub: '501' }, secret, { algorithm: 'HS256', expiresIn: '5m' });
      const [firstToken, secondToken] = [signWith(TEST_JWT_SECRET), signWith(OTHER_SECRET)];
      for (const [app, own, foreign] of [
        [first, firstToken, secondToken],
        [second, secondToken, firstToken],
      ] as const) {
        const http = app.getHttpServer() as App;
        await getAs(http, path, own).expect(200);
        expectProblem(await getAs(http, path, foreign), 401);
      }
    } finally {
      await second.close();
      await first.close();
    }
  });
});
