import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, loadConfig } from '../../src/receiver/config/loadConfig';
import { makeCrmConnector } from '../../src/receiver/makeCrmConnector';
import { seedDemoData, startSuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { createLogger } from '../../src/receiver/observability/logger';
import type { CrmConnectorOptions } from '../../src/receiver/settings/connectionSettingsService';
import { SuperOfficeSettingsError } from '../../src/receiver/settings/superOfficeSettings';
import { createSuperOfficeSettingsService } from '../../src/receiver/settings/superOfficeSettingsService';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';

// The SuperOffice connection settings (CRM=superoffice): the environment wins and is locked, the admin pages fill the
// rest, every credential is stored sealed with SECRET_KEY. Against the real SQLite store, read back as its rows.

const SECRET_KEY = 'ab'.repeat(32);
const logger = createLogger('silent');
const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

let dataDir: string;
const cleanups: Array<() => Promise<void>> = [];
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'so-settings-test-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

async function service(env: Record<string, string> = {}) {
  const store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
  const config = loadConfig({
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: 'secret',
    CRM: 'superoffice',
    SECRET_KEY,
    ...env,
  });
  const built: CrmConnectorOptions[] = [];
  const settings = await createSuperOfficeSettingsService({
    store,
    config,
    secretKey: config.secretKey,
    logger,
    makeConnector: (options) => {
      built.push(options);
      if (options.crm !== 'superoffice') throw new Error('a Lime connector asked for with CRM=superoffice');
      return makeCrmConnector(options);
    },
  });
  cleanups.push(async () => {
    await settings.close();
    await store.close();
  });
  return { settings, built };
}

function storedRows(): Record<string, string> {
  const raw = new Database(join(dataDir, 'receiver.sqlite'), { readonly: true });
  try {
    const rows = raw.prepare('SELECT key, value FROM settings ORDER BY key').all() as Array<{
      key: string;
      value: string;
    }>;
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  } finally {
    raw.close();
  }
}

describe('SuperOffice connection settings', () => {
  it('not connected until the URL and complete credentials are in effect; says what is missing', async () => {
    const { settings, built } = await service();
    const view = settings.superOffice.view();
    expect(view.connected).toBe(false);
    expect(view.missing).toEqual(['the WebAPI URL', 'how the receiver signs in']);
    expect(view.settings.taskType).toBe('Meeting');
    expect(settings.connector()).toBeUndefined();
    expect(built).toEqual([]);
  });

  it('saves a system user connection with every secret sealed: the store holds none of them in clear', async () => {
    const { settings, built } = await service();
    await settings.superOffice.save({
      url: 'https://online3.superoffice.com/Cust12345',
      auth: 'system_user',
      clientId: 'client-id-1',
      clientSecret: 'client-secret-123456',
      privateKey: PRIVATE_KEY,
      systemUserToken: 'Companion-system-user-token',
      taskType: 'Teams meeting',
      defaultAssociateId: '5',
      createMissingContacts: true,
      internalDomains: ['Seller.se'],
    });
    const view = settings.superOffice.view();
    expect(view.connected).toBe(true);
    expect(view.missing).toEqual([]);
    expect(view.settings.secrets.clientSecret).toEqual({ set: true, hint: '3456' });
    expect(view.settings.secrets.privateKey).toEqual({ set: true, hint: undefined });
    expect(JSON.stringify(view)).not.toContain('client-secret-123456');
    expect(built.at(-1)).toMatchObject({
      crm: 'superoffice',
      baseUrl: 'https://online3.superoffice.com/Cust12345',
      taskTypeName: 'Teams meeting',
      defaultAssociateId: 5,
      rejectUnauthorized: true,
      credentials: {
        kind: 'system_user',
        clientId: 'client-id-1',
        clientSecret: 'client-secret-123456',
        privateKeyPem: PRIVATE_KEY.trim(),
        systemUserToken: 'Companion-system-user-token',
      },
    });
    expect(settings.deliverOptions()).toMatchObject({ createMissingContacts: true, internalDomains: ['seller.se'] });

    const rows = storedRows();
    const everything = Object.values(rows).join('\n');
    for (const secret of ['client-secret-123456', 'Companion-system-user-token', 'PRIVATE KEY']) {
      expect(everything).not.toContain(secret);
    }
    expect(JSON.parse(rows['superoffice.clientSecret'] ?? '""')).toMatch(/^v1:/u);
    expect(JSON.parse(rows['superoffice.clientId'] ?? '""')).toBe('client-id-1');
  });

  it('a restart opens the sealed credentials again; another SECRET_KEY stops the start naming SECRET_KEY', async () => {
    const first = await service();
    await first.settings.superOffice.save({
      url: 'https://crm.example.com/SuperOffice',
      auth: 'basic',
      username: 'ADMIN0',
      password: 'onsite pass',
    });
    await first.settings.close();
    const again = await service();
    expect(again.settings.superOffice.view().connected).toBe(true);
    expect(again.built.at(-1)).toMatchObject({
      credentials: { kind: 'basic', username: 'ADMIN0', password: 'onsite pass' },
    });
    await again.settings.close();
    await expect(service({ SECRET_KEY: 'cd'.repeat(32) })).rejects.toThrow(ConfigError);
    await expect(service({ SECRET_KEY: 'cd'.repeat(32) })).rejects.toThrow(/SECRET_KEY does not decrypt the password/u);
  });

  it('shows no part of the Onsite password (a person chose it), while a generated secret keeps its last four', async () => {
    const { settings } = await service();
    await settings.superOffice.save({
      url: 'https://crm.example.com/SuperOffice',
      auth: 'basic',
      username: 'ADMIN0',
      password: 'Summer-2026-pw9x',
      ticket: '7T:ticket-abcdefgh1234',
    });
    const view = settings.superOffice.view();
    expect(view.settings.secrets.password).toEqual({ set: true, hint: undefined });
    expect(view.settings.secrets.ticket).toEqual({ set: true, hint: '1234' });
    expect(JSON.stringify(view)).not.toContain('pw9x');
    await settings.close();
  });

  it('without SECRET_KEY a credential is not saved (nothing in clear), with the reason at its field', async () => {
    const { settings } = await service({ SECRET_KEY: '' });
    const saving = settings.superOffice.save({
      url: 'https://crm.example.com/SuperOffice',
      auth: 'ticket',
      ticket: '7T:abc',
    });
    await expect(saving).rejects.toThrow(SuperOfficeSettingsError);
    await expect(saving).rejects.toMatchObject({ field: 'ticket' });
    expect(Object.keys(storedRows())).toEqual([]);
  });

  it('Company notes: on by default, turned off on the page for the next deliveries; COMPANY_NOTES locks it', async () => {
    const { settings } = await service();
    expect(settings.superOffice.view().settings.companyNotes).toBe(true);
    expect(settings.deliverOptions().companyNotes).toBe(true);
    await settings.superOffice.save({ companyNotes: false });
    expect(settings.superOffice.view().settings.companyNotes).toBe(false);
    expect(settings.deliverOptions().companyNotes).toBe(false);

    const locked = await service({ COMPANY_NOTES: 'false' });
    await locked.settings.superOffice.save({ companyNotes: true });
    expect(locked.settings.superOffice.view().locked).toEqual(['companyNotes']);
    expect(locked.settings.deliverOptions().companyNotes).toBe(false);
  });

  it('SUPEROFFICE_* variables win and are locked: what the page sends for them is ignored; env secrets are never stored', async () => {
    const { settings, built } = await service({
      SUPEROFFICE_URL: 'https://online3.superoffice.com/Cust12345',
      SUPEROFFICE_AUTH: 'ticket',
      SUPEROFFICE_TICKET: '7T:from-env',
      SUPEROFFICE_TASK_TYPE: 'Call',
    });
    expect(settings.superOffice.view().locked).toEqual(['url', 'auth', 'taskType', 'ticket']);
    expect(settings.superOffice.view().connected).toBe(true);
    await settings.superOffice.save({
      url: 'https://online9.superoffice.com/Cust9',
      taskType: 'Meeting',
      appToken: 'app-token-from-page',
      defaultAssociateId: '',
    });
    expect(built.at(-1)).toMatchObject({
      baseUrl: 'https://online3.superoffice.com/Cust12345',
      taskTypeName: 'Call',
      credentials: { kind: 'ticket', ticket: '7T:from-env', appToken: 'app-token-from-page' },
    });
    const rows = storedRows();
    expect(Object.keys(rows).sort()).toEqual(['superoffice.appToken', 'superoffice.defaultAssociateId']);
    expect(Object.values(rows).join('\n')).not.toContain('7T:from-env');
  });

  it('refuses bad input at its field: a URL that is not one, a key that is not a private key', async () => {
    const { settings } = await service();
    await expect(settings.superOffice.save({ url: 'online3' })).rejects.toMatchObject({ field: 'url' });
    await expect(settings.superOffice.save({ auth: 'system_user', privateKey: 'not a key' })).rejects.toMatchObject({
      field: 'privateKey',
    });
    await expect(settings.superOffice.save({ auth: 'oauth' })).rejects.toMatchObject({ field: 'auth' });
    await expect(settings.superOffice.save({ defaultAssociateId: 'anna' })).rejects.toMatchObject({
      field: 'defaultAssociateId',
    });
    expect(Object.keys(storedRows())).toEqual([]);
  });

  it('refuses a private key that is not RSA (Ed25519): SuperOffice signs with RSA-SHA256', async () => {
    const { settings } = await service();
    const ed25519 = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(settings.superOffice.save({ auth: 'system_user', privateKey: ed25519 })).rejects.toMatchObject({
      field: 'privateKey',
    });
    expect(Object.keys(storedRows())).toEqual([]);
  });

  it('the note language is saved, survives a restart and reaches the delivery options; an unknown one is refused', async () => {
    const { settings } = await service();
    expect(settings.superOffice.view().settings.noteLanguage).toBe('en');
    await settings.superOffice.save({ noteLanguage: 'nb' });
    expect(settings.superOffice.view().settings.noteLanguage).toBe('nb');
    expect(settings.deliverOptions().noteLanguage).toBe('nb');
    await expect(settings.superOffice.save({ noteLanguage: 'no' })).rejects.toMatchObject({ field: 'noteLanguage' });
    expect(storedRows()).toEqual({ 'superoffice.noteLanguage': JSON.stringify('nb') });

    const { settings: again } = await service();
    expect(again.deliverOptions().noteLanguage).toBe('nb');
  });

  it('NOTE_LANGUAGE in the environment wins and locks the note language on the SuperOffice page too', async () => {
    const { settings } = await service({ NOTE_LANGUAGE: 'da' });
    await settings.superOffice.save({ noteLanguage: 'sv' });
    const view = settings.superOffice.view();
    expect(view.locked).toEqual(['noteLanguage']);
    expect(view.settings.noteLanguage).toBe('da');
    expect(settings.deliverOptions().noteLanguage).toBe('da');
    expect(Object.keys(storedRows())).toEqual([]);
  });

  it('Disconnect removes the stored URL and credentials, keeps the rest', async () => {
    const { settings } = await service();
    await settings.superOffice.save({
      url: 'https://crm.example.com/SuperOffice',
      auth: 'basic',
      username: 'ADMIN0',
      password: 'pw',
      taskType: 'Call',
    });
    await settings.disconnect();
    expect(settings.connector()).toBeUndefined();
    expect(Object.keys(storedRows())).toEqual(['superoffice.taskType']);
  });
});

describe('stored SuperOffice credentials stay with the host they were entered for', () => {
  const SYSTEM_USER = {
    url: 'https://online3.superoffice.com/Cust12345',
    auth: 'system_user',
    clientId: 'client-id-1',
    clientSecret: 'client-secret-123456',
    privateKey: PRIVATE_KEY,
    systemUserToken: 'Companion-system-user-token',
  } as const;

  async function refusal(work: Promise<unknown>): Promise<SuperOfficeSettingsError> {
    const error = await work.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(SuperOfficeSettingsError);
    return error as SuperOfficeSettingsError;
  }

  it('a WebAPI URL on another host without the secrets again is refused at the URL; nothing changes', async () => {
    const { settings, built } = await service();
    await settings.superOffice.save(SYSTEM_USER);
    const rowsBefore = storedRows();

    const error = await refusal(settings.superOffice.save({ url: 'https://attacker.example/Cust12345' }));
    expect(error.field).toBe('url');
    expect(error.message).toBe(
      'The credentials belong to online3.superoffice.com: enter them again for attacker.example.',
    );
    for (const secret of ['client-secret-123456', 'Companion-system-user-token', 'PRIVATE KEY']) {
      expect(error.message).not.toContain(secret);
    }
    expect(settings.superOffice.view().settings.url).toBe(SYSTEM_USER.url);
    expect(built).toHaveLength(1);
    expect(storedRows()).toEqual(rowsBefore);
  });

  it('with the secrets entered again the new host is saved, and secrets of another sign-in are cleared', async () => {
    const { settings, built } = await service();
    await settings.superOffice.save({
      url: 'https://crm.example.com/SuperOffice',
      auth: 'basic',
      username: 'A',
      password: 'old-pw',
    });
    await settings.superOffice.save({ ...SYSTEM_USER, url: 'https://crm.example.com/SuperOffice' });
    expect(Object.keys(storedRows())).toContain('superoffice.password');

    await settings.superOffice.save(SYSTEM_USER);
    expect(settings.superOffice.view().settings.url).toBe(SYSTEM_USER.url);
    expect(built.at(-1)).toMatchObject({
      baseUrl: SYSTEM_USER.url,
      credentials: { kind: 'system_user', clientSecret: 'client-secret-123456' },
    });
    // The Onsite password was given for crm.example.com: it does not follow to online3.
    expect(Object.keys(storedRows())).not.toContain('superoffice.password');
    expect(settings.superOffice.view().settings.secrets.password.set).toBe(false);
  });

  it('the same host with another path keeps the stored secrets', async () => {
    const { settings, built } = await service();
    await settings.superOffice.save(SYSTEM_USER);
    await settings.superOffice.save({ url: 'https://online3.superoffice.com/Cust67890' });
    expect(built.at(-1)).toMatchObject({
      baseUrl: 'https://online3.superoffice.com/Cust67890',
      credentials: { kind: 'system_user', clientSecret: 'client-secret-123456' },
    });
  });

  it('a login service URL on another host without the secrets again is refused at that field', async () => {
    const { settings } = await service();
    await settings.superOffice.save({ ...SYSTEM_USER, loginUrl: 'https://sod.superoffice.com/login' });
    const error = await refusal(settings.superOffice.save({ loginUrl: 'https://login.attacker.example/login' }));
    expect(error.field).toBe('loginUrl');
    expect(error.message).toBe(
      'The credentials belong to sod.superoffice.com: enter them again for login.attacker.example.',
    );
    expect(settings.superOffice.view().settings.loginUrl).toBe('https://sod.superoffice.com/login');
  });

  it("secrets given by SUPEROFFICE_* variables are the operator's: the login service URL may move without them", async () => {
    const keyFile = join(dataDir, 'system-user.pem');
    writeFileSync(keyFile, PRIVATE_KEY);
    const { settings, built } = await service({
      SUPEROFFICE_URL: SYSTEM_USER.url,
      SUPEROFFICE_AUTH: 'system_user',
      SUPEROFFICE_CLIENT_ID: 'client-id-1',
      SUPEROFFICE_CLIENT_SECRET: 'client-secret-from-env',
      SUPEROFFICE_PRIVATE_KEY_FILE: keyFile,
      SUPEROFFICE_SYSTEM_USER_TOKEN: 'Companion-token-from-env',
    });
    await settings.superOffice.save({ loginUrl: 'https://sod.superoffice.com/login' });
    await settings.superOffice.save({ loginUrl: 'https://online.superoffice.com/login' });
    expect(built.at(-1)).toMatchObject({
      credentials: { kind: 'system_user', loginUrl: 'https://online.superoffice.com/login' },
    });
  });
});

describe('a save rebuilds the connector only when the connection changes', () => {
  it('internal domains and create contacts keep the connector (and its ticket); a new task type builds one', async () => {
    const { settings, built } = await service();
    await settings.superOffice.save({
      url: 'https://online3.superoffice.com/Cust12345',
      auth: 'system_user',
      clientId: 'client-id-1',
      clientSecret: 'client-secret-123456',
      privateKey: PRIVATE_KEY,
      systemUserToken: 'Companion-system-user-token',
    });
    const first = settings.connector();
    expect(built).toHaveLength(1);

    await settings.superOffice.save({ internalDomains: ['seller.se'], createMissingContacts: true });
    await settings.superOffice.save({ clientSecret: 'client-secret-123456' });
    expect(built).toHaveLength(1);
    expect(settings.connector()).toBe(first);
    expect(settings.deliverOptions()).toMatchObject({ createMissingContacts: true, internalDomains: ['seller.se'] });

    await settings.superOffice.save({ taskType: 'Call' });
    expect(built).toHaveLength(2);
    expect(built.at(-1)).toMatchObject({ taskTypeName: 'Call' });
    expect(settings.connector()).not.toBe(first);
  });

  it('against the emulator: a save of internal domains makes no new system user exchange', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const emulator = await startSuperOfficeEmulator({
      auth: {
        kind: 'online',
        applications: [
          {
            clientId: 'client-id-1',
            clientSecret: 'client-secret-123456',
            publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          },
        ],
        systemUsers: [{ systemUserToken: 'Companion-system-user-token', clientId: 'client-id-1' }],
      },
    });
    cleanups.push(() => emulator.close());
    seedDemoData(emulator);
    const { settings } = await service();
    await settings.superOffice.save({
      url: emulator.baseUrl,
      auth: 'system_user',
      clientId: 'client-id-1',
      clientSecret: 'client-secret-123456',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      systemUserToken: 'Companion-system-user-token',
      loginUrl: emulator.loginUrl,
    });
    expect(await settings.testConnection()).toMatchObject({ ok: true });
    expect(emulator.exchangeCount).toBe(1);

    await settings.superOffice.save({ internalDomains: ['seller.se'], createMissingContacts: true });
    expect(await settings.testConnection()).toMatchObject({ ok: true });
    expect(emulator.exchangeCount).toBe(1);
  });
});
