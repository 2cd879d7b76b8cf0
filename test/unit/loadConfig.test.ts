import { ConfigError, loadConfig } from '../../src/receiver/config/loadConfig';

const minimal = { DCI_WEBHOOK_SECRETS: 'secret-one' };

describe('loadConfig', () => {
  it('embedded defaults: port 8080, ./data, SE, Stockholm, no Lime connection (deliveries wait)', () => {
    const config = loadConfig(minimal, '/srv/app');
    expect(config).toMatchObject({
      port: 8080,
      dataDir: '/srv/app/data',
      webhookSecrets: ['secret-one'],
      lime: undefined,
      defaultRegion: 'SE',
      timeZone: 'Europe/Stockholm',
      internalDomains: [],
      logLevel: 'info',
      maxBodyBytes: 1024 * 1024,
      noteDate: 'now',
    });
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      PORT: '9000',
      DATA_DIR: '/var/lib/dci',
      DCI_WEBHOOK_SECRETS: ' a , b ,',
      LIME_URL: 'https://lime.example.com/Lime CRM',
      LIME_API_KEY: 'key',
      LIME_CREATE_MISSING_CONTACTS: 'true',
      LIME_HISTORY_TYPE: 'dcisummary',
      DEFAULT_PHONE_REGION: 'no',
      INTERNAL_EMAIL_DOMAINS: 'seller.se, seller.no',
      TIME_ZONE: 'Europe/Oslo',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      port: 9000,
      dataDir: '/var/lib/dci',
      webhookSecrets: ['a', 'b'],
      lime: {
        url: 'https://lime.example.com/Lime CRM',
        apiKey: 'key',
        createMissingContacts: true,
        historyType: 'dcisummary',
        rejectUnauthorized: true,
      },
      defaultRegion: 'NO',
      internalDomains: ['seller.se', 'seller.no'],
      timeZone: 'Europe/Oslo',
      logLevel: 'warn',
    });
  });

  it('reports every invalid setting at once, by name, without echoing values', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DCI_WEBHOOK_SECRETS: '',
        LIME_URL: 'lime.example.com',
        LIME_API_KEY: 'super-secret-key',
        DEFAULT_PHONE_REGION: 'XX',
        TIME_ZONE: 'Europe/Gothenburg',
        LIME_CREATE_MISSING_CONTACTS: 'maybe',
        LOG_LEVEL: 'loud',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'DCI_WEBHOOK_SECRETS',
      'LIME_URL',
      'DEFAULT_PHONE_REGION',
      'TIME_ZONE',
      'LIME_CREATE_MISSING_CONTACTS',
      'LOG_LEVEL',
    ]) {
      expect(problems).toContain(name);
    }
    expect((error as Error).message).not.toContain('super-secret-key');
  });

  it('a Lime URL without an API key (or the reverse) is refused', () => {
    expect(() => loadConfig({ ...minimal, LIME_URL: 'https://lime.example.com/x' })).toThrow(/LIME_API_KEY/u);
    expect(() => loadConfig({ ...minimal, LIME_API_KEY: 'k' })).toThrow(/LIME_URL/u);
  });

  it('deliveries of a crashed receiver are reclaimed after LEASE_SECONDS: 5 minutes unless set, at least 5 s', () => {
    expect(loadConfig(minimal).leaseMs).toBe(300_000);
    expect(loadConfig({ ...minimal, LEASE_SECONDS: '30' }).leaseMs).toBe(30_000);
    expect(() => loadConfig({ ...minimal, LEASE_SECONDS: '2' })).toThrow(/LEASE_SECONDS must be a whole number/u);
    expect(() => loadConfig({ ...minimal, LEASE_SECONDS: '7.5' })).toThrow(/LEASE_SECONDS/u);
  });

  it('no webhook secret is refused: nothing could be verified', () => {
    expect(() => loadConfig({})).toThrow(/DCI_WEBHOOK_SECRETS is required/u);
  });
});
