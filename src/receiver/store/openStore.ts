import type { StoreLocation } from './storeLocation';
import { openPostgresStore } from './postgres/postgresStore';
import type { ReceiverStore } from './receiverStore';
import { openSqliteStore } from './sqlite/sqliteStore';

/**
 * Opens (creating and migrating when needed) the store at `location`: the one place that picks the adapter, for the
 * receiver and the CLI alike.
 */
export async function openStore(
  location: StoreLocation,
  options: {
    /** Told about a broken idle PostgreSQL connection (the pool replaces it); SQLite has none. */
    onConnectionError?: ((error: Error) => void) | undefined;
    /** SQLite: the accept thread's entry file (SqliteStoreOptions.acceptWorker); PostgreSQL has none. */
    sqliteAcceptWorker?: string | undefined;
  } = {},
): Promise<ReceiverStore> {
  switch (location.kind) {
    case 'sqlite':
      return openSqliteStore({ file: location.file, acceptWorker: options.sqliteAcceptWorker });
    case 'postgres':
      return openPostgresStore({
        connectionString: location.connectionString,
        schema: location.schema,
        onConnectionError: options.onConnectionError,
      });
  }
}

/** What the start-up log says about the store: never the connection string, which holds the password. */
export function describeStore(location: StoreLocation): Record<string, string> {
  switch (location.kind) {
    case 'sqlite':
      return { store: 'sqlite', file: location.file };
    case 'postgres':
      return { store: 'postgresql', schema: location.schema };
  }
}
