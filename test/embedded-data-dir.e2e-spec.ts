import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_JWT_SECRET } from './support/tokens';

/**
 * One process per embedded data folder, with the real entry point (`main.ts`)
 * in processes of their own, on the embedded default (no DATABASE_URL): a
 * second instance on the same EMBEDDED_DB_DIR refuses to start, naming the
 * folder and the pid of the holder; the lock of a killed instance is taken
 * over by the next one. Runs in the e2e-embedded project only.
 */
const STARTUP_MS = 150_000;

interface Instance {
  child: ChildProcess;
  output: () => string;
}

function spawnService(dataDir: string): Instance {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'apps/session-service/src/main.ts'],
    {
      cwd: `${__dirname}/..`,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        EMBEDDED_DB_DIR: dataDir,
        JWT_SECRET: TEST_JWT_SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        SESSION_SWEEP_INTERVAL_MS: '0',
        TS_NODE_TRANSPILE_ONLY: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function untilListening(instance: Instance): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (/Listening on http:\/\/\S+:\d+/.test(instance.output())) return;
    if (instance.child.exitCode !== null) {
      throw new Error(`service exited early:\n${instance.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`service did not start:\n${instance.output()}`);
}

async function exitCode(child: ChildProcess, withinMs: number): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const timer = setTimeout(() => child.kill('SIGKILL'), withinMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}

describe('one process per embedded data folder', () => {
  let root: string;
  let dataDir: string;
  const started: ChildProcess[] = [];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'sessions-lock-'));
    dataDir = join(root, 'pglite');
  });

  afterAll(async () => {
    for (const child of started) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'refuses a second instance on the same folder, naming the folder and the holder pid; takes over the lock of a killed one',
    async () => {
      const first = spawnService(dataDir);
      started.push(first.child);
      await untilListening(first);
      const lockFile = `${dataDir}.lock`;
      expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(first.child.pid));

      const second = spawnService(dataDir);
      started.push(second.child);
      expect(await exitCode(second.child, 60_000)).toBe(1);
      expect(second.output()).toContain(
        `EMBEDDED_DB_DIR ${dataDir} is in use by process ${first.child.pid}`,
      );
      expect(second.output()).not.toMatch(/Listening on/);
      // The holder is untouched and still holds the folder.
      expect(first.child.exitCode).toBeNull();
      expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(first.child.pid));

      // Killed without a chance to clean up: its lock file stays, naming a dead pid.
      first.child.kill('SIGKILL');
      await once(first.child, 'exit');
      expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(first.child.pid));

      const third = spawnService(dataDir);
      started.push(third.child);
      await untilListening(third);
      expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(third.child.pid));

      // A clean stop gives the folder back.
      third.child.kill('SIGTERM');
      expect(await exitCode(third.child, 30_000)).toBe(0);
      expect(existsSync(lockFile)).toBe(false);
    },
    STARTUP_MS * 2 + 120_000,
  );
});
