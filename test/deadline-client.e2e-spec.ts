/**
 * The database pool's client-side query deadline (`DeadlineClient`), on the
 * real PostgreSQL through a TCP proxy that can stall: a query not answered
 * in time fails with `Query read timeout` and its connection is dropped,
 * whatever the form of the call, while queries answered in time never trip
 * it, however long the connection lives.
 */
import { Pool, type PoolClient } from 'pg';
import { DeadlineClient, QUERY_DEADLINE_MESSAGE } from '@session-service/database';
import { TcpProxy } from './support/tcp-proxy';
import { testDatabaseUrl } from './support/test-database';
import { sleep } from './support/wait';

const DEADLINE_MS = 300;

describe('DeadlineClient', () => {
  let proxy: TcpProxy;
  const pools: Pool[] = [];

  const pool = (queryTimeout = DEADLINE_MS): Pool => {
    const created = new Pool({
      connectionString: proxy.rewrite(testDatabaseUrl()),
      max: 2,
      Client: DeadlineClient,
      query_timeout: queryTimeout || undefined,
    });
    pools.push(created);
    return created;
  };

  /** How long `work` took to settle, and its error if it failed. */
  const timed = async (work: () => Promise<unknown>): Promise<{ ms: number; error?: Error }> => {
    const started = performance.now();
    try {
      await work();
      return { ms: performance.now() - started };
    } catch (error) {
      return { ms: performance.now() - started, error: error as Error };
    }
  };

  beforeEach(async () => {
    const target = new URL(testDatabaseUrl());
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
  });

  afterEach(async () => {
    proxy.unstall();
    for (const p of pools.splice(0)) await p.end().catch(() => undefined);
    await proxy.cut();
  });

  it('fails a stalled query with the deadline error near the deadline and drops its connection', async () => {
    const db = pool();
    await db.query('SELECT 1');
    expect(db.totalCount).toBe(1);
    proxy.stall();
    const { ms, error } = await timed(() => db.query('SELECT 1'));
    expect(error?.message).toBe(QUERY_DEADLINE_MESSAGE);
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    expect(ms).toBeLessThan(DEADLINE_MS + 1500);
    // The pool let go of the connection rather than handing it out again.
    expect(db.totalCount).toBe(0);
    proxy.unstall();
    expect((await db.query<{ n: number }>('SELECT 2 AS n')).rows).toEqual([{ n: 2 }]);
  });

  it('applies to promise and callback calls on a checked-out client, and a queued query fails too', async () => {
    const db = pool();
    const client: PoolClient = await db.connect();
    await client.query('SELECT 1');
    proxy.stall();
    const viaPromise = timed(() => client.query('SELECT 1'));
    const viaCallback = timed(
      () =>
        new Promise((resolve, reject) =>
          client.query('SELECT 2', [], (error: Error | null, result: unknown) =>
            error ? reject(error) : resolve(result),
          ),
        ),
    );
    const [first, second] = await Promise.all([viaPromise, viaCallback]);
    expect(first.error?.message).toBe(QUERY_DEADLINE_MESSAGE);
    expect(second.error?.message).toBe(QUERY_DEADLINE_MESSAGE);
    client.release();
    expect(db.totalCount).toBe(0);
  });

  it('never trips on queries answered in time, over a connection that lives many deadlines', async () => {
    const db = pool();
    const client = await db.connect();
    const until = performance.now() + DEADLINE_MS * 4;
    let answered = 0;
    while (performance.now() < until) {
      await client.query('SELECT pg_sleep(0.02)');
      answered++;
    }
    // Idle past the deadline (the timer fires with nothing outstanding), then used again.
    await sleep(DEADLINE_MS * 2);
    expect((await client.query<{ n: number }>('SELECT 3 AS n')).rows).toEqual([{ n: 3 }]);
    client.release();
    expect(answered).toBeGreaterThan(5);
    expect(db.totalCount).toBe(1);
    // ... and its deadline still holds once the connection has sat idle.
    proxy.stall();
    const { error } = await timed(() => db.query('SELECT 1'));
    expect(error?.message).toBe(QUERY_DEADLINE_MESSAGE);
  });

  it('gives a query queued behind a slow one its own full deadline', async () => {
    const db = pool();
    const client = await db.connect();
    await client.query('SELECT 1');
    // The first takes most of its deadline; the second is sent meanwhile and answered
    // after the first one's deadline has passed, within its own.
    const slow = client.query(`SELECT pg_sleep(${(DEADLINE_MS * 0.7) / 1000})`);
    await sleep(DEADLINE_MS * 0.5);
    const next = client.query<{ n: number }>(
      `SELECT 4 AS n FROM pg_sleep(${(DEADLINE_MS * 0.4) / 1000})`,
    );
    await slow;
    expect((await next).rows).toEqual([{ n: 4 }]);
    client.release();
    expect(db.totalCount).toBe(1);
  });

  it('sets no deadline without query_timeout', async () => {
    const db = pool(0);
    await db.query('SELECT 1');
    proxy.stall();
    const pending = timed(() => db.query('SELECT 5 AS n'));
    await sleep(DEADLINE_MS * 2);
    proxy.unstall();
    const { error } = await pending;
    expect(error).toBeUndefined();
    expect(db.totalCount).toBe(1);
  });

  it('refuses a query that cannot be sent without leaving a deadline behind', async () => {
    const db = pool();
    const client = await db.connect();
    expect(() => client.query(null as unknown as string)).toThrow(TypeError);
    await sleep(DEADLINE_MS * 2);
    expect((await client.query<{ n: number }>('SELECT 6 AS n')).rows).toEqual([{ n: 6 }]);
    client.release();
    expect(db.totalCount).toBe(1);
  });
});
