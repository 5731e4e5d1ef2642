import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { BENCH_DB_URL, ROOT } from './common';

/**
 * Runs `bench/explain.sql` (the service's hot queries under `EXPLAIN (ANALYZE,
 * BUFFERS)`, each three times silently and then again) `runs` times with psql, and
 * returns the steady-state execution times in ms, per section (`== <title>`).
 */
export function explainTimes(runs: number): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (let i = 0; i < runs; i++) {
    const psql = spawnSync(
      'psql',
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        BENCH_DB_URL,
        '-f',
        resolve(ROOT, 'bench/explain.sql'),
      ],
      { encoding: 'utf8' },
    );
    if (psql.status !== 0) throw new Error(`psql -f bench/explain.sql failed: ${psql.stderr}`);
    let section = '';
    for (const line of psql.stdout.split('\n')) {
      const title = /^== (.+)$/.exec(line);
      if (title) section = title[1];
      const time = /Execution Time: ([\d.]+) ms/.exec(line);
      if (time && section) times.set(section, [...(times.get(section) ?? []), Number(time[1])]);
    }
  }
  return times;
}

/** The first section whose title starts with `prefix`. */
export function section(times: Map<string, number[]>, prefix: string): number[] {
  for (const [title, values] of times) if (title.startsWith(prefix)) return values;
  throw new Error(`bench/explain.sql has no section starting "${prefix}"`);
}
