import type Database from 'better-sqlite3';
import { z } from 'zod';

// The store's connection to the SQLite file, as every port's SQL uses it.

/** A prepared statement for an SQL text, prepared once per connection. */
export type PreparedSql = (source: string) => Database.Statement;

/** One connection, its statements, and its write transactions: what each SQLite port works on. */
export interface SqliteConnection {
  db: Database.Database;
  sql: PreparedSql;
  /**
   * Runs `work` in a `BEGIN IMMEDIATE` transaction, which takes the write lock before the first read: a deferred
   * transaction that read first would fail with SQLITE_BUSY_SNAPSHOT when another connection committed in between,
   * and busy_timeout does not retry that.
   */
  writeTransaction<T>(work: () => T): T;
}

export function sqliteConnection(db: Database.Database): SqliteConnection {
  return { db, sql: preparedOnce(db), writeTransaction: (work) => db.transaction(work).immediate() };
}

/** Prepares each SQL text once on `db`. */
export function preparedOnce(db: Database.Database): PreparedSql {
  const statements = new Map<string, Database.Statement>();
  return (source) => {
    let statement = statements.get(source);
    if (statement === undefined) {
      statement = db.prepare(source);
      statements.set(source, statement);
    }
    return statement;
  };
}

export const SYNCHRONOUS_LEVELS = ['off', 'normal', 'full', 'extra'] as const;

/** The connection's `synchronous` setting as SQLite reports it: what a commit's durability rests on. */
export function synchronousOf(db: Database.Database): (typeof SYNCHRONOUS_LEVELS)[number] {
  return z
    .number()
    .int()
    .transform((level) => SYNCHRONOUS_LEVELS[level])
    .pipe(z.enum(SYNCHRONOUS_LEVELS))
    .parse(db.pragma('synchronous', { simple: true }));
}
