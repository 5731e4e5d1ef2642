/**
 * CPU time per request of S1's user page, for the service, the baseline and a bare Nest
 * route (bench/floor/nest-route.ts): each server pinned to one core, S1's load (10
 * connections, users at random) on each in turn, round after round, and each server's
 * user and system time read from /proc around each run. On a shared machine throughput
 * moves with the neighbours; the CPU time a server spends per request moves much less,
 * so this tells a change of a few per cent apart where `npm run bench` cannot.
 *
 *   npm run bench:cpu
 *
 * Environment: BENCH_CPU_ROUNDS (6), BENCH_CPU_SECONDS per run (5), BENCH_SERVER_CPU (1),
 * BENCH_LOADGEN_CPU (0), BENCH_NODE_FLAGS (both to every server), BENCH_CPU_COMPARE (the
 * root of another checkout of the project, built: its service is measured beside this one,
 * as `compared`), and the database variables of bench/README.md. Seeds the benchmark's
 * database if it is not seeded yet.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ChildProcess, spawnSync } from 'node:child_process';
import autocannon from 'autocannon';
import {
  compiledServer,
  cpuMicros,
  envNumber,
  freePort,
  hasTaskset,
  installCleanup,
  killAllChildren,
  median,
  run,
  serverEnv,
  serviceStartArgs,
  signToken,
  startChild,
  stopChild,
  waitReady,
} from './lib/common';
import { ensureSeeded } from './lib/seed';

const ROUNDS = envNumber('BENCH_CPU_ROUNDS', 6);
const SECONDS = envNumber('BENCH_CPU_SECONDS', 5);
const SERVER_CPU = process.env.BENCH_SERVER_CPU ?? '1';
const LOADGEN_CPU = process.env.BENCH_LOADGEN_CPU ?? '0';
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const COMPARE = process.env.BENCH_CPU_COMPARE;
const CONNECTIONS = 10;
const USERS = 3_000;

interface Server {
  name: string;
  base: string;
  pid: number;
}

interface Run {
  rps: number;
  cpuMicros: number;
  non2xx: number;
}

const users = Array.from({ length: USERS }, (_, i) => 12 + ((i * 33_331) % 99_989));
const tokens = users.map((user) => signToken(String(user), [], 3_600));

async function load(server: Server, seconds: number): Promise<Run> {
  let i = 0;
  const before = cpuMicros(server.pid);
  const result = await autocannon({
    url: server.base,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          const k = i++ % users.length;
          return {
            ...request,
            path: `/sessions/user/${users[k]}/sessions`,
            headers: { authorization: `Bearer ${tokens[k]}` },
          };
        },
      },
    ],
  });
  const spent = cpuMicros(server.pid) - before;
  const requests = result.requests.total;
  return { rps: requests / seconds, cpuMicros: spent / requests, non2xx: result.non2xx };
}

async function main(): Promise<void> {
  installCleanup();
  const pin = hasTaskset();
  if (pin) {
    // The load generator (this process) on its own core, as `npm run bench` does.
    spawnSync('taskset', ['-a', '-p', '-c', LOADGEN_CPU, String(process.pid)], { stdio: 'ignore' });
  }
  run('npm', ['run', 'build']);
  await ensureSeeded(false);
  const cpu = pin ? SERVER_CPU : undefined;
  const servers: Server[] = [];
  const children: ChildProcess[] = [];
  const start = async (name: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const port = await freePort();
    const child = startChild(
      name,
      process.execPath,
      [...NODE_FLAGS, ...args],
      { ...serverEnv(port), ...env },
      cpu,
    );
    children.push(child);
    const server = { name, base: `http://127.0.0.1:${port}`, pid: child.pid! };
    servers.push(server);
    await waitReady(name, server.base);
  };
  await start('service', serviceStartArgs());
  if (COMPARE) {
    // The same start command; its script (the last argument) from the other checkout's build.
    const args = serviceStartArgs();
    await start('compared', [...args.slice(0, -1), resolve(COMPARE, args[args.length - 1])]);
  }
  await start('baseline', compiledServer('baseline/server.ts'));
  await start('nest route', compiledServer('floor/nest-route.ts'));
  console.log(
    `bench:cpu: S1's user page, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per server; ` +
      `servers ${pin ? `pinned to CPU ${SERVER_CPU}` : 'not pinned'}`,
  );
  for (const server of servers) await load(server, 2);
  const runs = new Map<string, Run[]>(servers.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with another server, so none always runs first.
    for (let k = 0; k < servers.length; k++) {
      const server = servers[(round + k) % servers.length];
      const result = await load(server, SECONDS);
      if (result.non2xx > 0) throw new Error(`${server.name}: ${result.non2xx} answers not 2xx`);
      runs.get(server.name)!.push(result);
    }
  }
  const baseline = median(runs.get('baseline')!.map((r) => r.cpuMicros));
  console.log('\nserver        req/s (median)  CPU µs/request (median)  / baseline  rounds (µs)');
  for (const [name, results] of runs) {
    const micros = median(results.map((r) => r.cpuMicros));
    console.log(
      `${name.padEnd(12)}  ${median(results.map((r) => r.rps))
        .toFixed(0)
        .padStart(14)}  ${micros.toFixed(0).padStart(23)}  ${(micros / baseline)
        .toFixed(2)
        .padStart(10)}  ${results.map((r) => r.cpuMicros.toFixed(0)).join(' ')}`,
    );
  }
  const [one, five] = readFileSync('/proc/loadavg', 'utf8').split(' ');
  console.log(`\nload average (1, 5 min) at the end: ${one}, ${five}`);
  await Promise.all(children.map(stopChild));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    killAllChildren();
    process.exit(1);
  },
);
