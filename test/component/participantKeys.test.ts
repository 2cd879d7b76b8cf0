import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { createApp } from '../../src/receiver/http/createApp';
import { participantKeyer, rebuildParticipantKeys } from '../../src/receiver/ingest/participantKeysIndex';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { createMetrics } from '../../src/receiver/observability/metrics';
import { erasePerson } from '../../src/receiver/privacy/erasePerson';
import {
  lookupKeyFromSecretKey,
  participantKeyHash,
  participantQuery,
} from '../../src/receiver/secrets/participantLookup';
import { openSqliteStore, type SqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import { loggerInto } from '../support/capturedLogs';
import { buildParticipant, buildPayload } from '../support/payloads';

const SECRET = 'participant-keys-secret';
const KEY = lookupKeyFromSecretKey(Buffer.alloc(32, 3));
const keyer = participantKeyer(KEY, 'SE');

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'participant-keys-'));
  store = await openSqliteStore({ file: join(dir, 'receiver.sqlite') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function app() {
  const logs: string[] = [];
  return createApp({
    store,
    logger: loggerInto(logs),
    metrics: createMetrics(store),
    webhookSecrets: [SECRET],
    maxBodyBytes: 1024 * 1024,
    target: 'lime',
    connectionState: () => undefined,
    onQueued: () => {},
    participantKeys: keyer,
  });
}

async function send(payload: Record<string, unknown>) {
  const body = JSON.stringify(payload);
  const response = await request(app())
    .post('/api/v1/dci/webhook')
    .set('content-type', 'application/json')
    .set(signDci(body, SECRET))
    .send(body);
  expect(response.status).toBe(202);
}

/** The lookup table as a reader of the database file sees it. */
function rawRows(): Array<Record<string, unknown>> {
  const db = new Database(join(dir, 'receiver.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM participant_keys').all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

const ANNA = { email: 'Anna.Andersson@Acme.se', mobile_phone: '070-123 45 67' };

describe('participant lookup rows', () => {
  it('a summary DCI sends is found by its participant, and the table holds no e-mail, number or name', async () => {
    await send(buildPayload({ participants: [buildParticipant(ANNA)] }));

    const rows = rawRows();
    expect(rows).toHaveLength(2);
    const table = JSON.stringify(rows).toLowerCase();
    for (const plain of ['anna', 'acme', '701234567', '070', '+46']) expect(table).not.toContain(plain);
    for (const row of rows) expect(row['key_hash']).toMatch(/^[0-9a-f]{64}$/u);

    const query = participantQuery('+46 70 123 45 67', KEY, 'SE');
    expect(await store.findByParticipantKeys({ hashes: [query?.hash ?? ''] })).toHaveLength(1);
  });

  it('after an erasure, a lookup by the erased e-mail finds nothing', async () => {
    await send(buildPayload({ participants: [buildParticipant(ANNA)] }));
    const email = participantKeyHash(KEY, 'email', 'anna.andersson@acme.se');
    expect(await store.findByParticipantKeys({ hashes: [email] })).toHaveLength(1);

    await erasePerson(store, 'anna.andersson@acme.se', new Date(), KEY);

    expect(await store.findByParticipantKeys({ hashes: [email] })).toEqual([]);
    expect(rawRows()).toEqual([]);
  });

  it('the rebuild keys payloads stored without rows, and again under a new key; then it is current', async () => {
    // Stored before migration 8 (no rows), as an older receiver did.
    const unkeyed = createApp({
      store,
      logger: loggerInto([]),
      metrics: createMetrics(store),
      webhookSecrets: [SECRET],
      maxBodyBytes: 1024 * 1024,
      target: 'lime',
      connectionState: () => undefined,
      onQueued: () => {},
    });
    const body = JSON.stringify(buildPayload({ participants: [buildParticipant(ANNA)] }));
    await request(unkeyed)
      .post('/api/v1/dci/webhook')
      .set('content-type', 'application/json')
      .set(signDci(body, SECRET))
      .send(body)
      .expect(202);
    expect(rawRows()).toEqual([]);
    const logger = loggerInto([]);

    expect(await rebuildParticipantKeys({ store, keyer, logger })).toEqual({ kind: 'rebuilt', deliveries: 1 });
    const email = participantKeyHash(KEY, 'email', 'anna.andersson@acme.se');
    expect(await store.findByParticipantKeys({ hashes: [email] })).toHaveLength(1);
    expect(await rebuildParticipantKeys({ store, keyer, logger })).toEqual({ kind: 'current' });

    // SECRET_KEY rotated: the old hashes are gone, the new key's are there.
    const rotated = lookupKeyFromSecretKey(Buffer.alloc(32, 4));
    const rebuilt = await rebuildParticipantKeys({ store, keyer: participantKeyer(rotated, 'SE'), logger });
    expect(rebuilt).toEqual({ kind: 'rebuilt', deliveries: 1 });
    expect(await store.findByParticipantKeys({ hashes: [email] })).toEqual([]);
    expect(
      await store.findByParticipantKeys({ hashes: [participantKeyHash(rotated, 'email', 'anna.andersson@acme.se')] }),
    ).toHaveLength(1);
  });
});
