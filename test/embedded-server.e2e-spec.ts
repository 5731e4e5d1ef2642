import { Client } from 'pg';
import { loadConfig } from '../apps/session-service/src/config/app.config';
import { TEST_JWT_SECRET } from './support/tokens';

/**
 * The embedded PostgreSQL's server (libs/database/src/embedded-server.ts),
 * spoken to by plain `pg` clients: several connections share PGlite's one
 * backend without seeing each other's half-done work. Runs in the
 * e2e-embedded project only (it is about that backend).
 */
async function connect(): Promise<Client> {
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  return client;
}

describe('embedded PostgreSQL server: connections take turns on the one backend', () => {
  const clients: Client[] = [];
  const open = async () => {
    const client = await connect();
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    const setup = await open();
    await setup.query('DROP TABLE IF EXISTS embedded_turns');
    await setup.query('CREATE TABLE embedded_turns (n int)');
  });

  afterAll(async () => {
    const cleanup = await connect();
    await cleanup.query('DROP TABLE IF EXISTS embedded_turns');
    await cleanup.end();
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  });

  it('runs another connection only after an open transaction ends, never inside it', async () => {
    const a = await open();
    const b = await open();
    await a.query('BEGIN');
    await a.query('INSERT INTO embedded_turns VALUES (1)');
    let bDone = false;
    const bCount = b
      .query<{ n: number }>('SELECT count(*)::int AS n FROM embedded_turns')
      .then((r) => {
        bDone = true;
        return r.rows[0].n;
      });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Still inside a's transaction: b waits rather than run in it.
    expect(bDone).toBe(false);
    await a.query('INSERT INTO embedded_turns VALUES (2)');
    await a.query('ROLLBACK');
    expect(await bCount).toBe(0);
  });

  it('keeps each connection its own prepared statement under the same name', async () => {
    const [a, b] = [await open(), await open()];
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const [client, text] =
          i % 2 === 0 ? [a, 'SELECT $1::int + 1000 AS v'] : [b, 'SELECT $1::int + 2000 AS v'];
        return client.query<{ v: number }>({ name: 'same_name', text, values: [i] });
      }),
    );
    results.forEach((r, i) => expect(r.rows[0].v).toBe(i + (i % 2 === 0 ? 1000 : 2000)));
  });

  it('never mixes the extended-protocol exchanges of concurrent connections', async () => {
    const many = await Promise.all(Array.from({ length: 8 }, () => open()));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        many[i % many.length].query<{ v: string }>('SELECT $1::text AS v', [`value-${i}`]),
      ),
    );
    results.forEach((r, i) => expect(r.rows).toEqual([{ v: `value-${i}` }]));
  });

  it('rolls back the transaction of a connection that disconnects inside it, and serves the others', async () => {
    const a = await connect();
    const aErrors: Error[] = [];
    a.on('error', (error) => aErrors.push(error));
    await a.query('BEGIN');
    await a.query('INSERT INTO embedded_turns VALUES (3)');
    const b = await open();
    const waiting = b.query<{ n: number }>('SELECT count(*)::int AS n FROM embedded_turns');
    // Gone without COMMIT or ROLLBACK (the socket just closes).
    (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows[0].n).toBe(0);
    expect((await b.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(aErrors.map((e) => e.message)).toEqual(['Connection terminated unexpectedly']);
  });

  it('lets a new connection in while another holds the backend in a transaction', async () => {
    const a = await open();
    await a.query('BEGIN');
    const b = await open();
    await a.query('COMMIT');
    expect((await b.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('fails a statement that waits past statement_timeout with 57014, and the holder carries on', async () => {
    const a = await open();
    const b = await open();
    await a.query('BEGIN');
    const started = Date.now();
    const error = await b.query('SELECT 1').then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    expect(error?.code).toBe('57014');
    // The run's server has the service's default statement timeout (DATABASE_STATEMENT_TIMEOUT_MS).
    const { statementTimeoutMs } = loadConfig({ JWT_SECRET: TEST_JWT_SECRET }).database;
    expect(Date.now() - started).toBeGreaterThanOrEqual(statementTimeoutMs - 50);
    expect(Date.now() - started).toBeLessThan(15_000);
    await a.query('INSERT INTO embedded_turns VALUES (4)');
    await a.query('COMMIT');
    // b's connection is usable again.
    expect(
      (await b.query<{ n: number }>('SELECT count(*)::int AS n FROM embedded_turns')).rows[0].n,
    ).toBe(1);
  });
});
