import { signDci } from '../../src/receiver/ingest/signWebhook';
import {
  ADMIN_WEBHOOK_SECRET,
  csrfOf,
  signInAdmin,
  startAdminReceiver,
  untilDeliveryStatus,
} from '../support/adminHarness';
import { closeAll, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { waitFor } from '../support/waitFor';

jest.setTimeout(60_000);

// Issue 19 item 3: on a delivery's page an admin searches Lime's contact index (the receiver's copy of Lime's
// persons) by name, e-mail or phone for the person a participant left without one is, and assigns them.
describe("the delivery page's search for the person to assign, over HTTP", () => {
  let env: Awaited<ReturnType<typeof startAdminReceiver>>;
  let admin: Awaited<ReturnType<typeof signInAdmin>>;
  let deliveryId = '';
  let larsId = 0;

  const search = (q: string, participant = 0) =>
    admin.agent
      .get(`/admin/deliveries/${deliveryId}`)
      .query({ searchFor: String(participant), q })
      .expect(200);
  /** The person ids the page offers a "This is the person" button for, in order. */
  const offered = (html: string) =>
    [...html.matchAll(/name="personId" value="(\d+)">\s*<button type="submit" aria-describedby/gu)].map((m) =>
      Number(m[1]),
    );

  beforeAll(async () => {
    env = await startAdminReceiver({ CONTACT_INDEX_SYNC_HOURS: '24' });
    env.lime.setApiKey(TEST_API_KEY, 'all');
    larsId = Number(env.lime.all('person').find((person) => person['lastname'] === 'Öberg')?.['_id']);
    // 22 persons one search finds: more than the page lists.
    for (let i = 0; i < 22; i += 1) {
      env.lime.insert('person', { firstname: 'Nils', lastname: `Testsson ${String(i).padStart(2, '0')}` });
    }
    env.lime.insert('person', { firstname: 'Olle', lastname: 'Slutat', email: 'olle@acme.se', inactive: true });
    const expected = env.lime.all('person').length;
    admin = await signInAdmin(env.receiver.url);
    await admin.agent
      .post('/admin/connection')
      .type('form')
      .send({ _csrf: admin.csrf, url: env.lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' })
      .expect(303);
    await waitFor(
      async () => (await env.receiver.store.contactIndexState('lime')).size === expected,
      20_000,
      'the contact index to hold every Lime person',
    );
    const body = JSON.stringify(
      buildPayload({
        id: 'conv-assign-search',
        title: 'Call from an unknown address',
        participants: [buildParticipant({ name: 'Lasse', email: 'lasse.private@example.org' })],
      }),
    );
    const response = await fetch(`${env.receiver.url}/api/v1/dci/webhook`, {
      method: 'POST',
      headers: signDci(body, ADMIN_WEBHOOK_SECRET),
      body,
    });
    expect(response.status).toBe(202);
    deliveryId = (await untilDeliveryStatus(env.receiver, 'conv-assign-search', 'delivered')).id;
  });
  afterAll(async () => {
    await env?.close();
    await closeAll();
  });

  it('a name typed without its diacritics finds the person, with company, e-mail and numbers to choose by', async () => {
    const page = await search('oberg');
    expect(offered(page.text)).toEqual([larsId]);
    expect(page.text).toContain('Lars Öberg');
    expect(page.text).toContain(`Lime person ${larsId} at Acme AB · lars.oberg@acme.se · mobile +46761112233`);
    expect(page.text).toContain('This is the person');
  });

  it('the start of an e-mail, in any case, finds the person', async () => {
    expect(offered((await search('LARS.OBERG@')).text)).toEqual([larsId]);
  });

  it('a mobile number written another way than Lime holds it finds the person', async () => {
    // Lime holds "+46 (0)76 111 22 33"; the admin types the national form.
    expect(offered((await search('076-111 22 33')).text)).toEqual([larsId]);
  });

  it('nothing found says so, and a number that cannot be read says how to type it', async () => {
    const none = await search('Zacharias');
    expect(offered(none.text)).toEqual([]);
    expect(none.text).toContain('No person in the contact index has that name.');
    const unreadable = await search('12');
    expect(unreadable.text).toContain('That is not a phone number that can be read');
  });

  it('more than 20 persons found lists the first 20 by name and says there are more', async () => {
    const page = await search('testsson');
    expect(offered(page.text)).toHaveLength(20);
    expect(page.text).toContain('Nils Testsson 00');
    expect(page.text).toContain('Nils Testsson 19');
    expect(page.text).not.toContain('Nils Testsson 20');
    expect(page.text).toContain('More than 20 persons match: the first 20 are listed.');
  });

  it('an inactive person is shown as inactive, without a button: no note is written on one', async () => {
    const page = await search('slutat');
    expect(page.text).toContain('Olle Slutat');
    expect(page.text).toContain('inactive</span>');
    expect(page.text).toContain('Inactive in Lime: no note is written on an inactive person.');
    expect(offered(page.text)).toEqual([]);
  });

  it('persons the index holds without a name are counted, and found by e-mail meanwhile', async () => {
    // An entry synced before names were kept (migration 10): it has no name until the next full sync.
    await env.receiver.store.updateContactIndex('lime', [
      { personId: 999_001, email: 'unnamed@acme.se', inactive: false },
    ]);
    const byName = await search('oberg');
    expect(byName.text).toContain('1 person has no name in the contact index yet');
    const byEmail = await search('unnamed@');
    expect(offered(byEmail.text)).toEqual([999_001]);
    expect(byEmail.text).toContain('(no name in the index)');
    expect(byEmail.text).not.toContain('no name in the contact index yet');
  });

  it('a search for a participant with nothing to assign shows no results', async () => {
    const page = await search('oberg', 7);
    expect(offered(page.text)).toEqual([]);
  });

  it('the search pages stay behind the sign-in', async () => {
    const response = await fetch(`${env.receiver.url}/admin/deliveries/${deliveryId}?searchFor=0&q=oberg`, {
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(await response.text()).not.toContain('Öberg');
  });

  it('"This is the person" writes the note on the person found, once', async () => {
    const notes = () => env.lime.all('history').filter((note) => note['person'] === larsId);
    const before = notes().length;
    const page = await search('oberg');
    const assigned = await admin.agent
      .post(`/admin/deliveries/${deliveryId}/participants/0/assign`)
      .type('form')
      .send({ _csrf: csrfOf(page.text), personId: String(larsId) })
      .expect(303);
    const after = await admin.agent.get(assigned.headers['location'] as string).expect(200);
    expect(after.text).toContain(`Participant 1 is now person ${larsId}: the note was written.`);
    expect(notes()).toHaveLength(before + 1);
    // Resolved: the page offers no search any more, and searching again changes nothing.
    expect(offered((await search('oberg')).text)).toEqual([]);
    expect(notes()).toHaveLength(before + 1);
  });
});

describe('without a contact index to search', () => {
  it('the delivery page says search needs the contact index and offers the person id field', async () => {
    const env = await startAdminReceiver();
    try {
      env.lime.setApiKey(TEST_API_KEY, 'all');
      const admin = await signInAdmin(env.receiver.url);
      await admin.agent
        .post('/admin/connection')
        .type('form')
        .send({ _csrf: admin.csrf, url: env.lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' })
        .expect(303);
      const body = JSON.stringify(
        buildPayload({
          id: 'conv-assign-no-index',
          participants: [buildParticipant({ name: 'Lasse', email: 'lasse.private@example.org' })],
        }),
      );
      const response = await fetch(`${env.receiver.url}/api/v1/dci/webhook`, {
        method: 'POST',
        headers: signDci(body, ADMIN_WEBHOOK_SECRET),
        body,
      });
      expect(response.status).toBe(202);
      const { id } = await untilDeliveryStatus(env.receiver, 'conv-assign-no-index', 'delivered');

      const page = await admin.agent.get(`/admin/deliveries/${id}`).query({ searchFor: '0', q: 'oberg' }).expect(200);
      expect(page.text).toContain(
        "Searching by name, e-mail or phone needs Lime's contact index, which is off on this receiver: type the person id below.",
      );
      expect(page.text).not.toContain('Search Lime persons');
      expect(page.text).not.toContain('Öberg');
      expect(page.text).toContain('Lime person id');
    } finally {
      await env.close();
      // The harness's Lime emulator too: left listening, it kept jest from exiting after the whole suite.
      await closeAll();
    }
  });
});
