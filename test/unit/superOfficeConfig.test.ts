import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/receiver/config/loadConfig';

const minimal = { DCI_WEBHOOK_SECRETS: 'secret-one' };
const so = { ...minimal, CRM: 'superoffice' };

let dir: string;
let keyFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'so-config-'));
  keyFile = join(dir, 'app.pem');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs1', format: 'pem' }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The problems a ConfigError lists, or [] when the configuration loads. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/app');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('CRM and the SUPEROFFICE_* variables', () => {
  it('Lime stays the default: no CRM, no SuperOffice block, SUPEROFFICE_* named as ignored', () => {
    const config = loadConfig({ ...minimal, SUPEROFFICE_URL: 'https://so.example.com/SuperOffice' });
    expect(config.crm).toBe('lime');
    expect(config.superOffice).toBeUndefined();
    expect(config.ignoredCrmVariables).toEqual(['SUPEROFFICE_URL']);
    expect(config.limeRateLimit).toEqual({ requests: 3000, windowMs: 300_000 });
  });

  it('refuses a CRM it does not know, naming CRM', () => {
    expect(problemsOf({ ...minimal, CRM: 'salesforce' })).toEqual(['CRM must be lime (the default) or superoffice']);
  });

  it('CRM=superoffice with nothing else: defaults (task type Meeting as the script, rate limit off, TLS verified)', () => {
    const config = loadConfig(so);
    expect(config.crm).toBe('superoffice');
    expect(config.superOffice?.settings.url).toBeUndefined();
    expect(config.superOffice?.settings.auth).toBeUndefined();
    expect(config.superOffice?.settings.taskType).toBeUndefined();
    expect(config.superOffice?.tls).toEqual({ caFile: undefined, rejectUnauthorized: true });
    expect(config.superOffice?.rateLimit).toBeUndefined();
    expect(config.limeRateLimit).toBeUndefined();
    expect(config.lime).toBeUndefined();
  });

  it('reads every SuperOffice variable (basic auth, Onsite)', () => {
    const config = loadConfig({
      ...so,
      SUPEROFFICE_URL: ' https://crm.example.com/SuperOffice ',
      SUPEROFFICE_AUTH: 'basic',
      SUPEROFFICE_USERNAME: 'ADMIN0',
      SUPEROFFICE_PASSWORD: ' pass word ',
      SUPEROFFICE_TASK_TYPE: 'Teams meeting',
      SUPEROFFICE_DEFAULT_ASSOCIATE_ID: '7',
      SUPEROFFICE_CREATE_MISSING_CONTACTS: 'yes',
      SUPEROFFICE_CA_FILE: '/etc/ssl/internal-ca.pem',
      SUPEROFFICE_TLS_REJECT_UNAUTHORIZED: 'false',
      SUPEROFFICE_RATE_LIMIT: '1000/60',
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
    });
    expect(config.superOffice).toEqual({
      settings: {
        url: 'https://crm.example.com/SuperOffice',
        auth: 'basic',
        username: 'ADMIN0',
        password: ' pass word ',
        ticket: undefined,
        appToken: undefined,
        clientId: undefined,
        clientSecret: undefined,
        systemUserToken: undefined,
        loginUrl: undefined,
        taskType: 'Teams meeting',
        defaultAssociateId: 7,
        createMissingContacts: true,
        internalDomains: ['seller.se'],
      },
      tls: { caFile: '/etc/ssl/internal-ca.pem', rejectUnauthorized: false },
      rateLimit: { requests: 1000, windowMs: 60_000 },
    });
    expect(config.limeRateLimit).toEqual({ requests: 1000, windowMs: 60_000 });
  });

  it('a fixed ticket, with the application token', () => {
    const config = loadConfig({
      ...so,
      SUPEROFFICE_URL: 'https://online3.superoffice.com/Cust12345',
      SUPEROFFICE_AUTH: 'ticket',
      SUPEROFFICE_TICKET: '7T:abc',
      SUPEROFFICE_APP_TOKEN: 'app-secret',
    });
    expect(config.superOffice?.settings).toMatchObject({ auth: 'ticket', ticket: '7T:abc', appToken: 'app-secret' });
  });

  it('the system user: the private key file is read at start', () => {
    const config = loadConfig({
      ...so,
      SUPEROFFICE_URL: 'https://online3.superoffice.com/Cust12345',
      SUPEROFFICE_AUTH: 'system_user',
      SUPEROFFICE_CLIENT_ID: 'client-1',
      SUPEROFFICE_CLIENT_SECRET: 'client-secret',
      SUPEROFFICE_PRIVATE_KEY_FILE: keyFile,
      SUPEROFFICE_SYSTEM_USER_TOKEN: 'Companion-abc.def',
      SUPEROFFICE_LOGIN_URL: 'https://sod.superoffice.com/login',
    });
    expect(config.superOffice?.settings).toMatchObject({
      auth: 'system_user',
      clientId: 'client-1',
      clientSecret: 'client-secret',
      systemUserToken: 'Companion-abc.def',
      loginUrl: 'https://sod.superoffice.com/login',
    });
    expect(config.superOffice?.settings.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/u);
  });

  it.each([
    [
      { SUPEROFFICE_AUTH: 'basic', SUPEROFFICE_USERNAME: 'ADMIN0' },
      'SUPEROFFICE_PASSWORD: SUPEROFFICE_AUTH=basic needs it (it is not set)',
    ],
    [{ SUPEROFFICE_AUTH: 'ticket' }, 'SUPEROFFICE_TICKET: SUPEROFFICE_AUTH=ticket needs it (it is not set)'],
    [
      {
        SUPEROFFICE_AUTH: 'system_user',
        SUPEROFFICE_CLIENT_ID: 'c',
        SUPEROFFICE_CLIENT_SECRET: 's',
        SUPEROFFICE_SYSTEM_USER_TOKEN: 't',
      },
      'SUPEROFFICE_PRIVATE_KEY_FILE: SUPEROFFICE_AUTH=system_user needs it (it is not set)',
    ],
    [
      { SUPEROFFICE_TICKET: 't' },
      'SUPEROFFICE_AUTH: SUPEROFFICE_TICKET is set, so say how it signs in (basic, ticket or system_user)',
    ],
    [
      { SUPEROFFICE_AUTH: 'ticket', SUPEROFFICE_TICKET: 't', SUPEROFFICE_PASSWORD: 'p' },
      'SUPEROFFICE_PASSWORD: not used with SUPEROFFICE_AUTH=ticket (it belongs to basic)',
    ],
  ])('partial or mixed credentials are refused, naming the variable: %j', (extra, problem) => {
    expect(problemsOf({ ...so, SUPEROFFICE_URL: 'https://so.example.com/SuperOffice', ...extra })).toContain(problem);
  });

  it('credentials without the URL are refused, naming SUPEROFFICE_URL', () => {
    expect(problemsOf({ ...so, SUPEROFFICE_AUTH: 'ticket', SUPEROFFICE_TICKET: 't' })).toEqual([
      "SUPEROFFICE_URL: SUPEROFFICE_AUTH=ticket needs the tenant's WebAPI base",
    ]);
  });

  it.each([
    [{ SUPEROFFICE_URL: 'ftp://so.example.com' }, /^SUPEROFFICE_URL must be the tenant's http\(s\) WebAPI base/u],
    [{ SUPEROFFICE_AUTH: 'oauth' }, /^SUPEROFFICE_AUTH must be basic \(Onsite\), ticket or system_user/u],
    [{ SUPEROFFICE_DEFAULT_ASSOCIATE_ID: 'anna' }, /^SUPEROFFICE_DEFAULT_ASSOCIATE_ID must be/u],
    [{ SUPEROFFICE_CREATE_MISSING_CONTACTS: 'maybe' }, /^SUPEROFFICE_CREATE_MISSING_CONTACTS must be true or false/u],
    [{ SUPEROFFICE_TLS_REJECT_UNAUTHORIZED: 'nope' }, /^SUPEROFFICE_TLS_REJECT_UNAUTHORIZED must be true or false/u],
    [{ SUPEROFFICE_RATE_LIMIT: 'fast' }, /^SUPEROFFICE_RATE_LIMIT must be <requests>\/<seconds>/u],
    [{ SUPEROFFICE_LOGIN_URL: 'login', SUPEROFFICE_AUTH: 'system_user' }, /^SUPEROFFICE_LOGIN_URL must be/u],
  ])('refuses a bad value, naming the variable: %j', (extra, problem) => {
    expect(problemsOf({ ...so, ...extra })).toContainEqual(expect.stringMatching(problem));
  });

  it('a private key file that cannot be read, or is not a private key, is a clear error', () => {
    const system = {
      ...so,
      SUPEROFFICE_URL: 'https://online3.superoffice.com/Cust12345',
      SUPEROFFICE_AUTH: 'system_user',
      SUPEROFFICE_CLIENT_ID: 'c',
      SUPEROFFICE_CLIENT_SECRET: 's',
      SUPEROFFICE_SYSTEM_USER_TOKEN: 't',
    };
    const missing = join(dir, 'missing.pem');
    expect(problemsOf({ ...system, SUPEROFFICE_PRIVATE_KEY_FILE: missing })).toEqual([
      `SUPEROFFICE_PRIVATE_KEY_FILE: ${missing} cannot be read (ENOENT)`,
    ]);
    const publicOnly = join(dir, 'public.pem');
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    writeFileSync(publicOnly, publicKey.export({ type: 'spki', format: 'pem' }));
    expect(problemsOf({ ...system, SUPEROFFICE_PRIVATE_KEY_FILE: publicOnly })).toEqual([
      expect.stringMatching(/^SUPEROFFICE_PRIVATE_KEY_FILE: .*public\.pem is not a PEM private key/u),
    ]);
    const ed25519 = join(dir, 'ed25519.pem');
    writeFileSync(ed25519, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(problemsOf({ ...system, SUPEROFFICE_PRIVATE_KEY_FILE: ed25519 })).toEqual([
      expect.stringMatching(/^SUPEROFFICE_PRIVATE_KEY_FILE: .*ed25519\.pem is an ed25519 key, not RSA/u),
    ]);
  });

  it('refuses plain http to SuperOffice Online, and for a system user anywhere but loopback, saying https', () => {
    const system = {
      ...so,
      SUPEROFFICE_AUTH: 'system_user',
      SUPEROFFICE_CLIENT_ID: 'c',
      SUPEROFFICE_CLIENT_SECRET: 's',
      SUPEROFFICE_SYSTEM_USER_TOKEN: 't',
      SUPEROFFICE_PRIVATE_KEY_FILE: keyFile,
    };
    expect(problemsOf({ ...so, SUPEROFFICE_URL: 'http://online3.superoffice.com/Cust12345' })).toEqual([
      expect.stringMatching(/^SUPEROFFICE_URL: online3\.superoffice\.com is SuperOffice Online.*https:\/\//u),
    ]);
    expect(problemsOf({ ...system, SUPEROFFICE_URL: 'http://crm.example.com/SuperOffice' })).toEqual([
      expect.stringMatching(
        /^SUPEROFFICE_URL: a system user's ticket and client secret would go in clear.*https:\/\//u,
      ),
    ]);
    expect(
      problemsOf({
        ...system,
        SUPEROFFICE_URL: 'https://online3.superoffice.com/Cust12345',
        SUPEROFFICE_LOGIN_URL: 'http://online.superoffice.com/login',
      }),
    ).toEqual([expect.stringMatching(/^SUPEROFFICE_LOGIN_URL: .*https:\/\//u)]);
    expect(problemsOf({ ...system, SUPEROFFICE_URL: 'http://127.0.0.1:8080/Cust12345' })).toEqual([]);
    expect(
      problemsOf({
        ...so,
        SUPEROFFICE_URL: 'http://crm.example.com/SuperOffice',
        SUPEROFFICE_AUTH: 'basic',
        SUPEROFFICE_USERNAME: 'u',
        SUPEROFFICE_PASSWORD: 'p',
      }),
    ).toEqual([]);
  });

  it('LIME_* set with CRM=superoffice is ignored (even when invalid) and named for the warning', () => {
    const config = loadConfig({ ...so, LIME_URL: 'https://lime.example.com', LIME_RATE_LIMIT: 'nonsense' });
    expect(config.lime).toBeUndefined();
    expect(config.ignoredCrmVariables).toEqual(['LIME_RATE_LIMIT', 'LIME_URL']);
  });

  it('never echoes a secret in its errors', () => {
    const problems = problemsOf({ ...so, SUPEROFFICE_AUTH: 'basic', SUPEROFFICE_PASSWORD: 'hunter2-secret' });
    expect(problems.join('\n')).not.toContain('hunter2-secret');
  });
});
