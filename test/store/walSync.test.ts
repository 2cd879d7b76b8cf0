import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalSync } from '../../src/receiver/store/walSync';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wal-sync-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('WalSync: the fsync acknowledgements wait for', () => {
  it('resolves every caller, and closes the log only after the last fsync', async () => {
    const wal = join(dir, 'receiver.sqlite-wal');
    writeFileSync(wal, 'frames');
    const sync = new WalSync(wal);
    const order: string[] = [];
    const calls = Array.from({ length: 50 }, (_, index) => sync.synced().then(() => order.push(`synced ${index}`)));
    const closed = sync.close().then(() => order.push('closed'));
    await Promise.all([...calls, closed]);
    expect(order).toHaveLength(51);
    expect(order.at(-1)).toBe('closed');
  });

  it('refuses when the log cannot be opened, so nothing is acknowledged on a store that lost its files', async () => {
    const sync = new WalSync(join(dir, 'missing.sqlite-wal'));
    await expect(sync.synced()).rejects.toMatchObject({ code: 'ENOENT' });
    // A later call tries again rather than staying stuck.
    writeFileSync(join(dir, 'missing.sqlite-wal'), 'frames');
    await expect(sync.synced()).resolves.toBeUndefined();
    await sync.close();
  });
});
