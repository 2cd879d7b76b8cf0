import request from 'supertest';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import type { LimeEmulator } from '../../src/sandbox/lime';
import {
  ADMIN_PASSWORD,
  ADMIN_WEBHOOK_SECRET,
  csrfOf,
  signInAdmin,
  startAdminReceiver,
  untilDeliveryStatus,
} from '../support/adminHarness';
import { closeAll, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';

let receiver: RunningReceiver;
let lime: LimeEmulator;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ receiver, lime, close } = await startAdminReceiver());
  lime.setApiKey(TEST_API_KEY, 'all');
});
afterEach(async () => {
  await close();
  await closeAll();
});

const signIn = () => signInAdmin(receiver.url);

async function connect(agent: ReturnType<typeof request.agent>, csrf: string, apiKey = TEST_API_KEY) {
  const response = await agent
    .post('/admin/connection')
    .type('form')
    .send({ _csrf: csrf, url: lime.baseUrl, apiKey, historyType: 'comment', internalDomains: 'seller.se' });
  // Saving starts a background connection check; let it finish so it does not take a fault meant for a delivery.
  for (let i = 0; i < 200 && receiver.settings.lastCheck() === undefined; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return response;
}

async function pushSummary(conversationId: string) {
  const body = JSON.stringify(
    buildPayload({ id: conversationId, participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] }),
  );
  const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, ADMIN_WEBHOOK_SECRET),
    body,
  });
  expect(response.status).toBe(202);
}

describe('admin pages: access', () => {
  it('with no admin password the pages are off and say how to turn them on', async () => {
    const off = await startAdminReceiver({ ADMIN_PASSWORD: '' });
    try {
      const response = await request(off.receiver.url).get('/admin');
      expect(response.status).toBe(404);
      expect(response.text).toContain('ADMIN_PASSWORD');
    } finally {
      await off.close();
    }
  });

  it.each(['/admin', '/admin/connection', '/admin/deliveries', '/admin/dead-letters'])(
    '%s sends a visitor who is not signed in to the sign-in page',
    async (path) => {
      const response = await request(receiver.url).get(path);
      expect(response.status).toBe(303);
      expect(response.headers['location']).toBe('/admin/sign-in');
    },
  );

  // Password guessing, CSRF on every form, session lifetimes and cookie flags: test/faults/adminSecurity.test.ts.

  it('signing in starts a new session with a strict, HttpOnly cookie; signing out ends it', async () => {
    const agent = request.agent(receiver.url);
    const page = await agent.get('/admin/sign-in');
    const before = String(page.headers['set-cookie']);
    const response = await agent
      .post('/admin/sign-in')
      .type('form')
      .send({ _csrf: csrfOf(page.text), password: ADMIN_PASSWORD });
    const after = String(response.headers['set-cookie']);
    expect(after).toMatch(/dci_admin=[^;]+; Max-Age=\d+; Path=\/admin; Expires=[^;]+; HttpOnly; SameSite=Strict/u);
    expect(after.split(';')[0]).not.toBe(before.split(';')[0]);
    const overview = await agent.get('/admin');
    expect(overview.status).toBe(200);
    await agent
      .post('/admin/sign-out')
      .type('form')
      .send({ _csrf: csrfOf(overview.text) });
    expect((await agent.get('/admin')).status).toBe(303);
  });

  it('a garbled session cookie is simply no session, never a 500', async () => {
    const response = await request(receiver.url).get('/admin/sign-in').set('Cookie', 'dci_admin=%E0%A4%A');
    expect(response.status).toBe(200);
  });

  it('pages carry a strict Content-Security-Policy and are never cached', async () => {
    const { agent } = await signIn();
    const response = await agent.get('/admin');
    expect(response.headers['content-security-policy']).toContain("script-src 'none'");
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('admin pages: the Lime connection', () => {
  it('Test connection with a wrong key shows the failure; with the right key it passes and offers the history types', async () => {
    const { agent, csrf } = await signIn();
    expect((await connect(agent, csrf, 'wrong-key')).status).toBe(303);
    await agent.post('/admin/connection/test').type('form').send({ _csrf: csrf });
    const failing = await agent.get('/admin/connection');
    expect(failing.text).toContain('Lime rejected the API key (401)');
    expect(failing.text).not.toContain('wrong-key');

    await connect(agent, csrf);
    await agent.post('/admin/connection/test').type('form').send({ _csrf: csrf });
    const passing = await agent.get('/admin/connection');
    expect(passing.text).toContain('The API key is accepted.');
    expect(passing.text).toMatch(/<select id="historyType"[^>]*>[\s\S]*value="comment"/u);
    expect(passing.text).not.toContain(TEST_API_KEY);
  });

  it('a form field sent twice is not taken as text and never gives a 500', async () => {
    const { agent, csrf } = await signIn();
    const response = await agent
      .post('/admin/connection')
      .type('form')
      .send(
        `_csrf=${encodeURIComponent(csrf)}&url=http://a.example/x&url=http://b.example/y&internalDomains=a.se&internalDomains=b.se`,
      );
    expect(response.status).toBeLessThan(500);
  });

  it('the Notes fieldset offers the five note languages; the one chosen is saved and shown selected', async () => {
    const { agent, csrf } = await signIn();
    const before = await agent.get('/admin/connection');
    expect(before.text).toMatch(
      // One Notes group, in the order: Company notes, Note language, the open deal, the history type by meeting type.
      /<fieldset class="notes-group">\s*<legend>Notes<\/legend>\s*<div class="check">\s*<input id="companyNotes"[\s\S]*?<label for="noteLanguage">Note language<\/label>[\s\S]*?<label for="linkDeal">[\s\S]*?<label for="historyTypeMap">[\s\S]*?<\/fieldset>/u,
    );
    const offered = [...before.text.matchAll(/<option value="(\w+)" lang="\w+" ?(selected)?>([^<]+)<\/option>/gu)];
    expect(offered.map((option) => [option[1], option[3]])).toEqual([
      ['en', 'English'],
      ['sv', 'Svenska (Swedish)'],
      ['nb', 'Norsk bokmål (Norwegian)'],
      ['da', 'Dansk (Danish)'],
      ['fi', 'Suomi (Finnish)'],
    ]);
    expect(offered.find((option) => option[2] === 'selected')?.[1]).toBe('en');

    const saved = await agent.post('/admin/connection').type('form').send({ _csrf: csrf, noteLanguage: 'sv' });
    expect(saved.status).toBe(303);
    const after = await agent.get('/admin/connection');
    expect(after.text).toContain('<option value="sv" lang="sv" selected>Svenska (Swedish)</option>');
    expect(receiver.settings.deliverOptions().noteLanguage).toBe('sv');
  });

  it('a note language the page does not offer is refused next to the field', async () => {
    const { agent, csrf } = await signIn();
    const response = await agent.post('/admin/connection').type('form').send({ _csrf: csrf, noteLanguage: 'de' });
    expect(response.status).toBe(400);
    expect(response.text).toContain('<a href="#noteLanguage">Choose one of the note languages offered.</a>');
    expect(response.text).toContain('id="noteLanguage-error"');
  });

  it('an invalid URL is refused next to the field', async () => {
    const { agent, csrf } = await signIn();
    const response = await agent
      .post('/admin/connection')
      .type('form')
      .send({ _csrf: csrf, url: 'lime.example.com', apiKey: 'k' });
    expect(response.status).toBe(400);
    expect(response.text).toContain('role="alert"');
  });
});

describe('admin pages: the contact index', () => {
  it('the overview shows the index size, its last sync and the shared e-mails and numbers in Lime', async () => {
    const withIndex = await startAdminReceiver({ CONTACT_INDEX_SYNC_HOURS: '24' });
    try {
      const agent = request.agent(withIndex.receiver.url);
      const page = await agent.get('/admin/sign-in');
      await agent
        .post('/admin/sign-in')
        .type('form')
        .send({ _csrf: csrfOf(page.text), password: ADMIN_PASSWORD });
      const before = await agent.get('/admin');
      expect(before.text).toContain('Not synced yet');
      await agent
        .post('/admin/connection')
        .type('form')
        .send({
          _csrf: csrfOf(before.text),
          url: withIndex.lime.baseUrl,
          apiKey: TEST_API_KEY,
          historyType: 'comment',
        });
      for (let i = 0; i < 200 && (await withIndex.receiver.store.contactIndexState('lime')).size === 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const overview = await agent.get('/admin');
      expect(overview.text).toMatch(
        /<strong>\d+ persons<\/strong>, last full sync <time [^>]+>[^<]+<\/time> \((less than a minute|\d+ min) ago\)\.<\/p>\s*<p>Kept fresh: a full sync at start and every 24 h/u,
      );
      expect(overview.text).toContain('info@dubbel.se');
      // Right after the full sync the incremental pass is probed; the overview then names the active mode.
      for (let i = 0; i < 100 && (await agent.get('/admin')).text.includes('still to come'); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await agent.get('/admin')).text).toContain('and every 5 min the persons Lime changed (its _timestamp);');
    } finally {
      await withIndex.close();
    }
  });

  it('with the index off the overview says what that means', async () => {
    const { agent } = await signIn();
    expect((await agent.get('/admin')).text).toContain('CONTACT_INDEX_SYNC_HOURS=0');
  });
});

describe('admin pages: deliveries', () => {
  it('a delivered summary shows its badges, trace, Lime ids and attempts; the summary only when asked', async () => {
    const { agent, csrf } = await signIn();
    await connect(agent, csrf);
    await pushSummary('conv-admin-1');
    const row = await untilDeliveryStatus(receiver, 'conv-admin-1', 'delivered');
    const list = await agent.get('/admin/deliveries?q=conv-admin-1');
    expect(list.text).toContain('matched by email');
    const detail = await agent.get(`/admin/deliveries/${row.id}`);
    expect(detail.text).toContain('email anna.andersson@acme.se → person');
    expect(detail.text).toMatch(/history note \d+/u);
    expect(detail.text).not.toContain('Sara sends a revised offer');
    expect((await agent.get(`/admin/deliveries/${row.id}?summary=1`)).text).toContain('Sara sends a revised offer');
  });

  it('Dry run shows the note that would be written and writes nothing', async () => {
    const { agent, csrf } = await signIn();
    await connect(agent, csrf);
    await pushSummary('conv-admin-2');
    const row = await untilDeliveryStatus(receiver, 'conv-admin-2', 'delivered');
    const notesBefore = lime.all('history').length;
    const response = await agent.post(`/admin/deliveries/${row.id}/dry-run`).type('form').send({ _csrf: csrf });
    expect(response.text).toContain('The note that would be written');
    expect(response.text).toContain('Conversation Summary |');
    expect(lime.all('history')).toHaveLength(notesBefore);
  });

  it('Dry run shows the note in the chosen note language', async () => {
    const { agent, csrf } = await signIn();
    await connect(agent, csrf);
    await pushSummary('conv-admin-sv');
    const row = await untilDeliveryStatus(receiver, 'conv-admin-sv', 'delivered');
    await agent.post('/admin/connection').type('form').send({ _csrf: csrf, noteLanguage: 'sv' });
    const response = await agent.post(`/admin/deliveries/${row.id}/dry-run`).type('form').send({ _csrf: csrf });
    expect(response.text).toContain('Conversation Summary |');
    expect(response.text).toContain('Deltagare:');
    expect(response.text).toContain('Sammanfattning:');
    expect(response.text).not.toContain('Participants:');
  });

  it('a dead letter shows its reason, and after requeue it is delivered', async () => {
    const { agent, csrf } = await signIn();
    await connect(agent, csrf);
    lime.failNext(1, { kind: 'status', status: 400, body: { error: 'Bad Request', message: 'Invalid value.' } });
    await pushSummary('conv-admin-3');
    const dead = await untilDeliveryStatus(receiver, 'conv-admin-3', 'dead');
    const page = await agent.get('/admin/dead-letters');
    expect(page.text).toContain('bad_request');
    await agent.post(`/admin/dead-letters/${dead.id}/requeue`).type('form').send({ _csrf: csrf });
    await untilDeliveryStatus(receiver, 'conv-admin-3', 'delivered');
    expect((await agent.get('/admin/dead-letters')).text).toContain('No dead letters.');
  });

  it('Match again after delivery updates the note in place', async () => {
    const { agent, csrf } = await signIn();
    await connect(agent, csrf);
    await pushSummary('conv-admin-4');
    const row = await untilDeliveryStatus(receiver, 'conv-admin-4', 'delivered');
    await agent.post(`/admin/deliveries/${row.id}/rerun`).type('form').send({ _csrf: csrf });
    await untilDeliveryStatus(receiver, 'conv-admin-4', 'delivered');
    const detail = await receiver.store.getDelivery(row.id);
    expect(detail?.outcomes[0]?.outcome).toBe('updated');
  });
});
