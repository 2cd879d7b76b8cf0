/**
 * Where the receiver keeps its queue, audit trail and saved settings: PostgreSQL when `DATABASE_URL` is set (several
 * replicas can share it), else SQLite in `DATA_DIR` (one process, or several on one machine).
 */
export type StoreLocation =
  | { kind: 'sqlite'; file: string }
  | {
      kind: 'postgres';
      /** `DATABASE_URL`; contains the password: never log it. */
      connectionString: string;
      /** `DATABASE_SCHEMA`, default `public`. */
      schema: string;
    };
