import type { JobLeases } from '../ports/jobLeases';
import type { PostgresConnection } from './postgresConnection';
import { toJobState } from './postgresRows';

export function postgresJobLeases({ pool }: PostgresConnection): JobLeases {
  return {
    async takeLease(request) {
      // One statement: ON CONFLICT locks the row and tests the condition on its latest version, so of two replicas
      // taking a free lease at once one inserts or updates it and the other finds it held.
      const { rowCount } = await pool.query(
        `INSERT INTO jobs (name, holder, held_until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
         WHERE jobs.held_until IS NULL OR jobs.held_until <= $4 OR jobs.holder = excluded.holder`,
        [request.name, request.holder, new Date(request.now.getTime() + request.leaseMs), request.now],
      );
      return rowCount === 1;
    },

    async releaseLease(request) {
      // Held until long past (the epoch), so anyone may take it; its last holder is still shown.
      await pool.query(`UPDATE jobs SET held_until = 'epoch' WHERE name = $1 AND holder = $2`, [
        request.name,
        request.holder,
      ]);
    },

    async readJobState(name) {
      const row = (await pool.query('SELECT holder, held_until, state, updated_at FROM jobs WHERE name = $1', [name]))
        .rows[0];
      return row === undefined ? undefined : toJobState(row);
    },

    async writeJobState(request) {
      // Sent as JSON text: node-postgres would send a string value as it is, not as a JSON string.
      const { rowCount } = await pool.query(
        `UPDATE jobs SET state = $3::jsonb, updated_at = $4
         WHERE name = $1 AND holder = $2 AND held_until > $4`,
        [request.name, request.holder, JSON.stringify(request.state) ?? null, request.now],
      );
      return rowCount === 1;
    },
  };
}
