import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { BENCH_DB, BENCH_DB_URL, PG_ADMIN_URL, ROOT, run } from './common';

export const EXPECTED = { users: 100_000, sessions: 1_000_000, minActiveShare: 0.8 };

export interface SeedInfo {
  reused: boolean;
  seconds: number;
  users: number;
  sessions: number;
  active: number;
  postgres: string;
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function counts(): Promise<{ users: number; sessions: number; active: number } | null> {
  try {
    return await withClient(BENCH_DB_URL, async (c) => {
      const { rows } = await c.query<{ users: number; sessions: number; active: number }>(
        `SELECT (SELECT count(*)::int FROM session_service.users) AS users,
                (SELECT count(*)::int FROM session_service.sessions) AS sessions,
                (SELECT count(*)::int FROM session_service.sessions s WHERE s.revoked_at IS NULL
                    AND s.expires_at > now() AND s.idle_expires_at > now()) AS active`,
      );
      return rows[0];
    });
  } catch {
    return null; // no database, or no schema yet
  }
}

async function appliedMigrations(): Promise<number> {
  return withClient(BENCH_DB_URL, async (c) => {
    const { rows } = await c.query<{ n: number }>(
      `SELECT CASE WHEN to_regclass('migrations') IS NULL THEN 0
                   ELSE (SELECT count(*)::int FROM migrations) END AS n`,
    );
    return rows[0].n;
  });
}

/** The service's own migrations, through its TypeORM CLI script. */
function migrate(): void {
  run('npm', ['run', '--silent', 'migration:run'], {
    ...process.env,
    DATABASE_URL: BENCH_DB_URL,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
  });
}

/**
 * Makes sure `sessions_bench` holds the benchmark data: reuses it when the row counts
 * match (and most sessions are still active), otherwise drops, recreates, migrates and
 * fills it. Pending migrations (a parallel change adding an index, say) are applied to a
 * reused database too, followed by ANALYZE.
 */
export async function ensureSeeded(reseed: boolean): Promise<SeedInfo> {
  const started = Date.now();
  const postgres = await withClient(
    PG_ADMIN_URL,
    async (c) => (await c.query<{ v: string }>('SELECT version() AS v')).rows[0].v,
  );
  const existing = reseed ? null : await counts();
  if (
    existing &&
    existing.users === EXPECTED.users &&
    existing.sessions === EXPECTED.sessions &&
    existing.active >= EXPECTED.sessions * EXPECTED.minActiveShare
  ) {
    const before = await appliedMigrations();
    migrate();
    if ((await appliedMigrations()) !== before) {
      await withClient(BENCH_DB_URL, (c) => c.query('ANALYZE'));
    }
    return { reused: true, seconds: (Date.now() - started) / 1000, ...existing, postgres };
  }

  console.log(`seed: (re)creating database ${BENCH_DB}`);
  await withClient(PG_ADMIN_URL, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${BENCH_DB}`);
  });
  console.log('seed: migrations (npm run migration:run)');
  migrate();
  const t0 = Date.now();
  console.log('seed: generating 100,000 users and 1,000,000 sessions');
  await withClient(BENCH_DB_URL, async (c) => {
    await c.query(readFileSync(join(ROOT, 'bench', 'data', 'seed.sql'), 'utf8'));
    await c.query('VACUUM ANALYZE');
  });
  const after = await counts();
  if (!after) throw new Error('seed: database not readable after seeding');
  console.log(
    `seed: done in ${((Date.now() - t0) / 1000).toFixed(1)} s (data) / ${((Date.now() - started) / 1000).toFixed(1)} s (total): ` +
      `${after.users} users, ${after.sessions} sessions, ${after.active} active`,
  );
  return { reused: false, seconds: (Date.now() - started) / 1000, ...after, postgres };
}

if (require.main === module) {
  ensureSeeded(process.argv.includes('--reseed')).then(
    (info) => console.log(JSON.stringify(info, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
