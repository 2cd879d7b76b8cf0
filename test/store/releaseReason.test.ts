import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../../src/receiver/store/postgres/postgresStore';
import type { ReceiverStore } from '../../src/receiver/store/receiverStore';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import { dropSchema, postgresAvailable, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';

// A delivery given back because the CRM is out (issue 16): the attempt is not counted, the attempt log says why,
// and the delivery is due at once. On both adapters.

const schema = uniqueSchema('release_reason');
const adapters: Array<[string, () => Promise<{ store: ReceiverStore; cleanUp(): Promise<void> }>]> = [
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dci-release-'));
      const store = await openSqliteStore({ file: join(dir, 'receiver.sqlite') });
      return { store, cleanUp: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];
if (postgresAvailable()) {
  adapters.push([
    'PostgreSQL',
    async () => {
      await dropSchema(schema);
      const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
      return { store, cleanUp: () => dropSchema(schema) };
    },
  ]);
}

describe.each(adapters)('a delivery given back with a reason, on %s', (_name, open) => {
  it('is due again with its attempt uncounted, and the attempt log shows the reason', async () => {
    const { store, cleanUp } = await open();
    try {
      const now = new Date('2026-12-04T10:00:00Z');
      await store.acceptSummary({
        deliveryKey: 'key-1',
        scheme: 'dci',
        receivedAt: now,
        rawBody: Buffer.from('{}'),
        conversationId: 'conv-1',
        title: 'Title',
        target: 'lime',
      });
      const [claimed] = await store.claimDue({ workerId: 'w1', now, limit: 1, leaseMs: 60_000 });
      if (claimed === undefined) throw new Error('nothing claimed');
      const reason = { code: 'crm_unavailable', message: 'Lime was unavailable (server_error, 503).' };
      await store.releaseDelivery({ deliveryId: claimed.deliveryId, workerId: 'w1', now, reason });

      const detail = await store.getDelivery(claimed.deliveryId);
      expect(detail).toMatchObject({ status: 'pending', attempts: 0 });
      expect(detail?.attemptLog).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'retry', errorCode: reason.code, errorMessage: reason.message }),
      ]);
      const [again] = await store.claimDue({ workerId: 'w2', now, limit: 1, leaseMs: 60_000 });
      expect(again).toMatchObject({ deliveryId: claimed.deliveryId, attempt: 1 });
    } finally {
      await store.close();
      await cleanUp();
    }
  });
});
