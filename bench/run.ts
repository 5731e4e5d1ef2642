/**
 * The benchmark: the service against a minimal Fastify + pg baseline on the same
 * database, alternating A,B per round, reporting the median of pair-by-pair ratios.
 * `npm run bench` (see bench/README.md). Not part of the test suite.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import prettier from 'prettier';
import {
  cpuCount,
  hasTaskset,
  installCleanup,
  JWT,
  machineInfo,
  median,
  readRss,
  resetPeakRss,
  ROOT,
  run,
  serverEnv,
  serviceStartArgs,
  signToken,
  sleep,
  startChild,
  stopChild,
  envNumber,
} from './lib/common';
import { explainTimes, section } from './lib/db-time';
import { ensureSeeded } from './lib/seed';

const env = process.env;
const DURATION = envNumber('BENCH_DURATION', 10);
const WARMUP = envNumber('BENCH_WARMUP', Math.min(5, DURATION));
const ROUNDS = Math.max(3, envNumber('BENCH_ROUNDS', 3));
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 10);
const S4_RUNS = envNumber('BENCH_S4_RUNS', 3);
const ONLY = (env.BENCH_ONLY ?? 'S1,S2,S3,S4,S5,DB,JWT').toUpperCase().split(',');
const PIN = env.BENCH_PIN !== '0' && hasTaskset() && cpuCount() >= 2;
const SERVER_CPU = env.BENCH_SERVER_CPU ?? '1';
const LOADGEN_CPU = env.BENCH_LOADGEN_CPU ?? '0';

type Side = 'service' | 'baseline';
const SIDES: Side[] = ['service', 'baseline'];

interface Target {
  side: Side;
  base: string;
  pid: number;
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** autocannon's p99, corrected for coordinated omission (rate-limited runs only), ms */
  p99_co?: number;
  requests: number;
  non2xx: number;
  errors: number;
  status: Record<string, number>;
}

interface Load {
  connections: number;
  overallRate?: number;
  duration?: number;
  /** a fixed request, or one made per request */
  path?: string;
  token?: string;
  next?: () => { path: string; token: string };
}

/** One autocannon run; percentiles from every response's own duration (float ms). */
async function load(target: Target, spec: Load): Promise<LoadResult> {
  const samples: number[] = [];
  const request: autocannon.Request = spec.next
    ? {
        method: 'GET',
        setupRequest: (req) => {
          const { path, token } = spec.next!();
          return { ...req, path, headers: { authorization: `Bearer ${token}` } };
        },
      }
    : { method: 'GET', path: spec.path, headers: { authorization: `Bearer ${spec.token}` } };
  const instance = autocannon({
    url: target.base,
    connections: spec.connections,
    pipelining: 1,
    duration: spec.duration ?? DURATION,
    timeout: 30,
    overallRate: spec.overallRate,
    requests: [request],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    samples.push(ms);
  });
  const r = await instance;
  samples.sort((a, b) => a - b);
  const pct = (p: number) =>
    samples.length ? samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] : NaN;
  const status: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats)) status[code] = count;
  return {
    rps: samples.length / (r.duration || spec.duration || DURATION),
    p50: pct(0.5),
    p99: pct(0.99),
    ...(spec.overallRate && { p99_co: r.latency.p99 }),
    requests: samples.length,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    status,
  };
}

// ---- reporting -----------------------------------------------------------------------------

interface Row {
  scenario: string;
  metric: string;
  /** 'higher' when bigger is better (throughput), 'lower' for latency, memory, time */
  better: 'higher' | 'lower';
  service: number[];
  baseline: number[];
  /** service/baseline, one per round */
  ratios: number[];
  note?: string;
}
const rows: Row[] = [];
const notes: string[] = [];
const raw: Record<string, unknown> = {};

function record(
  scenario: string,
  metric: string,
  better: Row['better'],
  pairs: [number, number][],
  note?: string,
) {
  const row: Row = {
    scenario,
    metric,
    better,
    service: pairs.map((p) => p[0]),
    baseline: pairs.map((p) => p[1]),
    ratios: pairs.map(([s, b]) => s / b),
    ...(note && { note }),
  };
  rows.push(row);
  const m = summarize(row);
  console.log(
    `  ${scenario.padEnd(26)} ${metric.padEnd(22)} service ${fmt(m.service)}  baseline ${fmt(m.baseline)}  ratio ${fmt(m.ratio, 2)}`,
  );
}

function summarize(row: Row) {
  return {
    scenario: row.scenario,
    metric: row.metric,
    better: row.better,
    service: median(row.service),
    baseline: median(row.baseline),
    ratio: median(row.ratios),
    rounds: { service: row.service, baseline: row.baseline, ratios: row.ratios },
    ...(row.note && { note: row.note }),
  };
}

function fmt(n: number, digits?: number): string {
  if (!Number.isFinite(n)) return '-';
  const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
  return n.toFixed(d);
}

/** The performance targets (README, Performance), checked against the summarized figures. */
function target(m: ReturnType<typeof summarize>): [string, string] {
  const check = (text: string, met: boolean): [string, string] => [text, met ? 'met' : 'MISSED'];
  const key = `${m.scenario}|${m.metric}`;
  if (key.startsWith('S1 user page c=10|req/s')) return check('ratio >= 0.70', m.ratio >= 0.7);
  if (key.startsWith('S1 user page c=1|p50'))
    return check('<= baseline + 0.5 ms', m.service - m.baseline <= 0.5);
  if (key.startsWith('S1 user page @80% base|p99 ms')) return check('ratio <= 2', m.ratio <= 2);
  if (key.startsWith('S2 deep/page-1')) return check('<= 1.5', m.service <= 1.5);
  if (key.startsWith('S4 full admin list|TTFB')) return check('< 100 ms', m.service < 100);
  if (key.startsWith('S4 full admin list|rows/s')) return check('>= 100000', m.service >= 100_000);
  if (key.startsWith('S4 full admin list|peak RSS')) return check('< 150 MiB', m.service < 150);
  if (key.startsWith('DB time|typical user page')) return check('<= 0.2 ms', m.service <= 0.2);
  if (key.startsWith('DB time|heavy page 400 / page 1')) return check('<= 1.5', m.service <= 1.5);
  if (key.startsWith('DB time|admin keyset')) return check('<= 2 ms', m.service <= 2);
  if (key.startsWith('JWT verification|')) return check('<= 20 us', m.service <= 20);
  return ['', ''];
}

function printTable(): void {
  const header = ['scenario', 'metric', 'service', 'baseline', 'svc/base', 'verdict', 'target', ''];
  const lines = rows.map((r) => {
    const m = summarize(r);
    const worse = r.better === 'higher' ? m.ratio < 1 : m.ratio > 1;
    const factor = r.better === 'higher' ? 1 / m.ratio : m.ratio;
    const verdict = r.note
      ? r.note
      : !Number.isFinite(m.ratio)
        ? ''
        : Math.abs(m.ratio - 1) < 0.05
          ? 'on par'
          : worse
            ? `${factor.toFixed(2)}x worse`
            : `${(1 / factor).toFixed(2)}x better`;
    return [
      r.scenario,
      r.metric,
      fmt(m.service),
      fmt(m.baseline),
      fmt(m.ratio, 2),
      verdict,
      ...target(m),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const l of lines) console.log(line(l));
  console.log(
    `\nMedians over ${ROUNDS} rounds (S4: ${S4_RUNS} runs). svc/base is the median of the per-round ratios; ` +
      'latency, time and memory: lower is better; req/s and rows/s: higher is better.',
  );
  for (const n of notes) console.log(`note: ${n}`);
}

// ---- figures of the service alone -------------------------------------------------------------

/** Service-only figures: one value per run, no baseline beside it. */
function recordAlone(scenario: string, metric: string, values: number[]) {
  record(
    scenario,
    metric,
    'lower',
    values.map((v) => [v, NaN]),
  );
}

/** Database time per query: `bench/explain.sql`'s EXPLAIN ANALYZE, on the quiet database. */
function databaseTime() {
  const runs = Math.max(ROUNDS, 5);
  console.log(`\nDB: bench/explain.sql, ${runs} runs, steady-state execution time`);
  const times = explainTimes(runs);
  const heavy1 = section(times, 'heavy user (10,000 sessions), page 1');
  const heavy400 = section(times, 'heavy user, page 400');
  recordAlone('DB time', 'typical user page ms', section(times, 'typical user, page 1'));
  recordAlone('DB time', 'heavy page 1 ms', heavy1);
  recordAlone('DB time', 'heavy page 400 ms', heavy400);
  recordAlone(
    'DB time',
    'heavy page 400 / page 1',
    heavy400.map((t, i) => t / heavy1[i]),
  );
  recordAlone('DB time', 'admin keyset page 1 ms', section(times, 'admin keyset, first page'));
  recordAlone('DB time', 'admin keyset deep ms', section(times, 'admin keyset, deep page'));
  recordAlone('DB time', 'sid check ms', section(times, 'token session check'));
}

/** `npm run bench:jwt`, its two service figures parsed from its output. */
function jwtVerification() {
  console.log('\nJWT: bench/jwt-verify.ts (npm run bench:jwt)');
  const jwtRun = spawnSync(
    process.execPath,
    ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'bench/jwt-verify.ts'],
    { cwd: ROOT, env: { ...env, TS_NODE_TRANSPILE_ONLY: 'true' }, encoding: 'utf8' },
  );
  const out = `${jwtRun.stdout}${jwtRun.stderr}`;
  const figure = (label: string) => {
    const runs = new RegExp(`${label}\\s+[\\d.]+ µs/op\\s+runs: ([\\d. ]+)`).exec(out)?.[1];
    if (!runs) throw new Error(`bench:jwt printed no "${label}" line:\n${out}`);
    return runs.trim().split(/\s+/).map(Number);
  };
  recordAlone(
    'JWT verification',
    'us, HS256 KeyObject',
    figure('jsonwebtoken.verify HS256, KeyObject'),
  );
  recordAlone('JWT verification', 'us, passport path', figure('passport-jwt strategy, full path'));
}

// ---- processes ------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Reply {
  status: number;
  body: string;
}

function get(base: string, path: string, token?: string, timeoutMs = 120_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${base}${path}`,
      { headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${path}`)));
    req.on('error', reject);
  });
}

async function waitReady(name: string, base: string, pid: number, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!readRss(pid)) throw new Error(`${name} exited during start-up`);
    try {
      if ((await get(base, '/health/ready', undefined, 2000)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${name} not ready after ${timeoutMs / 1000} s`);
}

/** Newest source modification against dist's; `npm run build` when dist is missing or older. */
function buildIfStale(): void {
  const main = join(ROOT, 'apps', 'session-service', 'dist', 'main.js');
  let built = 0;
  try {
    built = statSync(main).mtimeMs;
  } catch {
    // missing
  }
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ts|json)$/.test(entry.name) && !entry.name.endsWith('.spec.ts')) {
        newest = Math.max(newest, statSync(p).mtimeMs);
      }
    }
  };
  walk(join(ROOT, 'apps'));
  walk(join(ROOT, 'libs'));
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'nest-cli.json']) {
    newest = Math.max(newest, statSync(join(ROOT, f)).mtimeMs);
  }
  if (built >= newest) {
    console.log('build: dist is up to date');
    return;
  }
  console.log(built ? 'build: sources changed, npm run build' : 'build: npm run build');
  run('npm', ['run', '--silent', 'build']);
}

// ---- scenarios ------------------------------------------------------------------------------

interface Ctx {
  targets: Record<Side, Target>;
  typical: { path: string; token: string }[];
  heavyToken: string;
  adminToken: string;
  badToken: string;
}

/** A,B per round for one load; returns [service, baseline] results per round. */
async function pairs(
  ctx: Ctx,
  spec: (side: Side, round: number) => Load,
): Promise<[LoadResult, LoadResult][]> {
  const out: [LoadResult, LoadResult][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const s = await load(ctx.targets.service, spec('service', round));
    const b = await load(ctx.targets.baseline, spec('baseline', round));
    out.push([s, b]);
  }
  return out;
}

function checkStatuses(label: string, results: [LoadResult, LoadResult][], expected: string) {
  results.forEach(([s, b], round) => {
    for (const [side, r] of [
      ['service', s],
      ['baseline', b],
    ] as const) {
      const other = Object.entries(r.status).filter(([code]) => code !== expected);
      if (other.length || r.errors) {
        notes.push(
          `${label} round ${round + 1} ${side}: unexpected answers ${JSON.stringify(Object.fromEntries(other))}, ${r.errors} errors/timeouts`,
        );
      }
    }
  });
}

function recordLoad(scenario: string, results: [LoadResult, LoadResult][], metrics: string[]) {
  const metric = {
    rps: ['req/s', 'higher'],
    p50: ['p50 ms', 'lower'],
    p99: ['p99 ms', 'lower'],
    p99_co: ['p99 ms (CO-corrected)', 'lower'],
  } as const;
  for (const m of metrics as (keyof typeof metric)[]) {
    record(
      scenario,
      metric[m][0],
      metric[m][1],
      results.map(([s, b]) => [s[m] ?? NaN, b[m] ?? NaN]),
    );
  }
  raw[scenario] = results;
}

async function s1(ctx: Ctx) {
  console.log('\nS1: user list page 1, random typical user (ids 12..100000)');
  let i = 0;
  const next = () => ctx.typical[i++ % ctx.typical.length];
  const c = await pairs(ctx, () => ({ connections: CONNECTIONS, next }));
  checkStatuses('S1', c, '200');
  recordLoad(`S1 user page c=${CONNECTIONS}`, c, ['rps', 'p50', 'p99']);
  const one = await pairs(ctx, () => ({ connections: 1, next }));
  checkStatuses('S1 c=1', one, '200');
  recordLoad('S1 user page c=1', one, ['p50']);
  // 80 % of the baseline's capacity measured in the same round, for both sides.
  const rates = c.map(([, b]) => Math.max(1, Math.round(0.8 * b.rps)));
  const rated = await pairs(ctx, (_side, round) => ({
    connections: Math.max(CONNECTIONS, 2 * CONNECTIONS),
    overallRate: rates[round],
    next,
  }));
  checkStatuses('S1 rate', rated, '200');
  recordLoad('S1 user page @80% base', rated, ['rps', 'p99', 'p99_co']);
  notes.push(`S1 @80% base: target rates per round ${rates.join(', ')} req/s`);
}

async function s2(ctx: Ctx) {
  console.log('\nS2: heavy user (id 1, ~8,500 active sessions), page 1 vs page 400 (size 20)');
  const page1 = await pairs(ctx, () => ({
    connections: CONNECTIONS,
    path: '/sessions/user/1/sessions?page=1&page_size=20',
    token: ctx.heavyToken,
  }));
  checkStatuses('S2 page 1', page1, '200');
  recordLoad('S2 heavy page 1', page1, ['rps', 'p50', 'p99']);
  const deep = await pairs(ctx, () => ({
    connections: CONNECTIONS,
    path: '/sessions/user/1/sessions?page=400&page_size=20',
    token: ctx.heavyToken,
  }));
  checkStatuses('S2 page 400', deep, '200');
  recordLoad('S2 heavy page 400', deep, ['rps', 'p50', 'p99']);
  record(
    'S2 deep/page-1 slowdown',
    'p50 page400/page1',
    'lower',
    deep.map(([s, b], r) => [s.p50 / page1[r][0].p50, b.p50 / page1[r][1].p50]),
  );
}

async function walk(target: Target, token: string, pages: number): Promise<string | null> {
  let cursor: string | null = null;
  for (let p = 1; p < pages; p++) {
    const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const r = await get(target.base, `/api/sessions/all?limit=50${q}`, token);
    if (r.status !== 200) throw new Error(`${target.side}: page ${p} answered ${r.status}`);
    cursor = (JSON.parse(r.body) as { next_cursor?: string | null }).next_cursor ?? null;
    if (!cursor) return null;
  }
  return cursor;
}

async function s3(ctx: Ctx) {
  const DEEP = envNumber('BENCH_S3_PAGE', 200);
  console.log(`\nS3: admin list limit=50, first page vs page ${DEEP} (keyset cursor)`);
  const probe = await get(ctx.targets.service.base, '/api/sessions/all?limit=50', ctx.adminToken);
  const body = probe.status === 200 ? (JSON.parse(probe.body) as Record<string, unknown>) : {};
  if (!('next_cursor' in body)) {
    const why = `S3 skipped: the service answered ${probe.status} without next_cursor to /api/sessions/all?limit=50 (keyset paging not available yet)`;
    console.log(`  ${why}`);
    notes.push(why);
    return;
  }
  const cursors: Partial<Record<Side, string>> = {};
  for (const side of SIDES) {
    const c = await walk(ctx.targets[side], ctx.adminToken, DEEP);
    if (!c) {
      notes.push(`S3: ${side} ran out of pages before page ${DEEP}`);
      return;
    }
    cursors[side] = c;
  }
  const first = await pairs(ctx, () => ({
    connections: CONNECTIONS,
    path: '/api/sessions/all?limit=50',
    token: ctx.adminToken,
  }));
  checkStatuses('S3 first', first, '200');
  recordLoad('S3 admin page 1 (50)', first, ['rps', 'p50', 'p99']);
  const deep = await pairs(ctx, (side) => ({
    connections: CONNECTIONS,
    path: `/api/sessions/all?limit=50&cursor=${encodeURIComponent(cursors[side]!)}`,
    token: ctx.adminToken,
  }));
  checkStatuses('S3 deep', deep, '200');
  recordLoad(`S3 admin page ${DEEP} (50)`, deep, ['rps', 'p50', 'p99']);
}

interface FullList {
  status: number;
  /** false when the body stopped before its closing `"total":N}` (connection cut) */
  complete: boolean;
  error?: string;
  ttfb_ms: number;
  ttlb_ms: number;
  /** sessions received (counted in the body, so a cut-off list counts what arrived) */
  rows: number;
  bytes: number;
  rows_per_s: number;
  rss_before_mib: number;
  peak_rss_mib: number;
}

const ROW_MARK = '"session_id":';

/** One full admin list, timed from the request to the first and the last body byte. */
function fullList(target: Target, token: string): Promise<FullList> {
  return new Promise((resolve) => {
    const before = readRss(target.pid)?.rss ?? NaN;
    const hwmReset = resetPeakRss(target.pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, readRss(target.pid)?.rss ?? 0);
    }, 20);
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    let status = 0;
    let ttfb = NaN;
    let bytes = 0;
    let rowsSeen = 0;
    let carry = '';
    let tail = '';
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      const ttlb = ms();
      clearInterval(sampler);
      const rss = readRss(target.pid);
      if (hwmReset && rss) peak = Math.max(peak, rss.hwm);
      const declared = Number(/"total":(\d+)\}\s*$/.exec(tail)?.[1] ?? NaN);
      resolve({
        status,
        complete: !error && declared === rowsSeen,
        ...(error && { error }),
        ttfb_ms: ttfb,
        ttlb_ms: ttlb,
        rows: rowsSeen,
        bytes,
        rows_per_s: rowsSeen / (ttlb / 1000),
        rss_before_mib: before,
        peak_rss_mib: peak,
      });
    };
    const req = http.get(
      `${target.base}/api/sessions/all`,
      { headers: { authorization: `Bearer ${token}` }, timeout: 600_000 },
      (res) => {
        status = res.statusCode ?? 0;
        res.on('data', (chunk: Buffer) => {
          if (!bytes) ttfb = ms();
          bytes += chunk.length;
          const text = carry + chunk.toString('latin1');
          for (let i = text.indexOf(ROW_MARK); i >= 0; i = text.indexOf(ROW_MARK, i + 1)) {
            if (i + ROW_MARK.length > carry.length) rowsSeen++;
          }
          carry = text.slice(-ROW_MARK.length);
          tail = (tail + chunk.toString('latin1')).slice(-256);
        });
        res.on('end', () => finish());
        res.on('error', (e) => finish(e.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('full list timed out')));
    req.on('error', (e) => finish(e.message));
  });
}

async function s4(ctx: Ctx) {
  console.log(`\nS4: full admin list (no params), one request at a time, ${S4_RUNS} runs each`);
  const results: [FullList, FullList][] = [];
  for (let i = 0; i < S4_RUNS; i++) {
    const s = await fullList(ctx.targets.service, ctx.adminToken);
    const b = await fullList(ctx.targets.baseline, ctx.adminToken);
    for (const [side, r] of [
      ['service', s],
      ['baseline', b],
    ] as const) {
      if (r.status !== 200 || !r.complete) {
        notes.push(
          `S4 run ${i + 1} ${side}: status ${r.status}, ${r.complete ? 'complete' : `CUT OFF after ${r.rows} rows, ${fmt(r.ttlb_ms)} ms (${r.error ?? 'no closing total'})`}`,
        );
      }
      console.log(
        `  run ${i + 1} ${side.padEnd(8)} status ${r.status}${r.complete ? '' : ' INCOMPLETE'} ttfb ${fmt(r.ttfb_ms)} ms, ttlb ${fmt(r.ttlb_ms)} ms, ${r.rows} rows, ${(r.bytes / 2 ** 20).toFixed(1)} MiB, peak RSS ${fmt(r.peak_rss_mib)} MiB`,
      );
    }
    results.push([s, b]);
  }
  if (results.some(([s, b]) => s.rows !== b.rows)) {
    notes.push(
      `S4: row counts differ: ${results.map(([s, b]) => `${s.rows}/${b.rows}`).join(', ')}`,
    );
  }
  const pick = (
    k: 'ttfb_ms' | 'ttlb_ms' | 'rows_per_s' | 'peak_rss_mib' | 'rss_before_mib' | 'rows',
  ) => results.map(([s, b]): [number, number] => [s[k], b[k]]);
  const cut = SIDES.filter((_side, i) => results.some((pair) => !pair[i].complete));
  const incomplete = cut.length ? `${cut.join('+')} INCOMPLETE` : undefined;
  record('S4 full admin list', 'TTFB ms', 'lower', pick('ttfb_ms'));
  record('S4 full admin list', 'TTLB ms', 'lower', pick('ttlb_ms'), incomplete);
  record('S4 full admin list', 'rows received', 'higher', pick('rows'), incomplete);
  record('S4 full admin list', 'rows/s', 'higher', pick('rows_per_s'), incomplete);
  record('S4 full admin list', 'peak RSS MiB', 'lower', pick('peak_rss_mib'), incomplete);
  record('S4 full admin list', 'RSS before MiB', 'lower', pick('rss_before_mib'));
  raw.S4 = results;
}

async function s5(ctx: Ctx) {
  console.log('\nS5: invalid token (wrong signature) -> 401');
  const r = await pairs(ctx, () => ({
    connections: CONNECTIONS,
    path: '/sessions/user/12/sessions',
    token: ctx.badToken,
  }));
  checkStatuses('S5', r, '401');
  // autocannon counts 401 as non-2xx; the samples above include every answer.
  recordLoad(`S5 401 path c=${CONNECTIONS}`, r, ['rps', 'p50', 'p99']);
}

// ---- main -----------------------------------------------------------------------------------

async function main() {
  installCleanup();
  const started = new Date();
  const pinning = PIN
    ? `servers pinned to CPU ${SERVER_CPU} (taskset); load generator pinned to CPU ${LOADGEN_CPU}; PostgreSQL not pinned`
    : 'no pinning (BENCH_PIN=0, no taskset, or a single CPU)';
  if (PIN) {
    spawnSync('taskset', ['-a', '-p', '-c', LOADGEN_CPU, String(process.pid)], {
      stdio: 'ignore',
    });
  }
  console.log(
    `bench: ${DURATION} s per run, ${ROUNDS} rounds, ${CONNECTIONS} connections; ${pinning}`,
  );

  buildIfStale();
  const seed = await ensureSeeded(process.argv.includes('--reseed'));
  console.log(
    `seed: ${seed.reused ? 'reused' : 'created'} ${seed.sessions} sessions (${seed.active} active) in ${seed.seconds.toFixed(1)} s`,
  );

  const [servicePort, baselinePort] = [await freePort(), await freePort()];
  const cpu = PIN ? SERVER_CPU : undefined;
  // The service runs as `npm start` runs it; BENCH_NODE_FLAGS (such as V8 heap bounds) go to both servers.
  const nodeFlags = (env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  console.log(`node flags of both servers: ${nodeFlags.join(' ') || 'none (BENCH_NODE_FLAGS)'}`);
  const service = startChild(
    'service',
    process.execPath,
    [...nodeFlags, ...serviceStartArgs()],
    serverEnv(servicePort),
    cpu,
  );
  const baseline = startChild(
    'baseline',
    process.execPath,
    [...nodeFlags, '-r', 'ts-node/register', 'bench/baseline/server.ts'],
    { ...serverEnv(baselinePort), TS_NODE_TRANSPILE_ONLY: 'true' },
    cpu,
  );
  const targets: Record<Side, Target> = {
    service: { side: 'service', base: `http://127.0.0.1:${servicePort}`, pid: service.pid! },
    baseline: { side: 'baseline', base: `http://127.0.0.1:${baselinePort}`, pid: baseline.pid! },
  };
  try {
    await waitReady('service', targets.service.base, targets.service.pid);
    await waitReady('baseline', targets.baseline.base, targets.baseline.pid);

    const typical = Array.from({ length: 2000 }, () => {
      const id = 12 + Math.floor(Math.random() * (100_000 - 12 + 1));
      return {
        path: `/sessions/user/${id}/sessions?page=1&page_size=20`,
        token: signToken(String(id)),
      };
    });
    const ctx: Ctx = {
      targets,
      typical,
      heavyToken: signToken('1'),
      adminToken: signToken('1', ['admin']),
      badToken: jwt.sign({ sub: '12', roles: [] }, `${JWT.secret}-not-the-key`, {
        algorithm: 'HS256',
        issuer: JWT.issuer,
        audience: JWT.audience,
        expiresIn: 3600,
      }),
    };

    // The same answer from both, up to the timestamp.
    for (const probe of [
      typical[0],
      { path: '/sessions/user/1/sessions', token: ctx.heavyToken },
    ]) {
      const [a, b] = await Promise.all(
        SIDES.map((s) => get(targets[s].base, probe.path, probe.token)),
      );
      const strip = (body: string) => body.replace(/"timestamp":"[^"]*"/, '');
      if (a.status !== 200 || b.status !== 200 || strip(a.body) !== strip(b.body)) {
        notes.push(
          `answers differ for ${probe.path}: service ${a.status} ${a.body.slice(0, 200)} / baseline ${b.status} ${b.body.slice(0, 200)}`,
        );
      }
    }

    console.log(`\nwarm-up: ${WARMUP} s per server and route`);
    let w = 0;
    for (const side of SIDES) {
      await load(targets[side], {
        connections: CONNECTIONS,
        duration: WARMUP,
        next: () => typical[w++ % typical.length],
      });
      await load(targets[side], {
        connections: CONNECTIONS,
        duration: Math.max(1, WARMUP / 2),
        path: '/sessions/user/1/sessions?page=400&page_size=20',
        token: ctx.heavyToken,
      });
      await load(targets[side], {
        connections: CONNECTIONS,
        duration: Math.max(1, WARMUP / 2),
        path: '/api/sessions/all?limit=50',
        token: ctx.adminToken,
      });
    }

    if (ONLY.includes('S1')) await s1(ctx);
    if (ONLY.includes('S2')) await s2(ctx);
    if (ONLY.includes('S3')) await s3(ctx);
    if (ONLY.includes('S4')) await s4(ctx);
    if (ONLY.includes('S5')) await s5(ctx);
  } finally {
    await Promise.all([stopChild(service), stopChild(baseline)]);
  }
  if (ONLY.includes('DB')) databaseTime();
  if (ONLY.includes('JWT')) jwtVerification();

  printTable();
  const pg = spawnSync('psql', ['--version'], { encoding: 'utf8' });
  const result = {
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    machine: { ...machineInfo(), postgres: seed.postgres, psql: pg.stdout?.trim() },
    settings: {
      duration_s: DURATION,
      warmup_s: WARMUP,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      s4_runs: S4_RUNS,
      scenarios: ONLY,
      pinning,
      node_flags: nodeFlags,
      pool_size: serverEnv(0).DATABASE_POOL_SIZE,
    },
    seed,
    summary: rows.map(summarize),
    notes,
    raw,
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const options = (await prettier.resolveConfig(join(dir, 'latest.json'))) ?? {};
  const text = await prettier.format(JSON.stringify(result), { ...options, parser: 'json' });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(dir, `${stamp}.json`), text);
  writeFileSync(join(dir, 'latest.json'), text);
  console.log(`\nresults: bench/results/${stamp}.json (and latest.json)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
