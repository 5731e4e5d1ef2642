/**
 * Revocation delay: the service (with its SSF transmitter) and N gateway processes
 * (Fastify with @session-service/gateway, test/support/gateway-app.ts). Each
 * revocation goes through the API; every gateway is probed until its first 401.
 * Meanwhile a light load runs through the gateways, and the same run measures the
 * per-request alternative: a gateway asking the service's `/status` per request.
 *
 *   npm run bench:revocation -- [--revocations 1000] [--gateways 1,8]
 *                               [--delivery poll|push] [--connections 1] [--rate 50]
 *                               [--delivery-interval-ms <SIGNALS_DELIVERY_INTERVAL_MS>]
 *
 * Needs PostgreSQL (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres);
 * uses a database of its own, created afresh (BENCH_REVOCATION_DB, default
 * sessions_bench_revocation). Not part of the test suite.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { type GatewayProcess, startGatewayProcess } from '../test/support/gateway-process';
import { freePort } from '../test/support/receivers';
import {
  installCleanup,
  startChild,
  stopChild,
  JWT,
  machineInfo,
  PG_ADMIN_URL,
  secretKey,
  serverEnv,
  signToken,
  sleep,
  databaseUrl,
} from './lib/common';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const REVOCATIONS = Number(flag('revocations', '1000'));
const GATEWAY_COUNTS = flag('gateways', '1,8').split(',').map(Number);
const DELIVERY = flag('delivery', 'poll') as 'poll' | 'push';
const CONNECTIONS = Number(flag('connections', '1'));
/**
 * Requests per second the load sends through each gateway (0: as fast as the
 * connections go). A steady rate, so the delay is measured beside a known
 * traffic, not on a machine the load itself saturates.
 */
const RATE = Number(flag('rate', '50'));
/** The transmitter's SIGNALS_DELIVERY_INTERVAL_MS (push worker and long-poll tick); default: the service's. */
const DELIVERY_INTERVAL = flag('delivery-interval-ms', '');
const PROBE_MS = 5;
const TARGET_MS = DELIVERY === 'push' ? 250 : 1000;
const DB = process.env.BENCH_REVOCATION_DB ?? 'sessions_bench_revocation';
const DB_URL = databaseUrl(DB);
const USER_ID = 9001;

const quantile = (values: number[], q: number) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)] : NaN;
};
const ms = (n: number) => `${n.toFixed(0)} ms`;

async function withDb<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Active sessions of one user, inserted directly (the sign-in route is not under test). */
async function insertSessions(count: number): Promise<string[]> {
  return withDb(DB_URL, async (c) => {
    await c.query(
      'INSERT INTO session_service.users (id, username) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
      [USER_ID, 'bench'],
    );
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO session_service.sessions (user_id, device_type, ip, user_agent, amr, authenticated_at,
                                             last_active_at, idle_expires_at, expires_at)
       SELECT $1, 'desktop', '192.0.2.1', 'bench', '{pwd}', now(), now(),
              now() + interval '1 hour', now() + interval '2 hours'
         FROM generate_series(1, $2)
       RETURNING id`,
      [USER_ID, count],
    );
    return rows.map((r) => r.id);
  });
}

/** A token bound to a session (the `session_id` claim), as the auth platform issues them. */
const sessionToken = (sessionId: string) =>
  jwt.sign({ sub: String(USER_ID), roles: [], session_id: sessionId }, secretKey, {
    algorithm: 'HS256',
    issuer: JWT.issuer,
    audience: JWT.audience,
    expiresIn: 3600,
  });

/** Requests the service answered, by route, from its /metrics. */
async function serviceRequests(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^http_requests_total\{([^}]*)\} (\d+(?:\.\d+)?)/.exec(line);
    if (!m) continue;
    const route = /route="([^"]*)"/.exec(m[1])?.[1] ?? '?';
    const method = /method="([^"]*)"/.exec(m[1])?.[1] ?? '?';
    const status = /status="([^"]*)"/.exec(m[1])?.[1] ?? '?';
    const key = `${method} ${route} ${status}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return counts;
}

function callsBetween(before: Map<string, number>, after: Map<string, number>) {
  let total = 0;
  const byRoute: Record<string, number> = {};
  for (const [key, value] of after) {
    const n = value - (before.get(key) ?? 0);
    if (!n || key.includes('/metrics')) continue;
    byRoute[key] = n;
    total += n;
  }
  return { total, byRoute };
}

/** A steady light load on `urls` until `stop()`; returns what it served. */
function load(urls: string[], headers: Record<string, string>) {
  const instances = urls.map((url) =>
    autocannon({
      url,
      connections: CONNECTIONS,
      headers,
      duration: 3600,
      ...(RATE > 0 && { overallRate: RATE }),
    }),
  );
  const started = performance.now();
  return {
    async stop() {
      const results = await Promise.all(
        instances.map(
          (instance) =>
            new Promise<autocannon.Result>((resolve) => {
              instance.once('done', resolve);
              instance.stop();
            }),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      const ok = results.reduce((n, r) => n + (r.statusCodeStats['200']?.count ?? 0), 0);
      const other = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
      return {
        ok,
        other,
        seconds,
        rps: ok / seconds,
        p99: Math.max(...results.map((r) => r.latency.p99)),
      };
    },
  };
}

/** Time from the revocation request to the first 401 at `url`. */
async function firstRefusal(url: string, token: string, t0: number): Promise<number> {
  for (;;) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    if (response.status === 401) return performance.now() - t0;
    if (performance.now() - t0 > 30_000) throw new Error(`no 401 at ${url} after 30 s`);
    await sleep(PROBE_MS);
  }
}

async function main(): Promise<void> {
  installCleanup();
  console.log(
    `Revocation delay: ${REVOCATIONS} revocations, gateways ${GATEWAY_COUNTS.join(' and ')}, ${DELIVERY} delivery, load ${RATE > 0 ? `${RATE} req/s` : 'unlimited'} per gateway over ${CONNECTIONS} connection(s)`,
  );
  console.log(JSON.stringify(machineInfo()));
  await withDb(PG_ADMIN_URL, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${DB}`);
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The service from its sources (as test/support/service-process.ts), ready once /health/ready is 200.
  const service = startChild(
    'service',
    process.execPath,
    ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'apps/session-service/src/main.ts'],
    {
      ...serverEnv(port),
      NODE_ENV: 'production',
      DATABASE_URL: DB_URL,
      SIGNALS_ISSUER: base,
      // Production wants a signing key of its own: a fresh P-256 key (ES256), PKCS #8 PEM.
      SIGNALS_SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      SIGNALS_DELIVERY_WORKER: 'true',
      ...(DELIVERY_INTERVAL && { SIGNALS_DELIVERY_INTERVAL_MS: DELIVERY_INTERVAL }),
      SESSION_SWEEP_INTERVAL_MS: '60000',
      TS_NODE_TRANSPILE_ONLY: 'true',
    },
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ready = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (service.exitCode !== null || Date.now() > deadline)
      throw new Error('the service did not start');
    await sleep(250);
  }
  const stopService = () => stopChild(service);
  try {
    const admin = signToken('1', ['admin']);
    const receiver = signToken('7', ['ssf-receiver']);
    const feed = signToken('2', ['session-writer']);
    const rows: string[][] = [];

    for (const count of GATEWAY_COUNTS) {
      const sessions = await insertSessions(REVOCATIONS + 1);
      const [steady, ...toRevoke] = sessions;
      const gateways: GatewayProcess[] = [];
      for (let i = 0; i < count; i++) {
        const pushPort = DELIVERY === 'push' ? await freePort() : undefined;
        gateways.push(
          await startGatewayProcess({
            serviceUrl: base,
            ssfIssuer: base,
            receiverToken: receiver,
            feedToken: feed,
            jwtSecret: JWT.secret,
            jwtIssuer: JWT.issuer,
            jwtAudience: JWT.audience,
            streamName: `bench gateway ${count}-${i}-${randomUUID()}`,
            ...(pushPort && {
              push: { port: pushPort, url: `http://127.0.0.1:${pushPort}/ssf/push` },
            }),
          }),
        );
      }
      const urls = gateways.map((g) => `${g.url}/protected`);
      const before = await serviceRequests(base);
      const running = load(urls, { authorization: `Bearer ${sessionToken(steady)}` });
      const delays: number[] = [];
      const allGateways: number[] = [];
      for (const sessionId of toRevoke) {
        const token = sessionToken(sessionId);
        const t0 = performance.now();
        const revoked = await fetch(`${base}/api/sessions/${sessionId}?reason=bench`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${admin}` },
        });
        if (revoked.status !== 204) throw new Error(`revocation answered ${revoked.status}`);
        const each = await Promise.all(urls.map((url) => firstRefusal(url, token, t0)));
        delays.push(...each);
        allGateways.push(Math.max(...each));
      }
      const served = await running.stop();
      const calls = callsBetween(before, await serviceRequests(base));
      const deletes = calls.byRoute['DELETE /api/sessions/:session_id 204'] ?? 0;
      // The stream's upkeep (polls, keys, stream management, the snapshot),
      // independent of traffic; anything else would be a call per request.
      const upkeep = Object.entries(calls.byRoute)
        .filter(([key]) => /^\S+ (\/ssf\/|\/\.well-known\/|\/api\/sessions\/revocations)/.test(key))
        .reduce((n, [, value]) => n + value, 0);
      // Protected requests: the load's and the probes' (each probe is one).
      const protectedRequests = served.ok + served.other + delays.length;
      const perRequest = (calls.total - deletes - upkeep) / protectedRequests;
      const failures = gateways.flatMap((g) =>
        g
          .output()
          .split('\n')
          .filter((l) => l.startsWith('gateway:')),
      );
      if (failures.length)
        console.log(`  gateway failures (${failures.length}):`, failures.slice(0, 5));
      await Promise.all(gateways.map((g) => g.stop()));
      rows.push([
        `${count} gateway${count > 1 ? 's' : ''} (${DELIVERY})`,
        ms(quantile(delays, 0.5)),
        ms(quantile(delays, 0.99)),
        ms(quantile(allGateways, 0.99)),
        `${served.rps.toFixed(0)} req/s`,
        perRequest.toFixed(4),
        (upkeep / served.seconds / count).toFixed(1),
      ]);
      console.log(`  service calls during the run (${count} gateways):`, calls.byRoute);
    }

    // The per-request alternative: the service's own session check on every request.
    const [statusSession, ...statusRevocations] = await insertSessions(
      Math.min(REVOCATIONS, 50) + 1,
    );
    const service2 = signToken('2', ['session-writer']);
    const statusUrl = (id: string) => `${base}/api/sessions/${id}/status`;
    const running = load([statusUrl(statusSession)], { authorization: `Bearer ${service2}` });
    const statusDelays: number[] = [];
    for (const sessionId of statusRevocations) {
      const t0 = performance.now();
      await fetch(`${base}/api/sessions/${sessionId}?reason=bench`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      });
      const response = await fetch(statusUrl(sessionId), {
        headers: { authorization: `Bearer ${service2}` },
      });
      const body = (await response.json()) as { active: boolean };
      if (body.active) throw new Error('status still active after the revocation answered');
      statusDelays.push(performance.now() - t0);
    }
    const served = await running.stop();
    rows.push([
      'per-request /status',
      ms(quantile(statusDelays, 0.5)),
      ms(quantile(statusDelays, 0.99)),
      ms(quantile(statusDelays, 0.99)),
      `${served.rps.toFixed(0)} req/s`,
      '1.0000',
      '0',
    ]);

    const header = [
      'setup',
      'delay p50',
      'delay p99',
      'all gateways p99',
      'served meanwhile',
      'service calls / protected request',
      'stream calls/s per gateway',
    ];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    console.log();
    console.log(line(header));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const row of rows) console.log(line(row));
    console.log();
    console.log(
      `Targets: delay p99 <= ${TARGET_MS} ms (${DELIVERY} delivery at defaults); service calls per protected request 0 (a gateway's own calls are its stream's polls and keys, counted apart, independent of traffic; /status costs one per request).`,
    );
    console.log(
      `Delays: from sending the revocation to the first 401, probing every ${PROBE_MS} ms; the /status row is the revocation plus one check.`,
    );
    console.log(
      `Load average at the end: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(', ')}`,
    );
  } finally {
    await stopService();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
