import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { deriveSubscriptionSecret } from '../../src/receiver/secrets/subscriptionSecret';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import type { LimeEmulator, LimeEmulatorOptions } from '../../src/sandbox/lime';
import { ADMIN_PASSWORD, SECRET_KEY, untilDeliveryStatus } from '../support/adminHarness';
import { closeAll, connectTo, startLime, TEST_API_KEY } from '../support/lime';
import { buildPayload } from '../support/payloads';
import { freePort } from '../support/receiverProcess';
import { waitFor } from '../support/waitFor';
import { loggerInto } from '../support/capturedLogs';

const DCI_SECRET = 'webhooks-test-dci-secret';
const WEBHOOK_PATH = '/api/v1/lime/webhook';

let lime: LimeEmulator;
let receiver: RunningReceiver;
let targetUrl: string;
let dataDir: string;
/** Every line the receiver logged. */
let logs: string[];
/** The numbers are written as Lime users type them: live search cannot read "mobil …", only the index can. */
let anna: number;
let bo: number;
let carl: number;
let acme: number;

/** Lime (the emulator, seeded) and a receiver that Lime can reach at RECEIVER_PUBLIC_URL, connected by env. */
async function start(options: { lime?: LimeEmulatorOptions; env?: Record<string, string> } = {}) {
  lime = await startLime(options.lime ?? {});
  acme = lime.insert('company', { name: 'Acme AB', phone: '08-123 456 00' });
  anna = lime.insert('person', {
    firstname: 'Anna',
    email: 'anna@acme.se',
    mobilephone: 'mobil 070 111 22 33',
    company: acme,
  });
  bo = lime.insert('person', { firstname: 'Bo', email: 'bo@acme.se', company: acme });
  carl = lime.insert('person', { firstname: 'Carl', email: 'carl@other.se' });
  logs = [];
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  targetUrl = `${publicUrl}${WEBHOOK_PATH}`;
  dataDir = mkdtempSync(join(tmpdir(), 'dci-webhooks-test-'));
  const config = loadConfig({
    PORT: String(port),
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: DCI_SECRET,
    LIME_URL: lime.baseUrl,
    LIME_API_KEY: TEST_API_KEY,
    SECRET_KEY,
    ADMIN_PASSWORD,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    RECEIVER_PUBLIC_URL: publicUrl,
    CONTACT_INDEX_SYNC_HOURS: '24',
    CONTACT_INDEX_INCREMENTAL_MINUTES: '5',
    ...options.env,
  });
  receiver = await startReceiver(config, {
    logger: loggerInto(logs),
    makeConnector: (connection) => new LimeConnector(connection),
    host: '127.0.0.1',
  });
  await waitFor(async () => (await receiver.store.contactIndexState('lime')).size === 3, 10_000, 'the first sync');
}

afterEach(async () => {
  await receiver.close();
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const subscribed = () => lime.subscriptions.filter((subscription) => subscription.target_url === targetUrl);
const untilSubscribed = () => waitFor(() => subscribed().length === 1, 10_000, 'the subscription');

/** Index entries holding one of these e-mails or numbers, by person id. */
async function indexed(query: { emails?: string[]; phones?: string[] }) {
  const found = await receiver.store.findContactCandidates('lime', { emails: [], phones: [], ...query });
  return found.sort((a, b) => Number(a.personId) - Number(b.personId));
}

/** A DCI summary with one customer calling from `phone`, delivered; its outcome for that participant. */
async function callFrom(conversationId: string, phone: string) {
  const body = JSON.stringify(
    buildPayload({ id: conversationId, participants: [{ name: 'Caller', phone, role: 'customer' }] }),
  );
  const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, DCI_SECRET),
    body,
  });
  expect(response.status).toBe(202);
  const row = await untilDeliveryStatus(receiver, conversationId, 'delivered');
  return (await receiver.store.getDelivery(row.id))?.outcomes[0];
}

/** An admin agent signed in to the receiver; the overview page's text. */
async function overviewText(): Promise<string> {
  const agent = request.agent(receiver.url);
  const page = await agent.get('/admin/sign-in');
  const csrf = /name="_csrf" value="([^"]+)"/u.exec(page.text)?.[1] ?? '';
  await agent.post('/admin/sign-in').type('form').send({ _csrf: csrf, password: ADMIN_PASSWORD });
  return (await agent.get('/admin')).text;
}

/** A delivery body as Lime sends it, and the signature Lime would put on it with `secret`. */
function limeDelivery(event: string, id: number, secret: string) {
  const body = JSON.stringify({ event, body: { id, limetype: event.split('.')[0], values: { id } } });
  return { body, signature: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
}

describe('contact index freshness through Lime webhooks', () => {
  it('at start the receiver subscribes to person and company changes, signed with a secret only it knows', async () => {
    await start();
    await untilSubscribed();
    const [subscription] = subscribed();
    expect(subscription).toMatchObject({ enabled: true, name: 'DCI CRM Companion: contact index' });
    expect(subscription?.events).toEqual(
      expect.arrayContaining(['person.new', 'person.update', 'person.delete', 'company.update', 'company.delete']),
    );
    expect(subscription?.secret).toBe(deriveSubscriptionSecret(Buffer.from(SECRET_KEY, 'hex'), targetUrl));
    // Registering again (a restart, another replica) replaces that subscription (a new one with the secret, the old
    // one deleted: a PUT may not carry a secret) instead of adding a second one.
    const again = await connectTo(lime).subscribeToContactChanges({ targetUrl, secret: 'rotated-secret' });
    expect(subscribed()).toHaveLength(1);
    expect(again).toMatchObject({ kind: 'subscribed', id: String(subscribed()[0]?.id) });
    expect(subscribed()[0]?.id).not.toBe(subscription?.id);
    expect(subscribed()[0]?.secret).toBe('rotated-secret');
  });

  it("a person's mobile edited in Lime reaches the index at once, and the next summary matches the new number", async () => {
    await start();
    await untilSubscribed();
    lime.update('person', anna, { mobilephone: 'mobil 070 444 55 66' });
    await lime.webhooksSettled();

    expect(lime.webhookDeliveries.map((delivery) => [delivery.event, delivery.status])).toEqual([
      ['person.update', 200],
    ]);
    expect(await indexed({ phones: ['+46701112233'] })).toEqual([]);
    expect(await indexed({ phones: ['+46704445566'] })).toMatchObject([{ personId: anna, companyId: acme }]);
    // "mobil 070 444 55 66" is no written form live search tries: only the fresh index finds Anna.
    expect(await callFrom('after-edit', '+46704445566')).toMatchObject({ outcome: 'written', personId: anna });
    const logged = logs.join('');
    expect(logged).toContain('contact index changed by a notification');
    const secret = deriveSubscriptionSecret(Buffer.from(SECRET_KEY, 'hex'), targetUrl);
    for (const secretOrPersonal of [secret, '444 55 66', '+46704445566', 'anna@acme.se', 'sha256=']) {
      expect(logged).not.toContain(secretOrPersonal);
    }
  });

  it("a person's name changed in Lime, or a new person's, is found by the admin's search at once and never logged", async () => {
    await start();
    await untilSubscribed();
    const byName = async (text: string) =>
      (await receiver.store.searchContacts('lime', { kind: 'name', text }, 20)).entries.map((entry) => entry.personId);
    expect(await byName('anna')).toEqual([anna]);

    lime.update('person', anna, { firstname: 'Annika', lastname: 'Ström' });
    const dora = lime.insert('person', { firstname: 'Dora', lastname: 'Ödman', email: 'dora@acme.se' });
    await lime.webhooksSettled();

    expect(lime.webhookDeliveries.map((delivery) => [delivery.event, delivery.status])).toEqual([
      ['person.update', 200],
      ['person.new', 200],
    ]);
    expect(await byName('anna ')).toEqual([]);
    expect(await byName('annika strom')).toEqual([anna]);
    expect(await byName('odman')).toEqual([dora]);
    const logged = logs.join('');
    for (const personal of ['Annika', 'Ström', 'Ödman']) expect(logged).not.toContain(personal);
  });

  it('a person deleted in Lime is gone from the index; one created there is in it', async () => {
    await start();
    await untilSubscribed();
    lime.remove('person', carl);
    const dora = lime.insert('person', { firstname: 'Dora', email: 'dora@acme.se', phone: 'vxl 08-123 456 01' });
    await lime.webhooksSettled();

    expect(await indexed({ emails: ['carl@other.se'] })).toEqual([]);
    expect(await indexed({ phones: ['+46812345601'] })).toMatchObject([{ personId: dora, email: 'dora@acme.se' }]);
    expect(await receiver.store.contactIndexState('lime')).toMatchObject({ size: 3 });
  });

  it("a company's new main number reaches every one of its persons in the index", async () => {
    await start();
    await untilSubscribed();
    lime.update('company', acme, { phone: '08-765 432 00' });
    await lime.webhooksSettled();

    expect(await indexed({ phones: ['+46812345600'] })).toEqual([]);
    const byNewNumber = await indexed({ phones: ['+46876543200'] });
    expect(byNewNumber.map((entry) => entry.personId)).toEqual([anna, bo]);
    expect(byNewNumber.every((entry) => entry.companyMainE164 === '+46876543200')).toBe(true);
  });

  it('a company deleted in Lime leaves its persons in the index without it', async () => {
    await start();
    await untilSubscribed();
    lime.remove('company', acme);
    await lime.webhooksSettled();

    expect(lime.webhookDeliveries.every((delivery) => delivery.status === 200)).toBe(true);
    expect(await indexed({ phones: ['+46812345600'] })).toEqual([]);
    expect(await indexed({ emails: ['anna@acme.se', 'bo@acme.se'] })).toMatchObject([
      { personId: anna, companyId: undefined },
      { personId: bo, companyId: undefined },
    ]);
  });

  it('a notification without a valid X-Lime-Signature is refused with 401 and changes nothing', async () => {
    await start();
    await untilSubscribed();
    const secret = deriveSubscriptionSecret(Buffer.from(SECRET_KEY, 'hex'), targetUrl);
    const forged = limeDelivery('person.delete', carl, 'not-the-secret');

    const missing = await request(receiver.url)
      .post(WEBHOOK_PATH)
      .set('content-type', 'application/json')
      .send(forged.body);
    const wrong = await request(receiver.url)
      .post(WEBHOOK_PATH)
      .set({ 'content-type': 'application/json', 'x-lime-signature': forged.signature })
      .send(forged.body);
    const malformed = await request(receiver.url)
      .post(WEBHOOK_PATH)
      .set({ 'content-type': 'application/json', 'x-lime-signature': 'sha256=zz' })
      .send(forged.body);

    expect([missing.status, missing.body.error.code]).toEqual([401, 'missing_signature']);
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'bad_signature']);
    expect([malformed.status, malformed.body.error.code]).toEqual([401, 'bad_signature']);
    expect(await indexed({ emails: ['carl@other.se'] })).toHaveLength(1);
    // A delivery signed with the subscription's secret is taken.
    const genuine = limeDelivery('company.new', acme, secret);
    const accepted = await request(receiver.url)
      .post(WEBHOOK_PATH)
      .set({ 'content-type': 'application/json', 'x-lime-signature': genuine.signature })
      .send(genuine.body);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'ignored', event: 'company.new' });
  });

  it('when Lime cannot be read back the notification gets 503, and Lime sends it again until it is applied', async () => {
    await start();
    await untilSubscribed();
    // Nothing else may take the fault: the connection check is done, and in webhooks mode no pass polls Lime.
    await waitFor(() => receiver.connection() !== undefined, 5000, 'the connection check');
    await waitFor(async () => (await overviewText()).includes('Lime webhooks:'), 5000, 'the webhooks mode');
    lime.failNext(1, { kind: 'status', status: 503 });
    lime.update('person', bo, { mobilephone: '070-999 88 77' });
    await lime.webhooksSettled();

    expect(lime.webhookDeliveries.map((delivery) => delivery.status)).toEqual([503, 200]);
    expect(await indexed({ phones: ['+46709998877'] })).toMatchObject([{ personId: bo }]);
  });

  it('when the store cannot write, a notification gets 503 so Lime sends it again, never 2xx', async () => {
    await start();
    await untilSubscribed();
    const secret = deriveSubscriptionSecret(Buffer.from(SECRET_KEY, 'hex'), targetUrl);
    const delivery = limeDelivery('person.update', anna, secret);
    await receiver.store.close();

    const response = await request(receiver.url)
      .post(WEBHOOK_PATH)
      .set({ 'content-type': 'application/json', 'x-lime-signature': delivery.signature })
      .send(delivery.body);

    expect([response.status, response.body.error.code]).toEqual([503, 'store_unavailable']);
    expect(response.headers['retry-after']).toBe('30');
  });

  it('the overview says the index is kept fresh by webhooks', async () => {
    await start();
    await untilSubscribed();
    await waitFor(async () => (await overviewText()).includes('Lime webhooks:'), 5000, 'the webhooks mode');
    expect(await overviewText()).toContain(
      'a full sync at start and every 24 h to reconcile, and between them Lime webhooks: every person and company change arrives as it happens',
    );
  });

  it('a Lime without the webhooks package falls back to incremental passes, and the overview says why', async () => {
    await start({ lime: { webhooks: false } });
    await waitFor(
      async () => (await overviewText()).includes('no webhooks package'),
      10_000,
      'the fallback to be reported',
    );
    const text = await overviewText();
    expect(text).toContain('and every 5 min the persons Lime changed (its _timestamp)');
    expect(text).toContain('Lime webhooks are not used: this Lime has no webhooks package');
    expect(lime.subscriptions).toEqual([]);
    const refused = await request(receiver.url).post(WEBHOOK_PATH).send('{}');
    expect(refused.status).toBe(401);
  });

  it('without RECEIVER_PUBLIC_URL nothing is subscribed, the route is off and the overview names the variable', async () => {
    await start({ env: { RECEIVER_PUBLIC_URL: '' } });
    await waitFor(async () => !(await overviewText()).includes('still to come'), 10_000, 'the incremental probe');
    expect(await overviewText()).toContain('Lime webhooks are not used: RECEIVER_PUBLIC_URL is not set');
    expect(lime.subscriptions).toEqual([]);
    const off = await request(receiver.url).post(WEBHOOK_PATH).send('{}');
    expect([off.status, off.body.error.code]).toEqual([404, 'lime_webhooks_off']);
  });
});
