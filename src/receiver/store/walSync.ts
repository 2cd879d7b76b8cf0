import { close, fdatasync, openSync } from 'node:fs';

/**
 * fdatasync of a SQLite database's write-ahead log (what SQLite's own `synchronous = FULL` calls on Linux), off the
 * event loop, shared by whoever waits at the time.
 *
 * A commit with `synchronous = NORMAL` writes its WAL frames but does not fsync them; `synced()` resolves once an
 * fsync of the WAL that started after the call has completed, so the frames of every commit made before the call
 * are on disk — what `synchronous = FULL` guarantees, without blocking the event loop for the fsync. Calls that
 * arrive while an fsync runs share the next one (group commit). The WAL file is opened on first use (it exists
 * once anything was committed) and stays open: SQLite keeps the same file while a connection is open.
 */
export class WalSync {
  private fd: number | undefined;
  private running = false;
  private waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private idle: Array<() => void> = [];

  constructor(private readonly walFile: string) {}

  synced(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.next();
    });
  }

  /** Waits for the fsyncs asked for so far, then closes the file (the store's connection closes after it). */
  async close(): Promise<void> {
    if (this.running || this.waiting.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await new Promise<void>((resolve) => close(fd, () => resolve()));
  }

  private next(): void {
    if (this.running) return;
    if (this.waiting.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    const group = this.waiting.splice(0);
    let fd: number;
    try {
      fd = this.fd ??= openSync(this.walFile, 'r');
    } catch (error) {
      for (const waiter of group) waiter.reject(error);
      this.next();
      return;
    }
    this.running = true;
    fdatasync(fd, (error) => {
      this.running = false;
      for (const waiter of group) {
        if (error) waiter.reject(error);
        else waiter.resolve();
      }
      this.next();
    });
  }
}
