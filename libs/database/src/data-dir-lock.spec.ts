import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, lockDataDir } from './data-dir-lock';

describe('lockDataDir', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'data-dir-lock-'));
    dir = join(root, 'pglite');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes this pid beside the folder and removes it on release', () => {
    const lock = lockDataDir(dir);
    expect(lock.file).toBe(`${dir}.lock`);
    expect(readFileSync(lock.file, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
  });

  it('refuses a folder held by a live process, naming the folder and its pid', () => {
    // The parent of this test process is alive for as long as the test runs.
    writeFileSync(`${dir}.lock`, `${process.ppid}\n`);
    let error: unknown;
    try {
      lockDataDir(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect((error as Error).message).toContain(
      `EMBEDDED_DB_DIR ${dir} is in use by process ${process.ppid}`,
    );
    expect(readFileSync(`${dir}.lock`, 'utf8').trim()).toBe(String(process.ppid));
  });

  it('takes over the lock of a process that is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', '']);
    expect(gone.status).toBe(0);
    writeFileSync(`${dir}.lock`, `${gone.pid}\n`);
    const lock = lockDataDir(dir);
    expect(readFileSync(lock.file, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });

  it('takes over an empty or unreadable lock file', () => {
    writeFileSync(`${dir}.lock`, '');
    const lock = lockDataDir(dir);
    expect(readFileSync(lock.file, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });
});
