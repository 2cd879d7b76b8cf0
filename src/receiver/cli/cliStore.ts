import { existsSync } from 'node:fs';
import { ConfigError, storeLocationFrom } from '../config/loadConfig';
import type { StoreLocation } from '../store/storeLocation';

/**
 * Why the CLI should not open `location`: a SQLite database that does not exist yet. A command on the store of a
 * mistyped DATA_DIR would otherwise create an empty database there and answer from it ("No deliveries."), as if
 * all were well; `--create` says the empty one is meant. PostgreSQL always answers (an empty schema is migrated).
 */
export function missingDatabase(
  location: StoreLocation,
  env: Record<string, string | undefined>,
  cwd: string = process.cwd(),
): string | undefined {
  if (location.kind !== 'sqlite' || existsSync(location.file)) return undefined;
  const given = env['DATA_DIR']?.trim();
  const dataDir = given ? `"${given}"` : `not set, so ./data in ${cwd}`;
  return `No receiver database at ${location.file}. Check DATA_DIR (it is ${dataDir}), or pass --create to start an empty one.`;
}

/** Where the environment puts the store; undefined after saying why when the environment is invalid. */
export function storeLocationOrSay(
  env: Record<string, string | undefined>,
  err: (line: string) => void,
): StoreLocation | undefined {
  try {
    return storeLocationFrom(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(error.message);
    return undefined;
  }
}
