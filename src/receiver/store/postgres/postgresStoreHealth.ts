import type { StoreHealth } from '../ports/storeHealth';
import type { PostgresConnection } from './postgresConnection';

export function postgresStoreHealth({ pool }: PostgresConnection): StoreHealth {
  return {
    /** A real write (the heartbeat row), so a read-only server, a full disk or a lost connection makes it throw. */
    async checkWritable() {
      const { rowCount } = await pool.query('UPDATE heartbeat SET checked_at = $1 WHERE id = 1', [new Date()]);
      if (rowCount !== 1) throw new Error('the heartbeat row is missing: the database schema is damaged');
    },
  };
}
