import request from 'supertest';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { ADMIN_PASSWORD, SECRET_KEY, csrfOf, signInAdmin, startAdminReceiver } from '../support/adminHarness';
import { DCI_SECRET, DCI_TOKEN, startDciSetup } from '../support/dci';
import { closeAll, TEST_API_KEY } from '../support/lime';

// The admin pages' forms on the receiver as it runs: a validation error comes back as the page (400) with what was
// typed (never a key, token or password) and the error at its field and on top; a save that leaves something out
// says what is still missing; a disabled button says why; Disconnect and Remove ask first, without script.

jest.setTimeout(45_000);

let receiver: RunningReceiver;
let lime: LimeEmulator;
let close: () => Promise<void>;

beforeEach(async () => {
  // No INTERNAL_EMAIL_DOMAINS: the domains field is open (the environment would lock it).
  ({ receiver, lime, close } = await startAdminReceiver({ INTERNAL_EMAIL_DOMAINS: '' }));
});
afterEach(async () => {
  await close();
  await closeAll();
});

/** The opening tag of the element with `id` in a page. */
const tagOf = (html: string, id: string) => new RegExp(`<[a-z]+ id="${id}"[^>]*>`, 'u').exec(html)?.[0] ?? '';

describe('the Lime form after a validation error', () => {
  it('keeps what was typed except the key, shows the error beside the URL field and in a summary on top', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    const response = await agent.post('/admin/connection').type('form').send({
      _csrf: csrf,
      url: 'acme.lime-crm.com/acme',
      apiKey: 'typed-secret-key-0001',
      historyType: 'salescall',
      createMissingContacts: 'on',
      internalDomains: 'seller.se\nseller.no',
    });
    expect(response.status).toBe(400);
    const html = response.text;
    const url = tagOf(html, 'url');
    expect(url).toContain('value="acme.lime-crm.com/acme"');
    expect(url).toContain('aria-invalid="true"');
    expect(url).toContain('aria-describedby="url-help url-error"');
    expect(html).toMatch(/<p id="url-error" class="error field-error">Enter the Lime address as a full URL/u);
    expect(html).toMatch(/<div class="error-summary" role="alert"[^>]*>[\s\S]*<a href="#url">Enter the Lime address/u);
    // The other fields as typed; the key not at all, and the page asks for it again.
    expect(tagOf(html, 'historyType')).toContain('value="salescall"');
    expect(tagOf(html, 'createMissingContacts')).toContain('checked');
    expect(html).toMatch(/<textarea id="internalDomains"[^>]*>seller.se\nseller.no<\/textarea>/u);
    expect(tagOf(html, 'apiKey')).toContain('value=""');
    expect(html).not.toContain('typed-secret-key-0001');
    expect(html).toContain('The key you typed was not saved (another field needs a change): enter it again.');
    // Nothing was saved.
    expect((await receiver.settings.view()).settings.url).toBeUndefined();
  });

  it('an invalid domain is shown at the domains field, with the text kept as typed', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    const response = await agent
      .post('/admin/connection')
      .type('form')
      .send({ _csrf: csrf, url: lime.baseUrl, historyType: 'comment', internalDomains: 'seller.se, anna@seller.se' });
    expect(response.status).toBe(400);
    expect(tagOf(response.text, 'internalDomains')).toContain('aria-invalid="true"');
    expect(tagOf(response.text, 'internalDomains')).toContain('aria-describedby="domains-help internalDomains-error"');
    expect(response.text).toContain('<p id="internalDomains-error" class="error field-error">Enter domains without');
    expect(response.text).toContain('>seller.se, anna@seller.se</textarea>');
    expect(tagOf(response.text, 'url')).toContain(`value="${lime.baseUrl}"`);
    expect(tagOf(response.text, 'url')).not.toContain('aria-invalid');
    // No key was typed: nothing to ask again for.
    expect(response.text).not.toContain('enter it again');
  });
});

describe("the Lime form's Notes: the open deal and the history type by meeting type", () => {
  it('a badly written entry is shown at its field; a saved map and link reach the connector and Test connection', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    const base = { _csrf: csrf, url: lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' };
    const bad = await agent
      .post('/admin/connection')
      .type('form')
      .send({ ...base, linkDeal: 'on', historyTypeMap: 'medium:call=talkedto\nmedum:video=comment' });
    expect(bad.status).toBe(400);
    expect(tagOf(bad.text, 'historyTypeMap')).toContain('aria-invalid="true"');
    expect(bad.text).toContain('<p id="historyTypeMap-error" class="error field-error">');
    expect(bad.text).toContain(
      'entry 2 &quot;medum:video=comment&quot;: &quot;medum&quot; is neither medium nor conversation_type',
    );
    expect(bad.text).toMatch(
      /<textarea id="historyTypeMap"[^>]*>medium:call=talkedto\nmedum:video=comment<\/textarea>/u,
    );
    expect(tagOf(bad.text, 'linkDeal')).toContain('checked');

    await agent
      .post('/admin/connection')
      .type('form')
      .send({ ...base, linkDeal: 'on', historyTypeMap: 'MEDIUM:Call=phonecall' })
      .expect(303);
    expect((await receiver.settings.view()).settings).toMatchObject({
      linkDeal: true,
      historyTypeMap: 'medium:call=phonecall',
    });
    expect(receiver.settings.deliverOptions().linkDeal).toBe(true);
    const page = await agent.get('/admin/connection');
    expect(page.text).toMatch(/<fieldset class="notes-group">\s*<legend>Notes<\/legend>/u);
    expect(tagOf(page.text, 'linkDeal')).toContain('checked');
    expect(page.text).toMatch(/<textarea id="historyTypeMap"[^>]*>medium:call=phonecall<\/textarea>/u);

    // Lime has no history type "phonecall": Test connection names the entry and the types there are.
    await agent.post('/admin/connection/test').type('form').send({ _csrf: csrf });
    const tested = await agent.get('/admin/connection');
    expect(tested.text).toContain(
      'HISTORY_TYPE_MAP medium:call=phonecall: &quot;phonecall&quot; is not a history type',
    );
    expect(tested.text).toContain('Types Lime offers: comment, customervisit, talkedto');
  });

  it('LINK_DEAL and HISTORY_TYPE_MAP from the environment lock their fields', async () => {
    const locked = await startAdminReceiver({ LINK_DEAL: 'true', HISTORY_TYPE_MAP: 'medium:call=talkedto' });
    try {
      const { agent } = await signInAdmin(locked.receiver.url);
      const page = await agent.get('/admin/connection');
      expect(tagOf(page.text, 'linkDeal')).toMatch(/checked\s+disabled/u);
      expect(tagOf(page.text, 'historyTypeMap')).toContain('disabled');
      expect(page.text).toContain('Set by LINK_DEAL in the environment.');
      expect(page.text).toContain('Set by HISTORY_TYPE_MAP in the environment.');
      expect((await locked.receiver.settings.view()).locked).toEqual(
        expect.arrayContaining(['linkDeal', 'historyTypeMap']),
      );
    } finally {
      await locked.close();
    }
  });
});

describe('a save that leaves something out', () => {
  it('says what is still missing, and the disabled Test connection says why', async () => {
    const { agent, csrf } = await signInAdmin(receiver.url);
    const before = await agent.get('/admin/connection');
    expect(before.text).toMatch(/<button type="submit" disabled aria-describedby="test-why">Test Lime connection/u);
    expect(before.text).toContain(
      '<p id="test-why" class="why">Test connection is not available yet: it needs the Lime CRM API URL and the API key. Save them above first.</p>',
    );
    expect(before.text).toContain('Nothing to disconnect: no Lime URL or API key is saved here.');

    const saved = await agent
      .post('/admin/connection')
      .type('form')
      .send({ _csrf: csrf, url: lime.baseUrl, historyType: 'comment' });
    expect(saved.status).toBe(303);
    expect(saved.headers['location']).toBe('/admin/connection');
    const page = await agent.get('/admin/connection');
    expect(page.text).toContain('Saved. Still missing: the API key — Test connection needs it.');
    expect(page.text).toContain('Test connection is not available yet: it needs the API key. Save it above first.');
    expect(page.text).not.toContain('Lime settings saved.');
    // One-shot: a reload shows the page without the notice (nothing in the URL to keep it).
    expect((await agent.get('/admin/connection')).text).not.toContain('Saved. Still missing');

    await agent
      .post('/admin/connection')
      .type('form')
      .send({ _csrf: csrf, apiKey: TEST_API_KEY, historyType: 'comment' })
      .expect(303);
    const complete = await agent.get('/admin/connection');
    expect(complete.text).toContain('Lime settings saved.');
    expect(complete.text).not.toContain('Still missing');
    expect(complete.text).toMatch(/<button type="submit" >Test Lime connection/u);
    expect(complete.text).not.toContain('id="test-why"');
  });
});

describe('Disconnect asks first', () => {
  async function connected() {
    const { agent, csrf } = await signInAdmin(receiver.url);
    await agent
      .post('/admin/connection')
      .type('form')
      .send({ _csrf: csrf, url: lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' })
      .expect(303);
    expect((await receiver.settings.view()).connected).toBe(true);
    return { agent, csrf };
  }

  it('the button opens a page that says what disconnecting does; only its confirmed form disconnects', async () => {
    const { agent, csrf } = await connected();
    const page = await agent.get('/admin/connection');
    expect(page.text).toMatch(
      /<form method="get" action="\/admin\/connection\/disconnect" class="inline">\s*<button type="submit" class="danger" >Disconnect Lime…/u,
    );

    const asks = await agent.get('/admin/connection/disconnect');
    expect(asks.status).toBe(200);
    expect(asks.text).toContain('<h1>Disconnect Lime?</h1>');
    expect(asks.text).toContain('their deliveries wait until you connect again');
    expect(asks.text).toContain('Nothing is deleted');
    expect(asks.text).toContain('<input type="hidden" name="confirm" value="yes">');
    expect(asks.text).toContain('>Yes, disconnect Lime</button>');
    expect(asks.text).toContain('<a class="cancel" href="/admin/connection">No, keep the connection</a>');
    expect(asks.headers['content-security-policy']).toContain("script-src 'none'");

    // A post without the confirmation (an old form, a stray click) changes nothing and asks.
    const unconfirmed = await agent.post('/admin/connection/disconnect').type('form').send({ _csrf: csrf });
    expect(unconfirmed.status).toBe(303);
    expect(unconfirmed.headers['location']).toBe('/admin/connection/disconnect');
    expect((await receiver.settings.view()).connected).toBe(true);

    const confirmed = await agent
      .post('/admin/connection/disconnect')
      .type('form')
      .send({ _csrf: csrf, confirm: 'yes' });
    expect(confirmed.headers['location']).toBe('/admin/connection');
    expect((await receiver.settings.view()).connected).toBe(false);
    const after = await agent.get('/admin/connection');
    expect(after.text).toContain('Lime is disconnected');
    expect(after.text).toContain('nothing was deleted');
  });

  it('the confirmation still needs the form token', async () => {
    const { agent } = await connected();
    const forged = await agent.post('/admin/connection/disconnect').type('form').send({ confirm: 'yes' });
    expect(forged.status).toBe(403);
    expect((await receiver.settings.view()).connected).toBe(true);
  });
});

describe('the sign-in form', () => {
  it('a wrong or missing password is shown at the field, never echoed', async () => {
    const agent = request.agent(receiver.url);
    const csrf = csrfOf((await agent.get('/admin/sign-in')).text);
    const wrong = await agent.post('/admin/sign-in').type('form').send({ _csrf: csrf, password: 'not-it-9f3a' });
    expect(wrong.status).toBe(401);
    expect(tagOf(wrong.text, 'password')).toContain('aria-invalid="true" aria-describedby="password-error"');
    expect(wrong.text).toContain(
      '<p id="password-error" class="error field-error" role="alert">Wrong password: type it again.</p>',
    );
    expect(wrong.text).not.toContain('not-it-9f3a');
    const empty = await agent.post('/admin/sign-in').type('form').send({ _csrf: csrf, password: '' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Enter the admin password.');
    const right = await agent.post('/admin/sign-in').type('form').send({ _csrf: csrf, password: ADMIN_PASSWORD });
    expect(right.status).toBe(303);
  });
});

describe('the nav marks where you are', () => {
  it.each([
    ['/admin', 'Overview', '/admin'],
    ['/admin/connection', 'Connections', '/admin/connection'],
    ['/admin/connection/disconnect', 'Connections', '/admin/connection'],
    ['/admin/deliveries', 'Deliveries', '/admin/deliveries'],
    ['/admin/dead-letters', 'Dead letters', '/admin/dead-letters'],
  ])('%s marks %s', async (path, label, href) => {
    const { agent } = await signInAdmin(receiver.url);
    const page = await agent.get(path);
    const marked = [...page.text.matchAll(/<a href="([^"]+)" aria-current="(page|true)">([^<]+)<\/a>/gu)];
    expect(marked.map((match) => [match[1], match[3]])).toEqual([[href, label]]);
    expect(marked[0]?.[2]).toBe(path === href ? 'page' : 'true');
  });
});

describe('the DCI form', () => {
  it('a URL saved without a token says the token is still missing; Remove asks first', async () => {
    await close();
    const setup = await startDciSetup({
      env: { ADMIN_PASSWORD, SECRET_KEY, DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_API_URL: '', DCI_API_TOKEN: '' },
    });
    close = () => setup.close();
    const { agent, csrf } = await signInAdmin(setup.receiver.url);
    const before = await agent.get('/admin/connection');
    expect(before.text).toContain('Still missing: the DCI API URL and the DCI API token.');
    expect(before.text).toContain('Nothing to remove: no DCI API URL or token is saved here.');
    await agent
      .post('/admin/connection/dci')
      .type('form')
      .send({ _csrf: csrf, dciUrl: setup.dci.baseUrl, dciToken: '' })
      .expect(303);
    const page = await agent.get('/admin/connection');
    expect(page.text).toContain('Saved. Still missing: the DCI API token — Test DCI connection needs it.');
    expect(page.text).toMatch(/<button type="submit" disabled aria-describedby="dci-test-why">Test DCI connection/u);
    expect(page.text).toMatch(/<form method="get" action="\/admin\/connection\/dci\/remove"/u);

    await agent.post('/admin/connection/dci').type('form').send({ _csrf: csrf, dciToken: DCI_TOKEN }).expect(303);
    const complete = await agent.get('/admin/connection');
    expect(complete.text).toContain('DCI settings saved. Test connection runs in the background');
    expect(complete.text).not.toContain(DCI_TOKEN);
  });
});
