import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import {
  type ServiceProcess,
  startServiceProcess as startService,
} from './support/service-process';
import { TcpProxy } from './support/tcp-proxy';
import { testEnvironment } from './support/test-app';
import { bearer, serviceToken, tokenFor } from './support/tokens';

/**
 * The real entry point (`main.ts`) in its own process: SIGTERM turns readiness
 * to 503, lets in-flight requests finish, closes the pool and exits 0 within
 * the deadline; past the deadline it exits 1. Its request log lines are
 * checked on the way.
 */
const USER = 9001;

async function exitOf(child: ChildProcess, withinMs: number): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const timer = setTimeout(() => child.kill('SIGKILL'), withinMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}

describe('graceful shutdown of the real process', () => {
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });

  afterAll(() => db.end());

  const seed = async () => {
    await db.query(
      'INSERT INTO session_service.users (id, username) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
      [USER, 'shutdown'],
    );
    await db.query(
      `INSERT INTO session_service.sessions (user_id, device_type, ip, user_agent, amr, authenticated_at,
                             last_active_at, idle_expires_at, expires_at)
       VALUES ($1, 'desktop', '192.0.2.1', 'test', '{pwd}', now(), now(),
               now() + interval '10 minutes', now() + interval '1 hour')`,
      [USER],
    );
  };

  it('drains: readiness 503, in-flight request completes, exit 0; request logged without credentials', async () => {
    const service = await startService(
      testEnvironment({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        SHUTDOWN_DRAIN_MS: '1500',
        SHUTDOWN_TIMEOUT_MS: '10000',
        // The request held on a lock stays in flight past the default query deadline.
        DATABASE_STATEMENT_TIMEOUT_MS: '9000',
        DATABASE_QUERY_TIMEOUT_MS: '10000',
      }),
    );
    const lock = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    try {
      await seed();
      const token = tokenFor(USER);
      await request(service.url)
        .get(`/sessions/user/${USER}/sessions`)
        .set(...bearer(token))
        .expect(200);
      await request(service.url).get('/health/ready').expect(200);

      // Hold the sessions table so the next request stays in flight.
      await lock.connect();
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE session_service.sessions IN ACCESS EXCLUSIVE MODE');
      const inFlight = request(service.url)
        .get(`/sessions/user/${USER}/sessions`)
        .set(...bearer(token))
        .then((res) => res.status);
      await new Promise((resolve) => setTimeout(resolve, 300));

      // An idle keep-alive connection: shutdown must close it, not wait for it.
      const { port } = new URL(service.url);
      const idle = connect(Number(port), '127.0.0.1');
      idle.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
      await once(idle, 'data');
      const idleClosed = once(idle, 'close');

      const signalledAt = Date.now();
      service.child.kill('SIGTERM');
      let readyStatus = 0;
      for (let i = 0; i < 20 && readyStatus !== 503; i++) {
        readyStatus = (await request(service.url).get('/health/ready')).status;
        if (readyStatus !== 503) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(readyStatus).toBe(503);

      await lock.query('ROLLBACK');
      expect(await inFlight).toBe(200);
      expect(await exitOf(service.child, 15_000)).toBe(0);
      await idleClosed;
      expect(Date.now() - signalledAt).toBeLessThan(10_000);

      const lines = service
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const requestLine = lines.find(
        (l) => l.route === '/sessions/user/:user_id/sessions' && typeof l.responseTime === 'number',
      );
      expect(requestLine).toMatchObject({
        request_id: expect.stringMatching(/^req_/),
        trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        res: { status: 200 },
      });
      expect(service.output()).not.toContain(token);
      expect(service.output()).not.toMatch(/authorization/i);
    } finally {
      await lock.end().catch(() => undefined);
      service.child.kill('SIGKILL');
    }
  }, 90_000);

  it('exits 1 once the shutdown deadline passes with a request still running', async () => {
    const service = await startService(
      testEnvironment({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        SHUTDOWN_DRAIN_MS: '0',
        SHUTDOWN_TIMEOUT_MS: '1500',
        DATABASE_STATEMENT_TIMEOUT_MS: '30000',
        DATABASE_QUERY_TIMEOUT_MS: '31000',
      }),
    );
    const lock = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    try {
      await seed();
      await lock.connect();
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE session_service.sessions IN ACCESS EXCLUSIVE MODE');
      const stuck = request(service.url)
        .get(`/sessions/user/${USER}/sessions`)
        .set(...bearer(tokenFor(USER)))
        .then(
          (res) => res.status,
          () => 0,
        );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const signalledAt = Date.now();
      service.child.kill('SIGTERM');
      expect(await exitOf(service.child, 15_000)).toBe(1);
      const took = Date.now() - signalledAt;
      expect(took).toBeGreaterThanOrEqual(1400);
      expect(took).toBeLessThan(10_000);
      await lock.query('ROLLBACK');
      await stuck;
    } finally {
      await lock.end().catch(() => undefined);
      service.child.kill('SIGKILL');
    }
  }, 90_000);

  describe('exits 0 within the drain time plus 2 s, whatever the clients do', () => {
    const DRAIN_MS = 1500;
    const BOUND_MS = DRAIN_MS + 2000;
    const env = (overrides: NodeJS.ProcessEnv = {}) =>
      testEnvironment({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
        SHUTDOWN_TIMEOUT_MS: '15000',
        ...overrides,
      });

    /** Sends SIGTERM; resolves with the exit code and how long it took (killed past 15 s). */
    async function terminate(
      service: ServiceProcess,
    ): Promise<{ code: number | null; ms: number }> {
      const signalledAt = Date.now();
      service.child.kill('SIGTERM');
      const code = await exitOf(service.child, 15_000);
      return { code, ms: Date.now() - signalledAt };
    }

    it('with a revocation stream (SSE) open: the stream gets a final shutdown event', async () => {
      const service = await startService(env());
      try {
        const { port } = new URL(service.url);
        let received = '';
        const streamEnded = new Promise<void>((resolve) => {
          httpGet(
            {
              host: '127.0.0.1',
              port,
              path: '/api/sessions/revocations/stream',
              headers: { authorization: `Bearer ${serviceToken()}`, accept: 'text/event-stream' },
            },
            (res: IncomingMessage) => {
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (received += chunk));
              res.on('close', resolve);
            },
          ).on('error', () => resolve());
        });
        // The stream is open: its headers came, and it keeps going.
        const deadline = Date.now() + 10_000;
        while (!received && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

        const { code, ms } = await terminate(service);
        expect(code).toBe(0);
        expect(ms).toBeLessThan(BOUND_MS);
        await streamEnded;
        expect(received).toMatch(/event: shutdown\n/);
      } finally {
        service.child.kill('SIGKILL');
      }
    }, 90_000);

    it('with an SSF poll waiting for SETs: the poll answers, empty, before the listener closes', async () => {
      const service = await startService(
        env({ SIGNALS_ISSUER: 'http://127.0.0.1', SIGNALS_POLL_TIMEOUT_MS: '30000' }),
      );
      try {
        const receiver = tokenFor(7, { roles: ['ssf-receiver'] });
        const created = await request(service.url)
          .post('/ssf/streams')
          .set(...bearer(receiver))
          .send({ delivery: { method: 'urn:ietf:rfc:8936' }, description: 'shutdown poll' });
        expect(created.status).toBe(201);
        const pollPath = new URL(
          (created.body as { delivery: { endpoint_url: string } }).delivery.endpoint_url,
        ).pathname;
        const startedAt = Date.now();
        // Nothing waits for the stream: without returnImmediately the poll holds.
        const held = request(service.url)
          .post(pollPath)
          .set(...bearer(receiver))
          .send({})
          .then(
            (res) => ({ status: res.status, body: res.body as unknown, at: Date.now() }),
            (error: Error) => ({ status: 0, body: error.message, at: Date.now() }),
          );
        await new Promise((resolve) => setTimeout(resolve, 500));

        const { code, ms } = await terminate(service);
        expect(code).toBe(0);
        expect(ms).toBeLessThan(BOUND_MS);
        const answer = await held;
        expect(answer).toMatchObject({ status: 200, body: { sets: {}, moreAvailable: false } });
        // Answered at the shutdown, long before the poll timeout.
        expect(answer.at - startedAt).toBeLessThan(10_000);
      } finally {
        service.child.kill('SIGKILL');
      }
    }, 90_000);

    it('with a half-sent body, and a 503 Problem with Connection: close on a kept-alive connection during the close', async () => {
      const service = await startService(
        env({ DATABASE_STATEMENT_TIMEOUT_MS: '9000', DATABASE_QUERY_TIMEOUT_MS: '10000' }),
      );
      const lock = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      try {
        await seed();
        const { port } = new URL(service.url);
        // A body announced at 200 bytes of which 10 come.
        const stalled = connect(Number(port), '127.0.0.1');
        stalled.on('error', () => undefined);
        stalled.write(
          `POST /api/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${serviceToken()}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"user_id"',
        );
        const stalledClosed = once(stalled, 'close');

        // A kept-alive connection: one request held on a lock, a second one pipelined behind it.
        await lock.connect();
        await lock.query('BEGIN');
        await lock.query('LOCK TABLE session_service.sessions IN ACCESS EXCLUSIVE MODE');
        const kept = connect(Number(port), '127.0.0.1');
        let keptReceived = '';
        kept.setEncoding('latin1');
        kept.on('data', (chunk: string) => (keptReceived += chunk));
        kept.on('error', () => undefined);
        const keptClosed = once(kept, 'close');
        const get = `GET /sessions/user/${USER}/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${tokenFor(USER)}\r\n\r\n`;
        kept.write(get);
        await new Promise((resolve) => setTimeout(resolve, 300));

        const signalledAt = Date.now();
        service.child.kill('SIGTERM');
        // Once the drain is over the listener is closed: then the pipelined request arrives.
        await new Promise((resolve) => setTimeout(resolve, DRAIN_MS + 200));
        kept.write(get);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await lock.query('ROLLBACK');

        const code = await exitOf(service.child, 15_000);
        const ms = Date.now() - signalledAt;
        expect(code).toBe(0);
        expect(ms).toBeLessThan(BOUND_MS);
        await stalledClosed;
        await keptClosed;
        const responses = keptReceived.split(/(?=HTTP\/1\.1 )/);
        expect(responses).toHaveLength(2);
        expect(responses[0]).toMatch(/^HTTP\/1\.1 200 /);
        expect(responses[1]).toMatch(/^HTTP\/1\.1 503 /);
        expect(responses[1]).toMatch(/\r\nconnection: close\r\n/i);
        expect(responses[1]).toMatch(/\r\nretry-after: [1-9][0-9]*\r\n/i);
        expect(responses[1]).toMatch(/\r\ncontent-type: application\/problem\+json/i);
        expect(responses[1]).toContain('"status":503');
      } finally {
        await lock.end().catch(() => undefined);
        service.child.kill('SIGKILL');
      }
    }, 90_000);

    it('after a black-holed database came back and a burst of requests met it', async () => {
      const target = new URL(process.env.TEST_DATABASE_URL!);
      const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
      await proxy.start();
      const service = await startService(
        env({ DATABASE_URL: proxy.rewrite(process.env.TEST_DATABASE_URL!) }),
      );
      try {
        await seed();
        const token = tokenFor(USER);
        const list = () =>
          request(service.url)
            .get(`/sessions/user/${USER}/sessions`)
            .set(...bearer(token))
            .then(
              (res) => res.status,
              () => 0,
            );
        expect(await list()).toBe(200);

        proxy.blackHole();
        const burst = Promise.all(Array.from({ length: 12 }, list));
        await Promise.race([burst, new Promise((resolve) => setTimeout(resolve, 3000))]);
        proxy.restore();

        const { code, ms } = await terminate(service);
        expect(code).toBe(0);
        expect(ms).toBeLessThan(BOUND_MS);
      } finally {
        service.child.kill('SIGKILL');
        await proxy.cut();
      }
    }, 90_000);
  });
});
