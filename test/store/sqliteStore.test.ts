import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS } from '../../src/receiver/store/migrations/sqliteMigrations';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from '../../src/receiver/store/sqliteStore';
import { describeStoreContract } from './storeContract';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'receiver-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function databaseFile(): string {
  return join(dir, 'receiver.db');
}

/** Starts `threads` claiming threads (claimingThread.js), releases them at once, and returns what each claimed. */
async function claimInParallel(
  threads: number,
  claim: { file: string; now: number; limit: number; leaseMs: number },
): Promise<string[][]> {
  const start = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: threads },
    (_, index) =>
      new Worker(join(__dirname, 'claimingThread.js'), {
        workerData: { ...claim, workerId: `thread-${index}`, start },
      }),
  );
  const ready = workers.map((worker) => nextMessage(worker));
  await Promise.all(ready);
  const results = workers.map((worker) => nextMessage(worker));
  const go = new Int32Array(start);
  Atomics.store(go, 0, 1);
  Atomics.notify(go, 0);
  try {
    return (await Promise.all(results)).map((message) => (message as { claimed: string[] }).claimed);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describeStoreContract('SQLite', () => openSqliteStore({ file: databaseFile() }));

describe('SQLite store', () => {
  const opened: SqliteStore[] = [];
  async function open(options: Partial<SqliteStoreOptions> = {}): Promise<SqliteStore> {
    const store = await openSqliteStore({ file: databaseFile(), ...options });
    opened.push(store);
    return store;
  }
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  /** A second, plain connection to the same file, as an operator's sqlite3 shell would open it. */
  function inspect<T>(look: (db: Database.Database) => T): T {
    const db = new Database(databaseFile());
    try {
      return look(db);
    } finally {
      db.close();
    }
  }

  it('runs in WAL mode with synchronous FULL, foreign keys on and a busy timeout', async () => {
    const store = await open();

    expect(store.settings()).toEqual({
      journalMode: 'wal',
      synchronous: 'full',
      foreignKeys: true,
      busyTimeoutMs: 5000,
    });
    expect(inspect((db) => db.pragma('journal_mode', { simple: true }))).toBe('wal');
  });

  it('creates the directory of the database file when it is missing', async () => {
    const file = join(dir, 'data', 'receiver', 'receiver.db');

    const store = await openSqliteStore({ file });
    opened.push(store);

    await expect(store.checkWritable()).resolves.toBeUndefined();
  });

  it('applies each migration once, however often the database is opened', async () => {
    await (await open()).close();
    opened.splice(0);
    const firstRecord = inspect((db) => db.prepare('SELECT version, name, applied_at FROM schema_migrations').all());

    await (await open()).close();
    opened.splice(0);
    await open();

    const record = inspect((db) => db.prepare('SELECT version, name, applied_at FROM schema_migrations').all());
    expect(record).toEqual(firstRecord);
    expect(record).toEqual(
      SQLITE_MIGRATIONS.map((migration) => ({
        version: migration.version,
        name: migration.name,
        applied_at: expect.any(Number),
      })),
    );
  });

  it('numbers its migrations 1, 2, 3… without gaps', () => {
    expect(SQLITE_MIGRATIONS.map((migration) => migration.version)).toEqual(
      SQLITE_MIGRATIONS.map((_, index) => index + 1),
    );
  });

  it('refuses a database written by a newer build', async () => {
    await (await open()).close();
    opened.splice(0);
    inspect((db) => db.prepare("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)").run());

    await expect(openSqliteStore({ file: databaseFile() })).rejects.toThrow(/newer than this build/);
  });

  it('worker threads claiming in parallel, each on its own connection, never get the same delivery', async () => {
    const store = await open();
    const total = 200;
    for (let i = 0; i < total; i += 1) {
      await store.acceptSummary({
        deliveryKey: `key-${i}`,
        scheme: 'dci',
        receivedAt: new Date(i),
        rawBody: Buffer.from(`{"n":${i}}`),
        conversationId: `conversation-${i}`,
        title: `Meeting ${i}`,
        target: 'lime',
      });
    }

    const claimed = await claimInParallel(3, { file: databaseFile(), now: total, limit: 3, leaseMs: 60_000 });

    const ids = claimed.flat();
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    // Each thread loads TypeScript to transpile the store: about 5 s on a busy 2-core machine, over Jest's default.
  }, 30_000);

  it('proves it can write by writing (a read-only check would pass on a full or read-only disk)', async () => {
    const store = await open();
    const before = inspect((db) => db.prepare('SELECT checked_at FROM heartbeat WHERE id = 1').get());
    await store.checkWritable();
    const after = inspect((db) => db.prepare('SELECT checked_at FROM heartbeat WHERE id = 1').get());
    expect(after).not.toEqual(before);
  });
});
