import { ConfigError, loadConfig, resolveDciMode, storeLocationFrom } from '../../src/receiver/config/loadConfig';

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

  it('LINK_DEAL and HISTORY_TYPE_MAP: unset by default; read when set; a bad map entry is refused by name', () => {
    expect(loadConfig(minimal)).toMatchObject({ linkDeal: undefined, historyTypeMap: undefined });
    expect(
      loadConfig({
        ...minimal,
        LINK_DEAL: 'yes',
        HISTORY_TYPE_MAP: 'medium:call=talkedto, Conversation_Type:Demo=customervisit',
      }),
    ).toMatchObject({
      linkDeal: true,
      historyTypeMap: [
        { on: 'medium', value: 'call', type: 'talkedto' },
        { on: 'conversation_type', value: 'demo', type: 'customervisit' },
      ],
    });
    expect(loadConfig({ ...minimal, LINK_DEAL: 'false' }).linkDeal).toBe(false);
    let error: unknown;
    try {
      loadConfig({ ...minimal, LINK_DEAL: 'sometimes', HISTORY_TYPE_MAP: 'medium:call=talkedto, phone=talkedto' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('LINK_DEAL must be true or false'),
        'HISTORY_TYPE_MAP: entry 2 "phone=talkedto": say what it keys on, medium:<value> or conversation_type:<value>, before the "="',
      ]),
    );
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

  describe('the store', () => {
    it('without DATABASE_URL, SQLite in DATA_DIR', () => {
      expect(loadConfig(minimal, '/srv/app').store).toEqual({ kind: 'sqlite', file: '/srv/app/data/receiver.sqlite' });
      expect(loadConfig({ ...minimal, DATABASE_URL: ' ' }, '/srv/app').store).toMatchObject({ kind: 'sqlite' });
    });

    it('with DATABASE_URL, PostgreSQL in the public schema, or in DATABASE_SCHEMA', () => {
      const url = 'postgres://dci:pw@db.internal:5432/dci';
      expect(loadConfig({ ...minimal, DATABASE_URL: ` ${url} ` }).store).toEqual({
        kind: 'postgres',
        connectionString: url,
        schema: 'public',
      });
      expect(
        loadConfig({ ...minimal, DATABASE_URL: 'postgresql://db/dci', DATABASE_SCHEMA: 'tenant_42' }).store,
      ).toMatchObject({ kind: 'postgres', schema: 'tenant_42' });
    });

    it('an invalid DATABASE_URL or DATABASE_SCHEMA is refused by name, without echoing the URL', () => {
      const attempt = (env: Record<string, string>) => () => loadConfig({ ...minimal, ...env });
      expect(attempt({ DATABASE_URL: 'mysql://u:secret-pw@db/dci' })).toThrow(/DATABASE_URL must be a postgres/u);
      expect(attempt({ DATABASE_URL: 'mysql://u:secret-pw@db/dci' })).not.toThrow(/secret-pw/u);
      expect(attempt({ DATABASE_URL: 'postgres://db/dci', DATABASE_SCHEMA: 'Tenant-1' })).toThrow(/DATABASE_SCHEMA/u);
      expect(attempt({ DATABASE_SCHEMA: 'tenant_1' })).toThrow(/DATABASE_SCHEMA: goes with DATABASE_URL/u);
    });

    it('the CLI reads only the store variables, and the same way', () => {
      expect(storeLocationFrom({ DATA_DIR: 'var' }, '/srv')).toEqual({
        kind: 'sqlite',
        file: '/srv/var/receiver.sqlite',
      });
      expect(storeLocationFrom({ DATABASE_URL: 'postgres://db/dci', DATABASE_SCHEMA: 'x' })).toEqual({
        kind: 'postgres',
        connectionString: 'postgres://db/dci',
        schema: 'x',
      });
      expect(() => storeLocationFrom({ DATABASE_URL: 'db' })).toThrow(ConfigError);
    });
  });

  it('RECEIVER_PUBLIC_URL: unset by default; an http(s) address is read without its trailing slash', () => {
    expect(loadConfig(minimal).publicUrl).toBeUndefined();
    expect(loadConfig({ ...minimal, RECEIVER_PUBLIC_URL: ' ' }).publicUrl).toBeUndefined();
    expect(loadConfig({ ...minimal, RECEIVER_PUBLIC_URL: 'https://companion.example.com/dci/' }).publicUrl).toBe(
      'https://companion.example.com/dci',
    );
    for (const invalid of ['companion.example.com', 'ftp://companion.example.com', 'https://x.example.com/?a=1']) {
      expect(() => loadConfig({ ...minimal, RECEIVER_PUBLIC_URL: invalid })).toThrow(/RECEIVER_PUBLIC_URL must be/u);
    }
  });

  it('no webhook secret is refused: nothing could be verified', () => {
    expect(() => loadConfig({})).toThrow(/DCI_WEBHOOK_SECRETS is required/u);
  });

  describe('DCI: webhooks, polling or both', () => {
    const api = { DCI_API_URL: 'https://dci.example.com/api/v1/rest/', DCI_API_TOKEN: 'mt_ab12cd34secret' };

    it('webhook secrets only: webhook mode, no REST API, DCI defaults (60 requests a minute, poll every 60 s, wait 15 min)', () => {
      const config = loadConfig(minimal);
      expect(config.dci).toEqual({
        mode: undefined,
        apiUrl: undefined,
        apiToken: undefined,
        ratePerMinute: 60,
        pollIntervalMs: 60_000,
        conversationUrlTemplate: undefined,
        enrichWaitMs: 15 * 60_000,
      });
      expect(resolveDciMode(config.dci, { secrets: true, token: false })).toBe('webhook');
    });

    it('a token without webhook secrets is poll mode: DCI_WEBHOOK_SECRETS is then not required', () => {
      const config = loadConfig(api);
      expect(config.webhookSecrets).toEqual([]);
      expect(config.dci).toMatchObject({
        apiUrl: 'https://dci.example.com/api/v1/rest',
        apiToken: 'mt_ab12cd34secret',
      });
      expect(resolveDciMode(config.dci, { secrets: false, token: true })).toBe('poll');
      expect(resolveDciMode(config.dci, { secrets: true, token: true })).toBe('both');
    });

    it('reads every DCI variable, and DCI_MODE wins over what is configured', () => {
      const config = loadConfig({
        ...minimal,
        ...api,
        DCI_MODE: 'webhook',
        DCI_API_RATE_PER_MINUTE: '30',
        DCI_POLL_INTERVAL_S: '120',
        DCI_CONVERSATION_URL: 'https://app.dci.example.com/conversations/{id}',
        DCI_ENRICH_WAIT_MINUTES: '5',
      });
      expect(config.dci).toMatchObject({
        mode: 'webhook',
        ratePerMinute: 30,
        pollIntervalMs: 120_000,
        conversationUrlTemplate: 'https://app.dci.example.com/conversations/{id}',
        enrichWaitMs: 5 * 60_000,
      });
      expect(resolveDciMode(config.dci, { secrets: true, token: true })).toBe('webhook');
    });

    it('DCI_MODE=poll needs the API URL but no secrets (the token may be saved on the admin pages)', () => {
      expect(loadConfig({ DCI_MODE: 'poll', DCI_API_URL: api.DCI_API_URL }).dci.mode).toBe('poll');
      expect(() => loadConfig({ DCI_MODE: 'poll' })).toThrow(/DCI_API_URL: DCI_MODE=poll polls/u);
    });

    it('says what goes together: webhook or both mode needs secrets, a token needs the URL, bad values are named', () => {
      expect(() => loadConfig({ ...api, DCI_MODE: 'both' })).toThrow(/DCI_WEBHOOK_SECRETS is required/u);
      expect(() => loadConfig({ DCI_API_TOKEN: 'mt_x1234567' })).toThrow(/DCI_API_URL: goes with DCI_API_TOKEN/u);
      let error: unknown;
      try {
        loadConfig({
          ...minimal,
          DCI_MODE: 'sometimes',
          DCI_API_URL: 'dci.example.com',
          DCI_CONVERSATION_URL: 'https://app.dci.example.com/conversations',
          DCI_POLL_INTERVAL_S: '1',
        });
      } catch (caught) {
        error = caught;
      }
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/DCI_MODE must be webhook, poll or both/u);
      expect(problems).toMatch(/DCI_API_URL must be the http\(s\) base/u);
      expect(problems).toMatch(/DCI_CONVERSATION_URL must be an http\(s\) address containing \{id\}/u);
      expect(problems).toMatch(/DCI_POLL_INTERVAL_S must be a whole number from 5/u);
      expect(problems).not.toMatch(/mt_/u);
    });
  });

  describe('admin pages and stored settings', () => {
    const HASH = 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==$' + 'A'.repeat(43) + '=';

    it('no admin password: admin undefined (the pages are off); no SECRET_KEY: secretKey undefined', () => {
      expect(loadConfig(minimal)).toMatchObject({ admin: undefined, secretKey: undefined });
      expect(loadConfig({ ...minimal, ADMIN_PASSWORD: '  ', SECRET_KEY: '' })).toMatchObject({
        admin: undefined,
        secretKey: undefined,
      });
    });

    it('ADMIN_PASSWORD or ADMIN_PASSWORD_HASH is read', () => {
      expect(loadConfig({ ...minimal, ADMIN_PASSWORD: 'open sesame' }).admin).toEqual({
        password: 'open sesame',
        passwordHash: undefined,
      });
      expect(loadConfig({ ...minimal, ADMIN_PASSWORD_HASH: ` ${HASH} ` }).admin).toEqual({
        password: undefined,
        passwordHash: HASH,
      });
    });

    it('both admin password variables, or a hash in another form, are refused without echoing them', () => {
      expect(() => loadConfig({ ...minimal, ADMIN_PASSWORD: 'pw-value', ADMIN_PASSWORD_HASH: HASH })).toThrow(
        /set ADMIN_PASSWORD or ADMIN_PASSWORD_HASH, not both/u,
      );
      let error: unknown;
      try {
        loadConfig({ ...minimal, ADMIN_PASSWORD_HASH: 'bcrypt$hash-value' });
      } catch (caught) {
        error = caught;
      }
      expect((error as ConfigError).problems.join('\n')).toMatch(/ADMIN_PASSWORD_HASH must look like scrypt\$/u);
      expect((error as Error).message).not.toContain('hash-value');
    });

    it('SECRET_KEY is 32 bytes in hex or base64; anything else is refused without echoing it', () => {
      expect(loadConfig({ ...minimal, SECRET_KEY: 'ab'.repeat(32) }).secretKey).toEqual(Buffer.alloc(32, 0xab));
      expect(loadConfig({ ...minimal, SECRET_KEY: Buffer.alloc(32, 3).toString('base64') }).secretKey).toEqual(
        Buffer.alloc(32, 3),
      );
      expect(() => loadConfig({ ...minimal, SECRET_KEY: 'too-short-secret' })).toThrow(
        /SECRET_KEY must be 32 bytes written as 64 hex characters or base64/u,
      );
      expect(() => loadConfig({ ...minimal, SECRET_KEY: 'too-short-secret' })).not.toThrow(/too-short-secret/u);
    });

    it('each Lime setting the environment gives is listed in settingsFromEnv (it locks that setting)', () => {
      expect(loadConfig(minimal).settingsFromEnv).toEqual({
        url: undefined,
        apiKey: undefined,
        historyType: undefined,
        createMissingContacts: undefined,
        internalDomains: undefined,
        companyNotes: undefined,
      });
      expect(
        loadConfig({
          ...minimal,
          LIME_URL: ' https://lime.example.com/acme ',
          LIME_API_KEY: 'key',
          LIME_HISTORY_TYPE: 'dcisummary',
          LIME_CREATE_MISSING_CONTACTS: 'no',
          INTERNAL_EMAIL_DOMAINS: 'seller.se',
        }).settingsFromEnv,
      ).toEqual({
        url: 'https://lime.example.com/acme',
        apiKey: 'key',
        historyType: 'dcisummary',
        createMissingContacts: false,
        internalDomains: ['seller.se'],
        companyNotes: undefined,
      });
      expect(loadConfig({ ...minimal, LIME_CREATE_MISSING_CONTACTS: 'yes' }).settingsFromEnv).toMatchObject({
        url: undefined,
        createMissingContacts: true,
      });
    });

    it("COMPANY_NOTES is on unless set off; set, it locks the connection pages' Company notes", () => {
      expect(loadConfig(minimal)).toMatchObject({ companyNotes: true, settingsFromEnv: { companyNotes: undefined } });
      expect(loadConfig({ ...minimal, COMPANY_NOTES: 'false' })).toMatchObject({
        companyNotes: false,
        settingsFromEnv: { companyNotes: false },
      });
      expect(loadConfig({ ...minimal, COMPANY_NOTES: 'yes' }).settingsFromEnv?.companyNotes).toBe(true);
      expect(() => loadConfig({ ...minimal, COMPANY_NOTES: 'perhaps' })).toThrow(
        /COMPANY_NOTES must be true or false/u,
      );
    });

    it('NOTE_LANGUAGE: unset (or empty) leaves the page to choose; one of en, sv, nb, da, fi locks it; else refused', () => {
      expect(loadConfig(minimal).settingsFromEnv?.noteLanguage).toBeUndefined();
      expect(loadConfig({ ...minimal, NOTE_LANGUAGE: '' }).settingsFromEnv?.noteLanguage).toBeUndefined();
      for (const language of ['en', 'sv', 'nb', 'da', 'fi']) {
        expect(loadConfig({ ...minimal, NOTE_LANGUAGE: language }).settingsFromEnv?.noteLanguage).toBe(language);
      }
      expect(
        loadConfig({ ...minimal, CRM: 'superoffice', NOTE_LANGUAGE: 'nb' }).superOffice?.settings.noteLanguage,
      ).toBe('nb');
      expect(() => loadConfig({ ...minimal, NOTE_LANGUAGE: 'no' })).toThrow(
        'NOTE_LANGUAGE must be one of en, sv, nb, da, fi',
      );
      expect(() => loadConfig({ ...minimal, NOTE_LANGUAGE: 'SV' })).toThrow(ConfigError);
    });

    it('the TLS settings apply without LIME_URL too (a connection saved on the admin pages uses them)', () => {
      expect(
        loadConfig({ ...minimal, LIME_CA_FILE: '/etc/ca.pem', LIME_TLS_REJECT_UNAUTHORIZED: 'false' }).limeTls,
      ).toEqual({ caFile: '/etc/ca.pem', rejectUnauthorized: false });
    });
  });
});
