import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * The PostgreSQL server the tests use: TEST_DATABASE_URL, or this machine's (trust auth, database `test`). Each test
 * file works in a schema of its own (`uniqueSchema`), so files running in parallel do not see each other's rows.
 */
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether the server answers, asked once per test file before its tests are registered (Jest registers them
 * synchronously, so the probe runs in a child process). With `REQUIRE_POSTGRES=1` (CI) an unreachable server throws,
 * failing the file; otherwise the reason is printed and the caller skips its PostgreSQL tests.
 */
export function postgresAvailable(): boolean {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const { Client } = require('pg');
       const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
       client.connect().then(() => client.query('SELECT 1')).then(() => client.end())
         .then(() => process.exit(0), (error) => { process.stderr.write(String(error.message)); process.exit(1); });`,
      TEST_DATABASE_URL,
    ],
    { cwd: __dirname, encoding: 'utf8', timeout: 10_000 },
  );
  if (probe.status === 0) return true;
  const reason = `PostgreSQL at ${redact(TEST_DATABASE_URL)} is not reachable (${
    probe.stderr.trim() || probe.error?.message || `exit ${String(probe.status ?? probe.signal)}`
  })`;
  if (process.env['REQUIRE_POSTGRES'] === '1') {
    throw new Error(`${reason}, and REQUIRE_POSTGRES=1 requires it: start PostgreSQL or set TEST_DATABASE_URL`);
  }
  console.warn(`Skipping the PostgreSQL tests: ${reason}. Set REQUIRE_POSTGRES=1 to make this a failure.`);
  return false;
}

/** A fresh schema name, `<prefix>_<random>`; nothing exists under it until a store opens it. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs `sql` on a short-lived connection of its own (an operator's psql, as it were). */
export async function runSql(sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

/** Drops `schema` and everything in it (no error when it does not exist). */
export async function dropSchema(schema: string): Promise<void> {
  await runSql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/u, '//$1:***@');
}
