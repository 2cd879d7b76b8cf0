import { z } from 'zod';

/** One schema change. Applied once, in `version` order; a released migration is never edited, only followed. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * `schema_newer_than_code`: the database was migrated by a newer release than this one (an upgrade rolled back
 * without restoring its backup). Migrations only go forward, so this release cannot know what the newer one changed.
 */
export class SchemaTooNewError extends Error {
  readonly code = 'schema_newer_than_code';
  constructor(
    /** The newest migration the database has. */
    readonly schemaVersion: number,
    /** The newest migration this release knows. */
    readonly knownVersion: number,
  ) {
    super(
      `the database was written by a newer version (schema ${schemaVersion}, this version knows ${knownVersion}): ` +
        'upgrade the receiver or restore the backup taken before the upgrade',
    );
    this.name = 'SchemaTooNewError';
  }
}

/** The newest version among `migrations` (0 for none): the schema version this release writes. */
export function latestVersion(migrations: readonly Migration[]): number {
  return Math.max(0, ...migrations.map((migration) => migration.version));
}

const appliedVersions = z.array(z.object({ version: z.number().int() }));

/**
 * The migrations a schema still lacks, in version order, given its `SELECT version FROM schema_migrations` rows. A
 * schema written by a newer build (a version this build does not know) is refused.
 */
export function pendingMigrations(migrations: readonly Migration[], appliedRows: unknown): Migration[] {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  const latest = latestVersion(ordered);
  const applied = new Set(appliedVersions.parse(appliedRows).map((row) => row.version));
  const unknown = [...applied].filter((version) => version > latest);
  if (unknown.length > 0) throw new SchemaTooNewError(Math.max(...unknown), latest);
  return ordered.filter((migration) => !applied.has(migration.version));
}
