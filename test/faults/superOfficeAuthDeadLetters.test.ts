import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import { TICKET_LIFETIME_MS } from '../../src/sandbox/superoffice/tenantAuthentication';
import {
  seedDemoData,
  startSuperOfficeEmulator,
  type DemoDataIds,
  type SuperOfficeEmulator,
} from '../../src/sandbox/superoffice';
import { SuperOfficeConnector } from '../../src/superoffice-addon';
import { ADMIN_PASSWORD, SECRET_KEY, signInAdmin } from '../support/adminHarness';
import { sendSigned } from '../support/limeReceiver';
import { buildParticipant, buildPayload } from '../support/payloads';
import { waitFor } from '../support/waitFor';

// SuperOffice Online refusing the receiver's credentials, as an admin meets it: the receiver started from the
// environment (CRM=superoffice, SUPEROFFICE_AUTH=ticket or system_user) against the emulator's Online tenant
// (tenantAuthentication.ts: the PartnerSystemUser exchange, SOTicket + SO-AppToken, 6-hour sliding tickets, 421 on
// the unnumbered host). A refusal that waiting cannot cure is a dead letter at once, never retried forever, whose
// message says what to change and where, on the delivery row and on the admin pages' Dead letters page; a ticket
// that only expired is renewed by the system user exchange without anyone noticing.

jest.setTimeout(60_000);

const WEBHOOK_SECRET = 'so-auth-dead-letters-secret';
const CLIENT_ID = 'c0ffee00d1c1a2b3c4d5e6f708192a3b';
const CLIENT_SECRET = 'client-secret-4d9e2f-never-shown';
const SYSTEM_USER_TOKEN = 'DCI CRM Companion-sut-8Hq2ZxWv';
const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_KEY = keyPair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

let dataDir: string;
let so: SuperOfficeEmulator;
let ids: DemoDataIds;
let receiver: RunningReceiver | undefined;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'so-auth-dead-letters-'));
  writeFileSync(join(dataDir, 'superoffice-app.pem'), PRIVATE_KEY, { mode: 0o600 });
  so = await startSuperOfficeEmulator({
    auth: {
      kind: 'online',
      applications: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, publicKeyPem: PUBLIC_KEY }],
      systemUsers: [{ systemUserToken: SYSTEM_USER_TOKEN, clientId: CLIENT_ID }],
    },
  });
  ids = seedDemoData(so);
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await so.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The system user's variables, as docs/receiver.md lists them. */
function systemUserEnv(): Record<string, string> {
  return {
    SUPEROFFICE_AUTH: 'system_user',
    SUPEROFFICE_CLIENT_ID: CLIENT_ID,
    SUPEROFFICE_CLIENT_SECRET: CLIENT_SECRET,
    SUPEROFFICE_PRIVATE_KEY_FILE: join(dataDir, 'superoffice-app.pem'),
    SUPEROFFICE_SYSTEM_USER_TOKEN: SYSTEM_USER_TOKEN,
    SUPEROFFICE_LOGIN_URL: so.loginUrl ?? '',
  };
}

/** The receiver as main.ts builds it, with the admin pages on. */
async function startWith(env: Record<string, string>): Promise<RunningReceiver> {
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: WEBHOOK_SECRET,
    ADMIN_PASSWORD,
    SECRET_KEY,
    CRM: 'superoffice',
    SUPEROFFICE_URL: so.baseUrl,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    ...env,
  });
  receiver = await startReceiver(config, {
    logger: createLogger('silent'),
    makeCrmConnector: (options) => {
      if (options.crm === 'superoffice') {
        const { crm: _crm, ...superOffice } = options;
        return new SuperOfficeConnector(superOffice);
      }
      const { crm: _crm, ...lime } = options;
      return new LimeConnector(lime);
    },
    host: '127.0.0.1',
  });
  return receiver;
}

/** A signed meeting with Anna and Erik (both matched by e-mail), acknowledged. */
async function send(started: RunningReceiver, conversationId: string): Promise<void> {
  const payload = buildPayload({
    id: conversationId,
    participants: [
      buildParticipant({ email: 'anna.andersson@acme.se' }),
      buildParticipant({ name: 'Erik Ek', email: 'erik.ek@fjallbo.se', company: 'Fjällbo' }),
    ],
  });
  expect(await sendSigned(started, payload, WEBHOOK_SECRET)).toBe(202);
}

/** The delivery once it has settled (delivered, retrying or dead), so a wrong outcome shows its error. */
async function settled(started: RunningReceiver, conversationId: string) {
  await waitFor(
    async () =>
      ['delivered', 'retrying', 'dead'].includes(
        (await started.store.listDeliveries({ search: conversationId, limit: 1 }))[0]?.status ?? '',
      ),
    20_000,
    `the delivery of ${conversationId} to settle`,
  );
  const [row] = await started.store.listDeliveries({ search: conversationId, limit: 1 });
  if (row === undefined) throw new Error(`no delivery for ${conversationId}`);
  return row;
}

/** The admin's Dead letters page, as text without tags (entities decoded), for phrases an admin reads. */
async function deadLettersPage(started: RunningReceiver): Promise<{ html: string; text: string }> {
  const { agent } = await signInAdmin(started.url);
  const page = await agent.get('/admin/dead-letters').expect(200);
  const text = page.text
    .replace(/<[^>]*>/gu, ' ')
    .replace(/&#39;|&#x27;/gu, "'")
    .replace(/&quot;/gu, '"')
    .replace(/&amp;/gu, '&')
    .replace(/\s+/gu, ' ');
  return { html: page.text, text };
}

function expectNoSecretIn(text: string): void {
  for (const secret of [CLIENT_SECRET, SYSTEM_USER_TOKEN, 'BEGIN PRIVATE KEY', ...so.requests.map((r) => r.token)]) {
    if (secret !== undefined) expect(text).not.toContain(secret);
  }
}

function expectOneAppointmentEach(conversations: number): void {
  const persons = so.appointments().map((appointment) => appointment.personId);
  const expected = Array.from({ length: conversations }, () => [ids.persons.anna, ids.persons.erik]).flat();
  expect(persons.sort()).toEqual(expected.sort());
}

describe('SuperOffice Online credentials through the receiver (CRM=superoffice)', () => {
  it('a fixed SUPEROFFICE_TICKET that expired (6 idle hours): dead at once, the advice names SUPEROFFICE_TICKET', async () => {
    const ticket = so.issueTicketFor(CLIENT_ID);
    const started = await startWith({
      SUPEROFFICE_AUTH: 'ticket',
      SUPEROFFICE_TICKET: ticket,
      SUPEROFFICE_APP_TOKEN: CLIENT_SECRET,
    });
    await send(started, 'so-ticket-fresh');
    expect((await settled(started, 'so-ticket-fresh')).status).toBe('delivered');

    so.advanceClock(TICKET_LIFETIME_MS + 60_000);
    await send(started, 'so-ticket-expired');
    const dead = await settled(started, 'so-ticket-expired');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastErrorCode: 'unauthorized', target: 'superoffice' });
    expect(dead.lastErrorMessage).toContain('The ticket has expired');
    expect(dead.lastErrorMessage).toContain('SUPEROFFICE_TICKET');
    expect(dead.lastErrorMessage).toContain('requeue');
    expect(dead.lastErrorMessage).not.toContain(ticket);
    expectOneAppointmentEach(1);

    const page = await deadLettersPage(started);
    expect(page.text).toContain('Requeue all 1 dead letter'); // the meeting delivered before is not among them
    expect(page.text).toContain(
      'enter a new ticket on the admin pages (SuperOffice connection) or in SUPEROFFICE_TICKET',
    );
    expect(page.html).not.toContain(ticket);
    expectNoSecretIn(page.html);
  });

  it('a fixed ticket sent with the wrong SUPEROFFICE_APP_TOKEN: dead, the advice names the application token', async () => {
    const ticket = so.issueTicketFor(CLIENT_ID);
    const started = await startWith({
      SUPEROFFICE_AUTH: 'ticket',
      SUPEROFFICE_TICKET: ticket,
      SUPEROFFICE_APP_TOKEN: 'not-the-client-secret',
    });
    await send(started, 'so-wrong-app-token');
    const dead = await settled(started, 'so-wrong-app-token');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastErrorCode: 'unauthorized' });
    expect(dead.lastErrorMessage).toContain('SO-AppToken');
    expect(dead.lastErrorMessage).toContain('SUPEROFFICE_APP_TOKEN');
    expect(dead.lastErrorMessage).not.toContain('not-the-client-secret');
    expect(so.appointments()).toEqual([]);
  });

  it('system user: a ticket that expired is renewed transparently — delivered, one more exchange, no dead letter', async () => {
    const started = await startWith(systemUserEnv());
    await send(started, 'so-su-first');
    expect((await settled(started, 'so-su-first')).status).toBe('delivered');
    expect(so.exchangeCount).toBe(1);

    so.expireTickets(); // every ticket the tenant issued is gone, as after 6 idle hours
    await send(started, 'so-su-second');
    const row = await settled(started, 'so-su-second');
    expect({ status: row.status, attempts: row.attempts, error: row.lastErrorMessage }).toEqual({
      status: 'delivered',
      attempts: 1,
      error: undefined,
    });
    expect(so.exchangeCount).toBe(2);
    expectOneAppointmentEach(2);
    // The refused request was asked again with the new ticket: one 401 in the log, nothing else failed.
    expect(so.requests.filter((request) => request.status === 401)).toHaveLength(1);
  });

  it('system user with a wrong SUPEROFFICE_CLIENT_SECRET: dead at once, naming the client secret, on the page too', async () => {
    const started = await startWith({ ...systemUserEnv(), SUPEROFFICE_CLIENT_SECRET: 'a-wrong-client-secret' });
    await send(started, 'so-wrong-secret');
    const dead = await settled(started, 'so-wrong-secret');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastErrorCode: 'unauthorized' });
    expect(dead.lastErrorMessage).toContain('application token was not accepted');
    expect(dead.lastErrorMessage).toContain('SUPEROFFICE_CLIENT_SECRET');
    expect(dead.lastErrorMessage).not.toContain('a-wrong-client-secret');
    expect(so.appointments()).toEqual([]);

    const page = await deadLettersPage(started);
    expect(page.text).toContain('check the client secret (SUPEROFFICE_CLIENT_SECRET)');
    expect(page.html).not.toContain('a-wrong-client-secret');
    expectNoSecretIn(page.html);
  });

  it('system user whose consent was withdrawn (token revoked, tickets gone): dead, saying the consent must be given again', async () => {
    const started = await startWith(systemUserEnv());
    await send(started, 'so-consent-before');
    expect((await settled(started, 'so-consent-before')).status).toBe('delivered');

    so.revokeSystemUserToken(SYSTEM_USER_TOKEN);
    so.expireTickets();
    await send(started, 'so-consent-after');
    const dead = await settled(started, 'so-consent-after');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastErrorCode: 'unauthorized' });
    expect(dead.lastErrorMessage).toContain('unknown or revoked');
    expect(dead.lastErrorMessage).toContain('approve the app again');
    expect(dead.lastErrorMessage).toContain('SUPEROFFICE_SYSTEM_USER_TOKEN');
    expectOneAppointmentEach(1);

    const page = await deadLettersPage(started);
    expect(page.text).toContain('ask the SuperOffice admin to approve the app again');
    expectNoSecretIn(page.html);
  });

  it('SUPEROFFICE_URL on the unnumbered host (421 Wrong subdomain): dead, naming the numbered host', async () => {
    const started = await startWith({ ...systemUserEnv(), SUPEROFFICE_URL: so.unnumberedBaseUrl ?? '' });
    await send(started, 'so-unnumbered');
    const dead = await settled(started, 'so-unnumbered');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastErrorCode: 'wrong_host' });
    expect(dead.lastErrorMessage).toContain('(421)');
    expect(dead.lastErrorMessage).toContain("use the tenant's numbered host");
    expect(dead.lastErrorMessage).toContain('SUPEROFFICE_URL');
    expect(so.appointments()).toEqual([]);

    const page = await deadLettersPage(started);
    expect(page.text).toContain('Wrong subdomain used to access tenant');
    expect(page.text).toContain("Use the tenant's numbered host (e.g. https://online3.superoffice.com/Cust12345)");
    expectNoSecretIn(page.html);
  });
});
