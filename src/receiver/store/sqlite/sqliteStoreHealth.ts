import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { StoreHealth } from '../ports/storeHealth';
import type { SqliteAcceptThread } from './sqliteAcceptThread';
import type { SqliteConnection } from './sqliteConnection';

export function sqliteStoreHealth({ db, sql }: SqliteConnection, acceptThread?: SqliteAcceptThread): StoreHealth {
  return {
    /** A real write (the heartbeat row), so a read-only file, a full disk or a held write lock makes it throw. */
    async checkWritable() {
      const { changes } = sql('UPDATE heartbeat SET checked_at = ? WHERE id = 1').run(Date.now());
      if (changes !== 1) throw new Error('the heartbeat row is missing: the database schema is damaged');
      // Summaries are stored by the accept thread: one that stopped and cannot start again makes the store unwritable.
      await acceptThread?.running();
    },

    /** The smaller of the file system's free space and what SQLite's page cap (`max_page_count`) still allows. */
    async roomLeft() {
      const pragma = (name: string): number => z.number().parse(db.pragma(name, { simple: true }));
      const pagesLeft = pragma('max_page_count') - pragma('page_count') + pragma('freelist_count');
      const disk = statfsSync(dirname(db.name));
      return Math.min(pagesLeft * pragma('page_size'), disk.bavail * disk.bsize);
    },
  };
}
