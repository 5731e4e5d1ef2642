/**
 * The library's tables live in a PostgreSQL schema of their own
 * (`session_service` unless the host names another), so they sit beside a
 * host's own `users`, `sessions` and `accounts`; a database migrated by the
 * releases before (tables in `public`) moves into the schema with no row
 * lost; the host picks the schema and, with several DataSources, which one.
 * Each test works on a database of its own (freshDatabase).
 */
import { createSecretKey } from 'node:crypto';
import { Global, type INestApplication, Module, type ModuleMetadata } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { Client } from 'pg';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, runMigrations } from '@session-service/database';
import { ProblemModule } from '@session-service/problem';
import {
  SESSIONS_ENTITIES,
  SESSIONS_MIGRATIONS,
  sessionsDatabase,
  SessionsModule,
  SessionsSweeper,
  type SessionsModuleOptions,
} from '@session-service/sessions';
import { freshDatabase, type FreshDatabase } from './support/fresh-database';
import { LEGACY_SESSIONS_MIGRATIONS } from './support/legacy-migrations';
import { createTestApp } from './support/test-app';
import { testDatabaseUrl } from './support/test-database';
import {
  adminToken,
  bearer,
  serviceToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  tokenFor,
} from './support/tokens';

const auth: SessionsModuleOptions['auth'] = {
  verificationKey: createSecretKey(Buffer.from(TEST_JWT_SECRET)),
  algorithms: ['HS256'],
  issuer: TEST_ISSUER,
  audience: TEST_AUDIENCE,
};

const signIn = (userId: number, username = `user${userId}`) => ({
  user_id: userId,
  username,
  amr: ['pwd'],
  ip: '198.51.100.7',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
});

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A host application: Problems, the scheduler, and whatever else it is given. */
async function startHost(imports: ModuleMetadata['imports']): Promise<INestApplication> {
  @Module({
    imports: [
      ProblemModule.forRoot({ serviceName: 'auth-service' }),
      ScheduleModule.forRoot(),
      ...(imports ?? []),
    ],
  })
  class HostModule {}
  const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: ['fatal'] });
  return app.init();
}

/** A default DataSource that is never used: for hosts refused before any query. */
@Global()
@Module({ providers: [{ provide: DataSource, useValue: {} }], exports: [DataSource] })
class StubDataSourceModule {}

/** Records a sign-in for the user and reads their list back: one session, as recorded. */
async function signInAndList(http: App, userId: number, prefix = ''): Promise<string> {
  const created = await request(http)
    .post(`${prefix}/api/sessions`)
    .set(...bearer(serviceToken()))
    .send(signIn(userId))
    .expect(201);
  const listed = await request(http)
    .get(`${prefix}/sessions/user/${userId}/sessions`)
    .set(...bearer(tokenFor(userId)))
    .expect(200);
  expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
  return created.body.id as string;
}

/** The host's own tables, as an auth-service has them: in `public`, named as the library's once were. */
const HOST_TABLES = `
  CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE sessions (token text PRIMARY KEY, user_id int NOT NULL REFERENCES users (id));
  CREATE TABLE accounts (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users (id), plan text);
  INSERT INTO users (email) VALUES ('ada@example.com'), ('alan@example.com');
  INSERT INTO sessions (token, user_id) VALUES ('tok-ada', 1), ('tok-alan', 2);
  INSERT INTO accounts (user_id, plan) VALUES (1, 'pro'), (2, 'free');`;

/** Everything about the host's tables a migration could change: columns and rows. */
async function hostSnapshot(url: string): Promise<unknown> {
  const [columns] = await query<{ columns: unknown }>(
    url,
    `SELECT json_agg(json_build_object('t', table_name, 'c', column_name, 'type', data_type)
                     ORDER BY table_name, ordinal_position) AS columns
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name IN ('users', 'sessions', 'accounts')`,
  );
  const rows = await query(
    url,
    `SELECT (SELECT json_agg(u ORDER BY id) FROM public.users u) AS users,
            (SELECT json_agg(s ORDER BY token) FROM public.sessions s) AS sessions,
            (SELECT json_agg(a ORDER BY id) FROM public.accounts a) AS accounts`,
  );
  return { columns, rows };
}

// Each test starts databases of its own (on the embedded project, PGlite instances: seconds each).
describe('the library in its own schema', { timeout: 120_000 }, () => {
  const databases: FreshDatabase[] = [];
  const apps: { close(): Promise<void> }[] = [];
  const fresh = async (label: string) => {
    const db = await freshDatabase(label);
    databases.push(db);
    return db;
  };

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const db of databases.splice(0)) await db.drop();
  });

  it('starts on a host database with its own users, sessions and accounts, and leaves them as they were', async () => {
    const db = await fresh('host');
    await query(db.url, HOST_TABLES);
    const before = await hostSnapshot(db.url);

    const app = await startHost([
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: db.url,
        entities: SESSIONS_ENTITIES,
        migrations: SESSIONS_MIGRATIONS,
        migrationsRun: true,
      }),
      SessionsModule.forRoot({ auth, sweepIntervalMs: 0 }),
    ]);
    apps.push(app);
    const http = app.getHttpServer() as App;
    const sessionId = await signInAndList(http, 1);
    await request(http)
      .get('/api/sessions/all?limit=10')
      .set(...bearer(adminToken()))
      .expect(200)
      .expect((res) => expect(res.body.sessions).toHaveLength(1));
    await request(http)
      .delete(`/sessions/user/1/sessions/${sessionId}`)
      .set(...bearer(tokenFor(1)))
      .expect((res) => expect(res.status).toBeLessThan(300));
    const swept = await app.get(SessionsSweeper).sweep();
    expect(swept.skipped).toBe(false);

    expect(await hostSnapshot(db.url)).toEqual(before);
    const [counts] = await query<Record<string, number>>(
      db.url,
      `SELECT (SELECT count(*)::int FROM session_service.users) AS users,
              (SELECT count(*)::int FROM session_service.sessions) AS sessions,
              (SELECT count(*)::int FROM session_service.session_revocations) AS revocations`,
    );
    expect(counts).toEqual({ users: 1, sessions: 1, revocations: 1 });
    // TypeORM's history table stays where the host's DataSource keeps it.
    const [history] = await query<{ schema: string }>(
      db.url,
      `SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = 'migrations'`,
    );
    expect(history.schema).toBe('public');
  });

  it('uses a schema created beforehand, with no CREATE privilege on the database', async () => {
    const db = await fresh('precreated');
    const role = `sessions_limited_${Date.now()}`;
    await query(
      db.url,
      `CREATE ROLE ${role} LOGIN;
       REVOKE CREATE ON DATABASE ${new URL(db.url).pathname.slice(1)} FROM PUBLIC;
       CREATE SCHEMA session_service AUTHORIZATION ${role};
       GRANT CREATE ON SCHEMA public TO ${role};`,
    );
    try {
      const url = new URL(db.url);
      url.username = role;
      const t = await createTestApp({ DATABASE_URL: url.toString() });
      apps.push(t);
      await signInAndList(t.app.getHttpServer(), 3);
      await t.close();
      apps.pop();
    } finally {
      await db.drop();
      databases.splice(databases.indexOf(db), 1);
      await query(testDatabaseUrl(), `DROP ROLE IF EXISTS ${role}`);
    }
  });

  describe('a database migrated before the schema (tables in public)', () => {
    /** The old releases' migrations, as they ran, then rows in every table they made. */
    async function legacyDatabase(migrations: (new () => unknown)[]): Promise<FreshDatabase> {
      const db = await fresh('legacy');
      await runMigrations(
        buildDataSourceOptions(
          {
            url: db.url,
            poolSize: 1,
            connectTimeoutMs: 5000,
            statementTimeoutMs: 0,
            idleInTransactionTimeoutMs: 10_000,
            applicationName: 'sessions-schema-spec',
          },
          [],
          migrations,
        ),
      );
      const withFeed = migrations.length > 1;
      await query(
        db.url,
        `INSERT INTO public.users (id, username) VALUES (1001, 'alice'), (1002, 'bob');
         INSERT INTO public.sessions (id, user_id, device_type, ip, user_agent, amr, authenticated_at,
                                      last_active_at, idle_expires_at, expires_at, revoked_at, revoked_by)
         VALUES ('00000000-0000-4000-8000-000000000001', 1001, 'desktop', '192.0.2.1', 'ua', '{pwd}',
                 now(), now(), now() + interval '30 minutes', now() + interval '12 hours', NULL, NULL),
                ('00000000-0000-4000-8000-000000000002', 1002, 'mobile', '192.0.2.2', 'ua', '{otp}',
                 now(), now(), now() + interval '30 minutes', now() + interval '12 hours', now(), 'admin:1')` +
          (withFeed
            ? `; INSERT INTO public.session_revocations (session_id, user_id, revoked_at, revoked_by)
                 VALUES ('00000000-0000-4000-8000-000000000002', 1002, now(), 'admin:1')`
            : ''),
      );
      return db;
    }

    const tablesIn = (url: string, schema: string) =>
      query<{ table: string }>(
        url,
        `SELECT tablename AS table FROM pg_tables WHERE schemaname = $1
            AND tablename IN ('users', 'sessions', 'session_revocations') ORDER BY 1`,
        [schema],
      ).then((rows) => rows.map((r) => r.table));

    const contents = (url: string, schema: string) =>
      query(
        url,
        `SELECT (SELECT json_agg(u ORDER BY id) FROM "${schema}".users u) AS users,
                (SELECT json_agg(s ORDER BY id) FROM "${schema}".sessions s) AS sessions,
                (SELECT json_agg(r ORDER BY id) FROM "${schema}".session_revocations r) AS revocations`,
      );

    it('moves every table into session_service with all its rows, indexes and sequence', async () => {
      const db = await legacyDatabase(LEGACY_SESSIONS_MIGRATIONS);
      const before = await contents(db.url, 'public');

      const t = await createTestApp({ DATABASE_URL: db.url });
      apps.push(t);

      expect(await tablesIn(db.url, 'public')).toEqual([]);
      expect(await tablesIn(db.url, 'session_service')).toEqual([
        'session_revocations',
        'sessions',
        'users',
      ]);
      expect(await contents(db.url, 'session_service')).toEqual(before);
      const indexes = await query<{ name: string }>(
        db.url,
        `SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'session_service' ORDER BY 1`,
      );
      expect(indexes.map((i) => i.name)).toEqual([
        'relying_parties_pkey',
        'session_events_created_xid_idx',
        'session_events_occurred_idx',
        'session_events_pkey',
        'session_events_session_idx',
        'session_events_user_idx',
        'session_revocations_feed_idx',
        'session_revocations_pkey',
        'session_revocations_revoked_at_idx',
        'sessions_active_recent_idx',
        'sessions_ended_idx',
        'sessions_pkey',
        'sessions_unmarked_expiry_idx',
        'sessions_user_active_idx',
        'ssf_stream_acks_pkey',
        'ssf_stream_events_pkey',
        'ssf_stream_events_stream_idx',
        'ssf_stream_subjects_pkey',
        'ssf_streams_owner_idx',
        'ssf_streams_pkey',
        'tenants_pkey',
        'user_session_limits_pkey',
        'user_subjects_pkey',
        'user_subjects_user_id_idx',
        'users_pkey',
      ]);
      const history = await query<{ name: string }>(
        db.url,
        'SELECT name FROM public.migrations ORDER BY id',
      );
      expect(history.map((m) => m.name)).toEqual([
        'InitialSchema1763770000000',
        'SessionLifecycle1763780000000',
        'CoveringUserIndex1763790000000',
        'CanonicalAmrNames1763800000000',
        'SessionsSchema1763900000000',
        'UserSubjects1764000000000',
        'Tenants1765000000000',
        'SessionEvents1765100000000',
        'SignalStreams1765200000000',
        'SessionEstablishedFeed1765300000000',
      ]);

      // The service works on the moved rows: alice's session is listed, and the
      // feed's identity sequence moved along (a new revocation follows the old one).
      const http = t.app.getHttpServer() as App;
      const listed = await request(http)
        .get('/sessions/user/1001/sessions')
        .set(...bearer(tokenFor(1001)))
        .expect(200);
      expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([
        '00000000-0000-4000-8000-000000000001',
      ]);
      await request(http)
        .delete('/sessions/user/1001/sessions/00000000-0000-4000-8000-000000000001')
        .set(...bearer(tokenFor(1001)))
        .expect((res) => expect(res.status).toBeLessThan(300));
      const feed = await query<{ id: string }>(
        db.url,
        'SELECT id::text FROM session_service.session_revocations ORDER BY id',
      );
      expect(feed.map((r) => r.id)).toEqual(['1', '2']);
    });

    it('continues in the schema from a history that stops after the first old migration', async () => {
      const db = await legacyDatabase(LEGACY_SESSIONS_MIGRATIONS.slice(0, 1));
      const [before] = await query<Record<string, unknown>>(
        db.url,
        `SELECT (SELECT json_agg(u ORDER BY id) FROM public.users u) AS users,
                (SELECT json_agg(s.id ORDER BY id) FROM public.sessions s) AS sessions`,
      );
      const t = await createTestApp({ DATABASE_URL: db.url });
      apps.push(t);
      expect(await tablesIn(db.url, 'public')).toEqual([]);
      const [after] = await query<Record<string, unknown>>(
        db.url,
        `SELECT (SELECT json_agg(u ORDER BY id) FROM session_service.users u) AS users,
                (SELECT json_agg(s.id ORDER BY id) FROM session_service.sessions s) AS sessions`,
      );
      expect(after).toEqual(before);
    });
  });

  describe('a schema of the host', () => {
    it('DATABASE_SCHEMA puts the standalone service on another schema, end to end', async () => {
      const db = await fresh('custom');
      await query(db.url, HOST_TABLES);
      const before = await hostSnapshot(db.url);
      const t = await createTestApp({ DATABASE_URL: db.url, DATABASE_SCHEMA: 'auth_sessions' });
      apps.push(t);
      const http = t.app.getHttpServer() as App;
      await signInAndList(http, 1);
      await request(http)
        .get('/api/sessions/all')
        .set(...bearer(adminToken()))
        .expect(200)
        .expect((res) => expect(res.body.total).toBe(1));
      await t.app.get(SessionsSweeper).sweep();
      const [row] = await query<{ n: number }>(
        db.url,
        'SELECT count(*)::int AS n FROM auth_sessions.sessions',
      );
      expect(row.n).toBe(1);
      expect(
        await query(db.url, `SELECT 1 FROM pg_namespace WHERE nspname = 'session_service'`),
      ).toEqual([]);
      expect(await hostSnapshot(db.url)).toEqual(before);
    });

    it('the schema option and sessionsDatabase({ schema }) put an embedded library there', async () => {
      const db = await fresh('custom_module');
      const { entities, migrations } = sessionsDatabase({ schema: 'sessions_lib' });
      const app = await startHost([
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: db.url,
          entities,
          migrations,
          migrationsRun: true,
        }),
        SessionsModule.forRoot({ auth, schema: 'sessions_lib', sweepIntervalMs: 0 }),
      ]);
      apps.push(app);
      await signInAndList(app.getHttpServer() as App, 42);
      const [row] = await query<{ n: number }>(
        db.url,
        'SELECT count(*)::int AS n FROM sessions_lib.sessions WHERE user_id = 42',
      );
      expect(row.n).toBe(1);
      // The entities map to that schema's tables.
      const tables = app
        .get(DataSource)
        .entityMetadatas.map((m) => m.tablePath)
        .sort();
      expect(tables).toEqual([
        'sessions_lib.session_events',
        'sessions_lib.session_revocations',
        'sessions_lib.sessions',
        'sessions_lib.user_subjects',
        'sessions_lib.users',
      ]);
    });

    it.each(['Auth-Sessions', 'sessions; DROP TABLE users', '1sessions', 'pg_sessions', ''])(
      'refuses the schema name %j at start, with a message naming the option',
      async (schema) => {
        const refused = /SessionsModule: the schema option must/;
        expect(() => sessionsDatabase({ schema })).toThrow(refused);
        expect(() => SessionsModule.forRoot({ auth, schema })).toThrow(refused);
        await expect(
          startHost([
            StubDataSourceModule,
            SessionsModule.forRootAsync({ useFactory: () => ({ auth, schema }) }),
          ]),
        ).rejects.toThrow(refused);
        // The standalone service: refused with the configuration, before any connection.
        await expect(createTestApp({ DATABASE_SCHEMA: schema || 'Bad' })).rejects.toThrow(
          /DATABASE_SCHEMA/,
        );
      },
    );
  });

  it('dataSourceName: with two DataSources, the library works on the one named', async () => {
    const hostDb = await fresh('default_ds');
    const sessionsDb = await fresh('named_ds');
    const app = await startHost([
      TypeOrmModule.forRoot({ type: 'postgres', url: hostDb.url }),
      TypeOrmModule.forRoot({
        name: 'sessions',
        type: 'postgres',
        url: sessionsDb.url,
        entities: SESSIONS_ENTITIES,
        migrations: SESSIONS_MIGRATIONS,
        migrationsRun: true,
      }),
      SessionsModule.forRootAsync({
        dataSourceName: 'sessions',
        routePrefix: 'auth',
        useFactory: () => ({ auth, sweepIntervalMs: 0 }),
      }),
    ]);
    apps.push(app);
    const sessionId = await signInAndList(app.getHttpServer() as App, 7, '/auth');
    expect(await app.get(SessionsSweeper).sweep()).toMatchObject({ skipped: false });

    const [inNamed] = await query<{ id: string }>(
      sessionsDb.url,
      'SELECT id FROM session_service.sessions WHERE user_id = 7',
    );
    expect(inNamed.id).toBe(sessionId);
    expect(
      await query(hostDb.url, `SELECT 1 FROM pg_namespace WHERE nspname = 'session_service'`),
    ).toEqual([]);
    expect(app.get<DataSource>(getDataSourceToken('sessions')).isInitialized).toBe(true);
  });

  it('dataSourceName belongs beside useFactory: returned by the factory, it is refused', async () => {
    await expect(
      startHost([
        StubDataSourceModule,
        SessionsModule.forRootAsync({
          useFactory: () => ({ auth, dataSourceName: 'sessions' }) as SessionsModuleOptions,
        }),
      ]),
    ).rejects.toThrow(/dataSourceName is a static option/);
  });
});
