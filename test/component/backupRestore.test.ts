import { spawn } from 'node:child_process';
import { runCliCaptured } from '../support/cli';
import { once } from 'node:events';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import { openPostgresStore } from '../../src/receiver/store/postgres/postgresStore';
import { SQLITE_SCHEMA_VERSION } from '../../src/receiver/store/sqlite/sqliteBackup';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { sendSigned, startLimeReceiver } from '../support/limeReceiver';
import { buildPayload } from '../support/payloads';
import { storedDeliveriesIn } from '../support/receiverDatabase';
import { dropSchema, postgresAvailable, runSql, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import {
  builtProduct,
  killAllReceivers,
  startReceiverProcess,
  withOutputOf,
  type ReceiverProcess,
} from '../support/receiverProcess';
import { waitFor } from '../support/waitFor';

// dci-companion backup/restore (docs/operate.md: Backup and restore): a backup taken while a receiver process stores
// summaries under load holds every summary acknowledged before it started; restored into a new DATA_DIR it starts a
// receiver that delivers them. A restore checks the file and refuses while a receiver runs; a database newer than the
// code is refused by the store, and the receiver exits 1 saying what to do.

jest.setTimeout(120_000);

const SECRET = 'backup-restore-secret';
const NEWER =
  /the database was written by a newer version \(schema 999, this version knows \d+\): upgrade the receiver or restore the backup taken before the upgrade/u;

/** Every DATA_DIR and file of this test file, under one temporary directory (named while the tests register). */
const root = mkdtempSync(join(tmpdir(), 'dci-backup-test-'));
let lime: LimeEmulator;
const inProcess: RunningReceiver[] = [];

beforeAll(async () => {
  lime = await startLime();
  seedDemoData(lime);
});
afterAll(async () => {
  for (const receiver of inProcess) await receiver.close();
  await killAllReceivers();
  await closeAll();
  rmSync(root, { recursive: true, force: true });
});

const cli = runCliCaptured;

function databaseIn(dataDir: string): string {
  return join(dataDir, 'receiver.sqlite');
}

/** The conversation ids of the deliveries in a database file. */
function conversationsIn(file: string): Set<string> {
  return new Set(storedDeliveriesIn(file).map((delivery) => delivery.conversationId));
}

/**
 * Signed summaries posted `concurrency` at a time to `url` until stopped; `acknowledged` holds the conversation ids
 * the receiver answered 202 for, in the order the answers came.
 */
function startLoad(url: string, concurrency: number) {
  const acknowledged: string[] = [];
  const failures: string[] = [];
  let stopped = false;
  const sender = async () => {
    while (!stopped) {
      const payload = buildPayload();
      const id = String((payload['data'] as { conversation: { id: string } }).conversation.id);
      const body = JSON.stringify(payload);
      const response = await fetch(`${url}/api/v1/dci/webhook`, {
        method: 'POST',
        headers: signDci(body, SECRET),
        body,
      });
      await response.arrayBuffer();
      if (response.status === 202) acknowledged.push(id);
      else failures.push(`${response.status} for ${id}`);
    }
  };
  const senders = Array.from({ length: concurrency }, () => sender());
  return {
    acknowledged,
    failures,
    stop: async () => {
      stopped = true;
      await Promise.all(senders);
    },
  };
}

/** Runs the compiled receiver until it exits (it is expected to fail at start); its exit code and output. */
async function runReceiverToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [builtProduct().mainJs], {
    env: { ...process.env, NODE_PATH: join(__dirname, '..', '..', 'node_modules'), PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, output: chunks.join('') };
}

describe('a backup taken under load, restored into a new DATA_DIR', () => {
  const live = join(root, 'live');
  const restored = join(root, 'restored');
  const backupFile = () => join(root, 'under-load.sqlite');
  let receiver: ReceiverProcess;
  let ackedBeforeBackup: string[];
  let ackedInTheEnd: string[];

  beforeAll(async () => {
    // A receiver process (the compiled product, with its accept thread) stores and delivers what the load sends.
    receiver = await startReceiverProcess(builtProduct().mainJs, {
      DATA_DIR: live,
      DCI_WEBHOOK_SECRETS: SECRET,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: TEST_API_KEY,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
      CONTACT_INDEX_SYNC_HOURS: '0',
      LOG_LEVEL: 'warn',
    });
    const load = startLoad(receiver.url, 4);
    try {
      await waitFor(() => load.acknowledged.length >= 40, 60_000, '40 acknowledged summaries');
      ackedBeforeBackup = [...load.acknowledged];
      const backup = await cli(['backup', backupFile()], { DATA_DIR: live });
      expect(backup).toMatchObject({ code: 0, err: '' });
      expect(backup.out).toMatch(
        new RegExp(
          `^Backup written to .*under-load\\.sqlite: [\\d.]+ [KM]iB, schema version ${SQLITE_SCHEMA_VERSION} `,
          'u',
        ),
      );
      // The load goes on after the backup: the receiver was writing all along.
      const after = load.acknowledged.length;
      await waitFor(() => load.acknowledged.length >= after + 10, 60_000, '10 more acknowledged summaries');
    } catch (error) {
      throw withOutputOf([receiver], error);
    } finally {
      await load.stop();
    }
    expect(load.failures).toEqual([]);
    ackedInTheEnd = [...load.acknowledged];
  });

  it('every summary acknowledged before the backup started is in the restored database, which is intact', async () => {
    // A new DATA_DIR (another machine): --create, or restore refuses it as a mistyped one (cliDataDir.test.ts).
    const restore = await cli(['restore', backupFile(), '--create'], { DATA_DIR: restored });
    expect(restore).toMatchObject({ code: 0, err: '' });
    expect(restore.out).toContain(`Restored ${backupFile()} into ${databaseIn(restored)}`);
    expect(restore.out).toContain('There was no database before.');

    const inBackup = conversationsIn(databaseIn(restored));
    expect(ackedBeforeBackup.filter((id) => !inBackup.has(id))).toEqual([]);
    const db = new Database(databaseIn(restored), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('the restored receiver starts, delivers what the backup holds, and takes new summaries', async () => {
    const again = await startLimeReceiver(lime, {
      dataDir: restored,
      webhookSecret: SECRET,
      env: { CONTACT_INDEX_SYNC_HOURS: '0' },
    });
    inProcess.push(again);
    expect(await sendSigned(again, buildPayload(), SECRET)).toBe(202);
    await waitFor(
      async () => {
        again.worker.wake();
        const { byStatus } = await again.store.counts();
        return byStatus.pending + byStatus.in_progress + byStatus.retrying + byStatus.dead === 0;
      },
      60_000,
      'every restored delivery delivered',
      50,
    );
    const { byStatus } = await again.store.counts();
    expect(byStatus.delivered).toBeGreaterThanOrEqual(ackedBeforeBackup.length + 1);
  });

  it('restore refuses while a receiver runs on the DATA_DIR, and changes nothing there', async () => {
    const before = readdirSync(live).sort();
    const refused = await cli(['restore', backupFile()], { DATA_DIR: live });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /^Not restored: a receiver is running on .*receiver\.sqlite \(1 running worker\)\. Stop it first/u,
    );
    expect(readdirSync(live).sort()).toEqual(before);

    // The same for a receiver in this very process (the restored one above).
    const inThisProcess = await cli(['restore', backupFile()], { DATA_DIR: restored });
    expect(inThisProcess.code).toBe(1);
    expect(inThisProcess.err).toContain('a receiver is running');
  });

  it('restored over a receiver that was killed, the old database is kept whole (its WAL folded in) and no -wal/-shm is left', async () => {
    await receiver.stop('SIGKILL');
    // Killed, it had no chance to fold its WAL into the database: commits are in the -wal alone.
    expect(existsSync(`${databaseIn(live)}-wal`)).toBe(true);
    const restore = await cli(['restore', backupFile()], { DATA_DIR: live });
    expect(restore).toMatchObject({ code: 0, err: '' });
    const kept = readdirSync(live).find((name) => name.startsWith('receiver.sqlite.before-restore-'));
    expect(kept).toMatch(/^receiver\.sqlite\.before-restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/u);
    expect(restore.out).toContain(`kept as ${join(live, kept ?? '')}`);
    expect(readdirSync(live).filter((name) => /-(wal|shm)$/u.test(name))).toEqual([]);

    // The kept file holds everything the killed receiver acknowledged, the restored one what the backup held.
    const inKept = conversationsIn(join(live, kept ?? ''));
    expect(ackedInTheEnd.filter((id) => !inKept.has(id))).toEqual([]);
    expect(conversationsIn(databaseIn(live))).toEqual(conversationsIn(backupFile()));
  });
});

describe('backup', () => {
  const dataDir = join(root, 'small');
  beforeAll(async () => {
    await (await openSqliteStore({ file: databaseIn(dataDir) })).close();
  });

  it('does not replace an existing file unless --force, and writes no partial file', async () => {
    const target = join(root, 'exists.sqlite');
    writeFileSync(target, 'keep me');
    const refused = await cli(['backup', target], { DATA_DIR: dataDir });
    expect(refused.code).toBe(2);
    expect(refused.err).toBe(`${target} exists: pass --force to replace it, or name another file.`);
    expect(readdirSync(root).filter((name) => name.startsWith('exists.sqlite'))).toEqual(['exists.sqlite']);

    const forced = await cli(['backup', target, '--force'], { DATA_DIR: dataDir });
    expect(forced.code).toBe(0);
    expect(conversationsIn(target)).toEqual(new Set());
  });

  it('needs a file', async () => {
    expect((await cli(['backup'], { DATA_DIR: dataDir })).code).toBe(2);
  });

  it('on PostgreSQL, backup and restore refuse and name pg_dump and pg_restore', async () => {
    for (const command of ['backup', 'restore']) {
      const run = await cli([command, join(root, 'pg.dump')], { DATABASE_URL: 'postgres://user@127.0.0.1:1/db' });
      expect(run.code).toBe(2);
      expect(run.err).toContain('pg_dump -Fc');
      expect(run.err).toContain('pg_restore');
    }
  });
});

describe('restore checks the file first', () => {
  const good = join(root, 'good.sqlite');
  const target = join(root, 'target');
  beforeAll(async () => {
    const dataDir = join(root, 'source');
    const store = await openSqliteStore({ file: databaseIn(dataDir) });
    await store.close();
    expect((await cli(['backup', good], { DATA_DIR: dataDir })).code).toBe(0);
  });

  async function refusedRestore(file: string): Promise<string> {
    const run = await cli(['restore', file, '--create'], { DATA_DIR: target });
    expect(run.code).toBe(1);
    // Nothing was put in place.
    expect(existsSync(databaseIn(target))).toBe(false);
    return run.err;
  }

  it('refuses a file that is not a database', async () => {
    const file = join(root, 'text.sqlite');
    writeFileSync(file, 'not a database at all, but long enough to have a header of sorts '.repeat(100));
    expect(await refusedRestore(file)).toMatch(/^Not restored: .*text\.sqlite is damaged: .*file is not a database/u);
  });

  it('refuses a damaged database', async () => {
    const file = join(root, 'damaged.sqlite');
    copyFileSync(good, file);
    // Overwrite the second page onward (the tables' pages) with garbage; the header stays.
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, 4096);
    closeSync(fd);
    expect(await refusedRestore(file)).toMatch(/^Not restored: .*damaged\.sqlite is damaged/u);
  });

  it('refuses a SQLite database that is not a receiver’s', async () => {
    const file = join(root, 'other.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE notes (text TEXT)');
    db.close();
    expect(await refusedRestore(file)).toContain("not a receiver's (it has no schema_migrations table)");
  });

  it('refuses a backup written by a newer version', async () => {
    const file = join(root, 'newer.sqlite');
    copyFileSync(good, file);
    const db = new Database(file);
    db.prepare("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)").run();
    db.close();
    expect(await refusedRestore(file)).toContain(
      `newer.sqlite was written by a newer version (schema 999, this version knows ${SQLITE_SCHEMA_VERSION})`,
    );
  });

  it('refuses a file that is not there', async () => {
    expect(await refusedRestore(join(root, 'missing.sqlite'))).toMatch(
      /^Not restored: .*missing\.sqlite cannot be read/u,
    );
  });
});

describe('a database newer than the code', () => {
  it('SQLite: the receiver exits 1 with what to do', async () => {
    const dataDir = join(root, 'from-the-future');
    await (await openSqliteStore({ file: databaseIn(dataDir) })).close();
    const db = new Database(databaseIn(dataDir));
    db.prepare("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)").run();
    db.close();

    const run = await runReceiverToExit({ DATA_DIR: dataDir, DCI_WEBHOOK_SECRETS: SECRET });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(NEWER);
    await expect(openSqliteStore({ file: databaseIn(dataDir) })).rejects.toThrow(NEWER);
  });

  const describePostgres = postgresAvailable() ? describe : describe.skip;
  describePostgres('PostgreSQL (skipped only when no server answers; REQUIRE_POSTGRES=1 makes that a failure)', () => {
    const schema = uniqueSchema('newer');
    afterAll(() => dropSchema(schema));

    it('the store refuses it and the receiver exits 1 with what to do', async () => {
      await (await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema })).close();
      await runSql(`INSERT INTO "${schema}".schema_migrations VALUES (999, 'from the future', now())`);

      await expect(openPostgresStore({ connectionString: TEST_DATABASE_URL, schema })).rejects.toThrow(NEWER);
      const run = await runReceiverToExit({
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        DCI_WEBHOOK_SECRETS: SECRET,
      });
      expect(run.code).toBe(1);
      expect(run.output).toMatch(NEWER);
    });
  });
});
