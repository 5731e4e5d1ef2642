import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** The service's real entry point (`main.ts`) running in a process of its own. */
export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/**
 * Starts `apps/session-service/src/main.ts` (through ts-node) with the test
 * process's environment plus `env`, and waits up to 60 s for its "Listening on"
 * line; its standard output and error are collected in `output()`.
 */
export async function startServiceProcess(env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const child = spawnService(env);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const match = /Listening on (http:\/\/\S+:\d+)/.exec(output);
    if (match) return { child, url: match[1], output: () => output };
    if (child.exitCode !== null) throw new Error(`service exited early:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`service did not start:\n${output}`);
}

/** `main.ts` through ts-node, with the test process's environment plus `env`; output piped. */
export function spawnService(
  env: NodeJS.ProcessEnv,
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'apps/session-service/src/main.ts'],
    {
      cwd: `${__dirname}/../..`,
      env: { ...process.env, ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}
