import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDciEmulator, type DciEmulator } from '../../src/sandbox/dci';
import {
  seedDemoData,
  startSuperOfficeEmulator,
  type DemoDataIds,
  type SuperOfficeEmulator,
} from '../../src/sandbox/superoffice';
import { runCliCaptured } from '../support/cli';
import { ALL_SCOPES, ANNA, DCI_TOKEN, meeting } from '../support/dci';

// `dci-companion test-connection` with CRM=superoffice, as an operator runs it: the CLI builds SuperOffice's connector
// through main.ts's factory (makeCrmConnector), signs in as the system user (the PartnerSystemUser exchange of an
// Online tenant) against the SuperOffice emulator over real HTTP, and prints the same steps as Test connection on
// the admin pages, each failure with what to change.

jest.setTimeout(45_000);

const CLIENT_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const CLIENT_SECRET = 'client-secret-7f3a9c';
const SYSTEM_USER_TOKEN = 'DCI CRM Companion-q8Zr2xTw';
const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_KEY = keyPair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

let so: SuperOfficeEmulator;
let ids: DemoDataIds;
let dir: string;

beforeEach(async () => {
  so = await startSuperOfficeEmulator({
    auth: {
      kind: 'online',
      applications: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, publicKeyPem: PUBLIC_KEY }],
      systemUsers: [{ systemUserToken: SYSTEM_USER_TOKEN, clientId: CLIENT_ID }],
    },
  });
  ids = seedDemoData(so);
  dir = mkdtempSync(join(tmpdir(), 'cli-superoffice-'));
  writeFileSync(join(dir, 'superoffice.pem'), PRIVATE_KEY, { mode: 0o600 });
});

afterEach(async () => {
  await so.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The receiver's environment for an Online tenant signed in as its system user, overridable. */
function environment(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dir,
    DCI_WEBHOOK_SECRETS: 'cli-superoffice-webhook-secret',
    CRM: 'superoffice',
    SUPEROFFICE_URL: so.baseUrl,
    SUPEROFFICE_AUTH: 'system_user',
    SUPEROFFICE_CLIENT_ID: CLIENT_ID,
    SUPEROFFICE_CLIENT_SECRET: CLIENT_SECRET,
    SUPEROFFICE_PRIVATE_KEY_FILE: join(dir, 'superoffice.pem'),
    SUPEROFFICE_SYSTEM_USER_TOKEN: SYSTEM_USER_TOKEN,
    SUPEROFFICE_LOGIN_URL: so.loginUrl ?? '',
    ...overrides,
  };
}

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(CLIENT_SECRET);
  expect(text).not.toContain(SYSTEM_USER_TOKEN);
  expect(text).not.toContain('PRIVATE KEY');
  expect(text).not.toMatch(/7T:/u);
}

describe('dci-companion test-connection with CRM=superoffice', () => {
  it('signs in as the system user and passes every step of SuperOffice, exit 0, printing no secret', async () => {
    const run = await runCliCaptured(['test-connection'], environment());

    expect(run.code).toBe(0);
    const lines = run.out.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `SuperOffice (${so.baseUrl}; signs in with system_user)`,
        "  ok       reach: SuperOffice's WebAPI answers at " + new URL(so.baseUrl).host + '.',
        expect.stringMatching(/^ {2}ok +authenticate: Signed in with system user .*client id a1b2c3d4…/u),
        expect.stringMatching(/^ {2}ok +permissions: /u),
        '  ok       schema: The follow-up type "Meeting" exists.',
        'Every configured check passed.',
      ]),
    );
    expect(lines.filter((line) => /^ {2}\S/u.test(line) && !/^ {2}(ok|not configured)/u.test(line))).toEqual([]);
    expect(run.out).not.toContain('not tested here');
    // It signed in the way the receiver does: one PartnerSystemUser exchange for the ticket.
    expect(so.exchangeCount).toBe(1);
    expectNoSecrets(`${run.out}\n${run.err}`);
  });

  it('a wrong client secret fails the authenticate step, naming the client secret to change, exit 1', async () => {
    const run = await runCliCaptured(
      ['test-connection'],
      environment({ SUPEROFFICE_CLIENT_SECRET: 'client-secret-wrong1' }),
    );

    expect(run.code).toBe(1);
    const failed = run.out.split('\n').filter((line) => /^ {2}FAILED/u.test(line));
    expect(failed).toEqual([
      expect.stringMatching(
        /^ {2}FAILED +authenticate: SuperOffice refused the system user exchange .*client id a1b2c3d4….*check the client secret \(SUPEROFFICE_CLIENT_SECRET\)/u,
      ),
    ]);
    // The WebAPI was never asked: no step claims it answered.
    expect(run.out).not.toMatch(/ok +reach/u);
    expect(run.out).toContain('A check failed: see FAILED above.');
    expect(run.out).not.toContain('client-secret-wrong1');
    expectNoSecrets(`${run.out}\n${run.err}`);
  });

  it("the tenant's unnumbered host fails the reach step with 421 and says to use the numbered one, exit 1", async () => {
    const unnumbered = so.unnumberedBaseUrl ?? '';
    expect(unnumbered).not.toBe(so.baseUrl);

    const run = await runCliCaptured(['test-connection'], environment({ SUPEROFFICE_URL: unnumbered }));

    expect(run.code).toBe(1);
    expect(run.out.split('\n')).toEqual(
      expect.arrayContaining([
        `SuperOffice (${unnumbered}; signs in with system_user)`,
        expect.stringMatching(
          /^ {2}FAILED +reach: SuperOffice Online does not serve this tenant from .*\(421 Wrong subdomain\): use the tenant's numbered host/u,
        ),
        'A check failed: see FAILED above.',
      ]),
    );
    expect(run.out).not.toMatch(/authenticate|permissions|schema/u);
    expectNoSecrets(`${run.out}\n${run.err}`);
  });

  it('credentials not complete (SUPEROFFICE_URL alone): says what is missing, nothing to test, exit 2', async () => {
    const run = await runCliCaptured(['test-connection'], {
      DATA_DIR: dir,
      DCI_WEBHOOK_SECRETS: 'cli-superoffice-webhook-secret',
      CRM: 'superoffice',
      SUPEROFFICE_URL: so.baseUrl,
    });

    expect(run.code).toBe(2);
    expect(run.err).toMatch(
      /Nothing to test: neither DCI's REST API .* nor SuperOffice \(SUPEROFFICE_URL, SUPEROFFICE_AUTH and its credentials\)/u,
    );
  });
});

describe('dci-companion test-connection with CRM=superoffice and DCI configured', () => {
  let dci: DciEmulator;

  beforeEach(async () => {
    dci = await startDciEmulator({ tokens: { [DCI_TOKEN]: ALL_SCOPES } });
  });
  afterEach(async () => {
    await dci.close();
  });

  it('a SuperOffice connection not complete names what is missing, and what to set; DCI is still tested', async () => {
    const run = await runCliCaptured(['test-connection'], {
      DATA_DIR: dir,
      CRM: 'superoffice',
      DCI_API_URL: dci.baseUrl,
      DCI_API_TOKEN: DCI_TOKEN,
      SUPEROFFICE_URL: so.baseUrl,
    });

    expect(run.code).toBe(0);
    const lines = run.out.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}ok +token: /u));
    expect(lines).toContain(`SuperOffice (${so.baseUrl})`);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}not configured: deliveries wait for a connection \(missing: .+; set SUPEROFFICE_URL, SUPEROFFICE_AUTH and its credentials, or the admin pages\)\.$/u,
      ),
    );
    expect(so.exchangeCount).toBe(0);
  });
});

describe('dci-companion backfill --dry-run with CRM=superoffice', () => {
  let dci: DciEmulator;

  beforeEach(async () => {
    dci = await startDciEmulator({ tokens: { [DCI_TOKEN]: ALL_SCOPES } });
  });
  afterEach(async () => {
    await dci.close();
  });

  it('matches in SuperOffice through the same connector and prints per participant what would be written, writing nothing', async () => {
    const id = meeting(dci, [
      { name: ANNA.name, email: ANNA.email },
      { name: 'Sara Säljare', email: 'sara.saljare@seller.se' },
      { name: 'Nils Nobody', email: 'nils@nowhere.example' },
    ]);
    dci.completeConversation(id, { summary: 'Completed before the receiver knew.' });
    const appointmentsBefore = so.appointments().length;

    const run = await runCliCaptured(
      [
        'backfill',
        '--since',
        // Yesterday: the meeting began 40 minutes ago, which may be before midnight UTC.
        new Date(Date.now() - 24 * 3600 * 1000).toISOString().slice(0, 10),
        '--dry-run',
        '--create',
      ],
      environment({ DCI_API_URL: dci.baseUrl, DCI_API_TOKEN: DCI_TOKEN, INTERNAL_EMAIL_DOMAINS: 'seller.se' }),
    );

    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out.split('\n')).toEqual(
      expect.arrayContaining([
        `    ${ANNA.name}: would write, matched by email, SuperOffice person ${ids.persons.anna}`,
        '    Sara Säljare: internal, a colleague (never matched)',
        '    Nils Nobody: no match (nothing written)',
        '  would be delivered: 1',
      ]),
    );
    expect(run.out).toMatch(/^Dry run: nothing stored, nothing written\./mu);
    expect(so.appointments()).toHaveLength(appointmentsBefore);
    expectNoSecrets(`${run.out}\n${run.err}`);
  });
});
