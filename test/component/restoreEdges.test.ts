import { chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { runCliCaptured } from '../support/cli';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from 'node:net';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import { runningWorkers } from '../../src/receiver/store/sqlite/sqliteWorkerLocks';
import { closeAll, startLime } from '../support/lime';
import { startLimeReceiver } from '../support/limeReceiver';

// dci-companion restore at its edges (docs/operate.md: Backup and restore): a database copied with its -wal beside
// it is restored with the WAL's commits; run as root, the restored file belongs to the database's owner; a receiver
// holds the worker lock that restore checks from before it listens.

const root = mkdtempSync(join(tmpdir(), 'dci-restore-edges-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = runCliCaptured;

/** A receiver database at `dataDir`, made by the store itself (its migrations); the number of deliveries is 0. */
async function receiverDatabase(dataDir: string): Promise<string> {
  const file = join(dataDir, 'receiver.sqlite');
  const store = await openSqliteStore({ file });
  await store.close();
  return file;
}

function count(file: string, sql: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('restore of a database file copied with its -wal', () => {
  it('keeps the commits that were only in the -wal', async () => {
    const source = await receiverDatabase(join(root, 'wal-source'));
    const db = new Database(source);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE restore_probe (n INTEGER)');
    const insert = db.prepare('INSERT INTO restore_probe (n) VALUES (?)');
    for (let n = 0; n < 50; n += 1) insert.run(n);
    // The connection stays open: the commits are in the -wal only, as in a copy taken of a live database.
    expect(existsSync(`${source}-wal`)).toBe(true);
    const copied = join(root, 'copied.sqlite');
    copyFileSync(source, copied);
    copyFileSync(`${source}-wal`, `${copied}-wal`);
    db.close();

    const target = join(root, 'wal-target');
    const restoredFile = await receiverDatabase(target);
    const run = await cli(['restore', copied], { DATA_DIR: target });
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(count(restoredFile, 'SELECT count(*) AS n FROM restore_probe')).toBe(50);
    expect(existsSync(`${restoredFile}-wal`)).toBe(false);
  });
});

describe('restore run as root', () => {
  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('gives the restored file the owner of the database it replaces (the service user), not root', async () => {
    const backup = await receiverDatabase(join(root, 'owned-backup'));
    const dataDir = join(root, 'owned');
    const file = await receiverDatabase(dataDir);
    chownSync(dataDir, 65534, 65533);
    chownSync(file, 65534, 65533);
    const run = await cli(['restore', backup], { DATA_DIR: dataDir });
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(statSync(file)).toMatchObject({ uid: 65534, gid: 65533 });
  });

  asRoot('with no database before (--create), the owner of DATA_DIR', async () => {
    const backup = await receiverDatabase(join(root, 'owned-backup-2'));
    const dataDir = join(root, 'owned-empty');
    const file = await receiverDatabase(dataDir);
    rmSync(file);
    chownSync(dataDir, 65534, 65533);
    const run = await cli(['restore', backup, '--create'], { DATA_DIR: dataDir });
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(statSync(file)).toMatchObject({ uid: 65534, gid: 65533 });
  });
});

describe("docs/operate.md's backup and restore commands", () => {
  const repository = join(__dirname, '..', '..');
  const operate = readFileSync(join(repository, 'docs', 'operate.md'), 'utf8');

  it("in the container, use the image's working directory, DATA_DIR volume and CLI", () => {
    const dockerfile = readFileSync(join(repository, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^WORKDIR \/opt\/dci-companion$/mu);
    expect(runtime).toMatch(/DATA_DIR=\/data\b/u);
    expect(runtime).toContain('VOLUME ["/data"]');
    const container = operate.slice(operate.indexOf('### In the container'), operate.indexOf('### PostgreSQL'));
    expect(container).toContain('docker exec dci-companion node bin/dci-companion.js backup /data/backups/');
    expect(container).toContain('docker compose exec receiver node bin/dci-companion.js backup /data/backups/');
    expect(container).toMatch(
      /docker run --rm [^\n]*-v dci-data:\/data dci-companion \\\n\s+node bin\/dci-companion\.js restore \/data\/backups\//u,
    );
    expect(container).toContain(
      'docker compose run --rm --no-deps receiver node bin/dci-companion.js restore /data/backups/',
    );
    expect(existsSync(join(repository, 'bin', 'dci-companion.js'))).toBe(true);
  });

  it("never run the CLI without the service's DATA_DIR (npx dci-companion would use ./data)", () => {
    expect(operate).not.toMatch(/npx dci-companion/u);
    const commands = [...operate.matchAll(/systemd-run[^`]*?bin\/dci-companion\.js \\\n\s*(backup|restore) /gu)];
    expect(commands.map((command) => command[1])).toEqual(['backup', 'restore']);
    for (const [command] of commands) {
      expect(command).toContain('--uid=dci-companion');
      expect(command).toContain('-p Environment=DATA_DIR=/var/lib/dci-companion');
      expect(command).toContain('-p EnvironmentFile=/etc/dci-companion/env');
    }
  });
});

describe('a starting receiver', () => {
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => closeAll());

  it('holds the worker lock before it listens, so restore cannot swap the database under it', async () => {
    const lime = await startLime();
    const dataDir = join(root, 'starting');
    const file = await receiverDatabase(dataDir);
    // Observed, not changed: how many workers hold the lock at the moment each listener is bound.
    const atListen: number[] = [];
    const listen = Server.prototype.listen;
    jest.spyOn(Server.prototype, 'listen').mockImplementation(function (this: Server, ...args: unknown[]) {
      atListen.push(runningWorkers(file));
      return listen.apply(this, args as Parameters<Server['listen']>);
    });
    const receiver = await startLimeReceiver(lime, {
      dataDir,
      webhookSecret: 'restore-edges-secret',
      env: { ADMIN_PORT: '0', CONTACT_INDEX_SYNC_HOURS: '0' },
    });
    try {
      expect(atListen).toEqual([1, 1]);
      expect((await fetch(`${receiver.url}/healthz`)).status).toBe(200);
      const backup = await receiverDatabase(join(root, 'starting-backup'));
      const run = await cli(['restore', backup], { DATA_DIR: dataDir });
      expect(run.code).toBe(1);
      expect(run.err).toContain('a receiver is running');
    } finally {
      await receiver.close();
    }
  });
});
