import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../../src/receiver/cli/dciCompanion';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';

// dci-companion restore at its edges (docs/operate.md: Backup and restore): a database copied with its -wal beside
// it is restored with the WAL's commits.

const root = mkdtempSync(join(tmpdir(), 'dci-restore-edges-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    env,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

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
