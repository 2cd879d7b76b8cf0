import type { RunningReceiver } from '../../src/receiver/startReceiver';
import { TICKET_LIFETIME_MS } from '../../src/sandbox/superoffice/tenantAuthentication';
import { signInAdmin } from '../support/adminHarness';
import {
  SO_CLIENT_ID as CLIENT_ID,
  SO_CLIENT_SECRET as CLIENT_SECRET,
  SO_SYSTEM_USER_TOKEN as SYSTEM_USER_TOKEN,
  sendMeeting as send,
  settledDelivery,
  startOnlineScene,
  type OnlineScene,
} from '../support/superOfficeReceiver';

// SuperOffice Online refusing the receiver's credentials, as an admin meets it: the receiver started from the
// environment (CRM=superoffice, SUPEROFFICE_AUTH=ticket or system_user) against the emulator's Online tenant
// (tenantAuthentication.ts: the PartnerSystemUser exchange, SOTicket + SO-AppToken, 6-hour sliding tickets, 421 on
// the unnumbered host). A refusal that waiting cannot cure is a dead letter at once, never retried forever, whose
// message says what to change and where, on the delivery row and on the admin pages' Dead letters page; a ticket
// that only expired is renewed by the system user exchange without anyone noticing.

jest.setTimeout(60_000);

let scene: OnlineScene;

beforeEach(async () => {
  scene = await startOnlineScene();
});
afterEach(async () => {
  await scene.close();
});

const startWith = (env: Record<string, string>) => scene.start(env);
const systemUserEnv = () => scene.systemUserEnv();
const settled = (receiver: RunningReceiver, conversationId: string) => settledDelivery(receiver, conversationId);

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
  for (const secret of [
    CLIENT_SECRET,
    SYSTEM_USER_TOKEN,
    'BEGIN PRIVATE KEY',
    ...scene.so.requests.map((r) => r.token),
  ]) {
    if (secret !== undefined) expect(text).not.toContain(secret);
  }
}

function expectOneAppointmentEach(conversations: number): void {
  const persons = scene.so.appointments().map((appointment) => appointment.personId);
  const expected = Array.from({ length: conversations }, () => [scene.ids.persons.anna, scene.ids.persons.erik]).flat();
  expect(persons.sort()).toEqual(expected.sort());
}

describe('SuperOffice Online credentials through the receiver (CRM=superoffice)', () => {
  it('a fixed SUPEROFFICE_TICKET that expired (6 idle hours): dead at once, the advice names SUPEROFFICE_TICKET', async () => {
    const ticket = scene.so.issueTicketFor(CLIENT_ID);
    const started = await startWith({
      SUPEROFFICE_AUTH: 'ticket',
      SUPEROFFICE_TICKET: ticket,
      SUPEROFFICE_APP_TOKEN: CLIENT_SECRET,
    });
    await send(started, 'so-ticket-fresh');
    expect((await settled(started, 'so-ticket-fresh')).status).toBe('delivered');

    scene.so.advanceClock(TICKET_LIFETIME_MS + 60_000);
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

  it('Onsite: a fixed SUPEROFFICE_TICKET the tenant expired (6 hours after issue) is dead at once, naming SUPEROFFICE_TICKET', async () => {
    await scene.close();
    scene = await startOnlineScene({ kind: 'onsite', tickets: ['7T:onsite-fixed-ticket'] });
    const started = await startWith({ SUPEROFFICE_AUTH: 'ticket', SUPEROFFICE_TICKET: '7T:onsite-fixed-ticket' });
    await send(started, 'so-onsite-fresh');
    expect((await settled(started, 'so-onsite-fresh')).status).toBe('delivered');

    scene.so.advanceClock(TICKET_LIFETIME_MS + 60_000);
    await send(started, 'so-onsite-expired');
    const dead = await settled(started, 'so-onsite-expired');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastErrorCode: 'unauthorized', target: 'superoffice' });
    expect(dead.lastErrorMessage).toContain('The ticket has expired');
    expect(dead.lastErrorMessage).toContain('SUPEROFFICE_TICKET');
    expect(dead.lastErrorMessage).not.toContain('7T:onsite-fixed-ticket');
    expectOneAppointmentEach(1);

    const page = await deadLettersPage(started);
    expect(page.text).toContain(
      'enter a new ticket on the admin pages (SuperOffice connection) or in SUPEROFFICE_TICKET',
    );
    expect(page.html).not.toContain('7T:onsite-fixed-ticket');
  });

  it('a fixed ticket sent with the wrong SUPEROFFICE_APP_TOKEN: dead, the advice names the application token', async () => {
    const ticket = scene.so.issueTicketFor(CLIENT_ID);
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
    expect(scene.so.appointments()).toEqual([]);
  });

  it('system user: a ticket that expired is renewed transparently — delivered, one more exchange, no dead letter', async () => {
    const started = await startWith(systemUserEnv());
    await send(started, 'so-su-first');
    expect((await settled(started, 'so-su-first')).status).toBe('delivered');
    expect(scene.so.exchangeCount).toBe(1);

    scene.so.expireTickets(); // every ticket the tenant issued is gone, as after 6 idle hours
    await send(started, 'so-su-second');
    const row = await settled(started, 'so-su-second');
    expect({ status: row.status, attempts: row.attempts, error: row.lastErrorMessage }).toEqual({
      status: 'delivered',
      attempts: 1,
      error: undefined,
    });
    expect(scene.so.exchangeCount).toBe(2);
    expectOneAppointmentEach(2);
    // The refused request was asked again with the new ticket: one 401 in the log, nothing else failed.
    expect(scene.so.requests.filter((request) => request.status === 401)).toHaveLength(1);
  });

  it('system user with a wrong SUPEROFFICE_CLIENT_SECRET: dead at once, naming the client secret, on the page too', async () => {
    const started = await startWith({ ...systemUserEnv(), SUPEROFFICE_CLIENT_SECRET: 'a-wrong-client-secret' });
    await send(started, 'so-wrong-secret');
    const dead = await settled(started, 'so-wrong-secret');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastErrorCode: 'unauthorized' });
    expect(dead.lastErrorMessage).toContain('application token was not accepted');
    expect(dead.lastErrorMessage).toContain('SUPEROFFICE_CLIENT_SECRET');
    expect(dead.lastErrorMessage).not.toContain('a-wrong-client-secret');
    expect(scene.so.appointments()).toEqual([]);

    const page = await deadLettersPage(started);
    expect(page.text).toContain('check the client secret (SUPEROFFICE_CLIENT_SECRET)');
    expect(page.html).not.toContain('a-wrong-client-secret');
    expectNoSecretIn(page.html);
  });

  it('system user whose consent was withdrawn (token revoked, tickets gone): dead, saying the consent must be given again', async () => {
    const started = await startWith(systemUserEnv());
    await send(started, 'so-consent-before');
    expect((await settled(started, 'so-consent-before')).status).toBe('delivered');

    scene.so.revokeSystemUserToken(SYSTEM_USER_TOKEN);
    scene.so.expireTickets();
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
    const started = await startWith({ ...systemUserEnv(), SUPEROFFICE_URL: scene.so.unnumberedBaseUrl ?? '' });
    await send(started, 'so-unnumbered');
    const dead = await settled(started, 'so-unnumbered');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastErrorCode: 'wrong_host' });
    expect(dead.lastErrorMessage).toContain('(421)');
    expect(dead.lastErrorMessage).toContain("use the tenant's numbered host");
    expect(dead.lastErrorMessage).toContain('SUPEROFFICE_URL');
    expect(scene.so.appointments()).toEqual([]);

    const page = await deadLettersPage(started);
    expect(page.text).toContain('Wrong subdomain used to access tenant');
    expect(page.text).toContain("Use the tenant's numbered host (e.g. https://online3.superoffice.com/Cust12345)");
    expectNoSecretIn(page.html);
  });
});
