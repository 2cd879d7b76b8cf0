import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/receiver/cli/dciCompanion';
import { startDciEmulator, type DciEmulator, type TokenSettings } from '../../src/sandbox/dci';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import {
  ALL_SCOPES,
  ANNA,
  DCI_SECRET,
  DCI_TOKEN,
  dciNotes,
  LARS,
  meeting,
  startDciSetup,
  type DciSetup,
} from '../support/dci';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { waitFor } from '../support/waitFor';

// `dci-companion test-connection` and `dci-companion backfill` as an operator runs them: runCli with the receiver's
// environment, against DCI's emulator and the Lime emulator over real HTTP, on a real SQLite store.

jest.setTimeout(45_000);

interface Run {
  code: number;
  out: string[];
  err: string[];
  /** Everything printed, stdout and stderr. */
  text: string;
}

async function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    env,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out, err, text: [...out, ...err].join('\n') };
}

/**
 * A `--since` date `offsetDays` from today (UTC). The tests' meetings are dated 40 minutes ago (test/support/dci.ts),
 * which is yesterday in the first 40 minutes after midnight: backfills that must find them start a day back.
 */
function day(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 24 * 3600 * 1000).toISOString().slice(0, 10);
}

function personId(lime: LimeEmulator, email: string): number {
  const person = lime.all('person').find((candidate) => candidate['email'] === email);
  if (person === undefined) throw new Error(`no Lime person ${email}`);
  return Number(person['_id']);
}

describe('dci-companion test-connection', () => {
  let dci: DciEmulator | undefined;
  let lime: LimeEmulator;
  let dataDir: string | undefined;

  async function setUp(token: TokenSettings): Promise<{ env: Record<string, string>; dci: DciEmulator }> {
    const emulator = await startDciEmulator({ tokens: { [DCI_TOKEN]: token } });
    dci = emulator;
    lime = await startLime();
    seedDemoData(lime);
    dataDir = mkdtempSync(join(tmpdir(), 'dci-cli-'));
    const env = {
      DATA_DIR: dataDir,
      DCI_API_URL: emulator.baseUrl,
      DCI_API_TOKEN: DCI_TOKEN,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: TEST_API_KEY,
    };
    return { env, dci: emulator };
  }

  afterEach(async () => {
    await dci?.close();
    dci = undefined;
    await closeAll();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  it('with a token of every scope, every step of DCI and Lime passes and it exits 0, never printing the token', async () => {
    const { env, dci } = await setUp(ALL_SCOPES);
    meeting(dci, [{ name: ANNA.name, email: ANNA.email }], { summary: 'Done.' });

    const run = await cli(['test-connection'], env);

    expect(run.code).toBe(0);
    expect(run.out[0]).toMatch(
      /^DCI REST API \(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/rest, token mt_ab12…; mode poll\)$/u,
    );
    expect(run.out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}ok +reach: DCI's REST API answers\.$/u),
        expect.stringMatching(/^ {2}ok +token: DCI accepts the token/u),
        expect.stringMatching(/^ {2}ok +conversations: /u),
        expect.stringMatching(/^ {2}ok +recordings: .*notes link the recording/u),
        expect.stringMatching(/^ {2}ok +rate: /u),
        expect.stringMatching(/^Lime \(http:\/\/127\.0\.0\.1:\d+/u),
        'Every configured check passed.',
      ]),
    );
    expect(run.out.filter((line) => line.startsWith('  ') && !/^ {2}ok /u.test(line))).toEqual([]);
    expect(run.text).not.toContain(DCI_TOKEN);
    expect(run.text).not.toContain(TEST_API_KEY);
  });

  it('a token without recordings passes with a warning that says what to change in DCI (exit 0)', async () => {
    const { env, dci } = await setUp({ scopes: ['conversations'] });
    meeting(dci, [{ name: ANNA.name, email: ANNA.email }], { summary: 'Done.' });

    const run = await cli(['test-connection'], env);

    expect(run.code).toBe(0);
    expect(run.out).toContainEqual(
      expect.stringMatching(/^ {2}warning +recordings: .*recordings.*include_recordings/u),
    );
    expect(run.out).toContain('Every configured check passed.');
  });

  it('a revoked token fails the token step with the reason, and exits 1', async () => {
    const { env, dci } = await setUp(ALL_SCOPES);
    dci.setToken(DCI_TOKEN, undefined);

    const run = await cli(['test-connection'], env);

    expect(run.code).toBe(1);
    expect(run.out).toContainEqual(
      expect.stringMatching(/^ {2}FAILED +token: DCI refused the API token \(401\).*revoked/u),
    );
    expect(run.out).toContain('A check failed: see FAILED above.');
    expect(run.text).not.toContain(DCI_TOKEN);
  });

  it('uses the DCI URL and token saved on the admin pages when the environment has none', async () => {
    const secretKey = randomBytes(32).toString('hex');
    const setup = await startDciSetup({
      env: { DCI_API_URL: '', DCI_API_TOKEN: '', DCI_WEBHOOK_SECRETS: DCI_SECRET, SECRET_KEY: secretKey },
    });
    try {
      await setup.receiver.dci.save({ url: setup.dci.baseUrl, token: DCI_TOKEN });
      const env = {
        DATA_DIR: setup.dataDir,
        DCI_WEBHOOK_SECRETS: DCI_SECRET,
        SECRET_KEY: secretKey,
        LIME_URL: setup.lime.baseUrl,
        LIME_API_KEY: TEST_API_KEY,
      };

      const run = await cli(['test-connection'], env);

      expect(run.code).toBe(0);
      expect(run.out[0]).toContain(setup.dci.baseUrl);
      expect(run.out).toContainEqual(expect.stringMatching(/^ {2}ok +token: DCI accepts the token/u));
      expect(run.text).not.toContain(DCI_TOKEN);
    } finally {
      await setup.close();
    }
  });

  it('a configuration error exits 2 and says what to set', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dci-cli-'));
    const run = await cli(['test-connection'], { DATA_DIR: dataDir, DCI_API_TOKEN: DCI_TOKEN });
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toMatch(/DCI_API_URL: goes with DCI_API_TOKEN/u);
  });
});

describe('dci-companion backfill', () => {
  let setup: DciSetup;
  let env: Record<string, string>;

  beforeEach(async () => {
    // Webhook mode and no subscription in DCI: the receiver runs but hears of nothing DCI completes.
    setup = await startDciSetup({ env: { DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_MODE: 'webhook' } });
    env = {
      DATA_DIR: setup.dataDir,
      DCI_WEBHOOK_SECRETS: DCI_SECRET,
      DCI_MODE: 'webhook',
      DCI_API_URL: setup.dci.baseUrl,
      DCI_API_TOKEN: DCI_TOKEN,
      LIME_URL: setup.lime.baseUrl,
      LIME_API_KEY: TEST_API_KEY,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
    };
    // The receiver's own Test connection at start lists conversations too: let it finish first.
    await waitFor(() => setup.receiver.dci.lastCheck() !== undefined, 10_000, "the receiver's DCI check");
  });
  afterEach(async () => setup?.close());

  it('--dry-run prints per participant what would be written, and leaves Lime and the store untouched', async () => {
    const { dci, lime } = setup;
    const id = meeting(dci, [
      { name: ANNA.name, email: ANNA.email },
      { name: LARS.name, phone: '076-111 22 33' },
      { name: 'Sara Säljare', email: 'sara.saljare@seller.se' },
      { name: 'Nils Nobody', email: 'nils@nowhere.example' },
    ]);
    dci.completeConversation(id, { summary: 'Completed before the receiver knew.' });
    const notesBefore = lime.all('history').length;
    const personsBefore = lime.all('person').length;

    const run = await cli(['backfill', '--since', day(-1), '--dry-run'], env);

    expect(run.code).toBe(0);
    expect(run.out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${id} +\\S+ +Discovery call — Acme$`, 'u')),
        `    ${ANNA.name}: would write, matched by email, Lime person ${personId(lime, ANNA.email)}`,
        `    ${LARS.name}: would write, matched by mobile, Lime person ${personId(lime, LARS.email)}`,
        '    Sara Säljare: internal, a colleague (never matched)',
        '    Nils Nobody: no match (nothing written)',
        '  would be delivered: 1',
      ]),
    );
    expect(run.out[run.out.length - 5]).toMatch(/^Dry run: nothing stored, nothing written\./u);
    expect(lime.all('history')).toHaveLength(notesBefore);
    expect(lime.all('person')).toHaveLength(personsBefore);
    expect((await setup.receiver.store.listDeliveries({ limit: 10 })).length).toBe(0);
  });

  it('refuses to run while another backfill holds the lease (one started on the admin pages), and runs once it is free', async () => {
    const id = meeting(setup.dci, [{ name: ANNA.name, email: ANNA.email }]);
    setup.dci.completeConversation(id, { summary: 'Missed meeting.' });
    const lease = { name: 'dci-backfill', holder: 'admin-page-backfill', leaseMs: 60_000 };
    expect(await setup.receiver.store.takeLease({ ...lease, now: new Date() })).toBe(true);

    const refused = await cli(['backfill', '--since', day(-1)], env);

    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/A backfill is already running/u);
    expect((await setup.receiver.store.listDeliveries({ limit: 10 })).length).toBe(0);

    await setup.receiver.store.releaseLease(lease);
    const run = await cli(['backfill', '--since', day(-1)], env);
    expect(run.code).toBe(0);
    expect((await setup.delivered(id)).source).toBe('backfill');
    // The command gave the lease back when it finished.
    expect(await setup.receiver.store.takeLease({ ...lease, now: new Date() })).toBe(true);
  });

  it('queues conversations completed before, which the running receiver delivers; a second backfill queues nothing', async () => {
    const { dci, lime } = setup;
    const first = meeting(dci, [{ name: ANNA.name, email: ANNA.email }]);
    const second = meeting(dci, [{ name: LARS.name, email: LARS.email }]);
    meeting(dci, [{ name: ANNA.name, email: ANNA.email }], { title: 'Still being processed' }); // no summary yet
    dci.completeConversation(first, { summary: 'First missed meeting.' });
    dci.completeConversation(second, { summary: 'Second missed meeting.' });

    const run = await cli(['backfill', '--since', day(-1)], env);

    expect(run.code).toBe(0);
    expect(run.out).toEqual(
      expect.arrayContaining([
        "  queued for delivery: 2 (the running receiver's worker delivers them)",
        '  unchanged, already held or delivered: 0',
        '  not ready yet (DCI has no summary yet): 1',
        '  invalid (do not pass the payload contract): 0',
      ]),
    );
    for (const id of [first, second]) {
      expect((await setup.delivered(id)).source).toBe('backfill');
      expect(dciNotes(lime, id)).toHaveLength(1);
    }

    // Older than DCI's window: raised to 30 days, said so; everything is already held.
    const again = await cli(['backfill', '--since', day(-60)], env);

    expect(again.code).toBe(0);
    expect(again.out[0]).toBe(`--since ${day(-60)} is older than the 30 days DCI lists: going back 30 days instead.`);
    expect(again.out).toEqual(
      expect.arrayContaining([
        "  queued for delivery: 0 (the running receiver's worker delivers them)",
        '  unchanged, already held or delivered: 2',
      ]),
    );
    expect((await setup.receiver.store.listDeliveries({ limit: 10 })).length).toBe(2);
    expect(dciNotes(lime, first)).toHaveLength(1);
    expect(dciNotes(lime, second)).toHaveLength(1);
  });

  it.each([
    ['no --since', ['backfill']],
    ['--since without a value', ['backfill', '--since']],
    ['a date not written YYYY-MM-DD', ['backfill', '--since', 'yesterday']],
    ['a date that does not exist', ['backfill', '--since', '2026-02-30']],
    ['a date in the future', ['backfill', '--since', day(2)]],
    ['an unknown option', ['backfill', '--since', day(0), '--force']],
  ])('%s is a usage error (exit 2), and nothing is asked of DCI', async (_case, args) => {
    setup.dci.clearRequests();
    const run = await cli(args, env);
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toMatch(/--since|backfill/u);
    expect(setup.dci.requests.filter((request) => request.path === '/conversations')).toHaveLength(0);
  });
});
