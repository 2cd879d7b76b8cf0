import { z } from 'zod';

/** One schema change. Applied once, in `version` order; a released migration is never edited, only followed. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const appliedVersions = z.array(z.object({ version: z.number().int() }));

/**
 * The migrations a schema still lacks, in version order, given its `SELECT version FROM schema_migrations` rows. A
 * schema written by a newer build (a version this build does not know) is refused.
 */
export function pendingMigrations(migrations: readonly Migration[], appliedRows: unknown): Migration[] {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  const latest = ordered.at(-1)?.version ?? 0;
  const applied = new Set(appliedVersions.parse(appliedRows).map((row) => row.version));
  const unknown = [...applied].filter((version) => version > latest);
  if (unknown.length > 0) {
    throw new Error(
      `database schema version ${Math.max(...unknown)} is newer than this build knows (${latest}): ` +
        'upgrade the receiver',
    );
  }
  return ordered.filter((migration) => !applied.has(migration.version));
}
