import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import request from 'supertest';
import { findConversationReference, MAX_SUMMARY_LENGTH } from '../../src/core';
import { createApp } from '../../src/receiver/http/createApp';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { createLogger } from '../../src/receiver/observability/logger';
import { createMetrics } from '../../src/receiver/observability/metrics';
import { openPostgresStore } from '../../src/receiver/store/postgres/postgresStore';
import type { ReceiverStore } from '../../src/receiver/store/receiverStore';
import { openSqliteStore, SqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import type { LimeEmulator } from '../../src/sandbox/lime';
import {
  ext4Available,
  fillUp,
  forceReadOnly,
  mountExt4Image,
  mountTmpfs,
  repairAndRemount,
  tmpfsAvailable,
  unmount,
} from '../support/limitedFilesystem';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { dropSchema, postgresAvailable, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { storedDeliveries } from '../support/receiverDatabase';
import {
  builtProduct,
  killAllReceivers,
  startReceiverProcess,
  withOutputOf,
  type ReceiverProcess,
} from '../support/receiverProcess';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';
import { waitFor } from '../support/waitFor';

// When the store cannot keep a summary — its disk full, its database gone — ingest answers 503 with Retry-After
// (DCI retries later) instead of acknowledging it, and readiness reports the store; once the condition clears,
// ingest works again and nothing acknowledged earlier is lost.

jest.setTimeout(120_000);

const SECRET = 'storage-faults-secret';
/** setpriv's arguments to run a command as the unprivileged user `nobody`. */
const AS_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
const MAX_BODY_BYTES = 1024 * 1024;

/** A meeting with Anna whose summary is `summaryBytes` of text that does not compress. */
function meeting(conversationId: string, summaryBytes = 200): { body: string; headers: Record<string, string> } {
  const payload = buildPayload({
    id: conversationId,
    summary: `Summary of ${conversationId}: ${randomBytes(Math.ceil(summaryBytes / 2)).toString('hex')}`,
    participants: [buildParticipant({ email: 'anna@acme.se' })],
  });
  const body = JSON.stringify(payload);
  // The delivery id stays with the body: DCI's retry of a refused request is the same delivery.
  return { body, headers: signDci(body, SECRET) };
}

/** The receiver's HTTP app on `store`, as production builds it. */
function appOn(store: ReceiverStore) {
  const logger = createLogger('silent', new Writable({ write: (_chunk, _encoding, callback) => callback() }));
  return createApp({
    store,
    logger,
    metrics: createMetrics(store),
    webhookSecrets: [SECRET],
    maxBodyBytes: MAX_BODY_BYTES,
    target: 'lime',
    connectionState: () => undefined,
    onQueued: () => undefined,
  });
}

function expectRefusedForNow(response: { status: number; headers: Record<string, unknown>; body: unknown }) {
  expect(response.status).toBe(503);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(response.body).toMatchObject({ error: { code: 'store_unavailable' } });
}

describe('SQLite at its size limit (a real SQLITE_FULL, from a page cap)', () => {
  let dir: string;
  let db: Database.Database;
  let store: SqliteStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dci-storage-full-'));
    const file = join(dir, 'receiver.sqlite');
    await (await openSqliteStore({ file })).close(); // created and migrated as the receiver does
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    store = new SqliteStore(db);
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a summary that does not fit is refused with 503 + Retry-After, readiness says full; once there is room it is accepted and the earlier ones are all there', async () => {
    const app = appOn(store);
    for (const id of ['conv-1', 'conv-2', 'conv-3']) {
      const { body, headers } = meeting(id);
      expect((await request(app).post('/api/v1/dci/webhook').set(headers).send(body)).status).toBe(202);
    }
    expect((await request(app).get('/readyz')).status).toBe(200);

    // The database may not grow any more: what it holds fits, nothing bigger does.
    db.pragma(`max_page_count = ${String(db.pragma('page_count', { simple: true }))}`);
    const refused = meeting('conv-4', 100_000);
    expectRefusedForNow(await request(app).post('/api/v1/dci/webhook').set(refused.headers).send(refused.body));
    expect(await request(app).get('/readyz')).toMatchObject({ status: 503, body: { store: 'full' } });
    expect(await store.listDeliveries({ limit: 10 })).toHaveLength(3); // nothing acknowledged that is not stored

    db.pragma('max_page_count = 1073741823'); // the operator gives it room
    expect(await request(app).get('/readyz')).toMatchObject({ status: 200, body: { store: 'ok' } });
    // DCI's retry of the refused delivery is accepted as new, not taken for a duplicate.
    const retried = await request(app).post('/api/v1/dci/webhook').set(refused.headers).send(refused.body);
    expect(retried.status).toBe(202);
    const stored = await store.listDeliveries({ limit: 10 });
    expect(stored.map((row) => row.conversationId).sort()).toEqual(['conv-1', 'conv-2', 'conv-3', 'conv-4']);
  });
});

const withTmpfs = tmpfsAvailable();
const withExt4 = ext4Available();
const withUnprivilegedUser = unprivilegedUserAvailable();
const describeOnRealFileSystems = withTmpfs || withExt4 || withUnprivilegedUser ? describe : describe.skip;

/** Whether the receiver can be run as `nobody` (root and setpriv): a user the file permissions do stop. */
function unprivilegedUserAvailable(): boolean {
  const probe = spawnSync('setpriv', [...AS_NOBODY, 'true'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const reason = `running a process as nobody with setpriv failed (${probe.stderr.trim() || probe.error?.message})`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}; CI runs as root and must run the read-only test`);
  console.warn(`Skipping the read-only data directory test: ${reason}. It needs root.`);
  return false;
}

describeOnRealFileSystems('a receiver process whose data directory fills up or turns read-only', () => {
  let workDir: string;
  let mainJs: string;
  let dataDir: string | undefined;
  let image: string | undefined;

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'dci-storage-process-'));
    mainJs = builtProduct().mainJs;
  });

  afterEach(async () => {
    await killAllReceivers();
    await closeAll();
    if (dataDir !== undefined) unmount(dataDir, { lazy: true });
    if (image !== undefined) rmSync(image, { force: true });
    dataDir = undefined;
    image = undefined;
  });

  function receiverEnv(lime: LimeEmulator, dir: string): Record<string, string> {
    return {
      DATA_DIR: dir,
      DCI_WEBHOOK_SECRETS: SECRET,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: TEST_API_KEY,
      LOG_LEVEL: 'warn',
      LEASE_SECONDS: '5',
    };
  }

  function allDelivered(dir: string, what: string): Promise<void> {
    return waitFor(() => storedDeliveries(dir).every((row) => row.status === 'delivered'), 60_000, what, 100);
  }

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  async function post(receiver: ReceiverProcess, message: { body: string; headers: Record<string, string> }) {
    const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
      method: 'POST',
      headers: message.headers,
      body: message.body,
    });
    const body = (await response.json()) as unknown;
    return { status: response.status, headers: Object.fromEntries(response.headers), body };
  }

  async function readiness(receiver: ReceiverProcess) {
    const response = await fetch(`${receiver.url}/readyz`);
    return { status: response.status, body: (await response.json()) as unknown };
  }

  /** Lime's notes per conversation (by the note's reference line). */
  function notesByConversation(lime: LimeEmulator): Map<string, number> {
    const counts = new Map<string, number>();
    for (const note of lime.all('history')) {
      const conversation = findConversationReference(String(note['note'])) ?? '(none)';
      counts.set(conversation, (counts.get(conversation) ?? 0) + 1);
    }
    return counts;
  }

  (withTmpfs ? it : it.skip)(
    'a full disk: ingest answers 503 + Retry-After and readiness says full; once space is freed, ingest works again and every acknowledged summary is delivered once',
    async () => {
      const lime = await startLime();
      lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se' });
      dataDir = mkdtempSync(join(workDir, 'data-'));
      mountTmpfs(dataDir, 24 * 1024 * 1024);
      const processes: ReceiverProcess[] = [];
      try {
        const receiver = await startReceiverProcess(mainJs, receiverEnv(lime, dataDir));
        processes.push(receiver);
        const acknowledged: string[] = [];
        for (const id of ['before-1', 'before-2', 'before-3']) {
          expect((await post(receiver, meeting(id))).status).toBe(202);
          acknowledged.push(id);
        }
        await allDelivered(dataDir, 'the first summaries to be delivered');

        const filler = fillUp(dataDir);
        // Not ready: the heartbeat write fails (not_writable), or it still fits but a summary would not (full).
        const notReady = await readiness(receiver);
        expect(notReady.status).toBe(503);
        expect(['full', 'not_writable']).toContain((notReady.body as { store?: unknown }).store);
        // Summaries of 190 kB (the contract allows 200,000 characters): one of them at the latest no longer fits in
        // what SQLite's files already hold.
        let refused: { body: string; headers: Record<string, string> } | undefined;
        for (let index = 0; index < 64 && refused === undefined; index += 1) {
          const message = meeting(`while-full-${index}`, MAX_SUMMARY_LENGTH - 10_000);
          const response = await post(receiver, message);
          if (response.status === 202) acknowledged.push(`while-full-${index}`);
          else {
            expectRefusedForNow(response);
            refused = message;
          }
        }
        expect(refused).toBeDefined();

        unlinkSync(filler);
        await waitFor(async () => (await readiness(receiver)).status === 200, 10_000, 'readiness once space is free');
        expect((await post(receiver, refused!)).status).toBe(202); // DCI's retry
        expect((await post(receiver, meeting('after'))).status).toBe(202);
        acknowledged.push('after');

        await allDelivered(dataDir, 'every summary to be delivered after the disk had room again');
        const notes = notesByConversation(lime);
        for (const id of acknowledged) expect(notes.get(id)).toBe(1);
        expect(storedDeliveries(dataDir)).toHaveLength(acknowledged.length + 1);
      } catch (error) {
        throw withOutputOf(processes, error);
      }
    },
  );

  (withUnprivilegedUser ? it : it.skip)(
    'a data directory the receiver may not write: it does not start (nothing could be acknowledged), and says to check DATA_DIR',
    async () => {
      const readOnlyDir = join(workDir, 'read-only-data');
      mkdirSync(readOnlyDir);
      await (await openSqliteStore({ file: join(readOnlyDir, 'receiver.sqlite') })).close();
      chmodSync(workDir, 0o755); // nobody may reach the data directory, not write it
      chmodSync(readOnlyDir, 0o555);
      chmodSync(join(readOnlyDir, 'receiver.sqlite'), 0o444);
      const started = spawnSync('setpriv', [...AS_NOBODY, process.execPath, mainJs], {
        env: {
          ...process.env,
          NODE_PATH: join(__dirname, '..', '..', 'node_modules'),
          DATA_DIR: readOnlyDir,
          DCI_WEBHOOK_SECRETS: SECRET,
          PORT: '0',
          LOG_LEVEL: 'warn',
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(started.status).toBe(1);
      expect(started.stderr).toContain('The receiver could not start: The receiver cannot write its database');
      expect(started.stderr).toContain('DATA_DIR');
      expect(started.stderr).not.toMatch(/^\s+at /mu); // a message, not a stack trace
    },
  );

  (withExt4 ? it : it.skip)(
    'the file system turning read-only under the receiver: ingest answers 503 + Retry-After and readiness says not writable; after the repair and a restart, ingest works and every acknowledged summary is delivered once',
    async () => {
      const lime = await startLime();
      lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se' });
      dataDir = mkdtempSync(join(workDir, 'data-'));
      image = `${dataDir}.img`;
      mountExt4Image(image, dataDir, 32 * 1024 * 1024);
      const processes: ReceiverProcess[] = [];
      try {
        const receiver = await startReceiverProcess(mainJs, receiverEnv(lime, dataDir));
        processes.push(receiver);
        const acknowledged = ['before-1', 'before-2', 'before-3'];
        for (const id of acknowledged) expect((await post(receiver, meeting(id))).status).toBe(202);
        await allDelivered(dataDir, 'the first summaries to be delivered');

        forceReadOnly(dataDir); // the disk failed: ext4 turns read-only under the open database
        const refused = meeting('while-read-only');
        expectRefusedForNow(await post(receiver, refused));
        expect(await readiness(receiver)).toMatchObject({ status: 503, body: { store: 'not_writable' } });
        expectRefusedForNow(await post(receiver, meeting('while-read-only-2')));

        // The operator stops the receiver, repairs and remounts the file system, and starts it again.
        await receiver.stop('SIGTERM');
        repairAndRemount(image, dataDir);
        const restarted = await startReceiverProcess(mainJs, receiverEnv(lime, dataDir));
        processes.push(restarted);
        expect(await readiness(restarted)).toMatchObject({ status: 200, body: { store: 'ok' } });
        expect((await post(restarted, refused)).status).toBe(202); // DCI's retry
        acknowledged.push('while-read-only');
        await allDelivered(dataDir, 'every summary to be delivered after the repair');
        const notes = notesByConversation(lime);
        expect([...notes.keys()].sort()).toEqual([...acknowledged].sort());
        for (const id of acknowledged) expect(notes.get(id)).toBe(1);
        expect(storedDeliveries(dataDir)).toHaveLength(acknowledged.length);
      } catch (error) {
        throw withOutputOf(processes, error);
      }
    },
  );
});

const describeWithPostgres = postgresAvailable() ? describe : describe.skip;

describeWithPostgres('PostgreSQL out of reach (the connection to the server cut)', () => {
  let proxy: TcpProxy;
  let schema: string;
  let store: ReceiverStore;

  beforeEach(async () => {
    const server = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    schema = uniqueSchema('storage_faults');
    store = await openPostgresStore({ connectionString: viaProxy.href, schema, connectTimeoutMs: 2000 });
  });

  afterEach(async () => {
    await store.close();
    await proxy.close();
    await dropSchema(schema);
  });

  it('ingest answers 503 + Retry-After and readiness says not writable; with the server back, ingest works and nothing earlier is lost', async () => {
    const app = appOn(store);
    const first = meeting('pg-before');
    expect((await request(app).post('/api/v1/dci/webhook').set(first.headers).send(first.body)).status).toBe(202);

    proxy.cut();
    const refused = meeting('pg-during');
    expectRefusedForNow(await request(app).post('/api/v1/dci/webhook').set(refused.headers).send(refused.body));
    expect(await request(app).get('/readyz')).toMatchObject({ status: 503, body: { store: 'not_writable' } });

    proxy.restore();
    await waitFor(
      async () => (await request(app).get('/readyz')).status === 200,
      15_000,
      'readiness with the server back',
    );
    expect((await request(app).post('/api/v1/dci/webhook').set(refused.headers).send(refused.body)).status).toBe(202);
    const stored = await store.listDeliveries({ limit: 10 });
    expect(stored.map((row) => row.conversationId).sort()).toEqual(['pg-before', 'pg-during']);
  });
});
