import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real storage faults for a receiver process: a size-limited tmpfs as its data directory, filled up to the last
 * byte; an ext4 file system (in an image file, on a loop device) that turns read-only under the running process, as
 * ext4 does after an error with `errors=remount-ro`. Both need root with CAP_SYS_ADMIN (this project's machines and
 * CI run as root in a VM); elsewhere the tests that need them are skipped with the reason printed, except in CI
 * (`CI=true`), where that is a failure.
 */
export function tmpfsAvailable(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'dci-tmpfs-probe-'));
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { encoding: 'utf8' });
    if (mounted.status === 0) {
      unmount(probe);
      return true;
    }
    return unavailable(
      'the full-disk test on a real file system',
      `mounting a tmpfs failed (${mounted.stderr.trim() || mounted.error?.message || 'no permission'})`,
    );
  } finally {
    rmdirSync(probe);
  }
}

/** Whether an ext4 image can be loop-mounted here and forced read-only through ext4's own error path. */
export function ext4Available(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'dci-ext4-probe-'));
  const image = `${probe}.img`;
  try {
    mountExt4Image(image, probe, 4 * 1024 * 1024);
    try {
      if (!existsSync(errorTrigger(probe))) {
        return unavailable('the read-only test', `this kernel has no ${errorTrigger(probe)}`);
      }
      return true;
    } finally {
      unmount(probe);
    }
  } catch (error) {
    return unavailable('the read-only test', (error as Error).message);
  } finally {
    rmdirSync(probe);
    rmSync(image, { force: true });
  }
}

function unavailable(what: string, reason: string): false {
  if (process.env['CI'] === 'true') throw new Error(`${reason}; CI runs as root and must run ${what}`);
  console.warn(`Skipping ${what}: ${reason}. It needs root (CAP_SYS_ADMIN) and loop devices.`);
  return false;
}

/** Creates a fresh ext4 file system of `sizeBytes` in `image` and mounts it on `dir`, read-only after an error. */
export function mountExt4Image(image: string, dir: string, sizeBytes: number): void {
  run('truncate', ['-s', String(sizeBytes), image]);
  run('mkfs.ext4', ['-q', '-F', image]);
  mountAgain(image, dir);
}

/** Mounts the ext4 `image` on `dir` (again, after a repair). */
export function mountAgain(image: string, dir: string): void {
  run('mount', ['-o', 'loop,errors=remount-ro', image, dir]);
}

/**
 * Makes the ext4 file system on `dir` hit an error (ext4's own test trigger): it aborts its journal and turns
 * read-only at once, under every open file — what a failing disk does to a running receiver.
 */
export function forceReadOnly(dir: string): void {
  writeFileSync(errorTrigger(dir), 'dci storage fault test');
}

/** What an operator does after such an error: unmount, `e2fsck`, mount again (read-write). */
export function repairAndRemount(image: string, dir: string): void {
  unmount(dir);
  const checked = spawnSync('e2fsck', ['-f', '-y', image], { encoding: 'utf8' });
  // 0: clean, 1: errors corrected — both leave a usable file system.
  if (checked.status !== 0 && checked.status !== 1) {
    throw new Error(`e2fsck ${image} failed (${String(checked.status)}): ${checked.stdout}${checked.stderr}`);
  }
  mountAgain(image, dir);
}

function errorTrigger(dir: string): string {
  const device = spawnSync('findmnt', ['-n', '-o', 'SOURCE', '--target', dir], { encoding: 'utf8' }).stdout.trim();
  return `/sys/fs/ext4/${device.replace(/^\/dev\//u, '')}/trigger_fs_error`;
}

/** Mounts a tmpfs of `sizeBytes` on `dir` (which must exist). */
export function mountTmpfs(dir: string, sizeBytes: number): void {
  run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
}

/** Unmounts `dir`; `lazy`: detach now even while a killed process's files are still closing. */
export function unmount(dir: string, options: { lazy?: boolean } = {}): void {
  run('umount', options.lazy === true ? ['-l', dir] : [dir]);
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
