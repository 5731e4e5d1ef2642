import { spawnService } from './support/service-process';

/**
 * The service's real entry point (`main.ts`) in production mode against a
 * database it cannot use: what an operator sees in its log, and how soon.
 */
const PASSWORD = 'start-up-secret-pw';
const SECRET = 'x'.repeat(40);

interface Run {
  code: number | null;
  lines: string[];
  elapsedMs: number;
}

/** Runs main.ts until it exits, or for `forMs` at most (then SIGKILL). */
function run(databaseUrl: string, forMs: number): Promise<Run> {
  const started = Date.now();
  const child = spawnService({
    NODE_ENV: 'production',
    JWT_SECRET: SECRET,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    MANAGEMENT_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), forMs);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        lines: output.split('\n').filter((line) => line.trim() !== ''),
        elapsedMs: Date.now() - started,
      });
    });
  });
}

const parsed = (lines: string[]) =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('start-up against a database it cannot use (production mode)', () => {
  it('stops at once for a database that does not exist, in JSON lines, without the password', async () => {
    const url = `postgres://postgres:${PASSWORD}@127.0.0.1:5432/no_such_database_${process.pid}`;
    const result = await run(url, 25_000);
    expect(result.code).toBe(1);
    // Not retried: a missing database is not an outage that passes.
    expect(result.elapsedMs).toBeLessThan(20_000);
    expect(() => parsed(result.lines)).not.toThrow();
    expect(result.lines.join('\n')).toContain(`no_such_database_${process.pid}`);
    expect(result.lines.join('\n')).not.toContain(PASSWORD);
  });

  it('logs each retry of an unreachable database as it happens, in JSON', async () => {
    const result = await run(`postgres://postgres:${PASSWORD}@127.0.0.1:1/sessions`, 5_000);
    const retries = parsed(result.lines).filter((line) =>
      String(line.msg).startsWith('database unreachable at start-up; attempt 1 of 10'),
    );
    expect(retries).toEqual([expect.objectContaining({ level: 40, code: 'ECONNREFUSED' })]);
    expect(result.lines.join('\n')).not.toContain(PASSWORD);
  });
});
