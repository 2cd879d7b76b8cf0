import { LimeConnector } from '../../src/lime-addon';
import { runCli } from '../../src/receiver/cli/dciCompanion';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData } from '../../src/sandbox/lime';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { dropSchema, postgresAvailable, runSql, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { waitFor } from '../support/waitFor';

// With DATABASE_URL set, the receiver and the CLI both work on PostgreSQL (in DATABASE_SCHEMA), not on SQLite.

const SECRET = 'postgres-receiver-secret';
const schema = uniqueSchema('receiver_component');
const describeWithPostgres = postgresAvailable() ? describe : describe.skip;

describeWithPostgres('the receiver and the CLI with DATABASE_URL', () => {
  const storeEnv = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema };
  let receiver: RunningReceiver;
  const lines: string[] = [];
  const out = (line: string) => lines.push(line);

  beforeAll(async () => {
    const lime = await startLime();
    seedDemoData(lime);
    const config = loadConfig({
      ...storeEnv,
      PORT: '0',
      DCI_WEBHOOK_SECRETS: SECRET,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: TEST_API_KEY,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
    });
    receiver = await startReceiver(config, {
      logger: createLogger('silent'),
      makeConnector: (options) => new LimeConnector(options),
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await closeAll();
    await dropSchema(schema);
  });
  beforeEach(() => lines.splice(0));

  it('a sample sent to the receiver is stored in the PostgreSQL schema and delivered', async () => {
    expect(
      await runCli(['send-sample', '--url', receiver.url, '--secret', SECRET, '--sample', '1'], {}, out, out),
    ).toBe(0);
    expect(lines[0]).toMatch(/^202 .*"queued"/u);

    await waitFor(async () => (await receiver.store.counts()).byStatus.delivered === 1, 15_000, 'the delivery', 20);
    const rows = await runSql(`SELECT status FROM "${schema}".deliveries`);
    expect(rows).toEqual([{ status: 'delivered' }]);
  });

  it('deliveries and requeue work on the same PostgreSQL store', async () => {
    expect(await runCli(['deliveries'], storeEnv, out, out)).toBe(0);
    expect(lines.join('\n')).toMatch(/delivered\s+\S+\s+attempts 1\s+Offer review — Acme/u);
    const id = lines[0]?.split(' ')[0] ?? '';

    expect(await runCli(['requeue', id], storeEnv, out, out)).toBe(0);
    expect(lines.at(-1)).toBe(`Delivery ${id} requeued.`);
    // Delivered a second time: the attempt log holds both deliveries.
    await waitFor(
      async () => {
        const detail = await receiver.store.getDelivery(id);
        return detail?.status === 'delivered' && detail.attemptLog.length === 2;
      },
      15_000,
      'the requeued delivery to be delivered again',
      20,
    );
  });

  it('an invalid DATABASE_URL makes the CLI say so, without touching any store', async () => {
    expect(await runCli(['deliveries'], { DATABASE_URL: 'mysql://db/x' }, out, out)).toBe(2);
    expect(lines.join('\n')).toMatch(/DATABASE_URL must be a postgres/u);
  });

  it('/readyz reports the PostgreSQL store writable', async () => {
    const ready = await fetch(`${receiver.url}/readyz`);
    expect(await ready.json()).toMatchObject({ store: 'ok' });
  });
});
