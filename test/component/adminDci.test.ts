import { BACKFILL_JOB } from '../../src/receiver/poll/backfillJob';
import { POLL_JOB } from '../../src/receiver/poll/dciPoller';
import { ADMIN_PASSWORD, SECRET_KEY, signInAdmin } from '../support/adminHarness';
import { ANNA, DCI_SECRET, DCI_TOKEN, dciNotes, meeting, startDciSetup, type DciSetup } from '../support/dci';
import { waitFor } from '../support/waitFor';

// The admin pages' DCI side, on the receiver as it runs (startReceiver with the real Lime connector and DCI client),
// with DCI's emulator and the Lime emulator over real HTTP: what an admin sees and does.

jest.setTimeout(45_000);

const ADMIN = { ADMIN_PASSWORD, SECRET_KEY };
const DAY_MS = 24 * 3600 * 1000;

let setup: DciSetup;
afterEach(async () => setup?.close());

const signIn = () => signInAdmin(setup.receiver.url);

/** Waits until the poller has saved a poll. */
async function untilPolled(): Promise<void> {
  await waitFor(
    async () => ((await setup.receiver.store.readJobState(POLL_JOB))?.state as { last?: unknown })?.last !== undefined,
    15_000,
    'a poll',
  );
}

describe('admin pages: connecting DCI', () => {
  it('saving the DCI API URL and token turns webhook mode into both, shows only the token hint, and Remove undoes it', async () => {
    setup = await startDciSetup({
      env: { ...ADMIN, DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_API_URL: '', DCI_API_TOKEN: '' },
    });
    const { agent, csrf } = await signIn();
    const before = await agent.get('/admin/connection');
    expect(before.text).toContain('Mode: webhook');
    expect(before.text).toContain('Not configured: save a DCI API URL and token');
    expect(before.text).toContain('https://&lt;this receiver&#39;s public address&gt;/api/v1/dci/webhook');
    // Backfill without DCI's REST API says so.
    const invalid = await agent.post('/admin/dci/backfill').type('form').send({ _csrf: csrf, since: 'last week' });
    expect(invalid.headers['location']).toBe('/admin#dci');
    expect((await agent.get('/admin')).text).toContain('Choose a date in the last 30 days');
    const today = new Date().toISOString().slice(0, 10);
    const offToday = await agent.post('/admin/dci/backfill').type('form').send({ _csrf: csrf, since: today });
    expect(offToday.headers['location']).toBe('/admin#dci');
    expect((await agent.get('/admin')).text).toContain('DCI is not configured');
    // Shown once: a reload (or an old ?backfill= address) does not say it again.
    expect((await agent.get('/admin?backfill=off')).text).not.toContain('DCI is not configured: save');

    const saved = await agent
      .post('/admin/connection/dci')
      .type('form')
      .send({ _csrf: csrf, dciUrl: setup.dci.baseUrl, dciToken: DCI_TOKEN });
    expect(saved.status).toBe(303);
    expect(saved.headers['location']).toBe('/admin/connection#dci');
    await waitFor(() => setup.receiver.dci.lastCheck() !== undefined, 10_000, 'the background DCI check');

    const page = await agent.get('/admin/connection');
    expect(page.text).toContain('DCI settings saved.');
    expect(page.text).toContain('Mode: both');
    expect(page.text).toContain('A token is stored (encrypted): mt_ab12…');
    expect(page.text).toContain(`value="${setup.dci.baseUrl}"`);
    expect(page.text).toContain('DCI&#39;s REST API answers.');
    expect(page.text).not.toContain(DCI_TOKEN);
    expect((await agent.get('/admin')).text).not.toContain(DCI_TOKEN);
    expect(setup.receiver.dci.mode()).toBe('both');

    // A new host does not get the saved token: it has to be typed again.
    const moved = await agent
      .post('/admin/connection/dci')
      .type('form')
      .send({ _csrf: csrf, dciUrl: 'https://dci.elsewhere.example/api/v1/rest', dciToken: '' });
    expect(moved.status).toBe(400);
    expect(moved.text).toContain('Enter the DCI API token again for the new address');
    expect(setup.receiver.dci.view().url).toBe(setup.dci.baseUrl);

    // Remove asks first: its button opens a page that says what removing does; only its confirmed form removes.
    const asks = await agent.get('/admin/connection/dci/remove');
    expect(asks.status).toBe(200);
    expect(asks.text).toContain('Remove the DCI settings?');
    expect(asks.text).toContain('Nothing is deleted');
    const unconfirmed = await agent.post('/admin/connection/dci/remove').type('form').send({ _csrf: csrf });
    expect(unconfirmed.headers['location']).toBe('/admin/connection/dci/remove');
    expect(setup.receiver.dci.api()).toBeDefined();
    const removed = await agent.post('/admin/connection/dci/remove').type('form').send({ _csrf: csrf, confirm: 'yes' });
    expect(removed.headers['location']).toBe('/admin/connection#dci');
    const after = await agent.get('/admin/connection');
    expect(after.text).toContain('The saved DCI API URL and token were removed.');
    expect(after.text).toContain('Mode: webhook');
    expect(after.text).not.toContain('mt_ab12…');
    expect(setup.receiver.dci.api()).toBeUndefined();
  });

  it('a DCI API URL that is not one is shown next to its field, with what was typed kept and the token not echoed', async () => {
    setup = await startDciSetup({
      env: { ...ADMIN, DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_API_URL: '', DCI_API_TOKEN: '' },
    });
    const { agent, csrf } = await signIn();
    const response = await agent
      .post('/admin/connection/dci')
      .type('form')
      .send({ _csrf: csrf, dciUrl: 'dci.example.com/api', dciToken: DCI_TOKEN });
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/id="dciUrl-error" class="error field-error">The DCI API URL must be/u);
    expect(response.text).toMatch(/<div class="error-summary" role="alert"[^>]*>[\s\S]*href="#dciUrl"/u);
    expect(response.text).toContain('The token you typed was not saved (the URL needs a change): enter it again.');
    expect(response.text).toMatch(/id="dciUrl" name="dciUrl" type="url" value="dci\.example\.com\/api"/u);
    expect(response.text).toContain('aria-invalid="true"');
    expect(response.text).not.toContain(DCI_TOKEN);
    expect(setup.receiver.dci.view().tokenSet).toBe(false);
  });

  it('Test connection lists every step OK for a full token; fields set by the environment are locked', async () => {
    setup = await startDciSetup({ env: { ...ADMIN, DCI_WEBHOOK_SECRETS: DCI_SECRET } });
    setup.dci.completeConversation(meeting(setup.dci, [{ name: ANNA.name, email: ANNA.email }]), {
      summary: 'A meeting to try the recording link on.',
    });
    const { agent, csrf } = await signIn();
    const tested = await agent.post('/admin/connection/dci/test').type('form').send({ _csrf: csrf });
    expect(tested.headers['location']).toBe('/admin/connection#dci-test');
    const page = await agent.get('/admin/connection');
    for (const step of ['reach', 'token', 'conversations', 'recordings', 'rate']) {
      expect(page.text).toContain(`<span class="badge ok">OK</span> <strong>${step}</strong>`);
    }
    expect(page.text).toContain('The token may read recording links');
    expect(page.text).toContain('Set by DCI_API_URL in the environment.');
    expect(page.text).toContain('Set by DCI_API_TOKEN in the environment (mt_ab12…).');
    expect(page.text).toMatch(/<input id="dciToken"[^>]*disabled/u);
    expect(page.text).not.toContain(DCI_TOKEN);
  });

  it('Test connection with a token without the recordings scope shows a warning saying what to change in DCI', async () => {
    setup = await startDciSetup({
      env: { ...ADMIN, DCI_WEBHOOK_SECRETS: DCI_SECRET },
      token: { scopes: ['conversations'] },
    });
    setup.dci.completeConversation(meeting(setup.dci, [{ name: ANNA.name, email: ANNA.email }]), {
      summary: 'A meeting to try the recording link on.',
    });
    const { agent, csrf } = await signIn();
    await agent.post('/admin/connection/dci/test').type('form').send({ _csrf: csrf });
    const page = await agent.get('/admin/connection');
    expect(page.text).toMatch(
      /<span class="badge warn">Warning<\/span> <strong>recordings<\/strong>: [^<]*recordings[^<]*include_recordings/u,
    );
    const overview = await agent.get('/admin');
    expect(overview.text).toContain('OK, with a warning');
  });
});

describe('admin pages: polling and backfill on the overview', () => {
  it("the overview shows the mode, DCI's API state and the last poll, and that this replica holds the poll lease", async () => {
    setup = await startDciSetup({ env: { ...ADMIN, DCI_POLL_INTERVAL_S: '5' } });
    const id = meeting(setup.dci, [{ name: ANNA.name, email: ANNA.email }]);
    setup.dci.completeConversation(id, { summary: 'Found by a poll.' });
    await setup.delivered(id);
    await untilPolled();
    const { agent, csrf } = await signIn();
    await agent.post('/admin/connection/dci/test').type('form').send({ _csrf: csrf });
    const overview = (await agent.get('/admin')).text;
    expect(overview).toContain('<span class="badge info">poll</span>');
    expect(overview).toContain('a DCI API token is set and no webhook secrets; DCI_MODE is not set');
    expect(overview).toMatch(/<dt>Last poll<\/dt>\s*<dd>[\s\S]*?<span class="badge ok">OK<\/span>/u);
    expect(overview).toMatch(/\d+ queued for delivery, \d+ waiting for DCI's summary/u);
    expect(overview).toMatch(
      /Newest conversation seen: <time datetime="[^"]+" title="Europe\/Stockholm">\d{1,2} \w{3} \d{4} \d{2}:\d{2} CES?T<\/time>; polled every 5 s/u,
    );
    expect(overview).toContain('Held by this replica: it polls.');
    expect(overview).toContain('<span class="badge ok">OK</span> The last test passed.');
    // The deliveries list and the delivery page say where it came from.
    expect((await agent.get(`/admin/deliveries?q=${id}`)).text).toContain(
      '<span class="source" title="Came from: poll of DCI&#39;s REST API">poll</span>',
    );
  });

  it('a backfill started on the overview delivers a conversation completed before polling began, and shows its result', async () => {
    setup = await startDciSetup({ env: { ...ADMIN } });
    // Completed three days ago, before this receiver ever polled: polling does not go that far back.
    const old = meeting(setup.dci, [{ name: ANNA.name, email: ANNA.email }], {
      title: 'Old meeting — Acme',
      date: new Date(Date.now() - 3 * DAY_MS).toISOString(),
    });
    setup.dci.completeConversation(old, { summary: 'Agreed on a pilot.' });
    await untilPolled();
    await waitFor(
      async () =>
        ((await setup.receiver.store.readJobState(POLL_JOB))?.state as { lastOkAt?: string })?.lastOkAt !== undefined,
      15_000,
      'a successful poll',
    );
    expect(await setup.receiver.store.listDeliveries({ search: old, limit: 1 })).toHaveLength(0);

    const { agent, csrf } = await signIn();
    const form = (await agent.get('/admin')).text;
    const since = new Date(Date.now() - 7 * DAY_MS).toISOString().slice(0, 10);
    expect(form).toContain(`<input id="since" name="since" type="date" value="${since}"`);
    const started = await agent.post('/admin/dci/backfill').type('form').send({ _csrf: csrf, since });
    expect(started.headers['location']).toBe('/admin#dci');
    expect((await agent.get('/admin')).text).toContain('Backfill started');
    expect((await agent.get('/admin')).text).not.toContain('Backfill started');

    const row = await setup.delivered(old);
    expect(row.source).toBe('backfill');
    expect(dciNotes(setup.lime, old)).toHaveLength(1);
    await waitFor(
      async () =>
        ((await setup.receiver.store.readJobState(BACKFILL_JOB))?.state as { finishedAt?: string })?.finishedAt !==
        undefined,
      10_000,
      'the backfill to finish',
    );
    const overview = (await agent.get('/admin')).text;
    expect(overview).toMatch(
      /<span class="badge ok">done<\/span> <time [^>]+>[^<]+<\/time>, back to \d{4}-\d{2}-\d{2}:/u,
    );
    expect(overview).toMatch(/1 listed, <strong>1<\/strong> queued for delivery, 0 already held unchanged/u);
    expect((await agent.get(`/admin/deliveries/${row.id}`)).text).toContain('<dt>Came from</dt><dd>backfill</dd>');

    // Once more: it is delivered already, so nothing is written again.
    await agent.post('/admin/dci/backfill').type('form').send({ _csrf: csrf, since });
    await waitFor(
      async () => {
        const state = (await setup.receiver.store.readJobState(BACKFILL_JOB))?.state as {
          result?: { unchanged: number };
        };
        return state?.result?.unchanged === 1;
      },
      10_000,
      'the second backfill',
    );
    expect(dciNotes(setup.lime, old)).toHaveLength(1);
  });
});

describe('admin pages: a delivery enriched from DCI', () => {
  it('shows where it came from and its enrichment: a missing recording link and phones, each with why', async () => {
    setup = await startDciSetup({
      env: { ...ADMIN, DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_MODE: 'webhook' },
      token: { scopes: ['conversations'] },
      webhook: true,
    });
    const id = meeting(setup.dci, [{ name: ANNA.name, email: ANNA.email, role: 'customer' }]);
    setup.dci.completeConversation(id, { summary: 'Pricing follow-up.' });
    const row = await setup.delivered(id);

    const { agent, csrf } = await signIn();
    const page = (await agent.get(`/admin/deliveries/${row.id}`)).text;
    expect(page).toContain('<dt>Came from</dt><dd>DCI webhook</dd>');
    expect(page).toContain('<span class="badge ok">complete</span>');
    expect(page).toMatch(/Added: [^<]*manual notes/u);
    expect(page).toMatch(/<li><strong>recording link<\/strong>: [^<]*recordings[^<]*include_recordings/u);
    expect(page).toContain(
      '<li><strong>participant phones</strong>: DCI&#39;s conversation detail carries no participant phone numbers</li>',
    );
    expect((await agent.get(`/admin/deliveries?q=${id}`)).text).toContain(
      'title="Came from: DCI webhook">webhook</span>',
    );

    // Dry run enriches as the real delivery does: the manual notes from DCI are in the note it would write.
    const dryRun = await agent.post(`/admin/deliveries/${row.id}/dry-run`).type('form').send({ _csrf: csrf });
    expect(dryRun.text).toContain('Enrichment now: <strong>complete</strong>');
    expect(dryRun.text).toContain('Wants a quote before Friday.');
  });
});
