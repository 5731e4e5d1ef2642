/**
 * Sign-in under a concurrent-session limit against the unlimited sign-in, on the
 * service alone: `npm run bench:limits` (see bench/README.md). Every limited
 * sign-in is of a user already holding 5 active sessions with a limit of 5
 * (their tenant's, `evict-oldest`), so each one evicts one session in its
 * transaction; the unlimited ones name no tenant. Alternates the two per
 * round and reports each p50 and the median of the per-round ratios
 * (limited / unlimited) against the target. Uses a small database of its own.
 */
import autocannon from 'autocannon';
import { Client } from 'pg';
import {
  installCleanup,
  median,
  PG_ADMIN_URL,
  run,
  serverEnv,
  serviceStartArgs,
  signToken,
  startChild,
  stopChild,
  envNumber,
  databaseUrl,
  signInBody,
  freePort,
  waitReady,
} from './lib/common';

const env = process.env;
const DURATION = envNumber('BENCH_DURATION', 10);
const WARMUP = envNumber('BENCH_WARMUP', Math.min(5, DURATION));
const ROUNDS = Math.max(3, envNumber('BENCH_ROUNDS', 3));
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 10);
const DB = env.BENCH_LIMITS_DB_NAME ?? 'sessions_bench_limits';
const DB_URL = databaseUrl(DB);
/** Limited p50 over unlimited p50 the limited path is held to. */
const TARGET = 1.3;
const LIMIT = 5;
/** Users signed in round-robin: enough that concurrent sign-ins rarely share a user's lock. */
const USERS = 200;
const LIMITED_TENANT = 'bench_limited';

const admin = signToken('1', ['admin']);
const service = signToken('2', ['session-writer']);

async function post(base: string, path: string, body: string, token: string): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

interface Run {
  p50: number;
  requests: number;
  unexpected: number;
}

/** One autocannon run of sign-ins; p50 from every response's own duration (float ms). */
async function load(
  base: string,
  connections: number,
  duration: number,
  body: () => string,
): Promise<Run> {
  const samples: number[] = [];
  const instance = autocannon({
    url: base,
    connections,
    pipelining: 1,
    duration,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({
          ...req,
          path: '/api/sessions',
          headers: { authorization: `Bearer ${service}`, 'content-type': 'application/json' },
          body: body(),
        }),
      },
    ],
  });
  instance.on('response', (_c: unknown, _status: number, _bytes: number, ms: number) => {
    samples.push(ms);
  });
  const r = await instance;
  samples.sort((a, b) => a - b);
  const created = r.statusCodeStats['201']?.count ?? 0;
  return {
    p50: samples[Math.floor(samples.length / 2)] ?? NaN,
    requests: samples.length,
    unexpected: samples.length - created + r.errors + r.timeouts,
  };
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  installCleanup();
  console.log(`sign-in limit bench: ${DURATION} s per run, ${ROUNDS} rounds; database ${DB}`);
  run('npm', ['run', '--silent', 'build']);
  await query(PG_ADMIN_URL, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await query(PG_ADMIN_URL, `CREATE DATABASE ${DB}`);
  run('npm', ['run', '--silent', 'migration:run'], {
    ...env,
    DATABASE_URL: DB_URL,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = startChild('service', process.execPath, serviceStartArgs(), {
    ...serverEnv(port),
    DATABASE_URL: DB_URL,
  });
  try {
    await waitReady('service', base);
    const tenant = JSON.stringify({ tenant_id: LIMITED_TENANT, max_sessions: LIMIT });
    if ((await post(base, '/api/tenants', tenant, admin)) !== 201) {
      throw new Error('could not create the limited tenant');
    }
    // Each limited user starts at the limit: LIMIT sessions, the next sign-in evicts one.
    const limited = Array.from({ length: USERS }, (_, i) => 1 + i);
    const unlimited = Array.from({ length: USERS }, (_, i) => 100_001 + i);
    for (let n = 0; n < LIMIT; n++) {
      for (let k = 0; k < USERS; k += CONNECTIONS) {
        const statuses = await Promise.all(
          limited
            .slice(k, k + CONNECTIONS)
            .map((id) => post(base, '/api/sessions', signInBody(id, LIMITED_TENANT), service)),
        );
        if (statuses.some((s) => s !== 201))
          throw new Error(`set-up sign-in answered ${statuses.join(',')}`);
      }
    }
    // The server here runs with autovacuum off (a CI setting); production's
    // autovacuum keeps statistics and the visibility map current, so each
    // round starts as it would leave them.
    const maintain = () => query(DB_URL, 'VACUUM (ANALYZE)');
    await maintain();
    let i = 0;
    let j = 0;
    const limitedBody = () => signInBody(limited[i++ % USERS], LIMITED_TENANT);
    const unlimitedBody = () => signInBody(unlimited[j++ % USERS]);

    console.log(`warm-up: ${WARMUP} s each`);
    await load(base, CONNECTIONS, WARMUP, unlimitedBody);
    await load(base, CONNECTIONS, WARMUP, limitedBody);

    const table: string[] = [];
    for (const connections of [1, CONNECTIONS]) {
      const ratios: number[] = [];
      const free: number[] = [];
      const held: number[] = [];
      let unexpected = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await maintain();
        const u = await load(base, connections, DURATION, unlimitedBody);
        const l = await load(base, connections, DURATION, limitedBody);
        free.push(u.p50);
        held.push(l.p50);
        ratios.push(l.p50 / u.p50);
        unexpected += u.unexpected + l.unexpected;
        console.log(
          `  c=${connections} round ${round + 1}: unlimited p50 ${u.p50.toFixed(2)} ms (${u.requests}), limited p50 ${l.p50.toFixed(2)} ms (${l.requests}), ratio ${(l.p50 / u.p50).toFixed(2)}`,
        );
      }
      const ratio = median(ratios);
      table.push(
        `  c=${String(connections).padEnd(3)} unlimited p50 ${median(free).toFixed(2)} ms  limited p50 ${median(held).toFixed(2)} ms  ratio ${ratio.toFixed(2)} (target <= ${TARGET}: ${ratio <= TARGET ? 'met' : 'missed'})${unexpected ? `  ${unexpected} answers not 201` : ''}`,
      );
    }
    // Each limited user holds exactly the limit, however many sign-ins ran.
    const [held] = await query<{ min: number; max: number }>(
      DB_URL,
      `SELECT min(n)::int AS min, max(n)::int AS max FROM (
         SELECT count(*) AS n FROM session_service.sessions
          WHERE tenant_id = '${LIMITED_TENANT}' AND revoked_at IS NULL
          GROUP BY user_id) per_user`,
    );
    console.log('\nsign-in under a limit of 5 (evicting one) vs unlimited sign-in:');
    for (const line of table) console.log(line);
    console.log(
      `  active sessions per limited user afterwards: ${held.min}..${held.max} (expected ${LIMIT})`,
    );
  } finally {
    await stopChild(child);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
