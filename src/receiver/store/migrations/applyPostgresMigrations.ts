import type { ClientBase } from 'pg';
import { z } from 'zod';
import { pendingMigrations, type Migration } from './pendingMigrations';

/** The advisory-lock class of the receiver's migrations (ASCII "DCIC"); the second key is the schema's hash. */
const MIGRATION_LOCK_CLASS = 0x44434943;

const existing = z.array(z.object({ exists: z.literal(1) }));

/**
 * Brings `schema` (created when missing) up to the last of `migrations`, applied in version order and recorded in
 * `schema_migrations`, in one transaction. Opening an up-to-date schema changes nothing; one written by a newer
 * build is refused. `schema` must be a plain lower-case identifier (checked by the caller).
 */
export async function applyPostgresMigrations(
  client: ClientBase,
  schema: string,
  migrations: readonly Migration[],
  now: Date,
): Promise<void> {
  await client.query('BEGIN');
  try {
    // Replicas starting together queue here: the first migrates and commits, the others then find nothing to do.
    // A transaction-level lock: it is released with the commit, or with the connection if this process dies.
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
    // Looked up rather than CREATE SCHEMA IF NOT EXISTS, which needs the CREATE privilege even when the schema exists.
    const found = existing.parse(
      (await client.query('SELECT 1 AS exists FROM pg_namespace WHERE nspname = $1', [schema])).rows,
    );
    if (found.length === 0) await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`SET LOCAL search_path TO "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL
    )`);
    const applied = (await client.query('SELECT version FROM schema_migrations')).rows;
    for (const migration of pendingMigrations(migrations, applied)) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        now,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
