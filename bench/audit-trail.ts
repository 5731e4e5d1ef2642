/**
 * The audit trail's cost and its listing at depth (docs/performance.md, "Audit trail").
 *
 *   npm run bench:audit                       # throughput on vs off, then the EXPLAINs
 *   npm run bench:audit -- --only=throughput  # or --only=statements, --only=explain
 *
 * Works in a throwaway database, `sessions_audit_bench` (BENCH_PG_URL's server), made
 * afresh by the throughput part. Throughput: the built service (npm run build) started
 * with SESSION_AUDIT=true and =false in turn, BENCH_ROUNDS rounds each (default 2),
 * BENCH_CONNECTIONS closed-loop clients (default 10) for BENCH_DURATION seconds (default
 * 10) of sign-ins (POST /api/sessions), then as long again of admin revocations (DELETE
 * /api/sessions/{id}) of the sessions those sign-ins made. EXPLAIN: seeds ten million
 * events with bench/data/audit-events-seed.sql (once: a database that has them is reused)
 * and runs EXPLAIN (ANALYZE, BUFFERS) of the listing's own SQL, built by
 * SessionEventsRepository, on the first page and on pages deep in the table. Each part
 * writes its figures to bench/results/audit-trail-<part>.txt.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import {
  SessionEventsRepository,
  type SessionEventsFilter,
  SessionsRepository,
} from '@session-service/sessions';
import {
  killAllChildren,
  median,
  PG_ADMIN_URL,
  ROOT,
  run,
  serverEnv,
  signToken,
  sleep,
  startChild,
  stopChild,
  databaseUrl,
  envNumber,
} from './lib/common';

const DB = 'sessions_audit_bench';
const DB_URL = databaseUrl(DB);
const DURATION_S = envNumber('BENCH_DURATION', 10);
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 10);
const ROUNDS = envNumber('BENCH_ROUNDS', 2);
const PORT = 3991;
const BASE = `http://127.0.0.1:${PORT}`;
const EVENTS = 10_000_000;
/** Throughput with the audit trail on may fall at most this many percent below it off. */
const TARGET_PERCENT = 15;
/** Database time (planning and execution) of one events page, at any depth. */
const PAGE_TARGET_MS = 2;
const ADMIN = `Bearer ${signToken('1', ['admin'])}`;

async function sql<T extends object>(url: string, text: string, values: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function freshDatabase(): Promise<void> {
  await sql(PG_ADMIN_URL, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await sql(PG_ADMIN_URL, `CREATE DATABASE ${DB}`);
  run('npm', ['run', '--silent', 'migration:run'], {
    ...process.env,
    DATABASE_URL: DB_URL,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
  });
}

/** Runs `op` from `clients` loops for `seconds` (or until one returns false); operations per second. */
async function closedLoop(
  seconds: number,
  clients: number,
  op: () => Promise<boolean>,
): Promise<{ ops: number; perSecond: number }> {
  const started = performance.now();
  const until = started + seconds * 1000;
  let ops = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        try {
          if (!(await op())) return;
          ops++;
        } catch {
          failed++;
        }
      }
    }),
  );
  if (failed) throw new Error(`${failed} requests failed`);
  return { ops, perSecond: ops / ((performance.now() - started) / 1000) };
}

async function waitReady(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${BASE}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('the service did not become ready');
}

async function measure(audit: boolean): Promise<{ signIn: number; revoke: number }> {
  // Statistics and the visibility map as production's autovacuum keeps them
  // (this machine's server runs with autovacuum off).
  await sql(DB_URL, 'VACUUM (ANALYZE)');
  const server = startChild(
    `service (audit ${audit})`,
    process.execPath,
    ['apps/session-service/dist/main.js'],
    {
      ...serverEnv(PORT),
      DATABASE_URL: DB_URL,
      SESSION_AUDIT: String(audit),
    },
  );
  try {
    await waitReady();
    const ids: string[] = [];
    let n = 0;
    const signIn = await closedLoop(DURATION_S, CONNECTIONS, async () => {
      const userId = 1 + (n++ % 50_000);
      const res = await fetch(`${BASE}/api/sessions`, {
        method: 'POST',
        headers: { authorization: ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({
          user_id: userId,
          username: `user${userId}`,
          amr: ['pwd'],
          ip: '198.51.100.7',
          user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
        }),
      });
      const body = (await res.json()) as { id?: string };
      if (res.status !== 201 || !body.id) throw new Error(`sign-in answered ${res.status}`);
      ids.push(body.id);
      return true;
    });
    const revoke = await closedLoop(DURATION_S, CONNECTIONS, async () => {
      const id = ids.pop();
      if (!id) return false;
      const res = await fetch(`${BASE}/api/sessions/${id}?reason=bench`, {
        method: 'DELETE',
        headers: { authorization: ADMIN },
      });
      await res.arrayBuffer();
      if (res.status !== 204) throw new Error(`revoke answered ${res.status}`);
      return true;
    });
    return { signIn: signIn.perSecond, revoke: revoke.perSecond };
  } finally {
    await stopChild(server);
  }
}

async function throughput(): Promise<string> {
  await freshDatabase();
  const results: Record<'on' | 'off', { signIn: number[]; revoke: number[] }> = {
    on: { signIn: [], revoke: [] },
    off: { signIn: [], revoke: [] },
  };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating, so drift of the machine's load falls on both sides alike.
    for (const mode of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const r = await measure(mode === 'on');
      results[mode].signIn.push(r.signIn);
      results[mode].revoke.push(r.revoke);
      console.log(
        `round ${round + 1} audit ${mode}: sign-in ${r.signIn.toFixed(0)}/s, revoke ${r.revoke.toFixed(0)}/s`,
      );
    }
  }
  const [events] = await sql<{ n: number }>(
    DB_URL,
    'SELECT count(*)::int AS n FROM session_service.session_events',
  );
  const row = (name: string, key: 'signIn' | 'revoke') => {
    const on = median(results.on[key]);
    const off = median(results.off[key]);
    const change = ((on - off) / off) * 100;
    const verdict = change >= -TARGET_PERCENT ? 'met' : 'missed';
    return `| ${name} | ${off.toFixed(0)} | ${on.toFixed(0)} | ${change.toFixed(1)} % | ${verdict} |`;
  };
  return [
    `Throughput, requests/s (median of ${ROUNDS} rounds, ${CONNECTIONS} clients, ${DURATION_S} s each; ${events.n} events written by the audited runs):`,
    '',
    `| Operation | audit off | audit on | change | within ${TARGET_PERCENT} % |`,
    '| --- | --- | --- | --- | --- |',
    row('sign-in (`POST /api/sessions`)', 'signIn'),
    row('revoke (`DELETE /api/sessions/{id}`)', 'revoke'),
  ].join('\n');
}

/**
 * The sign-in and revoke statements as SessionsRepository sends them, with the audit
 * trail on or off: the text and the parameters of one call, captured.
 */
async function writeStatements(audit: boolean) {
  let captured: { text: string; values: unknown[] } | undefined;
  const dataSource = {
    query: (text: string, values: unknown[]) => {
      captured = { text, values };
      return Promise.resolve([{ id: 'x', found: 1, revoked: 1 }]);
    },
  } as unknown as DataSource;
  const repository = new SessionsRepository(dataSource, { audit });
  await repository.insert({
    userId: '1',
    username: 'user1',
    tenantId: null,
    deviceId: null,
    deviceType: 'desktop',
    ip: '198.51.100.7',
    geoip: null,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    amr: ['pwd'],
    ttlSeconds: 43200,
    idleTimeoutSeconds: 1800,
  });
  const insert = captured!;
  await repository.revokeOne('00000000-0000-4000-8000-000000000000', null, {
    by: 'admin:1',
    reason: 'bench',
  });
  return { insert, revoke: captured! };
}

/**
 * The database's side alone: the same sign-in and revoke statements, on and off in
 * alternating batches from one connection, without HTTP or the service around them.
 */
async function statements(): Promise<string> {
  const exists = await sql<{ n: number }>(
    PG_ADMIN_URL,
    'SELECT count(*)::int AS n FROM pg_database WHERE datname = $1',
    [DB],
  );
  if (!exists[0].n) await freshDatabase();
  const batch = Number(process.env.BENCH_STATEMENTS ?? 1000);
  const on = await writeStatements(true);
  const off = await writeStatements(false);
  const times = {
    on: { insert: [] as number[], revoke: [] as number[] },
    off: { insert: [] as number[], revoke: [] as number[] },
  };
  const client = new Client({ connectionString: DB_URL });
  await client.connect();
  let user = 0;
  try {
    for (let round = 0; round < 6; round++) {
      const mode = round % 2 ? 'off' : 'on';
      const s = mode === 'on' ? on : off;
      const ids: string[] = [];
      let started = performance.now();
      for (let i = 0; i < batch; i++) {
        const userId = String(1 + (user++ % 50_000));
        const values = [userId, `user${userId}`, ...s.insert.values.slice(2)];
        const { rows } = await client.query<{ id: string }>(s.insert.text, values);
        ids.push(rows[0].id);
      }
      times[mode].insert.push(((performance.now() - started) * 1000) / batch);
      started = performance.now();
      for (const id of ids) {
        const values = [...s.revoke.values];
        values[2] = id;
        await client.query(s.revoke.text, values);
      }
      times[mode].revoke.push(((performance.now() - started) * 1000) / batch);
    }
  } finally {
    await client.end();
  }
  const row = (name: string, key: 'insert' | 'revoke') => {
    const a = median(times.off[key]);
    const b = median(times.on[key]);
    return `| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(((b - a) / a) * 100).toFixed(1)} % |`;
  };
  return [
    `One statement from one connection, µs (median of 3 batches of ${batch} each way, alternating; each its own transaction, synchronous commit):`,
    '',
    '| Statement | audit off | audit on | change |',
    '| --- | --- | --- | --- |',
    row('sign-in insert', 'insert'),
    row('revoke one session', 'revoke'),
  ].join('\n');
}

/** The listing's SQL for a filter and position, exactly as the repository sends it. */
async function listingSql(
  filter: SessionEventsFilter,
  after?: { micros: string; id: string },
): Promise<{ text: string; values: unknown[] }> {
  let captured: { text: string; values: unknown[] } | undefined;
  const pool = {
    query: (q: { text: string; values: unknown[] }) => {
      captured = q;
      return Promise.resolve({ rows: [] });
    },
  };
  const dataSource = { driver: { master: pool, slaves: [] } } as unknown as DataSource;
  await new SessionEventsRepository(dataSource, {}).findPage(filter, 101, after);
  return captured!;
}

async function explain(): Promise<string> {
  const exists = await sql<{ n: number }>(
    PG_ADMIN_URL,
    'SELECT count(*)::int AS n FROM pg_database WHERE datname = $1',
    [DB],
  );
  if (!exists[0].n) await freshDatabase();
  const [count] = await sql<{ n: string }>(
    DB_URL,
    'SELECT count(*)::text AS n FROM session_service.session_events',
  );
  if (Number(count.n) !== EVENTS) {
    console.log(`seeding ${EVENTS} events (once)...`);
    const started = Date.now();
    const r = spawnSync(
      'psql',
      [DB_URL, '-q', '-f', join(ROOT, 'bench/data/audit-events-seed.sql')],
      {
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) throw new Error('seeding failed');
    console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const position = async (where: string, values: unknown[], offset: number) => {
    const [row] = await sql<{ micros: string; id: string }>(
      DB_URL,
      `SELECT (extract(epoch FROM occurred_at) * 1000000)::bigint::text AS micros, id::text AS id
         FROM session_service.session_events e WHERE ${where}
        ORDER BY occurred_at DESC, id DESC OFFSET ${offset} LIMIT 1`,
      values,
    );
    return row;
  };
  const [user] = await sql<{ user_id: string }>(
    DB_URL,
    'SELECT user_id::text FROM session_service.session_events WHERE id = 5000000',
  );
  const cases: [string, SessionEventsFilter, { micros: string; id: string } | undefined][] = [
    ['every event, first page', {}, undefined],
    ['every event, 5,000,000 events deep', {}, await position('true', [], 5_000_000)],
    [
      'type=evicted&initiator=policy, 5,000,000 events deep',
      { type: 'evicted', initiator: 'policy' },
      await position('true', [], 5_000_000),
    ],
    [
      `one user (${user.user_id}), 50 of their events deep`,
      { userId: user.user_id },
      await position('user_id = $1', [user.user_id], 50),
    ],
  ];
  const out: string[] = [];
  const client = new Client({ connectionString: DB_URL });
  await client.connect();
  try {
    for (const [label, filter, after] of cases) {
      const q = await listingSql(filter, after);
      // The second run is the one shown: the steady state, pages in shared buffers.
      await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.text}`, q.values);
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${q.text}`,
        q.values,
      );
      const lines = plan.rows.map((r) => r['QUERY PLAN']);
      const time = (name: string) =>
        Number(
          new RegExp(`^${name} Time: ([\\d.]+) ms`).exec(
            lines.find((l) => l.startsWith(name)) ?? '',
          )?.[1],
        );
      const total = time('Planning') + time('Execution');
      out.push(
        `-- ${label}`,
        ...lines,
        `-- database time ${total.toFixed(3)} ms (target <= ${PAGE_TARGET_MS} ms: ${total <= PAGE_TARGET_MS ? 'met' : 'missed'})`,
        '',
      );
    }
  } finally {
    await client.end();
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  // Each part writes its own file: bench/results/audit-trail-<part>.txt.
  const parts: [string, () => Promise<string>][] = [
    [
      'throughput',
      async () => {
        run('npm', ['run', '--silent', 'build']);
        return throughput();
      },
    ],
    ['statements', statements],
    ['explain', explain],
  ];
  for (const [name, part] of parts) {
    if (only && only !== name) continue;
    const text = await part();
    console.log(`\n${text}`);
    writeFileSync(join(ROOT, `bench/results/audit-trail-${name}.txt`), `${text}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  killAllChildren();
  process.exit(1);
});
