import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { untilDeliveryStatus } from '../support/adminHarness';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { dropSchema, postgresAvailable, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { builtProduct } from '../support/receiverProcess';
import { waitFor } from '../support/waitFor';

// `dci-companion erase --email` as an operator runs it: the compiled CLI in its own process, against the store of a
// receiver that is running and has delivered real meetings to the Lime emulator — on SQLite and on PostgreSQL.

const REPO_ROOT = join(__dirname, '..', '..');
const SECRET = 'erase-test-secret';
const ANNA = 'anna.andersson@acme.se';
const LARS = 'lars.oberg@acme.se';

const { cliJs } = builtProduct();

afterAll(async () => {
  await closeAll();
});

/** Runs the compiled CLI with `args` and `env` (on top of PATH …); resolves with its exit code and output. */
function runCliProcess(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliJs, ...args], {
      env: { PATH: process.env['PATH'] ?? '', NODE_PATH: join(REPO_ROOT, 'node_modules'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface StoreUnderTest {
  name: string;
  available: () => boolean;
  /** The environment that points the receiver and the CLI at the store. */
  env: () => Record<string, string>;
  cleanUp: () => Promise<void>;
}

const dataDir = mkdtempSync(join(tmpdir(), 'dci-erase-data-'));
const schema = uniqueSchema('erase_cli');
const STORES: StoreUnderTest[] = [
  {
    name: 'SQLite',
    available: () => true,
    env: () => ({ DATA_DIR: dataDir }),
    cleanUp: async () => rmSync(dataDir, { recursive: true, force: true }),
  },
  {
    name: 'PostgreSQL',
    available: postgresAvailable,
    env: () => ({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema }),
    cleanUp: () => dropSchema(schema),
  },
];

describe.each(STORES)('dci-companion erase on $name', (store) => {
  if (!store.available()) {
    it('needs PostgreSQL at 127.0.0.1:5432 (database test): not reachable, so these cases are not run', () => {
      process.stdout.write(`erase.test.ts: ${store.name} is not reachable; its erase cases did not run\n`);
    });
    return;
  }

  let lime: LimeEmulator;
  let receiver: RunningReceiver;

  beforeAll(async () => {
    lime = await startLime();
    seedDemoData(lime);
    receiver = await startReceiver(
      loadConfig({
        PORT: '0',
        DCI_WEBHOOK_SECRETS: SECRET,
        LIME_URL: lime.baseUrl,
        LIME_API_KEY: TEST_API_KEY,
        INTERNAL_EMAIL_DOMAINS: 'seller.se',
        ...store.env(),
      }),
      { logger: createLogger('silent'), makeConnector: (options) => new LimeConnector(options), host: '127.0.0.1' },
    );
    // The contact index syncs at start; wait for it, so it holds Anna before the erase and takes no fault below.
    for (let i = 0; i < 500 && (await receiver.store.contactIndexState('lime')).size === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }, 30_000);
  afterAll(async () => {
    await receiver.close();
    await store.cleanUp();
  });

  async function send(payload: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify(payload);
    const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
      method: 'POST',
      headers: signDci(body, SECRET),
      body,
    });
    expect(response.status).toBe(202);
  }

  it("removes every stored occurrence of the person, reports counts and ids only, and leaves others' data", async () => {
    const prefix = store.name.toLowerCase();
    // Anna as a participant, her address written differently from how the index holds it.
    await send(
      buildPayload({
        id: `${prefix}-anna-meeting`,
        title: 'Offer review with Anna',
        participants: [buildParticipant({ name: 'Anna Andersson', email: '  Anna.Andersson@ACME.se ' })],
      }),
    );
    // Lars's meeting, whose summary text names Anna's address.
    await send(
      buildPayload({
        id: `${prefix}-lars-mentions-anna`,
        title: 'Pricing call',
        summary: `Lars asks us to copy ${ANNA} on the revised offer.`,
        participants: [buildParticipant({ name: 'Lars Öberg', email: LARS })],
      }),
    );
    // Lars alone: nothing of Anna in it.
    await send(
      buildPayload({
        id: `${prefix}-lars-only`,
        title: 'Steering group',
        participants: [buildParticipant({ name: 'Lars Öberg', email: LARS })],
      }),
    );
    const annaRow = await untilDeliveryStatus(receiver, `${prefix}-anna-meeting`, 'delivered');
    const mentionRow = await untilDeliveryStatus(receiver, `${prefix}-lars-mentions-anna`, 'delivered');
    const larsRow = await untilDeliveryStatus(receiver, `${prefix}-lars-only`, 'delivered');
    // And one of Anna's meetings that Lime cannot take yet: it waits for a retry when the erasure comes.
    lime.failNext(50, { kind: 'status', status: 503 });
    await send(
      buildPayload({
        id: `${prefix}-anna-waiting`,
        title: 'Follow-up with Anna',
        participants: [buildParticipant({ name: 'Anna Andersson', email: ANNA })],
      }),
    );
    // Lime answers 503: it is marked unavailable and the delivery, given back uncounted, waits (pending) for it.
    await waitFor(
      async () => {
        const [row] = await receiver.store.listDeliveries({ search: `${prefix}-anna-waiting`, limit: 1 });
        const log = row === undefined ? [] : ((await receiver.store.getDelivery(row.id))?.attemptLog ?? []);
        return row?.status === 'pending' && log.some((attempt) => attempt.errorCode === 'crm_unavailable');
      },
      10_000,
      'the delivery waiting for Lime',
    );
    const waitingRow = await untilDeliveryStatus(receiver, `${prefix}-anna-waiting`, 'pending');
    expect((await receiver.store.findContactCandidates('lime', { emails: [ANNA], phones: [] })).length).toBe(1);
    const annaTrace = (await receiver.store.getDelivery(annaRow.id))?.outcomes[0]?.trace;
    expect(annaTrace).toContain(ANNA);

    const result = await runCliProcess(['erase', '--email', 'Anna.Andersson@Acme.SE'], store.env());

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`Erased what this receiver stored about ${ANNA}:`);
    expect(result.stdout).toContain('payloads removed: 3');
    expect(result.stdout).toContain('contact index entries removed: 1');
    expect(result.stdout).toContain('deliveries touched: 3');
    expect(result.stdout).toMatch(new RegExp(`${annaRow.id}  delivered  payload, title and traces removed`, 'u'));
    expect(result.stdout).toMatch(new RegExp(`${mentionRow.id}  delivered  payload, title and traces removed`, 'u'));
    expect(result.stdout).toContain(
      `${waitingRow.id}  pending -> dead  payload, title and traces removed; it was not delivered and now never will be`,
    );
    expect(result.stdout).toContain('erase the person there with its own tools');
    expect(result.stdout).not.toContain(larsRow.id);
    // Nothing echoed beyond the address given: no names, titles, other addresses or summary text.
    for (const personal of ['Anna Andersson', 'Offer review', 'Pricing call', LARS, 'revised offer']) {
      expect(result.stdout).not.toContain(personal);
    }

    for (const row of [annaRow, mentionRow]) {
      const detail = await receiver.store.getDelivery(row.id);
      expect(detail).toMatchObject({ status: 'delivered', title: '', payloadRemoved: { reason: 'erasure' } });
      expect(detail?.outcomes.every((outcome) => outcome.trace === '')).toBe(true);
      expect(detail?.outcomes[0]?.noteId).toBeDefined();
      expect(await receiver.store.getEventBody(detail?.eventId ?? '')).toBeUndefined();
    }
    const waiting = await receiver.store.getDelivery(waitingRow.id);
    expect(waiting).toMatchObject({ status: 'dead', title: '', lastErrorCode: 'payload_erased' });
    expect(await receiver.store.getEventBody(waiting?.eventId ?? '')).toBeUndefined();
    const lars = await receiver.store.getDelivery(larsRow.id);
    expect(lars).toMatchObject({ status: 'delivered', title: 'Steering group' });
    expect(lars?.payloadRemoved).toBeUndefined();
    expect(await receiver.store.getEventBody(lars?.eventId ?? '')).toBeInstanceOf(Buffer);
    expect(await receiver.store.findContactCandidates('lime', { emails: [ANNA], phones: [] })).toEqual([]);
    expect((await receiver.store.findContactCandidates('lime', { emails: [LARS], phones: [] })).length).toBe(1);
    expect(await receiver.store.listDeliveries({ search: 'anna', limit: 10 })).toEqual([]);

    // The erased delivery cannot come back by a requeue: there is nothing left to deliver.
    const requeue = await runCliProcess(['requeue', waitingRow.id], store.env());
    expect(requeue.code).toBe(1);
    expect(requeue.stdout).toContain('was not requeued');
    const requeueAll = await runCliProcess(['requeue', '--dead'], store.env());
    expect(requeueAll.stdout).toContain('0 dead deliveries requeued.');

    // Erasing again finds nothing more.
    const again = await runCliProcess(['erase', '--email', ANNA], store.env());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('payloads removed: 0');
    expect(again.stdout).toContain('deliveries touched: 0');
  }, 60_000);

  it('refuses an argument that is not an e-mail address, and a missing one, with usage exit code 2', async () => {
    const invalid = await runCliProcess(['erase', '--email', 'anna at acme'], store.env());
    expect(invalid).toMatchObject({ code: 2, stdout: '' });
    expect(invalid.stderr).toContain('--email must be an e-mail address');

    const missing = await runCliProcess(['erase'], store.env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('erase needs --email ADDRESS.');
  });
});
