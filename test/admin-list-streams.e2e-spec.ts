/**
 * The streamed full admin list (`GET /api/sessions/all` without `limit`) holds
 * a database connection while it streams. Readers that stop reading must not
 * take the pool the user-facing routes need: streams have their own small
 * budget of connections (503 with Retry-After past it), and a stream whose
 * client does not drain the response in time is cut and gives its connection
 * back.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, tokenFor } from './support/tokens';
import { pollUntil } from './support/wait';

const USER = 8101;
/** Enough sessions that the list is far larger than the socket buffers on both ends. */
const SESSIONS = 20_000;
const STREAMS = 2;
/** Long enough that every stream below is open before the first one is cut. */
const WRITE_TIMEOUT_MS = 3000;

interface RawStream {
  socket: Socket;
  /** Everything received so far: status line, headers and body. */
  received: () => string;
}

/** Opens the full list on a raw connection, waits for the first bytes, then stops reading. */
async function openAndStall(port: number): Promise<RawStream> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(
    `GET /api/sessions/all HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${adminToken()}\r\n\r\n`,
  );
  await once(socket, 'data');
  socket.pause();
  return { socket, received: () => received };
}

describe('streamed admin list: readers that stop reading', () => {
  let t: TestApp;
  let http: App;
  let observer: Client;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({
      DATABASE_STREAM_POOL_SIZE: String(STREAMS),
      DATABASE_STREAM_WRITE_TIMEOUT_MS: String(WRITE_TIMEOUT_MS),
      RATE_LIMIT_IP_PER_MINUTE: '100000',
      RATE_LIMIT_USER_PER_MINUTE: '100000',
    });
    await t.app.listen(0, '127.0.0.1');
    http = t.app.getHttpServer();
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, USER, 'ivy');
    await insertSession(t.dataSource, { userId: USER });
    observer = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await observer.connect();
    // Seeded outside the app, whose pool has a query deadline made for requests.
    await observer.query(
      `INSERT INTO session_service.sessions (user_id, device_type, ip, user_agent, amr, authenticated_at,
                             last_active_at, idle_expires_at, expires_at)
       SELECT $1, 'desktop', '192.0.2.9', repeat('Mozilla/5.0 (X11; Linux x86_64) ', 8), '{pwd}',
              now(), now() - make_interval(secs => g), now() + interval '1 hour', now() + interval '2 hours'
         FROM generate_series(1, $2) g`,
      [USER, SESSIONS],
    );
  }, 60_000);

  const sockets: Socket[] = [];

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await observer?.end();
    await t?.close();
  });

  /**
   * Streams the service holds open on the database. On PostgreSQL each one is a
   * transaction of its own connection, idle between FETCHes (pg_stat_activity).
   * On the embedded PostgreSQL each one is a WITH HOLD cursor outside any
   * transaction, and pg_stat_activity lists only PGlite's one backend; but
   * every connection shares that backend's session, so the observer sees the
   * service's cursors in pg_cursors.
   */
  const openStreams = async (): Promise<number> =>
    (
      await (process.env.TEST_DATABASE_EMBEDDED === 'true'
        ? observer.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_cursors WHERE name LIKE 'admin\\_list\\_%'`,
          )
        : observer.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = $1
                AND state = 'idle in transaction'`,
            [t.config.serviceName],
          ))
    ).rows[0].n;

  it('keeps the user routes answering, refuses streams past the budget, and cuts stalled ones', async () => {
    // As many stalled readers as the pool has connections, and more.
    const streams = await Promise.all(
      Array.from({ length: t.config.database.poolSize + 1 }, () => openAndStall(port)),
    );
    for (const stream of streams) sockets.push(stream.socket);
    const statuses = streams.map((s) => /^HTTP\/1\.1 (\d{3})/.exec(s.received())?.[1]);
    expect(statuses.filter((s) => s === '200')).toHaveLength(STREAMS);
    for (const s of streams.filter((s) => !s.received().startsWith('HTTP/1.1 200'))) {
      expect(s.received()).toMatch(/^HTTP\/1\.1 503/);
      expect(s.received()).toMatch(/\r\nretry-after: [1-9][0-9]*\r\n/i);
      expect(s.received()).toContain('/problems/streams-busy');
    }

    // The user's own list is served from the connections the streams may not take.
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await request(http)
        .get(`/sessions/user/${USER}/sessions`)
        .set(...bearer(tokenFor(USER)));
      expect(res.status, res.text).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
    }

    // Both streams hold their place on the database until the write deadline...
    await pollUntil(openStreams, (n) => n === STREAMS, 2000, 'the stalled streams to be open');
    // ...past which they are ended and their transactions (cursors) closed.
    await pollUntil(openStreams, (n) => n === 0, 15_000, 'the stalled streams to let go');
    const stalled = streams.filter((s) => s.received().startsWith('HTTP/1.1 200'));
    for (const s of stalled) {
      const closed = once(s.socket, 'close');
      s.socket.resume();
      await closed;
      // Cut short: the list never got its closing `"total"`.
      expect(s.received()).not.toMatch(/"total":\d+\}(\r\n0\r\n\r\n)?$/);
    }
    for (const s of streams) s.socket.destroy();

    // The budget is free again: a reader that keeps reading gets the whole list.
    const full = await request(http)
      .get('/api/sessions/all')
      .set(...bearer(adminToken()));
    expect(full.status).toBe(200);
    expect((full.body as { total: number }).total).toBe(SESSIONS + 1);
  }, 60_000);
});
