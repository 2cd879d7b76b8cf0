import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { referenceLine } from '../../src/core';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { makeCrmConnector } from '../../src/receiver/makeCrmConnector';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { ADMIN_PASSWORD, SECRET_KEY, signInAdmin } from '../support/adminHarness';
import { sendSigned } from '../support/limeReceiver';
import { loadFixture } from '../support/payloads';
import { waitFor } from '../support/waitFor';

// The receiver started with CRM=superoffice, as main.ts builds it (the real SuperOfficeConnector and its
// @superoffice/webapi agents over HTTP), signing in with a fixed SOTicket the emulator accepts; DCI's signed webhook
// in, appointments out on the matched persons. The same meeting the endpoint script test delivers
// (superOfficeScript.test.ts), so both hosts of the adapter are held to the same appointments.

const WEBHOOK_SECRET = 'receiver-superoffice-secret';
const TICKET = '7T:receiver-ticket';

let dataDir: string;
let so: SuperOfficeEmulator;
let ids: ReturnType<typeof seedDemoData>;
let receiver: RunningReceiver | undefined;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'receiver-superoffice-'));
  so = await startSuperOfficeEmulator({ tokens: [TICKET] });
  ids = seedDemoData(so);
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await so.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startSuperOfficeReceiver(env: Record<string, string> = {}): Promise<RunningReceiver> {
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: WEBHOOK_SECRET,
    CRM: 'superoffice',
    SUPEROFFICE_URL: so.baseUrl,
    SUPEROFFICE_AUTH: 'ticket',
    SUPEROFFICE_TICKET: TICKET,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    ...env,
  });
  return startReceiver(config, {
    logger: createLogger('silent'),
    // main.ts's factory (shared with the CLI): the CRM in effect picks the connector.
    makeCrmConnector,
    host: '127.0.0.1',
  });
}

describe('the receiver delivering to SuperOffice (CRM=superoffice, a fixed ticket)', () => {
  it('a signed DCI webhook gives one completed appointment per matched customer, owned by the presenter', async () => {
    receiver = await startSuperOfficeReceiver();
    const started = receiver;
    expect(await sendSigned(started, loadFixture('meeting-with-colleagues'), WEBHOOK_SECRET)).toBe(202);

    // Settled either way: a failed attempt shows its error in the assertion below rather than a timeout.
    await waitFor(
      async () =>
        ['delivered', 'retrying', 'dead'].includes(
          (await started.store.listDeliveries({ limit: 10 }))[0]?.status ?? '',
        ),
      15_000,
      'the delivery to SuperOffice',
    );
    const [row] = await started.store.listDeliveries({ limit: 10 });
    expect({ status: row?.status, target: row?.target, error: row?.lastErrorMessage }).toEqual({
      status: 'delivered',
      target: 'superoffice',
      error: undefined,
    });

    const appointments = so.appointments();
    expect(appointments).toHaveLength(2);
    for (const appointment of appointments) {
      expect(appointment).toMatchObject({
        title: 'Conversation Summary | Sara Säljare | Offer review — Acme | 2026-11-20 10:00',
        completed: 'Completed',
        associateId: ids.associates.sara,
        contactId: ids.contacts.acme,
      });
      expect(appointment.description).toContain(referenceLine('7b0c4e2a-5d1f-4c3b-9a8e-2f6d1c0b9a71'));
    }
    expect(appointments.map((a) => a.personId).sort()).toEqual([ids.persons.anna, ids.persons.lars].sort());
    // Every request carried the ticket the environment gave.
    expect(so.requests.length).toBeGreaterThan(0);
  }, 30_000);

  it('a ticket SuperOffice refuses: a dead letter whose advice names SUPEROFFICE_TICKET, nothing written', async () => {
    receiver = await startSuperOfficeReceiver({ SUPEROFFICE_TICKET: '7T:not-a-ticket-it-knows' });
    const started = receiver;
    expect(await sendSigned(started, loadFixture('meeting-with-colleagues'), WEBHOOK_SECRET)).toBe(202);
    await waitFor(
      async () => (await started.store.listDeliveries({ limit: 10 }))[0]?.status === 'dead',
      15_000,
      'the dead letter',
    );
    const [row] = await started.store.listDeliveries({ limit: 10 });
    expect(row).toMatchObject({ target: 'superoffice', lastErrorCode: 'unauthorized' });
    expect(row?.lastErrorMessage).toContain('SUPEROFFICE_TICKET');
    expect(row?.lastErrorMessage).not.toContain('Lime');
    expect(so.appointments()).toEqual([]);
  }, 30_000);

  it('Test connection on the admin pages shows its steps and offers the task types SuperOffice has', async () => {
    receiver = await startSuperOfficeReceiver({ ADMIN_PASSWORD, SECRET_KEY });
    const { agent, csrf } = await signInAdmin(receiver.url);
    await agent.post('/admin/connection/test').type('form').send({ _csrf: csrf }).expect(303);
    const page = await agent.get('/admin/connection');
    for (const step of ['reach', 'authenticate', 'permissions', 'schema']) {
      expect(page.text).toContain(`<span class="badge ok">OK</span> <strong>${step}</strong>`);
    }
    expect(page.text).toMatch(/<select id="so-taskType" name="taskType"/u);
    expect(page.text).toMatch(/<option value="Meeting" selected>Meeting<\/option>/u);
    expect(page.text).not.toContain(TICKET);
  }, 30_000);
});
