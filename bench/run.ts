/**
 * The benchmark: the service against a minimal Fastify + pg baseline on the same
 * database, alternating A,B per round, reporting the median of pair-by-pair ratios.
 * `npm run bench` (see bench/README.md). Not part of the test suite.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import prettier from 'prettier';
import {
  BENCH_DB_URL,
  compiledServer,
  cpuMicros,
  cpuCount,
  createMemoryGroup,
  hasTaskset,
  installCleanup,
  JWT,
  machineInfo,
  median,
  parseSize,
  readRss,
  removeMemoryGroup,
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
  signInBody,
  freePort,
} from './lib/common';
import { explainTimes, section } from './lib/db-time';
import { ensureSeeded } from './lib/seed';

const env = process.env;
const DURATION = envNumber('BENCH_DURATION', 10);
const WARMUP = envNumber('BENCH_WARMUP', Math.min(5, DURATION));
const ROUNDS = Math.max(3, envNumber('BENCH_ROUNDS', 3));
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 10);
const S4_RUNS = envNumber('BENCH_S4_RUNS', 3);
const ONLY = (env.BENCH_ONLY ?? 'S1,S2,S3,S4,S5,S6,S7,MIX,DB,JWT').toUpperCase().split(',');
const PIN = env.BENCH_PIN !== '0' && hasTaskset() && cpuCount() >= 2;
const SERVER_CPU = env.BENCH_SERVER_CPU ?? '1';
const LOADGEN_CPU = env.BENCH_LOADGEN_CPU ?? '0';
/** Node flags of both servers (such as V8 heap bounds); none: V8's defaults. */
const NODE_FLAGS = (env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
/**
 * A memory limit for each server, as a container's (`1G`, `512M`): each runs in its own
 * memory control group, and Node sizes V8's heap from that limit with no flag. Unset: none.
 */
const MEMORY_LIMIT = env.BENCH_MEMORY_LIMIT ? parseSize(env.BENCH_MEMORY_LIMIT) : undefined;
if (MEMORY_LIMIT !== undefined && !(MEMORY_LIMIT > 0)) {
  throw new Error(`BENCH_MEMORY_LIMIT: not a size: ${env.BENCH_MEMORY_LIMIT}`);
}
/**
 * The users the sign-ins of S6 and MIX cycle over: ids far above the seeded ones, created
 * before the runs and removed afterwards with every session, feed row and event written for
 * them, so the seeded database is reused unchanged.
 */
const SIGNIN_USER_BASE = 1_000_000_001;
const SIGNIN_USERS = envNumber('BENCH_SIGNIN_USERS', 10_000);
/** The service's tables (DATABASE_SCHEMA's default). */
const SCHEMA = 'session_service';

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
  /** the server's user and system CPU time per request, µs (/proc) */
  cpu_us: number;
}

/** One request: GET unless said otherwise; a body is sent as JSON. */
interface Req {
  path: string;
  token: string;
  method?: string;
  body?: string;
}

interface Load {
  connections: number;
  overallRate?: number;
  duration?: number;
  /** a fixed request, or one made per request */
  path?: string;
  token?: string;
  next?: () => Req;
}

/** autocannon's form of a request. */
function cannonRequest(r: Req): autocannon.Request {
  return {
    method: r.method ?? 'GET',
    path: r.path,
    headers:
      r.body === undefined
        ? { authorization: `Bearer ${r.token}` }
        : { authorization: `Bearer ${r.token}`, 'content-type': 'application/json' },
    ...(r.body !== undefined && { body: r.body }),
  };
}

/** One autocannon run; percentiles from every response's own duration (float ms). */
async function load(target: Target, spec: Load): Promise<LoadResult> {
  const samples: number[] = [];
  const request: autocannon.Request = spec.next
    ? { method: 'GET', setupRequest: (req) => ({ ...req, ...cannonRequest(spec.next!()) }) }
    : cannonRequest({ path: spec.path!, token: spec.token! });
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
  const cpuBefore = cpuMicros(target.pid);
  const r = await instance;
  const cpu = cpuMicros(target.pid) - cpuBefore;
  samples.sort((a, b) => a - b);
  const pct = (p: number) => percentile(samples, p);
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
    cpu_us: samples.length ? cpu / samples.length : NaN,
  };
}

/** The `p` quantile of sorted samples (NaN for none). */
function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
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
  /** false for figures whose quotient means nothing (differences, percentages) */
  ratios = true,
) {
  const row: Row = {
    scenario,
    metric,
    better,
    service: pairs.map((p) => p[0]),
    baseline: pairs.map((p) => p[1]),
    ratios: pairs.map(([s, b]) => (ratios ? s / b : NaN)),
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

/** The performance targets (bench/README.md, Targets), checked against the summarized figures. */
function target(m: ReturnType<typeof summarize>): [string, string] {
  const check = (text: string, met: boolean): [string, string] => [text, met ? 'met' : 'MISSED'];
  const key = `${m.scenario}|${m.metric}`;
  const c = `c=${CONNECTIONS}`;
  if (key === `S1 user page ${c}|req/s`) return check('ratio >= 0.85', m.ratio >= 0.85);
  if (key === 'S1 user page c=1|p50 ms')
    return check('<= baseline + 0.3 ms', m.service - m.baseline <= 0.3);
  if (key.startsWith('S1 user page @80% base|p99 ms')) return check('ratio <= 2', m.ratio <= 2);
  if (/^S2 heavy page \d+\|req\/s$/.test(key)) return check('ratio >= 0.80', m.ratio >= 0.8);
  if (key.startsWith('S2 deep/page-1')) return check('<= 1.5', m.service <= 1.5);
  if (/^S3 admin page \d+ \(50\)\|req\/s$/.test(key)) return check('ratio >= 0.80', m.ratio >= 0.8);
  if (key === 'S4 full admin list|TTFB ms') return check('< 100 ms', m.service < 100);
  if (key === 'S4 full admin list|rows/s') return check('ratio >= 0.90', m.ratio >= 0.9);
  if (key === 'S4 full admin list|peak RSS MiB') {
    if (NODE_FLAGS.length) return ['< 150 MiB, V8 defaults', 'n/a: BENCH_NODE_FLAGS'];
    return MEMORY_LIMIT === undefined
      ? check('< 150 MiB', m.service < 150)
      : check(`< 150 MiB, ${MEMORY_LIMIT / 2 ** 20} MiB limit`, m.service < 150);
  }
  if (key === `S5 401 path ${c}|req/s`) return check('ratio >= 0.50', m.ratio >= 0.5);
  if (key === `S6 sign-in ${c}|req/s`) return check('ratio >= 0.70', m.ratio >= 0.7);
  if (key.startsWith('S7 session check cost|')) return check('service <= 10 %', m.service <= 10);
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

/** `npm run bench:jwt`, its service figures parsed from its output. */
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
  recordAlone(
    'JWT verification',
    'us, guard path',
    figure('JwtAuthGuard path: verifyToken, validate'),
  );
  recordAlone('JWT verification', 'us, passport path', figure('passport-jwt strategy, full path'));
}

// ---- processes ------------------------------------------------------------------------------

interface Reply {
  status: number;
  body: string;
}

function get(base: string, path: string, token?: string, timeoutMs = 120_000): Promise<Reply> {
  return send(base, { path, token: token ?? '' }, timeoutMs);
}

/** One request (no token when `token` is empty), its whole answer. */
function send(base: string, r: Req, timeoutMs = 120_000): Promise<Reply> {
  const headers: Record<string, string> = r.token ? { authorization: `Bearer ${r.token}` } : {};
  if (r.body !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${r.path}`,
      { method: r.method ?? 'GET', headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${r.path}`)));
    req.on('error', reject);
    req.end(r.body);
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
      // Build output (a workspace package's dist/*.d.ts is written after main.js) is no source.
      if (entry.isDirectory()) {
        if (entry.name !== 'dist' && entry.name !== 'node_modules') walk(p);
      } else if (/\.(ts|json)$/.test(entry.name) && !entry.name.endsWith('.spec.ts')) {
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
  /** Typical users (of `typical`) with one of their active sessions: tokens with and without it. */
  bound: { path: string; plain: string; bound: string }[];
  heavyToken: string;
  adminToken: string;
  /** The service role (`session-writer`): records sign-ins. */
  writerToken: string;
  badToken: string;
  db: Client;
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

// ---- writes and session-bound tokens: S6, S7, MIX ----------------------------------------------

let signIns = 0;
/** The next sign-in: bench users round-robin, so concurrent sign-ins rarely share a user. */
function nextSignIn(token: string): Req {
  const userId = SIGNIN_USER_BASE + (signIns++ % SIGNIN_USERS);
  return { method: 'POST', path: '/api/sessions', token, body: signInBody(userId) };
}

/**
 * Creates the bench users, named as their sign-ins name them: every sign-in's upsert then
 * finds its user unchanged, on both sides alike.
 */
async function createSignInUsers(db: Client): Promise<void> {
  await db.query(
    `INSERT INTO ${SCHEMA}.users (id, username)
     SELECT g, 'bench' || g FROM generate_series($1::bigint, $2::bigint) AS g
     ON CONFLICT (id) DO NOTHING`,
    [SIGNIN_USER_BASE, SIGNIN_USER_BASE + SIGNIN_USERS - 1],
  );
}

/**
 * Removes the bench users and everything written for them (sessions, feed rows, audit
 * events), so the seeded database is left as it was (and reused by the next run). Returns
 * how many sessions and users it removed.
 */
async function removeSignIns(db: Client): Promise<{ sessions: number; users: number }> {
  await db.query('BEGIN');
  try {
    // Sessions first and without the per-row foreign-key cascade from users: the only index
    // on sessions.user_id is partial (active sessions), so the cascade would scan the table
    // once per user.
    await db.query('SET LOCAL session_replication_role = replica');
    const at = [SIGNIN_USER_BASE];
    const sessions = await db.query(`DELETE FROM ${SCHEMA}.sessions WHERE user_id >= $1`, at);
    const users = await db.query(`DELETE FROM ${SCHEMA}.users WHERE id >= $1`, at);
    await db.query(`DELETE FROM ${SCHEMA}.session_revocations WHERE user_id >= $1`, at);
    await db.query(`DELETE FROM ${SCHEMA}.session_events WHERE user_id >= $1`, at);
    await db.query('COMMIT');
    return { sessions: sessions.rowCount ?? 0, users: users.rowCount ?? 0 };
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** VACUUM (ANALYZE) of the tables the writes touched: their statistics as the seed left them. */
async function vacuumWritten(db: Client): Promise<void> {
  const tables = ['sessions', 'users', 'session_revocations', 'session_events'];
  await db.query(`VACUUM (ANALYZE) ${tables.map((t) => `${SCHEMA}.${t}`).join(', ')}`);
}

/** `n` active sessions of bench users, made in SQL: revocation targets before any sign-in answers. */
async function revocationPool(db: Client, n: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO ${SCHEMA}.sessions (user_id, device_type, ip, user_agent, amr, idle_timeout_seconds,
                                     authenticated_at, last_active_at, idle_expires_at, expires_at)
     SELECT $1::bigint + g % $2::int, 'desktop', '198.51.100.7', 'bench', '{pwd}', 1800,
            now(), now(), now() + interval '30 minutes', now() + interval '12 hours'
       FROM generate_series(1, $3::int) AS g
     RETURNING id::text AS id`,
    [SIGNIN_USER_BASE, SIGNIN_USERS, n],
  );
  return rows.map((r) => r.id);
}

/**
 * Typical users with a session-bound token each: their most recently active session that
 * stays active for at least another hour (the page loads never revoke it).
 */
async function boundUsers(db: Client, typical: Ctx['typical']): Promise<Ctx['bound']> {
  const idOf = (path: string) => Number(/\/sessions\/user\/(\d+)\//.exec(path)![1]);
  const { rows } = await db.query<{ user_id: string; id: string }>(
    `SELECT DISTINCT ON (s.user_id) s.user_id::text AS user_id, s.id::text AS id
       FROM ${SCHEMA}.sessions s
      WHERE s.user_id = ANY($1::bigint[]) AND s.revoked_at IS NULL
        AND s.expires_at > now() + interval '1 hour'
        AND s.idle_expires_at > now() + interval '1 hour'
      ORDER BY s.user_id, s.last_active_at DESC, s.id DESC`,
    [[...new Set(typical.map((t) => idOf(t.path)))]],
  );
  const sessionOf = new Map(rows.map((r) => [Number(r.user_id), r.id]));
  return typical.flatMap((t) => {
    const userId = idOf(t.path);
    const sessionId = sessionOf.get(userId);
    return sessionId
      ? [
          {
            path: t.path,
            plain: t.token,
            bound: signToken(String(userId), [], 4 * 3600, { session_id: sessionId }),
          },
        ]
      : [];
  });
}

async function s6(ctx: Ctx) {
  console.log(
    `\nS6: sign-in (POST /api/sessions, session-writer token), ${SIGNIN_USERS} bench users round-robin`,
  );
  const next = () => nextSignIn(ctx.writerToken);
  for (const side of SIDES) {
    await load(ctx.targets[side], {
      connections: CONNECTIONS,
      duration: Math.max(1, WARMUP / 2),
      next,
    });
  }
  const r = await pairs(ctx, () => ({ connections: CONNECTIONS, next }));
  checkStatuses('S6', r, '201');
  recordLoad(`S6 sign-in c=${CONNECTIONS}`, r, ['rps', 'p50', 'p99']);
}

async function s7(ctx: Ctx) {
  console.log(
    `\nS7: S1's request with a token bound to one of the user's active sessions (session_id) vs without (${ctx.bound.length} users)`,
  );
  let i = 0;
  let j = 0;
  const plain = (): Req => {
    const u = ctx.bound[i++ % ctx.bound.length];
    return { path: u.path, token: u.plain };
  };
  const bound = (): Req => {
    const u = ctx.bound[j++ % ctx.bound.length];
    return { path: u.path, token: u.bound };
  };
  for (const side of SIDES) {
    await load(ctx.targets[side], {
      connections: CONNECTIONS,
      duration: Math.max(1, WARMUP / 2),
      next: bound,
    });
  }
  // Per round and side, both loads back to back, their order swapped every round.
  const without: [LoadResult, LoadResult][] = [];
  const withSid: [LoadResult, LoadResult][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const got: Record<'plain' | 'bound', Partial<Record<Side, LoadResult>>> = {
      plain: {},
      bound: {},
    };
    for (const side of SIDES) {
      for (const kind of round % 2
        ? (['bound', 'plain'] as const)
        : (['plain', 'bound'] as const)) {
        got[kind][side] = await load(ctx.targets[side], {
          connections: CONNECTIONS,
          next: kind === 'bound' ? bound : plain,
        });
      }
    }
    without.push([got.plain.service!, got.plain.baseline!]);
    withSid.push([got.bound.service!, got.bound.baseline!]);
  }
  checkStatuses('S7 without session_id', without, '200');
  checkStatuses('S7 with session_id', withSid, '200');
  recordLoad(`S7 user page c=${CONNECTIONS} no sid`, without, ['rps']);
  recordLoad(`S7 user page c=${CONNECTIONS} sid`, withSid, ['rps', 'p50', 'p99']);
  const cost = without.map(([s, b], r): [number, number] => [
    100 * (1 - withSid[r][0].rps / s.rps),
    100 * (1 - withSid[r][1].rps / b.rps),
  ]);
  const diff = median(cost.map((c) => c[0])) - median(cost.map((c) => c[1]));
  record(
    'S7 session check cost',
    '% of S1 req/s',
    'lower',
    cost,
    `${diff >= 0 ? '+' : ''}${fmt(diff, 1)} points`,
    false,
  );
  // The same cost in the server's own CPU time per request (/proc), which time taken by
  // other processes on the server's core (PostgreSQL's backends are not pinned) leaves out.
  const cpuCost = without.map(([s, b], r): [number, number] => [
    100 * (withSid[r][0].cpu_us / s.cpu_us - 1),
    100 * (withSid[r][1].cpu_us / b.cpu_us - 1),
  ]);
  const cpuDiff = median(cpuCost.map((c) => c[0])) - median(cpuCost.map((c) => c[1]));
  record(
    'S7 session check cost',
    '% of S1 CPU/request',
    'lower',
    cpuCost,
    `${cpuDiff >= 0 ? '+' : ''}${fmt(cpuDiff, 1)} points`,
    false,
  );
}

type MixKind = 'page' | 'signin' | 'revoke';
const MIX_KINDS: MixKind[] = ['page', 'signin', 'revoke'];
/** 16 pages, 3 sign-ins and 1 revocation in every 20 requests: 80 / 15 / 5 %. */
const MIX_PATTERN: MixKind[] = Array.from({ length: 20 }, (_v, i) =>
  i === 19 ? 'revoke' : i % 6 === 3 ? 'signin' : 'page',
);
const MIX_EXPECTED: Record<MixKind, string> = { page: '200', signin: '201', revoke: '204' };

interface MixResult {
  rps: number;
  requests: number;
  errors: number;
  kinds: Record<MixKind, { requests: number; rps: number; p50: number; p99: number }>;
  status: Record<MixKind, Record<string, number>>;
  /** revocations of the SQL-made pool (no sign-in of the run had answered yet) */
  from_pool: number;
  /** revocations of a session already revoked (neither a sign-in's nor the pool's left) */
  repeated: number;
}

/**
 * One mixed run: every connection sends pages (session-bound tokens), sign-ins and
 * revocations in MIX_PATTERN's proportions; each revocation ends a session signed in by
 * this run on this side (one from a small SQL-made pool until the first sign-ins answer).
 */
async function mixLoad(ctx: Ctx, target: Target, duration = DURATION): Promise<MixResult> {
  const samples: Record<MixKind, number[]> = { page: [], signin: [], revoke: [] };
  const status: Record<MixKind, Record<string, number>> = { page: {}, signin: {}, revoke: {} };
  const created: string[] = [];
  const pool = await revocationPool(ctx.db, 50);
  const revoked: string[] = [];
  let fromPool = 0;
  let repeated = 0;
  let n = 0;
  let p = 0;
  let answered: MixKind = 'page';
  const request: autocannon.Request = {
    method: 'GET',
    setupRequest: (req, context) => {
      const kind = MIX_PATTERN[n++ % MIX_PATTERN.length];
      context.kind = kind;
      let r: Req;
      if (kind === 'page') {
        const u = ctx.bound[p++ % ctx.bound.length];
        r = { path: u.path, token: u.bound };
      } else if (kind === 'signin') {
        r = nextSignIn(ctx.writerToken);
      } else {
        let id = created.shift();
        if (!id && (id = pool.shift())) fromPool++;
        if (!id && revoked.length) id = revoked[repeated++ % revoked.length];
        id ??= randomUUID();
        revoked.push(id);
        r = { method: 'DELETE', path: `/api/sessions/${id}`, token: ctx.adminToken };
      }
      return { ...req, ...cannonRequest(r) };
    },
    // Called for each answer just before autocannon's `response` event (same tick).
    onResponse: (code, body, context) => {
      answered = context.kind as MixKind;
      status[answered][code] = (status[answered][code] ?? 0) + 1;
      if (answered === 'signin' && code === 201) {
        const id = /"id":"([0-9a-f-]{36})"/.exec(body)?.[1];
        if (id) created.push(id);
      }
    },
  };
  const instance = autocannon({
    url: target.base,
    connections: CONNECTIONS,
    pipelining: 1,
    duration,
    timeout: 30,
    requests: [request],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    samples[answered].push(ms);
  });
  const r = await instance;
  const seconds = r.duration || duration;
  const kinds = {} as MixResult['kinds'];
  let requests = 0;
  for (const kind of MIX_KINDS) {
    const sorted = samples[kind].sort((a, b) => a - b);
    requests += sorted.length;
    kinds[kind] = {
      requests: sorted.length,
      rps: sorted.length / seconds,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
    };
  }
  return {
    rps: requests / seconds,
    requests,
    errors: r.errors + r.timeouts,
    kinds,
    status,
    from_pool: fromPool,
    repeated,
  };
}

async function mix(ctx: Ctx) {
  console.log(
    `\nMIX: ${CONNECTIONS} connections, each sending 80 % user pages (session-bound tokens), 15 % sign-ins, 5 % admin revocations of this run's sign-ins`,
  );
  for (const side of SIDES) await mixLoad(ctx, ctx.targets[side], Math.max(1, WARMUP / 2));
  const results: [MixResult, MixResult][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const s = await mixLoad(ctx, ctx.targets.service);
    const b = await mixLoad(ctx, ctx.targets.baseline);
    results.push([s, b]);
  }
  results.forEach((pair, round) =>
    pair.forEach((r, i) => {
      const unexpected = MIX_KINDS.flatMap((kind) =>
        Object.entries(r.status[kind])
          .filter(([code]) => code !== MIX_EXPECTED[kind])
          .map(([code, count]) => `${kind} ${code}: ${count}`),
      );
      if (unexpected.length || r.errors) {
        notes.push(
          `MIX round ${round + 1} ${SIDES[i]}: unexpected answers ${unexpected.join(', ') || 'none'}, ${r.errors} errors/timeouts`,
        );
      }
      if (r.repeated) {
        notes.push(
          `MIX round ${round + 1} ${SIDES[i]}: ${r.repeated} revocations repeated an earlier one (no session left to revoke)`,
        );
      }
    }),
  );
  const by = (f: (r: MixResult) => number) =>
    results.map(([s, b]): [number, number] => [f(s), f(b)]);
  record(
    `MIX 80/15/5 c=${CONNECTIONS}`,
    'req/s, all routes',
    'higher',
    by((r) => r.rps),
  );
  const label: Record<MixKind, string> = {
    page: 'MIX user page, sid',
    signin: 'MIX sign-in',
    revoke: 'MIX revoke',
  };
  for (const kind of MIX_KINDS) {
    record(
      label[kind],
      'req/s',
      'higher',
      by((r) => r.kinds[kind].rps),
    );
    record(
      label[kind],
      'p50 ms',
      'lower',
      by((r) => r.kinds[kind].p50),
    );
    record(
      label[kind],
      'p99 ms',
      'lower',
      by((r) => r.kinds[kind].p99),
    );
  }
  raw.MIX = results;
}

// ---- main -----------------------------------------------------------------------------------

/** A list without its `timestamp`: what two equal answers share. */
const untimed = (body: string) => body.replace(/"timestamp":"[^"]*"/, '');

/** A new session without what differs between two sign-ins: its id and times. */
const unstamped = (body: string) =>
  body
    .replace(/"id":"[0-9a-f-]{36}"/, '"id":"-"')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '-');

/**
 * The same answers from both servers (up to `timestamp`, and a new session's id and times):
 * user pages without and with a session-bound token, an admin keyset page, a sign-in, its
 * revocation (twice) and then the refusal of a token bound to it, an unknown session.
 */
async function compareAnswers(ctx: Ctx): Promise<void> {
  const differ = (what: string, a: Reply, b: Reply) =>
    notes.push(
      `answers differ for ${what}: service ${a.status} ${a.body.slice(0, 200)} / baseline ${b.status} ${b.body.slice(0, 200)}`,
    );
  const both = (r: Req | ((side: Side) => Req)) =>
    Promise.all(
      SIDES.map((side) => send(ctx.targets[side].base, typeof r === 'function' ? r(side) : r)),
    );
  const probes: [string, Req, number][] = [
    ['a user page', ctx.typical[0], 200],
    ['the heavy user page', { path: '/sessions/user/1/sessions', token: ctx.heavyToken }, 200],
    ['an admin keyset page', { path: '/api/sessions/all?limit=50', token: ctx.adminToken }, 200],
  ];
  if (ctx.bound.length) {
    const u = ctx.bound[0];
    probes.push(['a user page, session-bound token', { path: u.path, token: u.bound }, 200]);
  }
  for (const [what, r, status] of probes) {
    const [a, b] = await both(r);
    if (a.status !== status || b.status !== status || untimed(a.body) !== untimed(b.body)) {
      differ(`${what} (${r.path})`, a, b);
    }
  }
  // A sign-in on each side, then its revocation through the same side.
  const userId = SIGNIN_USER_BASE;
  const signIn: Req = {
    method: 'POST',
    path: '/api/sessions',
    token: ctx.writerToken,
    body: signInBody(userId),
  };
  const [a, b] = await both(signIn);
  if (a.status !== 201 || b.status !== 201 || unstamped(a.body) !== unstamped(b.body)) {
    differ('a sign-in (POST /api/sessions)', a, b);
    return;
  }
  const ids: Record<Side, string> = {
    service: /"id":"([0-9a-f-]{36})"/.exec(a.body)![1],
    baseline: /"id":"([0-9a-f-]{36})"/.exec(b.body)![1],
  };
  const page = (side: Side): Req => ({
    path: `/sessions/user/${userId}/sessions`,
    token: signToken(String(userId), [], 600, { session_id: ids[side] }),
  });
  const revoke = (side: Side): Req => ({
    method: 'DELETE',
    path: `/api/sessions/${ids[side]}`,
    token: ctx.adminToken,
  });
  const steps: [string, Req | ((side: Side) => Req), number][] = [
    ['a page with a token bound to the new session', page, 200],
    ['its revocation (DELETE /api/sessions/{id})', revoke, 204],
    ['the same token after the revocation', page, 401],
    ['the revocation again', revoke, 204],
    [
      'the revocation of an unknown session',
      { method: 'DELETE', path: `/api/sessions/${randomUUID()}`, token: ctx.adminToken },
      404,
    ],
  ];
  for (const [what, r, status] of steps) {
    const [x, y] = await both(r);
    const bodiesMatter = status === 204;
    if (x.status !== status || y.status !== status || (bodiesMatter && (x.body || y.body))) {
      differ(what, x, y);
    }
  }
}

const round2 = (values: number[]) => values.map((n) => Math.round(n * 100) / 100);

async function main() {
  installCleanup();
  const started = new Date();
  const loadAtStart = round2(loadavg());
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
  console.log(`load average at start (1, 5, 15 min): ${loadAtStart.join(', ')}`);

  buildIfStale();
  // Rows a run stopped midway left behind (they would fail the reuse check).
  await leftoverSignIns();
  const seed = await ensureSeeded(process.argv.includes('--reseed'));
  console.log(
    `seed: ${seed.reused ? 'reused' : 'created'} ${seed.sessions} sessions (${seed.active} active) in ${seed.seconds.toFixed(1)} s`,
  );

  const [servicePort, baselinePort] = [await freePort(), await freePort()];
  const cpu = PIN ? SERVER_CPU : undefined;
  // The service runs as `npm start` runs it; BENCH_NODE_FLAGS (such as V8 heap bounds) go to both servers.
  console.log(`node flags of both servers: ${NODE_FLAGS.join(' ') || 'none (BENCH_NODE_FLAGS)'}`);
  const groups =
    MEMORY_LIMIT === undefined
      ? undefined
      : SIDES.map((side) => createMemoryGroup(side, MEMORY_LIMIT));
  if (MEMORY_LIMIT !== undefined) {
    console.log(`memory limit of each server: ${(MEMORY_LIMIT / 2 ** 20).toFixed(0)} MiB`);
  }
  const service = startChild(
    'service',
    process.execPath,
    [...NODE_FLAGS, ...serviceStartArgs()],
    serverEnv(servicePort),
    cpu,
    groups?.[0],
  );
  const baseline = startChild(
    'baseline',
    process.execPath,
    [...NODE_FLAGS, ...compiledServer('baseline/server.ts')],
    serverEnv(baselinePort),
    cpu,
    groups?.[1],
  );
  const targets: Record<Side, Target> = {
    service: { side: 'service', base: `http://127.0.0.1:${servicePort}`, pid: service.pid! },
    baseline: { side: 'baseline', base: `http://127.0.0.1:${baselinePort}`, pid: baseline.pid! },
  };
  const db = new Client({ connectionString: BENCH_DB_URL, application_name: 'bench-runner' });
  await db.connect();
  let cleanup: string;
  try {
    await waitReady('service', targets.service.base, targets.service.pid);
    await waitReady('baseline', targets.baseline.base, targets.baseline.pid);
    await createSignInUsers(db);

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
      bound: await boundUsers(db, typical),
      heavyToken: signToken('1'),
      adminToken: signToken('1', ['admin']),
      writerToken: signToken('2', ['session-writer']),
      badToken: jwt.sign({ sub: '12', roles: [] }, `${JWT.secret}-not-the-key`, {
        algorithm: 'HS256',
        issuer: JWT.issuer,
        audience: JWT.audience,
        expiresIn: 3600,
      }),
      db,
    };

    await compareAnswers(ctx);

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

    // Reads first: the writes of S6 and MIX (bench users only) come after every read of the
    // admin list, and are removed before the DB part.
    if (ONLY.includes('S1')) await s1(ctx);
    if (ONLY.includes('S2')) await s2(ctx);
    if (ONLY.includes('S3')) await s3(ctx);
    if (ONLY.includes('S4')) await s4(ctx);
    if (ONLY.includes('S5')) await s5(ctx);
    if (ONLY.includes('S6')) await s6(ctx);
    if (ONLY.includes('S7')) await s7(ctx);
    if (ONLY.includes('MIX')) await mix(ctx);
  } finally {
    await Promise.all([stopChild(service), stopChild(baseline)]);
    groups?.forEach(removeMemoryGroup);
    const t0 = Date.now();
    try {
      const removed = await removeSignIns(db);
      await vacuumWritten(db);
      cleanup = `removed ${removed.users} bench users and their ${removed.sessions} sessions, vacuumed, in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    } catch (error) {
      cleanup = `FAILED: ${(error as Error).message} (the next run removes them)`;
    }
    await db.end().catch(() => undefined);
    console.log(`\ncleanup: ${cleanup}`);
  }
  if (ONLY.includes('DB')) databaseTime();
  if (ONLY.includes('JWT')) jwtVerification();

  printTable();
  const loadAtEnd = round2(loadavg());
  const wallSeconds = Math.round(process.uptime());
  console.log(
    `\nwall time: ${wallSeconds} s (${(wallSeconds / 60).toFixed(1)} min, this process); ` +
      `load average (1, 5, 15 min): ${loadAtStart.join(', ')} at start, ${loadAtEnd.join(', ')} at end`,
  );
  const pg = spawnSync('psql', ['--version'], { encoding: 'utf8' });
  const result = {
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    wall_time_s: wallSeconds,
    load_average: { start: loadAtStart, end: loadAtEnd },
    machine: { ...machineInfo(), postgres: seed.postgres, psql: pg.stdout?.trim() },
    settings: {
      duration_s: DURATION,
      warmup_s: WARMUP,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      s4_runs: S4_RUNS,
      scenarios: ONLY,
      pinning,
      node_flags: NODE_FLAGS,
      memory_limit_mib: MEMORY_LIMIT === undefined ? null : MEMORY_LIMIT / 2 ** 20,
      pool_size: serverEnv(0).DATABASE_POOL_SIZE,
      session_audit: serverEnv(0).SESSION_AUDIT,
      sign_in_users: SIGNIN_USERS,
      mix_pattern: MIX_PATTERN.join(','),
    },
    seed,
    cleanup,
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

/** Removes the bench users a run stopped midway left behind, if the database exists. */
async function leftoverSignIns(): Promise<void> {
  const db = new Client({ connectionString: BENCH_DB_URL, application_name: 'bench-runner' });
  try {
    await db.connect();
  } catch {
    return; // no database yet
  }
  try {
    const removed = await removeSignIns(db);
    if (removed.users || removed.sessions) {
      await vacuumWritten(db);
      console.log(
        `cleanup: removed ${removed.users} bench users and ${removed.sessions} sessions left by an earlier run`,
      );
    }
  } catch {
    // no schema yet: the seed step makes it
  } finally {
    await db.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
