import { createSecretKey } from 'node:crypto';
import { type INestApplication, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { AuthModule } from '@app/auth';
import { ProblemModule, requestIdMiddleware } from '@app/problem';
import {
  SESSIONS_ENTITIES,
  SESSIONS_MIGRATIONS,
  SessionsModule,
  type UserDirectory,
} from '@app/sessions';
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
 * libraries with its own DataSource, its own user directory and a route prefix.
 */
@Module({
  imports: [
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
    AuthModule.forRoot({
      isGlobal: true,
      verificationKey: createSecretKey(Buffer.from(TEST_JWT_SECRET)),
      algorithms: ['HS256'],
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
    }),
    SessionsModule.forRootAsync({
      routePrefix: 'auth',
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => ({
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
    const moduleRef = await Test.createTestingModule({ imports: [HostAppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: ['fatal'] });
    app.use(requestIdMiddleware);
    await app.init();
    http = app.getHttpServer() as App;
    dataSource = app.get(DataSource);
    await dataSource.query('TRUNCATE sessions, users, session_revocations');
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
    const res = await request(http)
      .get('/auth/sessions/user/301/sessions')
      .set(...bearer(tokenFor(301)))
      .expect(200);
    expectSchema('sessionListResponse', res.body);
    expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([sessions[0]]);
  });

  it("asks the host's directory who exists", async () => {
    const body = expectProblem(
      await request(http)
        .get('/auth/sessions/user/303/sessions')
        .set(...bearer(tokenFor(303))),
      404,
    );
    expect(body.service).toBe('auth-service');
  });

  it("serves the admin list under the prefix with the host's display names, streamed and paged", async () => {
    const streamed = await request(http)
      .get('/auth/api/sessions/all')
      .set(...bearer(adminToken()))
      .expect(200);
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
    const paged = await request(http)
      .get('/auth/api/sessions/all?limit=1')
      .set(...bearer(adminToken()))
      .expect(200);
    expect(paged.body.sessions[0]).toMatchObject({
      session_id: sessions[0],
      username: 'Ada Lovelace',
    });
    expect(paged.body.next_cursor).toEqual(expect.any(String));
  });

  it('keeps the access rules of the library', async () => {
    expectProblem(
      await request(http)
        .get('/auth/sessions/user/302/sessions')
        .set(...bearer(tokenFor(301))),
      403,
    );
    expectProblem(
      await request(http)
        .get('/auth/api/sessions/all')
        .set(...bearer(tokenFor(301))),
      403,
    );
  });

  it('serves nothing at the unprefixed paths', async () => {
    expectProblem(
      await request(http)
        .get('/sessions/user/301/sessions')
        .set(...bearer(tokenFor(301))),
      404,
    );
  });
});
