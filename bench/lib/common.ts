import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import jwt from 'jsonwebtoken';

/** The repository root (bench/lib/../..). */
export const ROOT = resolve(__dirname, '..', '..');

export const BENCH_DB = process.env.BENCH_DB_NAME ?? 'sessions_bench';
export const PG_ADMIN_URL =
  process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The URL of database `name` on the server of PG_ADMIN_URL. */
export function databaseUrl(name: string): string {
  return PG_ADMIN_URL.replace(/\/[^/?]*(\?.*)?$/, `/${name}$1`);
}
export const BENCH_DB_URL = databaseUrl(BENCH_DB);

/** A positive number from the environment variable `name`, else `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Shared by the service, the baseline and the load generator. */
export const JWT = {
  secret: 'bench-secret-0123456789abcdef-0123456789abcdef',
  issuer: 'https://issuer.bench.local',
  audience: 'session-service',
} as const;

export const secretKey: KeyObject = createSecretKey(Buffer.from(JWT.secret, 'utf8'));

/** A token for `sub` with `roles`; `claims` adds others (such as `session_id`). */
export function signToken(
  sub: string,
  roles: string[] = [],
  ttlSeconds = 4 * 3600,
  claims: Record<string, unknown> = {},
): string {
  return jwt.sign({ ...claims, sub, roles }, secretKey, {
    algorithm: 'HS256',
    issuer: JWT.issuer,
    audience: JWT.audience,
    expiresIn: ttlSeconds,
  });
}

/** The same environment for both servers. */
export function serverEnv(port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    // One listener, as the baseline: the runner waits for /health/ready on the API port.
    MANAGEMENT_PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: BENCH_DB_URL,
    DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE ?? '10',
    JWT_SECRET: JWT.secret,
    JWT_ISSUER: JWT.issuer,
    JWT_AUDIENCE: JWT.audience,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_IP_PER_MINUTE: '1000000000',
    RATE_LIMIT_USER_PER_MINUTE: '1000000000',
    DEMO_SEED: 'false',
    // The sweeper would mark the seeded expired rows mid-run; the benchmark reads only.
    SESSION_SWEEP_INTERVAL_MS: '0',
    // The same bound on each statement for both sides (the service's default is 1 s). A
    // FETCH of the full list stalled by the machine (page cache, CPU) would otherwise cut
    // one side's list and not the other's; S4 measures throughput, not that bound.
    DATABASE_STATEMENT_TIMEOUT_MS: '5000',
    // The service's own read deadline must exceed it (its configuration checks).
    DATABASE_QUERY_TIMEOUT_MS: '6000',
    // The service's default, said outright: sign-ins and revocations write their audit trail
    // events (the baseline follows the same variable). SESSION_AUDIT=false turns both off.
    SESSION_AUDIT: process.env.SESSION_AUDIT === 'false' ? 'false' : 'true',
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until the server at `base` answers `/health/ready` with 200. */
export async function waitReady(name: string, base: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${name} not ready after ${timeoutMs / 1000} s`);
}

export function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/**
 * The benchmark's own servers (bench/baseline/server.ts, bench/floor/nest-route.ts)
 * compiled to JavaScript in bench/.build, as the service is compiled to its dist: a
 * server run through ts-node would carry the TypeScript compiler in its memory and its
 * start-up. Returns the arguments that start the compiled `entry` (a path under bench/).
 */
export function compiledServer(entry: string): string[] {
  if (!compiledServers) {
    run(process.execPath, [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'bench', 'tsconfig.servers.json'),
    ]);
    compiledServers = true;
  }
  return [join(ROOT, 'bench', '.build', 'bench', entry.replace(/\.ts$/, '.js'))];
}

let compiledServers = false;

/**
 * Runs a command to completion; its output is shown only when it fails (or with
 * `verbose`). Throws on a non-zero exit.
 */
export function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  verbose = false,
): void {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    env,
    stdio: verbose ? 'inherit' : 'pipe',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    if (!verbose) process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-8000));
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  }
}

export function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

/**
 * The machine's CPUs, whatever this process is pinned to (`nproc` counts only the CPUs
 * of the caller's affinity, and the runner pins itself to the load generator's CPU).
 */
export function cpuCount(): number {
  return cpus().length || 1;
}

/**
 * A new memory control group, a child of this process's own, that holds at most `bytes`
 * (cgroup v2's `memory.max`, v1's `memory.limit_in_bytes`): a server started in it sees
 * the limit as a container's, and Node sizes V8's heap from it (`process.constrainedMemory()`).
 * Returns its directory, for `startChild` and `removeMemoryGroup`.
 */
export function createMemoryGroup(name: string, bytes: number): string {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  const v1 = lines.map((l) => /^\d+:([^:]*\bmemory\b[^:]*):(.*)$/.exec(l)).find(Boolean);
  const v2 = lines.map((l) => /^0::(.*)$/.exec(l)).find(Boolean);
  const [base, limitFile] = v1
    ? [join('/sys/fs/cgroup/memory', v1[2]), 'memory.limit_in_bytes']
    : [join('/sys/fs/cgroup', v2?.[1] ?? '/'), 'memory.max'];
  const dir = join(base, `bench-${name}-${process.pid}`);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, limitFile), String(bytes));
  } catch (e) {
    throw new Error(`BENCH_MEMORY_LIMIT: cannot create the memory group ${dir}`, { cause: e });
  }
  return dir;
}

/** Removes a group of `createMemoryGroup` once its processes have exited. */
export function removeMemoryGroup(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // still in use or already gone: the system removes nothing by itself, so say so
    console.error(`could not remove the memory group ${dir}`);
  }
}

/** Bytes of a size such as `1G`, `512M` or `1073741824`; NaN if it is none. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)i?B?$/i.exec(text.trim());
  if (!m) return NaN;
  const unit = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[
    m[2].toUpperCase() as '' | 'K' | 'M' | 'G'
  ];
  return Math.round(Number(m[1]) * unit);
}

/** Children started here; all are killed on exit, error or Ctrl-C. */
const children = new Set<ChildProcess>();

export function startChild(
  name: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cpu?: string,
  memoryGroup?: string,
): ChildProcess {
  let [c, a] = cpu !== undefined ? ['taskset', ['-c', cpu, cmd, ...args]] : [cmd, args];
  // The shell joins the group, then execs the command, as taskset does: the child's pid
  // stays the server's pid.
  if (memoryGroup !== undefined) {
    [c, a] = ['sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', memoryGroup, c, ...a]];
  }
  const child = spawn(c, a, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping.has(child) && code !== 0) {
      console.error(`\n[${name}] exited (${code ?? signal}); last output:\n${tail}`);
    }
  });
  return child;
}

const stopping = new Set<ChildProcess>();

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  stopping.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export function killAllChildren(): void {
  for (const child of children) {
    stopping.add(child);
    child.kill('SIGKILL');
  }
}

let cleanupInstalled = false;
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/** Clock ticks per second of /proc's times. */
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** User and system CPU time of `pid`, in µs, from /proc. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS;
}

/** Resident set size (current and peak) of a process, in MiB, from /proc. */
export function readRss(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS (Linux `clear_refs` 5); false where not allowed. */
export function resetPeakRss(pid: number): boolean {
  const r = spawnSync('sh', ['-c', `echo 5 > /proc/${pid}/clear_refs`], { stdio: 'ignore' });
  return r.status === 0;
}

export function machineInfo(): Record<string, unknown> {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1];
  const mem = existsSync('/proc/meminfo') ? readFileSync('/proc/meminfo', 'utf8') : '';
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(mem)?.[1]);
  return {
    nproc: cpuCount(),
    cpu_model: model ?? 'unknown',
    mem_total_gib: Number.isFinite(memKb) ? Math.round((memKb / 1024 / 1024) * 10) / 10 : null,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    load_average: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

/** The arguments `npm start` gives node (package.json): the service's runtime flags and entry file. */
export function serviceStartArgs(): string[] {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [command, ...args] = pkg.scripts.start.split(/\s+/);
  if (command !== 'node') throw new Error(`npm start does not run node: ${pkg.scripts.start}`);
  return args;
}

/** The body of a bench user's sign-in (`POST /api/sessions`), under a tenant if one is named. */
export function signInBody(userId: number, tenantId?: string): string {
  return JSON.stringify({
    user_id: userId,
    username: `bench${userId}`,
    amr: ['pwd'],
    ip: '198.51.100.7',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    ...(tenantId ? { tenant_id: tenantId } : {}),
  });
}
