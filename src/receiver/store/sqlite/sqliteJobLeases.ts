import type { JobLeases } from '../ports/jobLeases';
import type { SqliteConnection } from './sqliteConnection';
import { toJobState } from './sqliteRows';

export function sqliteJobLeases({ sql, writeTransaction }: SqliteConnection): JobLeases {
  return {
    async takeLease(request) {
      const params = {
        name: request.name,
        holder: request.holder,
        now: request.now.getTime(),
        heldUntil: request.now.getTime() + request.leaseMs,
      };
      // One statement in a BEGIN IMMEDIATE transaction: the row is read and taken under the write lock.
      return writeTransaction(
        () =>
          sql(
            `INSERT INTO jobs (name, holder, held_until) VALUES (@name, @holder, @heldUntil)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
             WHERE jobs.held_until IS NULL OR jobs.held_until <= @now OR jobs.holder = excluded.holder`,
          ).run(params).changes === 1,
      );
    },

    async releaseLease(request) {
      sql(`UPDATE jobs SET held_until = ${LEASE_RELEASED} WHERE name = @name AND holder = @holder`).run({
        name: request.name,
        holder: request.holder,
      });
    },

    async readJobState(name) {
      const row = sql('SELECT holder, held_until, state, updated_at FROM jobs WHERE name = ?').get(name);
      return row === undefined ? undefined : toJobState(row);
    },

    async writeJobState(request) {
      return (
        sql(
          `UPDATE jobs SET state = @state, updated_at = @now
           WHERE name = @name AND holder = @holder AND held_until > @now`,
        ).run({
          name: request.name,
          holder: request.holder,
          state: JSON.stringify(request.state) ?? null,
          now: request.now.getTime(),
        }).changes === 1
      );
    },
  };
}

/** A given-up lease: held until long past (the epoch), so anyone may take it; its last holder is still shown. */
const LEASE_RELEASED = '0';
