import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LimeConnector } from '../../src/lime-addon';
import { ConfigError, loadConfig } from '../../src/receiver/config/loadConfig';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { createLogger } from '../../src/receiver/observability/logger';
import { SettingsError } from '../../src/receiver/settings/connectionSettings';
import {
  createConnectionSettingsService,
  type ConnectorOptions,
  type OwnedConnectionSettingsService,
} from '../../src/receiver/settings/connectionSettingsService';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import type { DeliveryStatus } from '../../src/receiver/store/receiverStore';
import { openSqliteStore, type SqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { closeAll, notesOf, startLime, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload, buildSummary } from '../support/payloads';
import { waitFor } from '../support/waitFor';

const SECRET_KEY = 'ab'.repeat(32);
const OTHER_SECRET_KEY = 'cd'.repeat(32);
const WEBHOOK_SECRET = 'settings-test-secret';
const SECOND_KEY = 'second-lime-key-9f3a';
const logger = createLogger('silent');

let dataDir: string;
const cleanups: Array<() => Promise<void>> = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dci-settings-test-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

function configFor(env: Record<string, string> = {}) {
  return loadConfig({ DATA_DIR: dataDir, DCI_WEBHOOK_SECRETS: WEBHOOK_SECRET, PORT: '0', ...env });
}

async function openStore(): Promise<SqliteStore> {
  const store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
  cleanups.push(() => store.close());
  return store;
}

/** Every connector the service built, with its options and whether it was closed. */
function connectorLog() {
  const built: Array<{ options: ConnectorOptions; closed: boolean }> = [];
  const makeConnector = (options: ConnectorOptions) => {
    const connector = new LimeConnector(options);
    const entry = { options, closed: false };
    built.push(entry);
    const close = connector.close.bind(connector);
    connector.close = async () => {
      entry.closed = true;
      await close();
    };
    return connector;
  };
  return { built, makeConnector };
}

async function settingsService(
  env: Record<string, string> = { SECRET_KEY },
  makeConnector = connectorLog().makeConnector,
): Promise<OwnedConnectionSettingsService> {
  const store = await openStore();
  const config = configFor(env);
  const service = await createConnectionSettingsService({
    store,
    config,
    secretKey: config.secretKey,
    makeConnector,
    logger,
  });
  cleanups.push(() => service.close());
  return service;
}

async function configError(work: () => Promise<unknown>): Promise<ConfigError> {
  try {
    await work();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('Lime connection settings: environment and admin pages together', () => {
  it('with nothing configured: not connected, defaults shown, nothing locked, no connector, no check', async () => {
    const settings = await settingsService();
    expect(await settings.view()).toEqual({
      settings: {
        url: undefined,
        apiKeySet: false,
        apiKeyHint: undefined,
        historyType: 'comment',
        createMissingContacts: false,
        internalDomains: [],
        companyNotes: true,
        noteLanguage: 'en',
        linkDeal: false,
        historyTypeMap: '',
      },
      locked: [],
      connected: false,
    });
    expect(settings.connector()).toBeUndefined();
    expect(await settings.testConnection()).toBeUndefined();
    expect(settings.lastCheck()).toBeUndefined();
  });

  it('saving URL and key connects: the view shows the key only as its last four characters', async () => {
    const lime = await startLime({ apiKeys: { [SECOND_KEY]: 'all' } });
    const settings = await settingsService();
    await settings.save({
      url: lime.baseUrl,
      apiKey: ` ${SECOND_KEY} `,
      historyType: 'comment',
      createMissingContacts: true,
      internalDomains: ['Seller.se', ' seller.no '],
    });

    const view = await settings.view();
    expect(view).toEqual({
      settings: {
        url: lime.baseUrl,
        apiKeySet: true,
        apiKeyHint: '9f3a',
        historyType: 'comment',
        createMissingContacts: true,
        internalDomains: ['seller.se', 'seller.no'],
        companyNotes: true,
        noteLanguage: 'en',
        linkDeal: false,
        historyTypeMap: '',
      },
      locked: [],
      connected: true,
    });
    expect(JSON.stringify(view)).not.toContain(SECOND_KEY);
    expect(settings.deliverOptions()).toEqual({
      internalDomains: ['seller.se', 'seller.no'],
      createMissingContacts: true,
      defaultRegion: 'SE',
      timeZone: 'Europe/Stockholm',
      noteDate: 'now',
      // COMPANY_NOTES' default.
      companyNotes: true,
      noteLanguage: 'en',
    });
    const check = await settings.testConnection();
    expect(check).toMatchObject({ ok: true });
    expect(settings.lastCheck()).toBe(check);
  });

  it('the saved API key is stored encrypted: its plaintext is nowhere in the SQLite files', async () => {
    const lime = await startLime({ apiKeys: { [SECOND_KEY]: 'all' } });
    const settings = await settingsService();
    await settings.save({ url: lime.baseUrl, apiKey: SECOND_KEY });

    const raw = new Database(join(dataDir, 'receiver.sqlite'), { readonly: true });
    const rows = raw.prepare('SELECT key, value FROM settings ORDER BY key').all() as Array<{
      key: string;
      value: string;
    }>;
    raw.close();
    expect(rows.map((row) => row.key)).toEqual(['lime.apiKey', 'lime.url']);
    expect(JSON.parse(rows[0]?.value ?? '""')).toMatch(/^v1:/u);
    for (const row of rows) expect(row.value).not.toContain(SECOND_KEY);
    for (const file of readdirSync(dataDir)) {
      expect(readFileSync(join(dataDir, file)).includes(Buffer.from(SECOND_KEY))).toBe(false);
    }
  });

  it('after a restart with the same SECRET_KEY the saved connection works again', async () => {
    const lime = await startLime({ apiKeys: { [SECOND_KEY]: 'all' } });
    const first = await settingsService();
    await first.save({ url: lime.baseUrl, apiKey: SECOND_KEY });
    await first.close();

    const second = await settingsService();
    expect((await second.view()).connected).toBe(true);
    expect(await second.testConnection()).toMatchObject({ ok: true });
  });

  it('a restart with another SECRET_KEY, or none, stops with an error naming SECRET_KEY', async () => {
    const lime = await startLime({ apiKeys: { [SECOND_KEY]: 'all' } });
    const first = await settingsService();
    await first.save({ url: lime.baseUrl, apiKey: SECOND_KEY });
    await first.close();

    const wrong = await configError(() => settingsService({ SECRET_KEY: OTHER_SECRET_KEY }));
    expect(wrong.message).toMatch(/SECRET_KEY does not decrypt the Lime API key saved on the admin pages/u);
    const missing = await configError(() => settingsService({}));
    expect(missing.message).toMatch(/SECRET_KEY is required/u);
    // The environment's key takes over: the saved one is not needed, so a wrong SECRET_KEY does not stop the start.
    const envKey = await settingsService({ SECRET_KEY: OTHER_SECRET_KEY, LIME_URL: lime.baseUrl, LIME_API_KEY: 'k' });
    expect((await envKey.view()).connected).toBe(true);
  });

  it('an API key cannot be saved without SECRET_KEY; the other settings can', async () => {
    const settings = await settingsService({});
    await expect(
      settings.save({ url: 'https://lime.example.com/acme', apiKey: 'key-123456789' }),
    ).rejects.toMatchObject({
      name: 'SettingsError',
      field: 'apiKey',
      message: expect.stringMatching(/SECRET_KEY/u) as unknown,
    });
    await settings.save({ createMissingContacts: true });
    expect((await settings.view()).settings).toMatchObject({ url: undefined, createMissingContacts: true });
  });

  it('an invalid setting is refused with its field, and nothing of the submission is saved', async () => {
    const settings = await settingsService();
    const error = await settings
      .save({ url: 'https://lime.example.com/acme', internalDomains: ['anna@seller.se'] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SettingsError);
    expect(error).toMatchObject({ field: 'internalDomains' });
    await expect(settings.save({ url: 'lime.example.com' })).rejects.toMatchObject({ field: 'url' });
    expect((await settings.view()).settings.url).toBeUndefined();
  });

  it('Company notes: on by default, turned off on the page for the next deliveries; COMPANY_NOTES locks it', async () => {
    const settings = await settingsService();
    expect(settings.deliverOptions().companyNotes).toBe(true);
    await settings.save({ companyNotes: false });
    expect((await settings.view()).settings.companyNotes).toBe(false);
    expect(settings.deliverOptions().companyNotes).toBe(false);

    const fromEnv = await settingsService({ SECRET_KEY, COMPANY_NOTES: 'false' });
    await fromEnv.save({ companyNotes: true });
    const view = await fromEnv.view();
    expect(view.locked).toEqual(['companyNotes']);
    expect(view.settings.companyNotes).toBe(false);
    expect(fromEnv.deliverOptions().companyNotes).toBe(false);
  });

  it('settings given by environment variables win, show as locked, and are not overwritten by a save', async () => {
    const lime = await startLime();
    const settings = await settingsService({
      SECRET_KEY,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: TEST_API_KEY,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
    });
    await settings.save({
      url: 'https://elsewhere.example.com/x',
      apiKey: 'another-key-000000',
      internalDomains: ['other.se'],
      createMissingContacts: true,
    });

    const view = await settings.view();
    expect(view.locked).toEqual(['url', 'apiKey', 'internalDomains']);
    expect(view.settings).toMatchObject({
      url: lime.baseUrl,
      apiKeySet: true,
      createMissingContacts: true,
      internalDomains: ['seller.se'],
    });
    expect(settings.deliverOptions().internalDomains).toEqual(['seller.se']);
    expect(await settings.testConnection()).toMatchObject({ ok: true });

    // Disconnect removes what was saved; the environment's connection stays.
    await settings.disconnect();
    expect(await settings.view()).toMatchObject({ connected: true, settings: { url: lime.baseUrl } });
  });

  it('the note language is saved, survives a restart and reaches the delivery options; an unknown one is refused', async () => {
    const settings = await settingsService();
    await settings.save({ noteLanguage: 'sv' });
    expect((await settings.view()).settings.noteLanguage).toBe('sv');
    expect(settings.deliverOptions().noteLanguage).toBe('sv');

    await expect(settings.save({ noteLanguage: 'se' })).rejects.toMatchObject({
      name: 'SettingsError',
      field: 'noteLanguage',
    });
    const again = await settingsService();
    expect((await again.view()).settings.noteLanguage).toBe('sv');
  });

  it('NOTE_LANGUAGE in the environment wins and locks the note language', async () => {
    const settings = await settingsService({ SECRET_KEY, NOTE_LANGUAGE: 'fi' });
    await settings.save({ noteLanguage: 'da' });
    const view = await settings.view();
    expect(view.locked).toEqual(['noteLanguage']);
    expect(view.settings.noteLanguage).toBe('fi');
    expect(settings.deliverOptions().noteLanguage).toBe('fi');
  });

  it('disconnect removes the saved URL and key (other settings stay) and leaves no connector', async () => {
    const lime = await startLime();
    const { built, makeConnector } = connectorLog();
    const settings = await settingsService({ SECRET_KEY }, makeConnector);
    await settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY, createMissingContacts: true });
    await settings.testConnection();

    await settings.disconnect();

    expect(await settings.view()).toMatchObject({
      connected: false,
      settings: { url: undefined, apiKeySet: false, createMissingContacts: true },
    });
    expect(settings.connector()).toBeUndefined();
    expect(settings.lastCheck()).toBeUndefined();
    expect(built.map((entry) => entry.closed)).toEqual([true]);
    const store = await openStore();
    expect(await store.readSettings()).toEqual({ 'lime.createMissingContacts': true });
  });

  it('save builds a new connector; the old one closes once the delivery it is serving has finished', async () => {
    const first = await startLime();
    const second = await startLime({ apiKeys: { [SECOND_KEY]: 'all' } });
    const anna = first.insert('person', { firstname: 'Anna', email: 'anna@acme.se' });
    const { built, makeConnector } = connectorLog();
    const settings = await settingsService({ SECRET_KEY }, makeConnector);
    await settings.save({ url: first.baseUrl, apiKey: TEST_API_KEY });
    const old = settings.connector();
    first.setLatency(100);

    const delivering = old?.deliver(
      buildSummary({ participants: [buildParticipant({ email: 'anna@acme.se' })] }),
      settings.deliverOptions(),
    );
    await settings.save({ url: second.baseUrl, apiKey: SECOND_KEY });

    expect(settings.connector()).not.toBe(old);
    expect(built.map((entry) => [entry.options.baseUrl, entry.closed])).toEqual([
      [first.baseUrl, false],
      [second.baseUrl, false],
    ]);
    expect((await delivering)?.outcomes[0]).toMatchObject({ outcome: 'written', personId: anna });
    await waitFor(() => built[0]?.closed === true, 5_000, 'the replaced connector to close');
    expect(notesOf(first, anna)).toHaveLength(1);
    expect(await settings.testConnection()).toMatchObject({ ok: true });
  });
});

describe('the running receiver follows the connection settings', () => {
  async function start(env: Record<string, string> = { SECRET_KEY }): Promise<RunningReceiver> {
    const receiver = await startReceiver(configFor(env), {
      logger,
      makeConnector: (options) => new LimeConnector(options),
      host: '127.0.0.1',
    });
    cleanups.push(() => receiver.close());
    return receiver;
  }

  let sent = 0;
  async function send(receiver: RunningReceiver, email: string): Promise<string> {
    sent += 1;
    const conversationId = `00000000-0000-4000-9000-${String(sent).padStart(12, '0')}`;
    const body = JSON.stringify(
      buildPayload({ id: conversationId, participants: [buildParticipant({ email, company: 'Acme AB' })] }),
    );
    const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
      method: 'POST',
      headers: signDci(body, WEBHOOK_SECRET),
      body,
    });
    expect(response.status).toBe(202);
    return conversationId;
  }

  async function statusOf(receiver: RunningReceiver, conversationId: string): Promise<DeliveryStatus | undefined> {
    const [row] = await receiver.store.listDeliveries({ search: conversationId, limit: 1 });
    return row?.status;
  }

  async function until(receiver: RunningReceiver, conversationId: string, status: DeliveryStatus): Promise<void> {
    await waitFor(
      async () => (await statusOf(receiver, conversationId)) === status,
      10_000,
      `delivery of ${conversationId} to be ${status}`,
    );
  }

  function withAnna(lime: LimeEmulator): number {
    return lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se' });
  }

  it('a summary waits while not connected, and is delivered once a connection is saved', async () => {
    const lime = await startLime();
    const anna = withAnna(lime);
    const receiver = await start();
    const conversationId = await send(receiver, 'anna@acme.se');

    expect(await receiver.worker.drainOnce()).toBe(0);
    expect(await statusOf(receiver, conversationId)).toBe('pending');
    expect(receiver.connection()).toBeUndefined();

    await receiver.settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY });

    await until(receiver, conversationId, 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
    await waitFor(() => receiver.connection()?.ok === true, 5_000, 'the connection check after saving');
  });

  it('after saving another connection, the next delivery goes to the new Lime', async () => {
    const first = await startLime();
    const second = await startLime({ apiKeys: { [SECOND_KEY]: 'all' } });
    const annaFirst = withAnna(first);
    const annaSecond = withAnna(second);
    const receiver = await start();
    await receiver.settings.save({ url: first.baseUrl, apiKey: TEST_API_KEY });
    await until(receiver, await send(receiver, 'anna@acme.se'), 'delivered');

    await receiver.settings.save({ url: second.baseUrl, apiKey: SECOND_KEY });
    await until(receiver, await send(receiver, 'anna@acme.se'), 'delivered');

    expect(notesOf(first, annaFirst)).toHaveLength(1);
    expect(notesOf(second, annaSecond)).toHaveLength(1);
  });

  it('"Create contacts in CRM" switched on applies to the next delivery', async () => {
    const lime = await startLime();
    const receiver = await start();
    await receiver.settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY });
    await until(receiver, await send(receiver, 'nils@nykund.se'), 'delivered');
    expect(lime.all('person')).toEqual([]);

    await receiver.settings.save({ createMissingContacts: true });
    await until(receiver, await send(receiver, 'nils@nykund.se'), 'delivered');
    expect(lime.all('person')).toMatchObject([{ email: 'nils@nykund.se' }]);
  });

  it('with the note language set to Swedish, the next note in Lime is in Swedish; its title and reference are not', async () => {
    const lime = await startLime();
    const anna = withAnna(lime);
    const receiver = await start();
    await receiver.settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY });
    await until(receiver, await send(receiver, 'anna@acme.se'), 'delivered');

    await receiver.settings.save({ noteLanguage: 'sv' });
    const conversationId = await send(receiver, 'anna@acme.se');
    await until(receiver, conversationId, 'delivered');

    const [english, swedish] = notesOf(lime, anna).map((note) => String(note['note']));
    expect(english).toContain('\n\nParticipants:\n');
    const lines = String(swedish).split('\n');
    expect(lines[0]).toMatch(/^Conversation Summary \| .+ \| \d{4}-\d\d-\d\d \d\d:\d\d$/u);
    expect(lines).toContain('Deltagare:');
    expect(lines).toContain('Sammanfattning:');
    expect(lines.find((line) => line.startsWith('Möte: '))).toMatch(/^Möte: \d{4}-\d\d-\d\d \d\d:\d\d/u);
    expect(lines.some((line) => line.endsWith(' (presentatör)'))).toBe(true);
    expect(lines.at(-1)).toBe(`DCI reference: dci-conversation:${conversationId}`);
    expect(swedish).not.toMatch(/Participants:|Summary:|Meeting:/u);
  });

  it('after Disconnect, new summaries wait; notes already written stay', async () => {
    const lime = await startLime();
    const anna = withAnna(lime);
    const receiver = await start();
    await receiver.settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY });
    await until(receiver, await send(receiver, 'anna@acme.se'), 'delivered');

    await receiver.settings.disconnect();
    const waiting = await send(receiver, 'anna@acme.se');

    expect(await receiver.worker.drainOnce()).toBe(0);
    expect(await statusOf(receiver, waiting)).toBe('pending');
    expect(receiver.connection()).toBeUndefined();
    expect(notesOf(lime, anna)).toHaveLength(1);
  });

  it('a SECRET_KEY that does not open the saved API key stops the start with an error naming SECRET_KEY', async () => {
    const lime = await startLime();
    const receiver = await start();
    await receiver.settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY });
    await receiver.close();

    const error = await configError(() => start({ SECRET_KEY: OTHER_SECRET_KEY }));
    expect(error.problems).toEqual([expect.stringMatching(/^SECRET_KEY does not decrypt/u)]);
    expect(error.message).not.toContain(TEST_API_KEY);
    // The store was closed again: a start with the right key opens it.
    const again = await start();
    expect((await again.settings.view()).connected).toBe(true);
  });
});

describe('the saved API key stays with the host it was entered for', () => {
  it('a URL on another host without the key again is refused at the URL, naming both hosts and no key', async () => {
    const lime = await startLime();
    const { built, makeConnector } = connectorLog();
    const settings = await settingsService({ SECRET_KEY }, makeConnector);
    await settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY });
    const elsewhere = lime.baseUrl.replace('127.0.0.1', 'localhost');
    expect(elsewhere).not.toBe(lime.baseUrl);

    const refused = await settings.save({ url: elsewhere }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(SettingsError);
    expect(refused).toMatchObject({
      field: 'url',
      message: 'The credentials belong to 127.0.0.1: enter them again for localhost.',
    });
    expect(String((refused as Error).message)).not.toContain(TEST_API_KEY);
    expect((await settings.view()).settings.url).toBe(lime.baseUrl);
    expect(built.map((entry) => entry.options.baseUrl)).toEqual([lime.baseUrl]);
    expect(await settings.testConnection()).toMatchObject({ ok: true });
  });

  it('a URL on another host with the key entered again is saved', async () => {
    const lime = await startLime();
    const settings = await settingsService();
    await settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY });
    const elsewhere = lime.baseUrl.replace('127.0.0.1', 'localhost');
    await settings.save({ url: elsewhere, apiKey: TEST_API_KEY });
    expect((await settings.view()).settings.url).toBe(elsewhere);
    expect(await settings.testConnection()).toMatchObject({ ok: true });
  });

  it('the same host with another path keeps the saved key', async () => {
    const lime = await startLime();
    const { built, makeConnector } = connectorLog();
    const settings = await settingsService({ SECRET_KEY }, makeConnector);
    await settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY });
    const otherPath = `${lime.baseUrl.replace(/\/+$/u, '')}/other`;
    await settings.save({ url: otherPath });
    expect(built.at(-1)?.options).toMatchObject({ baseUrl: otherPath, apiKey: TEST_API_KEY });
  });
});

describe('a save rebuilds the Lime connector only when the connection changes', () => {
  it('internal domains and create contacts keep the connector; a new history type builds one', async () => {
    const lime = await startLime();
    const { built, makeConnector } = connectorLog();
    const settings = await settingsService({ SECRET_KEY }, makeConnector);
    await settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY });
    const first = settings.connector();

    await settings.save({ internalDomains: ['seller.se'], createMissingContacts: true });
    expect(built).toHaveLength(1);
    expect(settings.connector()).toBe(first);
    expect(settings.deliverOptions()).toMatchObject({ createMissingContacts: true, internalDomains: ['seller.se'] });

    await settings.save({ historyType: 'customer_meeting' });
    expect(built.map((entry) => entry.options.historyType)).toEqual([expect.any(String), 'customer_meeting']);
    expect(settings.connector()).not.toBe(first);
    await waitFor(() => built[0]?.closed === true, 5_000, 'the replaced connector to close');
  });
});
