import type { Pool, PoolClient, QueryResult } from 'pg';

// The store's connection pool, as every port's SQL uses it.

/** deadlock_detected, serialization_failure: the transaction was rolled back and may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const TRANSACTION_TRIES = 3;

/** The pool and its transactions: what each PostgreSQL port works on. */
export interface PostgresConnection {
  pool: Pool;
  /**
   * Runs `work` in a transaction on one pooled connection: READ COMMITTED with explicit row locks for writes, or a
   * read-only REPEATABLE READ `snapshot`. A deadlock or serialization failure rolls everything back, and the work
   * runs again (a few times) from the start.
   */
  transaction<T>(work: (db: PoolClient) => Promise<T>, mode?: 'write' | 'snapshot'): Promise<T>;
}

export function postgresConnection(pool: Pool): PostgresConnection {
  return {
    pool,
    async transaction(work, mode = 'write') {
      for (let attempt = 1; ; attempt += 1) {
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query(mode === 'write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          const result = await work(client);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          if (attempt < TRANSACTION_TRIES && RETRYABLE_SQLSTATES.has(sqlState(error) ?? '')) continue;
          throw error;
        } finally {
          client.release(broken);
        }
      }
    },
  };
}

/** The one row a query must return. */
export function single(result: QueryResult, what: string): unknown {
  const [row] = result.rows;
  if (row === undefined) throw new Error(`${what} is missing from the database`);
  return row;
}

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}
