/**
 * Database faults the service must survive without a 500 or a crash, on the
 * real PostgreSQL: a statement cancelled by `statement_timeout` (SQLSTATE
 * 57014), and the service's own backends terminated by an operator
 * (`pg_terminate_backend`, SQLSTATE 57P01), idle or in the middle of a query.
 * A database that stalls (connections open, no byte passing, through a TCP
 * proxy) is answered within the client-side deadlines. (PostgreSQL going away
 * entirely is covered with a TCP proxy in problems.e2e-spec.ts and
 * operations.e2e-spec.ts.)
 */
import { Client, type Pool } from 'pg';
import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';
import { pollUntil, sleep } from './support/wait';
import { testDatabaseUrl } from './support/test-database';

const USER = 71;

type Res = request.Response;

/** A 503 Problem of `type` with a Retry-After of whole seconds equal to the body's. */
function expect503(res: Res, type: string, code: number): void {
  const body = expectProblem(res, 503);
  expect(body).toMatchObject({ type, code });
  const header = res.headers['retry-after'];
  expect(header).toMatch(/^[1-9][0-9]*$/);
  expect(body.retry_after).toBe(Number(header));
}

/** The database cannot be reached: `database-unavailable`. */
const expectDatabaseUnavailable = (res: Res): void =>
  expect503(res, '/problems/database-unavailable', 30250301);

/** A statement ran past statement_timeout while the database is fine: `query-timeout`, not an outage. */
const expectQueryTimeout = (res: Res): void => expect503(res, '/problems/query-timeout', 30250303);

/** A 200 session list holding the user's one seeded session. */
function expectList(res: Res, sessionId: string): void {
  expect(res.status, res.text).toBe(200);
  expect((res.body as { items: { id: string }[] }).items.map((s) => s.id)).toEqual([sessionId]);
}

const userList = (http: App): Promise<Res> =>
  request(http)
    .get(`/sessions/user/${USER}/sessions`)
    .set(...bearer(tokenFor(USER)))
    .then((r) => r);

describe('faults on the real PostgreSQL', () => {
  const clients: Client[] = [];

  const newClient = async (): Promise<Client> => {
    const client = new Client({ connectionString: testDatabaseUrl() });
    clients.push(client);
    await client.connect();
    return client;
  };

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.end().catch(() => undefined);
  });

  /** The pids of the app's backends in the test database (seen from `observer`). */
  const appBackends = async (observer: Client, serviceName: string): Promise<number[]> =>
    (
      await observer.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`,
        [serviceName],
      )
    ).rows.map((r) => r.pid);

  const lockWaiters = async (observer: Client, serviceName: string): Promise<number> =>
    (
      await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1 AND wait_event_type = 'Lock'`,
        [serviceName],
      )
    ).rows[0].n;

  describe('statement_timeout (DATABASE_STATEMENT_TIMEOUT_MS=500)', () => {
    let t: TestApp;
    let http: App;
    let sessionId: string;

    beforeAll(async () => {
      t = await createTestApp({ DATABASE_STATEMENT_TIMEOUT_MS: '500' });
      http = t.app.getHttpServer();
      await resetDatabase(t.dataSource);
      await insertUser(t.dataSource, USER, 'fay');
      sessionId = await insertSession(t.dataSource, { userId: USER });
    });

    afterAll(() => t?.close());

    it('answers a read blocked by a lock with a 503 query-timeout Problem in under 2 s, and 200 once it is released', async () => {
      expectList(await userList(http), sessionId);

      const locker = await newClient();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE session_service.sessions IN ACCESS EXCLUSIVE MODE');
      try {
        for (let i = 0; i < 2; i++) {
          const started = Date.now();
          const res = await userList(http);
          const elapsed = Date.now() - started;
          expectQueryTimeout(res);
          // Cancelled by the statement timeout: it waited for it, and no longer than it plus slack.
          expect(elapsed).toBeGreaterThanOrEqual(450);
          expect(elapsed).toBeLessThan(2000);
        }
      } finally {
        await locker.query('ROLLBACK');
      }

      // The same app, with the same pool, answers again at once.
      expectList(await userList(http), sessionId);
      await request(http).get('/health/ready').expect(200);
    });

    it('answers a session-bound token whose session check is blocked by a lock with a 503, never a 401 (the token is not at fault)', async () => {
      const bound = tokenFor(USER, { claims: { session_id: sessionId } });
      const list = () =>
        request(http)
          .get(`/sessions/user/${USER}/sessions`)
          .set(...bearer(bound));
      expectList(await list(), sessionId);

      const locker = await newClient();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE session_service.sessions IN ACCESS EXCLUSIVE MODE');
      try {
        const res = await list();
        expectQueryTimeout(res);
        expect(res.headers['www-authenticate']).toBeUndefined();
      } finally {
        await locker.query('ROLLBACK');
      }
      expectList(await list(), sessionId);
    });

    it('answers a sign-in blocked by a lock with a 503 query-timeout Problem and writes nothing', async () => {
      const locker = await newClient();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE session_service.sessions IN ACCESS EXCLUSIVE MODE');
      try {
        const started = Date.now();
        const res = await request(http)
          .post('/api/sessions')
          .set(...bearer(serviceToken()))
          .send({
            user_id: 72,
            username: 'gil',
            amr: ['pwd'],
            ip: '192.0.2.72',
            user_agent: 'curl/8.5.0',
          });
        expect(Date.now() - started).toBeLessThan(2000);
        expectQueryTimeout(res);
      } finally {
        await locker.query('ROLLBACK');
      }
      // The statement was cancelled as a whole: neither the user nor the session exists.
      expect(
        await t.dataSource.query('SELECT 1 FROM session_service.users WHERE id = 72'),
      ).toHaveLength(0);
      expect(
        await t.dataSource.query('SELECT 1 FROM session_service.sessions WHERE user_id = 72'),
      ).toHaveLength(0);
      expectList(await userList(http), sessionId);
    });
  });

  describe('pg_terminate_backend on the service', () => {
    let t: TestApp;
    let http: App;
    let sessionId: string;

    beforeAll(async () => {
      t = await createTestApp();
      http = t.app.getHttpServer();
      await resetDatabase(t.dataSource);
      await insertUser(t.dataSource, USER, 'fay');
      sessionId = await insertSession(t.dataSource, { userId: USER });
    });

    afterAll(() => t?.close());

    /** Terminates every backend of the app; returns how many were terminated. */
    async function terminateAppBackends(killer: Client): Promise<number> {
      const { rows } = await killer.query<{ terminated: boolean }>(
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`,
        [t.config.serviceName],
      );
      return rows.filter((r) => r.terminated).length;
    }

    /**
     * Sends requests until one is a 200: every answer on the way must be a 200 or
     * a 503 Problem, never a 500; a 200 must come within 20 attempts and 5 s.
     */
    async function expectRecovery(): Promise<number> {
      const deadline = Date.now() + 5000;
      for (let attempt = 1; attempt <= 20 && Date.now() < deadline; attempt++) {
        const res = await userList(http);
        if (res.status === 200) {
          expectList(res, sessionId);
          return attempt;
        }
        expectDatabaseUnavailable(res);
        await sleep(100);
      }
      throw new Error('no 200 within 20 attempts and 5 s after the backends were terminated');
    }

    it('survives its idle connections being terminated and answers 200 again', async () => {
      // Several requests at once, so the pool holds more than one connection.
      const warm = await Promise.all(Array.from({ length: 6 }, () => userList(http)));
      for (const res of warm) expectList(res, sessionId);

      const killer = await newClient();
      const before = await appBackends(killer, t.config.serviceName);
      expect(before.length).toBeGreaterThanOrEqual(1);
      expect(await terminateAppBackends(killer)).toBe(before.length);
      await pollUntil(
        () => appBackends(killer, t.config.serviceName),
        (pids) => pids.every((pid) => !before.includes(pid)),
        2000,
        'the terminated backends to be gone',
      );

      const attempts = await expectRecovery();
      // At most one request may be spent on the dropped connections.
      expect(attempts).toBeLessThanOrEqual(2);
      for (let i = 0; i < 5; i++) expectList(await userList(http), sessionId);
      await request(http).get('/health/live').expect(200);
      await request(http).get('/health/ready').expect(200);

      // New backends serve it: none of the terminated ones came back.
      const after = await appBackends(killer, t.config.serviceName);
      expect(after.length).toBeGreaterThanOrEqual(1);
      for (const pid of after) expect(before).not.toContain(pid);
    });

    it('answers a request whose backend is terminated mid-query with a 503 Problem, then 200', async () => {
      expectList(await userList(http), sessionId);

      const locker = await newClient();
      const killer = await newClient();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE session_service.sessions IN ACCESS EXCLUSIVE MODE');
      let inFlight: Promise<Res> | undefined;
      try {
        inFlight = userList(http);
        await pollUntil(
          () => lockWaiters(killer, t.config.serviceName),
          (n) => n >= 1,
          2500,
          'the request to wait on the lock',
        );
        expect(await terminateAppBackends(killer)).toBeGreaterThanOrEqual(1);
        const started = Date.now();
        const res = await inFlight;
        expect(Date.now() - started).toBeLessThan(2000);
        expectDatabaseUnavailable(res);
      } finally {
        await locker.query('ROLLBACK');
        await inFlight?.catch(() => undefined);
      }

      await expectRecovery();
      for (let i = 0; i < 3; i++) expectList(await userList(http), sessionId);
      await request(http).get('/health/ready').expect(200);
    });

    it('keeps answering through repeated terminations while requests run', async () => {
      const killer = await newClient();
      const statuses: number[] = [];
      for (let round = 0; round < 3; round++) {
        const burst = Promise.all(Array.from({ length: 8 }, () => userList(http)));
        await sleep(5);
        await terminateAppBackends(killer);
        for (const res of await burst) {
          statuses.push(res.status);
          if (res.status === 200) expectList(res, sessionId);
          else expectDatabaseUnavailable(res);
        }
        await expectRecovery();
      }
      expect(statuses).toHaveLength(24);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    });
  });

  describe('a stalled database: connections open, no byte passing (TCP proxy)', () => {
    let proxy: TcpProxy;
    let t: TestApp;
    let http: App;
    let sessionId: string;
    let nextUser = 7300;

    beforeAll(async () => {
      const target = new URL(testDatabaseUrl());
      proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
      await proxy.start();
      t = await createTestApp({ DATABASE_URL: proxy.rewrite(testDatabaseUrl()) });
      http = t.app.getHttpServer();
      await resetDatabase(t.dataSource);
      await insertUser(t.dataSource, USER, 'fay');
      sessionId = await insertSession(t.dataSource, { userId: USER });
    });

    afterAll(async () => {
      proxy?.unstall();
      await t?.close();
      await proxy?.cut();
    });

    const pool = (): Pool => (t.dataSource.driver as unknown as { master: Pool }).master;

    const signIn = (http: App): Promise<Res> =>
      request(http)
        .post('/api/sessions')
        .set(...bearer(serviceToken()))
        .send({
          user_id: nextUser++,
          username: 'hal',
          amr: ['pwd'],
          ip: '192.0.2.73',
          user_agent: 'curl/8.5.0',
        })
        .then((r) => r);

    /** The answer and how long it took; a request still unanswered after 5 s fails. */
    const timed = async (send: () => Promise<Res>): Promise<{ res: Res; ms: number }> => {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const res = await Promise.race([
        send(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
        }),
      ]).finally(() => clearTimeout(timer));
      return { res, ms: Date.now() - started };
    };

    it('answers the user list and a sign-in with a 503 Problem within 2 s, then 200 again without a restart', async () => {
      // Warm the pool: several requests at once, so it holds several connections.
      for (const res of await Promise.all(Array.from({ length: 4 }, () => userList(http)))) {
        expectList(res, sessionId);
      }
      expect(pool().idleCount).toBeGreaterThanOrEqual(2);

      proxy.stall();
      // The first round meets the pooled connections, the second has to open new ones.
      for (let round = 0; round < 2; round++) {
        const answers = await Promise.all([
          timed(() => userList(http)),
          timed(() => userList(http)),
          timed(() => signIn(http)),
          timed(() => signIn(http)),
        ]);
        for (const { res, ms } of answers) {
          expectDatabaseUnavailable(res);
          expect(ms).toBeLessThan(2000);
        }
      }

      proxy.unstall();
      expectList(await userList(http), sessionId);
      expect((await signIn(http)).status).toBe(201);
      // As many requests at once as the pool has connections: each connection it holds works.
      const burst = await Promise.all(
        Array.from({ length: t.config.database.poolSize }, () => timed(() => userList(http))),
      );
      for (const { res } of burst) expectList(res, sessionId);
      // The connections given up on were closed, not kept: the pool holds only live ones, and
      // every connection through the proxy is one of them.
      expect(pool().totalCount).toBeLessThanOrEqual(t.config.database.poolSize);
      await pollUntil(
        () => Promise.resolve(proxy.connections),
        (proxied) => proxied === pool().totalCount,
        2000,
        'only the live pooled connections to remain',
      );
      await request(http).get('/health/ready').expect(200);
    });

    it('answers a sign-in under a session limit (one pipelined transaction) with a 503 within 2 s, then 201 with the limit held', async () => {
      const limited = 7900;
      await insertUser(t.dataSource, limited, 'ivy');
      await request(http)
        .put(`/api/users/${limited}/session-limit`)
        .set(...bearer(adminToken()))
        .send({ max_sessions: 1, limit_policy: 'evict-oldest' })
        .expect(200);
      const limitedSignIn = () =>
        request(http)
          .post('/api/sessions')
          .set(...bearer(serviceToken()))
          .send({
            user_id: limited,
            username: 'ivy',
            amr: ['pwd'],
            ip: '192.0.2.79',
            user_agent: 'curl/8.5.0',
          })
          .then((r) => r);
      expect((await limitedSignIn()).status).toBe(201);

      proxy.stall();
      const { res, ms } = await timed(limitedSignIn);
      expectDatabaseUnavailable(res);
      expect(ms).toBeLessThan(2000);

      proxy.unstall();
      expect((await limitedSignIn()).status).toBe(201);
      const [active] = await t.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM session_service.sessions
          WHERE user_id = $1 AND revoked_at IS NULL`,
        [limited],
      );
      expect(active.n).toBe(1);
      await request(http).get('/health/ready').expect(200);
    });

    it('leaves PostgreSQL a backend for each live pooled connection only, none for those given up on', async () => {
      for (const res of await Promise.all(Array.from({ length: 4 }, () => userList(http)))) {
        expectList(res, sessionId);
      }
      proxy.stall();
      // Given up on: pooled connections in the first round, connections being opened in the second.
      for (let round = 0; round < 2; round++) {
        for (const { res } of await Promise.all([
          timed(() => userList(http)),
          timed(() => signIn(http)),
        ])) {
          expectDatabaseUnavailable(res);
        }
      }
      proxy.unstall();
      const burst = await Promise.all(
        Array.from({ length: t.config.database.poolSize }, () => timed(() => userList(http))),
      );
      for (const { res } of burst) expectList(res, sessionId);

      const observer = await newClient();
      const backends = await pollUntil(
        () => appBackends(observer, t.config.serviceName),
        (pids) => pids.length === pool().totalCount && proxy.connections === pool().totalCount,
        2000,
        'a backend for each live pooled connection only',
      );
      expect(backends.length).toBeGreaterThanOrEqual(1);
    });
  });
});
