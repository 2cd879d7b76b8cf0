import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import { loggerInto } from '../support/capturedLogs';
import { csrfOf, signInAdmin, startSuperOfficeAdminReceiver } from '../support/adminHarness';

// The connection page with CRM=superoffice, through HTTP as a browser posts it: SuperOffice's fields instead of
// Lime's, credentials write-only (never sent back), the environment's settings locked.

const TICKET = '7T:admin-page-ticket-123';
/**
 * The tenant's URL in these tests: nothing listens there (the receiver checks the connection in the background, and a
 * test must not reach the internet), so the check fails at once with connection_refused.
 */
const NOWHERE = 'http://127.0.0.1:1/Cust12345';
let dataDir: string;
let receiver: RunningReceiver | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'so-admin-test-'));
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}, logs?: string[]): Promise<RunningReceiver> {
  receiver = await startSuperOfficeAdminReceiver(
    dataDir,
    env,
    logs === undefined ? undefined : loggerInto(logs, 'info'),
  );
  return receiver;
}

describe('the SuperOffice connection page', () => {
  it("shows SuperOffice's fields with a hint for each, not Lime's", async () => {
    const { agent } = await signInAdmin((await start()).url);
    const page = await agent.get('/admin/connection');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h2>SuperOffice connection</h2>');
    expect(page.text).not.toContain('Lime');
    for (const label of [
      'WebAPI URL',
      'Client id',
      'Client secret',
      'Private key (PEM)',
      'System user token',
      'User name',
      'Ticket',
    ]) {
      expect(page.text).toContain(`>${label}</label>`);
    }
    expect(page.text).toContain('developer portal');
    expect(page.text).toContain('administrator approved the app');
    expect(page.text).toContain(
      'Test connection is not available yet: it needs the WebAPI URL and how the receiver signs in.',
    );
  });

  it('saves a ticket connection: the ticket is never sent back, the page says it is stored', async () => {
    const running = await start();
    const { agent, csrf } = await signInAdmin(running.url);
    const saved = await agent.post('/admin/connection').type('form').send({
      _csrf: csrf,
      url: NOWHERE,
      auth: 'ticket',
      ticket: TICKET,
      taskType: 'Meeting',
      internalDomains: 'seller.se',
    });
    expect(saved.status).toBe(303);
    const page = await agent.get('/admin/connection');
    expect(page.text).toContain('SuperOffice settings saved.');
    expect(page.text).not.toContain(TICKET);
    expect(page.text).toContain('••••••••-123');
    expect(running.settings.connector()).toBeDefined();
    expect(running.settings.superOffice?.view().settings.auth).toBe('ticket');
  });

  it('a bad URL comes back at its field with what was typed, and a typed secret asked for again', async () => {
    const { agent, csrf } = await signInAdmin((await start()).url);
    const page = await agent.post('/admin/connection').type('form').send({
      _csrf: csrf,
      url: 'online3',
      auth: 'ticket',
      ticket: TICKET,
    });
    expect(page.status).toBe(400);
    expect(page.text).toContain('Enter the tenant&#39;s WebAPI URL as a full URL');
    expect(page.text).toContain('href="#so-url"');
    expect(page.text).toContain('value="online3"');
    expect(page.text).not.toContain(TICKET);
    expect(page.text).toContain('Secrets you typed are never sent back to the browser');
  });

  it('Notes: the open sale and the task type by meeting type are saved, a bad entry shown at its field', async () => {
    const running = await start();
    const { agent, csrf } = await signInAdmin(running.url);
    const form = { _csrf: csrf, url: NOWHERE, auth: 'ticket', ticket: TICKET, taskType: 'Meeting' };
    const bad = await agent
      .post('/admin/connection')
      .type('form')
      .send({ ...form, linkDeal: 'on', historyTypeMap: 'medium:call' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('href="#so-historyTypeMap"');
    expect(bad.text).toContain(
      '<p id="historyTypeMap-error" class="error field-error">The type by meeting type has a problem: entry 1',
    );
    expect(bad.text).toMatch(/<textarea id="so-historyTypeMap"[^>]*aria-invalid="true"[^>]*>medium:call<\/textarea>/u);
    await agent
      .post('/admin/connection')
      .type('form')
      .send({ ...form, linkDeal: 'on', historyTypeMap: 'medium:call=Phone\nconversation_type:demo=Meeting' })
      .expect(303);
    expect(running.settings.superOffice?.view().settings).toMatchObject({
      linkDeal: true,
      historyTypeMap: 'medium:call=Phone, conversation_type:demo=Meeting',
    });
    expect(running.settings.deliverOptions().linkDeal).toBe(true);
    const page = await agent.get('/admin/connection');
    expect(page.text).toMatch(/<fieldset class="notes-group">\s*<legend>Notes<\/legend>/u);
    expect(page.text).toMatch(/id="so-linkDeal" name="linkDeal" type="checkbox" checked/u);
    expect(page.text).toMatch(
      /<textarea id="so-historyTypeMap"[^>]*>medium:call=Phone\nconversation_type:demo=Meeting<\/textarea>/u,
    );
  });

  it('LINK_DEAL and HISTORY_TYPE_MAP lock the Notes fields on the SuperOffice page too', async () => {
    const { agent } = await signInAdmin(
      (await start({ LINK_DEAL: 'true', HISTORY_TYPE_MAP: 'medium:call=Phone' })).url,
    );
    const page = await agent.get('/admin/connection');
    expect(page.text).toMatch(/id="so-linkDeal" name="linkDeal" type="checkbox" checked\s+disabled/u);
    expect(page.text).toMatch(/<textarea id="so-historyTypeMap"[^>]*disabled[^>]*>medium:call=Phone<\/textarea>/u);
    expect(page.text).toContain('Set by LINK_DEAL in the environment.');
    expect(page.text).toContain('Set by HISTORY_TYPE_MAP in the environment.');
  });

  it('settings from SUPEROFFICE_* are shown locked, naming their variable', async () => {
    const { agent } = await signInAdmin(
      (
        await start({
          SUPEROFFICE_URL: NOWHERE,
          SUPEROFFICE_AUTH: 'ticket',
          SUPEROFFICE_TICKET: TICKET,
        })
      ).url,
    );
    const page = await agent.get('/admin/connection');
    expect(page.text).toMatch(
      /id="so-url" name="url" type="url" value="http:\/\/127.0.0.1:1\/Cust12345" [^>]*disabled/u,
    );
    expect(page.text).toContain('Set by SUPEROFFICE_URL in the environment.');
    expect(page.text).toContain('Set by SUPEROFFICE_TICKET in the environment.');
    expect(page.text).not.toContain(TICKET);
    expect(page.text).toContain('Nothing to disconnect here: the connection is set in the environment (SUPEROFFICE_*)');
  });

  it('the Notes group: the note language chosen is saved and shown; NOTE_LANGUAGE locks it, naming the variable', async () => {
    const running = await start();
    const { agent, csrf } = await signInAdmin(running.url);
    const saved = await agent.post('/admin/connection').type('form').send({ _csrf: csrf, noteLanguage: 'fi' });
    expect(saved.status).toBe(303);
    const page = await agent.get('/admin/connection');
    expect(page.text).toMatch(
      // One Notes group, in the order: Company notes, Note language, the open sale, the task type by meeting type.
      /<fieldset class="notes-group">\s*<legend>Notes<\/legend>\s*<div class="check">\s*<input id="so-companyNotes"[\s\S]*?<label for="so-noteLanguage">[\s\S]*?<label for="so-linkDeal">[\s\S]*?<label for="so-historyTypeMap">[\s\S]*?<\/fieldset>/u,
    );
    expect(page.text).toContain('<option value="fi" lang="fi" selected>Suomi (Finnish)</option>');
    expect(running.settings.deliverOptions().noteLanguage).toBe('fi');
    await running.close();
    receiver = undefined;

    const locked = await start({ NOTE_LANGUAGE: 'sv' });
    const { agent: again } = await signInAdmin(locked.url);
    const lockedPage = await again.get('/admin/connection');
    expect(lockedPage.text).toMatch(/<select id="so-noteLanguage" name="noteLanguage" disabled/u);
    expect(lockedPage.text).toContain('<option value="sv" lang="sv" selected>Svenska (Swedish)</option>');
    expect(lockedPage.text).toContain('Set by NOTE_LANGUAGE in the environment.');
  });

  it('Disconnect asks first, then removes the stored connection', async () => {
    const running = await start();
    const { agent, csrf } = await signInAdmin(running.url);
    await agent.post('/admin/connection').type('form').send({
      _csrf: csrf,
      url: NOWHERE,
      auth: 'basic',
      username: 'ADMIN0',
      password: 'pw-onsite',
    });
    const confirm = await agent.get('/admin/connection/disconnect');
    expect(confirm.text).toContain('Disconnect SuperOffice?');
    const done = await agent
      .post('/admin/connection/disconnect')
      .type('form')
      .send({ _csrf: csrfOf(confirm.text), confirm: 'yes' });
    expect(done.status).toBe(303);
    expect((await agent.get('/admin/connection')).text).toContain('SuperOffice is disconnected');
    expect(running.settings.connector()).toBeUndefined();
  });

  it('the overview names SuperOffice and says the contact index is not available for it', async () => {
    const { agent } = await signInAdmin((await start()).url);
    const page = await agent.get('/admin');
    expect(page.text).toContain('<h2>SuperOffice connection</h2>');
    expect(page.text).toContain('Connect to SuperOffice');
    expect(page.text).toContain('Not available for SuperOffice');
    expect(page.text).not.toContain('Lime');
  });

  it('LIME_* variables set with CRM=superoffice: one warning line naming them, never their values', async () => {
    const logs: string[] = [];
    await start({ LIME_URL: 'https://lime.example.com/acme', LIME_API_KEY: 'lime-key-never-logged' }, logs);
    const warnings = logs.filter((line) => line.includes('variables of the other CRM'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({
      crm: 'superoffice',
      variables: ['LIME_API_KEY', 'LIME_URL'],
    });
    expect(logs.join('\n')).not.toContain('lime-key-never-logged');
  });
});
