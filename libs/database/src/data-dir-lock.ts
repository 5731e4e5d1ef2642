import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { resolve } from 'node:path';

/** Another live process holds the embedded data folder. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly lockFile: string,
  ) {
    super(
      `EMBEDDED_DB_DIR ${dataDir} is in use by process ${pid} (lock file ${lockFile}): ` +
        'stop that process, or give this one another EMBEDDED_DB_DIR',
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One process per embedded data folder: PGlite has no locking of its own, and
 * two processes writing the same files would corrupt them. The lock is a file
 * beside the folder (`<folder>.lock`), created exclusively (O_EXCL) and holding
 * the owner's pid. A lock whose process is gone (killed, crashed) is stale and
 * taken over; a live owner makes this fail with `DataDirInUseError`.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = `${resolve(dataDir)}.lock`;
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = readPid(file);
      if (pid !== undefined && pid !== process.pid && isAlive(pid)) {
        throw new DataDirInUseError(dataDir, pid, file);
      }
      if (pid === undefined && attempt === 0) {
        // Possibly a lock being written right now: look once more before calling it stale.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      // Stale: move it aside (atomic, so of two processes taking over only one succeeds), retry.
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
      } catch {
        continue; // Another process moved it first.
      }
      const moved = readPid(aside);
      if (moved !== pid && moved !== undefined && isAlive(moved)) {
        // That process took over in between: its lock goes back (unless a third got in).
        try {
          linkSync(aside, file);
        } catch {
          // Already replaced: the retry reads the new owner.
        }
      }
      unlinkSync(aside);
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      if (readPid(file) === process.pid) {
        try {
          unlinkSync(file);
        } catch {
          // Already gone.
        }
      }
    };
    process.on('exit', release);
    return { file, release };
  }
  throw new Error(`could not lock EMBEDDED_DB_DIR ${dataDir} (lock file ${file})`);
}
