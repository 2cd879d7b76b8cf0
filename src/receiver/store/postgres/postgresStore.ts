import { Pool } from 'pg';
import { applyPostgresMigrations } from '../migrations/applyPostgresMigrations';
import { POSTGRES_MIGRATIONS } from '../migrations/postgresMigrations';
import { postgresConnection } from './postgresConnection';
import { postgresParticipantResolutions } from './postgresParticipantResolutions';
import { postgresContactIndexStore } from './postgresContactIndexStore';
import { postgresDeliveryQueue } from './postgresDeliveryQueue';
import { postgresDeliveryReads } from './postgresDeliveryReads';
import { postgresDeliveryStats } from './postgresDeliveryStats';
import { postgresJobLeases } from './postgresJobLeases';
import { postgresPartialEnrichments } from './postgresPartialEnrichments';
import { postgresParticipantKeys } from './postgresParticipantKeys';
import { postgresPersonalDataStore } from './postgresPersonalDataStore';
import { postgresRateBuckets } from './postgresRateBuckets';
import { postgresRateBudgetStore } from './postgresRateBudgetStore';
import { postgresSettingsStore } from './postgresSettingsStore';
import { postgresStoreHealth } from './postgresStoreHealth';
import { postgresWorkerRegistry } from './postgresWorkerRegistry';
import type { ReceiverStore } from '../receiverStore';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` (node-postgres connection string: sslmode and friends apply). */
  connectionString: string;
  /**
   * The schema holding the receiver's tables, created when missing; every connection's `search_path`. Lower-case
   * letters, digits and `_`. Default `public`. Several receivers (tenants) can share a database, one schema each.
   */
  schema?: string | undefined;
  /** Connections per process. Default 10. */
  poolSize?: number | undefined;
  /** How long to wait for a new connection before failing, in ms. Default 10000. */
  connectTimeoutMs?: number | undefined;
  /**
   * Told about an idle connection that broke (the server restarted, the network dropped): the pool discards it and
   * the next query connects again. Without a listener such an error would end the process.
   */
  onConnectionError?: ((error: Error) => void) | undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/u;

/** Opens a connection pool on `schema` (creating and migrating it when needed) for the receiver's store. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`PostgreSQL schema "${schema}" must be lower-case letters, digits and _ (at most 63)`);
  }
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'dci-companion',
    // Run on each new connection before the pool hands it out, so unqualified table names mean this schema in every
    // query of the store. (Not the `options` startup parameter: a DATABASE_URL's own `?options=` would replace it.)
    // Should it fail, the pool discards the connection and the query that asked for it fails with the error.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- pg-pool awaits onConnect; @types/pg says void
    onConnect: async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
    },
  });
  pool.on('error', (error) => options.onConnectionError?.(error));
  try {
    const client = await pool.connect();
    try {
      await applyPostgresMigrations(client, schema, POSTGRES_MIGRATIONS, new Date());
    } catch (error) {
      client.release(true);
      throw error;
    }
    client.release();
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(pool, schema);
}

// The ports' methods are assigned in the constructor; this declaration, merged with the class, gives it their types.
export interface PostgresStore extends ReceiverStore {}

/**
 * ReceiverStore on a PostgreSQL connection pool, every port's SQL on it (postgres/, one file per port). Several
 * replicas share the schema: every read-then-write holds row locks in its transaction (READ COMMITTED), claims skip
 * rows another transaction holds.
 */
export class PostgresStore {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    /** The schema the tables live in. */
    readonly schema: string,
  ) {
    const connection = postgresConnection(pool);
    // Typed as the whole store but for `close`: a port left out fails to compile here.
    const ports: Omit<ReceiverStore, 'close'> = {
      ...postgresDeliveryQueue(connection),
      ...postgresDeliveryReads(connection),
      ...postgresDeliveryStats(connection),
      ...postgresSettingsStore(connection),
      ...postgresContactIndexStore(connection),
      ...postgresParticipantResolutions(connection),
      ...postgresPersonalDataStore(connection),
      ...postgresParticipantKeys(connection),
      ...postgresPartialEnrichments(connection),
      ...postgresJobLeases(connection),
      ...postgresRateBuckets(connection),
      ...postgresRateBudgetStore(connection),
      ...postgresStoreHealth(connection),
      ...postgresWorkerRegistry(connection),
    };
    Object.assign(this, ports);
  }

  async close(): Promise<void> {
    await (this.closing ??= this.pool.end());
  }
}
