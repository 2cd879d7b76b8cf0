import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { applySqliteMigrations } from '../../src/receiver/store/migrations/applySqliteMigrations';
import { SQLITE_MIGRATIONS } from '../../src/receiver/store/migrations/sqliteMigrations';
import {
  openSqliteStore,
  type SqliteStore,
  type SqliteStoreOptions,
} from '../../src/receiver/store/sqlite/sqliteStore';
import { buildAcceptWorker } from '../support/acceptWorker';
import { acceptedSummary } from './contract/contractFixtures';
import { describeStoreContract } from './contract/storeContract';

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

// The receiver's case: accepted summaries are stored by the accept thread, on a connection of its own.
const ACCEPT_WORKER = buildAcceptWorker();
describeStoreContract('SQLite with its accept thread', () =>
  openSqliteStore({ file: databaseFile(), acceptWorker: ACCEPT_WORKER }),
);

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

    await expect(openSqliteStore({ file: databaseFile() })).rejects.toThrow(
      /written by a newer version \(schema 999, this version knows \d+\): upgrade the receiver or restore the backup taken before the upgrade/,
    );
  });

  // Starting threads on a loaded 2-core machine can take seconds: a longer timeout (the assertion is about ids).
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
  }, 30_000);

  it('accepts arriving together share one commit, and one that fails is refused alone', async () => {
    const store = await open();
    const accept = (conversationId: string, rawBody: unknown) =>
      store.acceptSummary({
        deliveryKey: `key-${conversationId}`,
        scheme: 'dci',
        receivedAt: new Date('2026-03-01T10:00:00Z'),
        rawBody: rawBody as Buffer,
        conversationId,
        title: 'Offer review',
        target: 'lime',
      });
    // All three are queued in one event-loop turn, so they land in one batch; the middle one cannot be bound.
    const [first, broken, last] = await Promise.allSettled([
      accept('conv-a', Buffer.from('{"a":1}')),
      accept('conv-b', { not: 'a buffer' }),
      accept('conv-c', Buffer.from('{"c":1}')),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { kind: 'queued' } });
    expect(broken.status).toBe('rejected');
    expect(last).toMatchObject({ status: 'fulfilled', value: { kind: 'queued' } });
    const stored = inspect((db) => db.prepare('SELECT conversation_id FROM deliveries ORDER BY 1').all());
    expect(stored).toEqual([{ conversation_id: 'conv-a' }, { conversation_id: 'conv-c' }]);
  });

  it('proves it can write by writing (a read-only check would pass on a full or read-only disk)', async () => {
    const store = await open();
    const before = inspect((db) => db.prepare('SELECT checked_at FROM heartbeat WHERE id = 1').get());
    await store.checkWritable();
    const after = inspect((db) => db.prepare('SELECT checked_at FROM heartbeat WHERE id = 1').get());
    expect(after).not.toEqual(before);
  });

  it('a damaged enrichment record reads as none, and the delivery log still reads', async () => {
    const store = await open();
    const { deliveryId } = (await store.acceptSummary(acceptedSummary())) as { deliveryId: string };
    const damaged = [
      'not json',
      '{"state":"partial","added":[]}',
      '{"state":"partial","added":[],"missing":[],"at":"soon"}',
    ];

    for (const enrichment of damaged) {
      inspect((db) => db.prepare('UPDATE deliveries SET enrichment = ? WHERE id = ?').run(enrichment, deliveryId));

      expect((await store.getDelivery(deliveryId))?.enrichment).toBeUndefined();
      expect(await store.listDeliveries({ limit: 10 })).toMatchObject([{ id: deliveryId, source: 'webhook' }]);
    }
  });

  it('a database of version 4 migrates to the next versions: its summaries read as from the webhook', async () => {
    const db = new Database(databaseFile());
    applySqliteMigrations(
      db,
      SQLITE_MIGRATIONS.filter((migration) => migration.version <= 4),
      new Date(0),
    );
    db.exec(`INSERT INTO events (id, delivery_key, scheme, event_type, disposition, conversation_id, received_at,
               raw_body)
             VALUES ('event-1', 'key-1', 'dci', 'conversation.completed', 'queued', 'conv-1', 0, x'7b7d');
             INSERT INTO deliveries (id, conversation_id, target, event_id, title, title_folded, status, version,
               attempts, created_at, open_since, updated_at)
             VALUES ('delivery-1', 'conv-1', 'lime', 'event-1', 'Offer review', 'offer review', 'delivered', 1, 1,
               0, 0, 0)`);
    db.close();

    const store = await open();

    expect(await store.getDelivery('delivery-1')).toMatchObject({ source: 'webhook', title: 'Offer review' });
    expect((await store.getDelivery('delivery-1'))?.enrichment).toBeUndefined();
    expect(await store.heldPayloads('lime', ['conv-1'])).toEqual([
      {
        conversationId: 'conv-1',
        deliveryId: 'delivery-1',
        status: 'delivered',
        source: 'webhook',
        rawBody: Buffer.from('{}'),
      },
    ]);
  });

  describe('with its accept thread', () => {
    const openWithThread = (acceptWorker = ACCEPT_WORKER) => open({ acceptWorker });

    function storedConversations(): unknown[] {
      return inspect((db) => db.prepare('SELECT conversation_id FROM deliveries ORDER BY 1').pluck().all());
    }

    it('stores on a connection of its own with synchronous FULL, in a small heap of its own', async () => {
      const store = await openWithThread();

      expect(store.settings().acceptThread).toEqual({ synchronous: 'full', heapLimitMb: expect.any(Number) });
      expect(store.settings().acceptThread?.heapLimitMb).toBeLessThan(48);
    });

    it("accepts beyond one burst's 8 MB of payload go in the next bursts, none left behind", async () => {
      const store = await openWithThread();
      const big = () => acceptedSummary({ rawBody: Buffer.alloc(3 * 1024 * 1024, 0x20) });

      const results = await Promise.all([big(), big(), big(), big()].map((each) => store.acceptSummary(each)));

      expect(results.map((result) => result.kind)).toEqual(['queued', 'queued', 'queued', 'queued']);
      expect(storedConversations()).toHaveLength(4);
    });

    it('an accept the thread cannot store is refused alone; the others of its burst are stored', async () => {
      const store = await openWithThread();
      const [first, broken, last] = await Promise.allSettled([
        store.acceptSummary(acceptedSummary({ conversationId: 'conv-a' })),
        store.acceptSummary(
          acceptedSummary({ conversationId: 'conv-b', rawBody: { not: 'a buffer' } as unknown as Buffer }),
        ),
        store.acceptSummary(acceptedSummary({ conversationId: 'conv-c' })),
      ]);

      expect(first).toMatchObject({ status: 'fulfilled', value: { kind: 'queued' } });
      expect(broken).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/bind/i) } });
      expect(last).toMatchObject({ status: 'fulfilled', value: { kind: 'queued' } });
      expect(storedConversations()).toEqual(['conv-a', 'conv-c']);
    });

    it('a value that cannot be sent to the thread is refused with its burst, and the thread goes on', async () => {
      const store = await openWithThread();
      const unsendable = acceptedSummary({ title: (() => 'a function') as unknown as string });

      await expect(store.acceptSummary(unsendable)).rejects.toThrow(/could not be cloned/);
      await expect(store.acceptSummary(acceptedSummary({ conversationId: 'conv-after' }))).resolves.toMatchObject({
        kind: 'queued',
      });
      expect(storedConversations()).toEqual(['conv-after']);
    });

    it('when the thread stops, the accepts it held are refused (so the sender retries) and a new thread stores the next ones', async () => {
      const store = await openWithThread(buildAcceptWorker({ stopOnTitle: 'stop the thread' }));
      await store.acceptSummary(acceptedSummary({ conversationId: 'conv-before' }));

      const doomed = await Promise.allSettled([
        store.acceptSummary(acceptedSummary({ conversationId: 'conv-doomed', title: 'stop the thread' })),
        store.acceptSummary(acceptedSummary({ conversationId: 'conv-same-burst' })),
      ]);
      const after = await store.acceptSummary(acceptedSummary({ conversationId: 'conv-after' }));

      for (const outcome of doomed) {
        expect(outcome).toMatchObject({
          status: 'rejected',
          reason: { message: expect.stringMatching(/exit code 70/) },
        });
      }
      expect(after.kind).toBe('queued');
      expect(storedConversations()).toEqual(['conv-after', 'conv-before']);
    });

    it('closing waits for the accepts already asked for: each is answered and stored', async () => {
      const store = await openWithThread();
      const pending = Array.from({ length: 25 }, () => store.acceptSummary(acceptedSummary()));

      await store.close();
      opened.splice(0);

      await expect(Promise.all(pending)).resolves.toHaveLength(25);
      expect(storedConversations()).toHaveLength(25);
      await expect(store.acceptSummary(acceptedSummary())).rejects.toThrow(/closed/);
    });

    it('when the accept thread cannot start, opening the store fails with the reason (no receiver starts half-working)', async () => {
      await (await openWithThread()).close();
      opened.splice(0);

      await expect(
        openSqliteStore({ file: databaseFile(), acceptWorker: join(dir, 'missing-entry.js') }),
      ).rejects.toThrow(/^The SQLite accept thread stopped \(exit code 1\): Cannot find module .*missing-entry\.js/);
    });

    it('a thread that stopped and cannot start again makes the store unwritable (readiness fails) until it can', async () => {
      const entry = join(dir, 'accept-worker.js');
      copyFileSync(buildAcceptWorker({ stopOnTitle: 'stop the thread' }), entry);
      const store = await openWithThread(entry);
      await expect(store.acceptSummary(acceptedSummary({ title: 'stop the thread' }))).rejects.toThrow(/stopped/);
      renameSync(entry, `${entry}.away`); // as a broken deploy would leave it

      await expect(store.acceptSummary(acceptedSummary())).rejects.toThrow(/Cannot find module/);
      await expect(store.checkWritable()).rejects.toThrow(/accept thread stopped/);

      renameSync(`${entry}.away`, entry);
      await expect(store.checkWritable()).resolves.toBeUndefined();
      await expect(store.acceptSummary(acceptedSummary())).resolves.toMatchObject({ kind: 'queued' });
    });

    // With a 100 ms busy timeout, refusing 50 accepts one by one would wait 5 s, past Jest's timeout: the burst is
    // refused at once, and the next one stored as soon as the lock is free.
    it('while another connection holds the write lock, the whole burst is refused as busy at once', async () => {
      const store = await open({ acceptWorker: ACCEPT_WORKER, busyTimeoutMs: 100 });
      const locker = new Database(databaseFile());
      locker.prepare('BEGIN IMMEDIATE').run();

      const refused = await Promise.allSettled(
        Array.from({ length: 50 }, () => store.acceptSummary(acceptedSummary())),
      );
      locker.prepare('ROLLBACK').run();
      locker.close();

      expect(new Set(refused.map((outcome) => outcome.status === 'rejected' && outcome.reason.code))).toEqual(
        new Set(['SQLITE_BUSY']),
      );
      await expect(store.acceptSummary(acceptedSummary())).resolves.toMatchObject({ kind: 'queued' });
    });
  });
});
