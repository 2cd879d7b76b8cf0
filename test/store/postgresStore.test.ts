import { POSTGRES_MIGRATIONS } from '../../src/receiver/store/migrations/postgresMigrations';
import {
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
} from '../../src/receiver/store/postgres/postgresStore';
import type { AcceptedSummary } from '../../src/receiver/store/receiverStore';
import { dropSchema, postgresAvailable, runSql, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { describeStoreContract } from './contract/storeContract';

// The contract suite and PostgreSQL's own behaviour, in one schema of this file's own: every test starts with the
// schema dropped, so its first store creates and migrates it afresh.

const schema = uniqueSchema('store_contract');
const describeWithPostgres = postgresAvailable() ? describe : describe.skip;

function open(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
  return openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, ...options });
}

describeWithPostgres('on PostgreSQL', () => {
  beforeEach(() => dropSchema(schema));
  afterAll(() => dropSchema(schema));

  describeStoreContract('PostgreSQL', () => open());

  describe('PostgreSQL store', () => {
    const opened: PostgresStore[] = [];
    async function openTracked(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
      const store = await open(options);
      opened.push(store);
      return store;
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    let sequence = 0;
    function summary(fields: Partial<AcceptedSummary> = {}): AcceptedSummary {
      sequence += 1;
      return {
        deliveryKey: `key-${sequence}`,
        scheme: 'dci',
        receivedAt: new Date(sequence),
        rawBody: Buffer.from(`{"n":${sequence}}`),
        conversationId: `conversation-${sequence}`,
        title: `Meeting ${sequence}`,
        target: 'lime',
        ...fields,
      };
    }

    it('keeps its tables in its own schema, not in public', async () => {
      await openTracked();

      const tables = await runSql('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);

      expect(tables.map((row) => row['table_name']).sort()).toEqual([
        'attempts',
        'contact_index',
        'contact_index_state',
        'deliveries',
        'events',
        'heartbeat',
        'jobs',
        'participant_keys',
        'participant_outcomes',
        'rate_buckets',
        'rate_budget_spends',
        'rate_budgets',
        'schema_migrations',
        'settings',
        'workers',
      ]);
    });

    it('applies each migration once, however often the schema is opened', async () => {
      await (await open()).close();
      const record = () =>
        runSql(`SELECT version, name, applied_at FROM "${schema}".schema_migrations ORDER BY version`);
      const first = await record();

      await (await open()).close();
      await openTracked();

      expect(await record()).toEqual(first);
      expect(first).toEqual(
        POSTGRES_MIGRATIONS.map((migration) => ({
          version: migration.version,
          name: migration.name,
          applied_at: expect.any(Date),
        })),
      );
    });

    it('numbers its migrations 1, 2, 3… without gaps', () => {
      expect(POSTGRES_MIGRATIONS.map((migration) => migration.version)).toEqual(
        POSTGRES_MIGRATIONS.map((_, index) => index + 1),
      );
    });

    it('replicas starting at once on an empty schema all open it, and it is migrated once', async () => {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openTracked()));

      await Promise.all(stores.map((store) => store.checkWritable()));
      const versions = await runSql(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      expect(versions.map((row) => row['version'])).toEqual(POSTGRES_MIGRATIONS.map((migration) => migration.version));
    });

    it('refuses a schema written by a newer build', async () => {
      await (await open()).close();
      await runSql(`INSERT INTO "${schema}".schema_migrations VALUES (999, 'from the future', now())`);

      await expect(open()).rejects.toThrow(
        /written by a newer version \(schema 999, this version knows \d+\): upgrade the receiver or restore the backup taken before the upgrade/,
      );
    });

    it('refuses a schema name that is not a plain lower-case identifier', async () => {
      await expect(open({ schema: 'Robert"; DROP TABLE students; --' })).rejects.toThrow(/lower-case letters/);
    });

    it('replicas claiming at once, each on its own pool, never get the same delivery', async () => {
      const replicas = [await openTracked(), await openTracked()];
      const total = 200;
      for (let i = 0; i < total; i += 1) await replicas[0]!.acceptSummary(summary({ receivedAt: new Date(i) }));

      // Three claiming loops per replica, all at once: 6 concurrent transactions on 2 pools.
      const claimUntilEmpty = async (store: PostgresStore, workerId: string): Promise<string[]> => {
        const claimed: string[] = [];
        for (;;) {
          const batch = await store.claimDue({ workerId, now: new Date(total), limit: 3, leaseMs: 60_000 });
          if (batch.length === 0) return claimed;
          claimed.push(...batch.map((delivery) => delivery.deliveryId));
        }
      };
      const claimed = await Promise.all(
        replicas.flatMap((store, r) => [0, 1, 2].map((w) => claimUntilEmpty(store, `replica-${r}-worker-${w}`))),
      );

      const ids = claimed.flat();
      expect(ids).toHaveLength(total);
      expect(new Set(ids).size).toBe(total);
      expect(claimed.filter((batch) => batch.length > 0).length).toBeGreaterThan(1);
    });

    it('the same summary arriving at two replicas at once is stored once; the other gets a duplicate', async () => {
      const [a, b] = [await openTracked(), await openTracked()];
      const summaries = Array.from({ length: 20 }, () => summary());

      const results = await Promise.all(summaries.flatMap((s) => [a.acceptSummary(s), b.acceptSummary({ ...s })]));

      for (let i = 0; i < summaries.length; i += 1) {
        const pair = [results[2 * i]!, results[2 * i + 1]!];
        expect(pair.map((result) => result.kind).sort()).toEqual(['duplicate', 'queued']);
        expect(pair[0]!.eventId).toBe(pair[1]!.eventId);
      }
      expect(await a.listDeliveries({ limit: 100 })).toHaveLength(summaries.length);
    });

    it('re-sends of one conversation arriving at two replicas at once keep one delivery and count every version', async () => {
      const [a, b] = [await openTracked(), await openTracked()];
      const conversationId = 'conversation-resent-at-once';
      const sends = Array.from({ length: 20 }, () => summary({ conversationId }));

      const results = await Promise.all(sends.map((s, i) => (i % 2 === 0 ? a : b).acceptSummary(s)));

      expect(results.every((result) => result.kind === 'queued')).toBe(true);
      const rows = await a.listDeliveries({ limit: 10 });
      expect(rows).toHaveLength(1);
      const [claimed] = await b.claimDue({ workerId: 'w', now: new Date(1e12), limit: 10, leaseMs: 60_000 });
      expect(claimed?.version).toBe(sends.length);
    });

    it('a damaged enrichment record reads as none, and the delivery log still reads', async () => {
      const store = await openTracked();
      const { deliveryId } = (await store.acceptSummary(summary())) as { deliveryId: string };
      const damaged = [
        '"text"',
        '{"state":"partial","added":[]}',
        '{"state":"partial","added":[],"missing":[],"at":"soon"}',
      ];

      for (const enrichment of damaged) {
        await runSql(`UPDATE "${schema}".deliveries SET enrichment = $1::jsonb WHERE id = $2`, [
          enrichment,
          deliveryId,
        ]);

        expect((await store.getDelivery(deliveryId))?.enrichment).toBeUndefined();
        expect(await store.listDeliveries({ limit: 10 })).toMatchObject([{ id: deliveryId, source: 'webhook' }]);
      }
    });

    it('a rate bucket is one row that every replica locks: many takes at once on two pools give out its tokens once', async () => {
      const [a, b] = [await openTracked(), await openTracked()];
      const now = new Date('2026-11-20T10:00:00.000Z');

      const waits = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (i % 2 === 0 ? a : b).takeRateToken({ key: 'dci-api', now, perMinute: 250 }),
        ),
      );

      // 250 a minute: 25 at once, then one every 60 000 / 225 ms.
      expect(waits.filter((wait) => wait === 0)).toHaveLength(25);
      expect(new Set(waits.filter((wait) => wait > 0))).toEqual(new Set([Math.ceil(60_000 / 225)]));
    });

    it('proves it can write by writing (a read-only check would pass on a read-only server)', async () => {
      const store = await openTracked();
      const read = () => runSql(`SELECT checked_at FROM "${schema}".heartbeat WHERE id = 1`);
      const before = await read();

      await store.checkWritable();

      expect(await read()).not.toEqual(before);
    });
  });
});
