import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { AcceptedSummary, AcceptResult } from '../ports/deliveryQueue';

/** What the accept thread is started with. */
export interface AcceptWorkerData {
  file: string;
  busyTimeoutMs: number;
}

/** An error as it crosses between threads: its message and, for SQLite and file-system errors, its code. */
export interface ThreadError {
  message: string;
  code?: string;
}

export type AcceptThreadRequest = { type: 'accept'; summaries: AcceptedSummary[] } | { type: 'close' };

/** The thread's connection and heap, as it reports them when it is ready. */
export interface AcceptThreadSettings {
  synchronous: 'off' | 'normal' | 'full' | 'extra';
  heapLimitMb: number;
}

export type AcceptThreadReply =
  | { type: 'ready'; settings: AcceptThreadSettings }
  | { type: 'failed'; error: ThreadError }
  | { type: 'accepted'; outcomes: Array<{ ok: true; result: AcceptResult } | { ok: false; error: ThreadError }> };

/**
 * The accept thread's entry when the receiver runs compiled (`node dist/receiver/main.js`). Run from its TypeScript
 * sources (the tests), the store accepts on its own connection unless a test names an entry.
 */
export const COMPILED_ACCEPT_WORKER: string | undefined = __filename.endsWith('.js')
  ? join(__dirname, 'sqliteAcceptWorker.js')
  : undefined;

/**
 * The payload bytes after which a burst is closed (it takes at least one summary, so a burst holds at most this plus
 * one body): a burst is copied to the thread at once, and this bounds what the copy holds.
 */
const BURST_BYTES = 8 * 1024 * 1024;

/**
 * The thread's heap, in MB: it allocates little (one burst's message at a time) and holds only its statements.
 * Without limits it would grow as large as the request thread's under load, for nothing.
 */
const HEAP_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 };

interface PendingAccept {
  summary: AcceptedSummary;
  resolve: (result: AcceptResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Stores accepted summaries on a worker thread with a connection of its own (sqliteAcceptWorker.ts), so that the
 * request thread goes on reading, verifying and parsing requests while SQLite writes and fsyncs.
 *
 * Accepts queue here; one burst at a time is sent to the thread, which stores it in one FULL-synchronous commit
 * (on disk when it returns) and answers with each accept's outcome. What queues while a commit runs is the next
 * burst: under load, one commit (and one fsync) serves everything that arrived during the previous one.
 *
 * If the thread stops (SQLite's errors come back as outcomes, but it can run out of its heap or fail to load), the
 * accepts in its burst are refused, so their senders retry, and the next burst, or the next readiness check, starts a
 * new thread.
 */
export class SqliteAcceptThread {
  private worker: Worker | undefined;
  private lastSettings: AcceptThreadSettings | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly queue: PendingAccept[] = [];
  private inFlight: PendingAccept[] | undefined;
  private sendScheduled = false;
  private closing: Promise<void> | undefined;
  private readonly idle: Array<() => void> = [];

  private constructor(
    private readonly entry: string,
    private readonly data: AcceptWorkerData,
  ) {}

  /** Starts the thread; fails when it cannot open the database. */
  static async start(entry: string, data: AcceptWorkerData): Promise<SqliteAcceptThread> {
    const thread = new SqliteAcceptThread(entry, data);
    await thread.running();
    return thread;
  }

  accept(summary: AcceptedSummary): Promise<AcceptResult> {
    if (this.closing !== undefined) return Promise.reject(new Error('The SQLite store is closed.'));
    return new Promise<AcceptResult>((resolve, reject) => {
      this.queue.push({ summary, resolve, reject });
      // The requests of one event-loop turn (a burst of connections) go together.
      if (this.inFlight === undefined && !this.sendScheduled) {
        this.sendScheduled = true;
        setImmediate(() => {
          this.sendScheduled = false;
          this.sendBurst();
        });
      }
    });
  }

  /** The running thread's settings (the last one's, when none runs). */
  settings(): AcceptThreadSettings | undefined {
    return this.lastSettings;
  }

  /** Lets the accepts queued so far finish, then closes the thread's connection and ends it. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.inFlight !== undefined || this.queue.length > 0 || this.sendScheduled) {
        await new Promise<void>((resolve) => this.idle.push(resolve));
      }
      const worker = this.worker ?? (await this.starting?.catch(() => undefined));
      if (worker === undefined) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'close' } satisfies AcceptThreadRequest);
      await exited;
    })();
    return this.closing;
  }

  private sendBurst(): void {
    if (this.inFlight !== undefined) return;
    if (this.queue.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && (count === 0 || bytes <= BURST_BYTES)) {
      bytes += this.queue[count]?.summary.rawBody.byteLength ?? 0;
      count += 1;
    }
    const burst = this.queue.splice(0, count);
    this.inFlight = burst;
    const refuseAll = (error: unknown) => this.settle(burst.map(() => ({ ok: false as const, error })));
    this.running().then((worker) => {
      try {
        worker.postMessage({
          type: 'accept',
          summaries: burst.map((pending) => pending.summary),
        } satisfies AcceptThreadRequest);
      } catch (error) {
        refuseAll(error); // a value that cannot be copied to the thread
      }
    }, refuseAll);
  }

  /** Answers the burst in flight, then sends what queued meanwhile. */
  private settle(outcomes: ReadonlyArray<{ ok: true; result: AcceptResult } | { ok: false; error: unknown }>): void {
    const burst = this.inFlight ?? [];
    this.inFlight = undefined;
    burst.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok === true) pending.resolve(outcome.result);
      else pending.reject(outcome?.error ?? new Error('The SQLite accept thread gave no outcome.'));
    });
    this.sendBurst();
  }

  /** The running thread, started when none runs; fails when it cannot start. */
  running(): Promise<Worker> {
    if (this.worker !== undefined) return Promise.resolve(this.worker);
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      // V8's flags are the process's, and `--max-semi-space-size` (given for the request thread: package.json
      // `config.receiverNodeFlags`) overrides a worker's resourceLimits. V8 reads it when it creates an isolate, so it
      // is cleared before the thread's is made; the request thread's heap, sized at start, keeps its setting.
      setFlagsFromString('--max-semi-space-size=0');
      // Not unref'd: a thread that dies while it starts must still be heard of (its exit fails the start), and the
      // receiver closes the store, ending the thread, on shutdown.
      const worker = new Worker(this.entry, { workerData: this.data, resourceLimits: HEAP_LIMITS });
      let ready = false;
      worker.on('message', (reply: AcceptThreadReply) => {
        switch (reply.type) {
          case 'ready':
            ready = true;
            this.worker = worker;
            this.lastSettings = reply.settings;
            resolve(worker);
            return;
          case 'failed':
            reject(fromThread(reply.error));
            return;
          case 'accepted':
            this.settle(
              reply.outcomes.map((outcome) => (outcome.ok ? outcome : { ok: false, error: fromThread(outcome.error) })),
            );
            return;
        }
      });
      let failure: Error | undefined;
      worker.on('error', (error) => {
        failure = error;
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        const reason = failure === undefined ? '' : `: ${failure.message}`;
        const stopped = new Error(`The SQLite accept thread stopped (exit code ${code})${reason}`, { cause: failure });
        if (!ready) {
          reject(stopped);
          return;
        }
        if (this.inFlight !== undefined) this.settle(this.inFlight.map(() => ({ ok: false as const, error: stopped })));
      });
    }).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }
}

function fromThread(error: ThreadError): Error {
  return Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code });
}
