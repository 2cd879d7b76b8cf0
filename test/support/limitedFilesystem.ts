import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real storage faults for a receiver process: a size-limited tmpfs as its data directory, filled up to the last
 * byte. Mounting needs root with CAP_SYS_ADMIN (this project's machines and CI run as root in a VM); as any other
 * user the tests that need it are skipped with the reason printed, except in CI (`CI=true`), where that is a failure.
 */
export function tmpfsAvailable(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'dci-tmpfs-probe-'));
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { encoding: 'utf8' });
    if (mounted.status === 0) {
      unmount(probe);
      return true;
    }
    const reason = `mounting a tmpfs failed (${mounted.stderr.trim() || mounted.error?.message || 'no permission'})`;
    if (process.env['CI'] === 'true') {
      throw new Error(`${reason}; CI runs as root and must run the storage fault tests`);
    }
    console.warn(`Skipping the full-disk tests on a real file system: ${reason}. They need root (CAP_SYS_ADMIN).`);
    return false;
  } finally {
    rmdirSync(probe);
  }
}

/** Mounts a tmpfs of `sizeBytes` on `dir` (which must exist). */
export function mountTmpfs(dir: string, sizeBytes: number): void {
  run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
}

/** Unmounts `dir` (lazily: a killed process's files may still be closing). */
export function unmount(dir: string): void {
  run('umount', ['-l', dir]);
}

/**
 * Writes `<dir>/filler` until the file system has no byte left (ENOSPC), first in large chunks, then in small ones.
 * Returns the filler's path: deleting it gives the room back.
 */
export function fillUp(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  try {
    for (const chunk of [Buffer.alloc(1024 * 1024, 1), Buffer.alloc(4096, 1), Buffer.alloc(512, 1)]) {
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.trim() || result.error?.message}`);
  }
}
