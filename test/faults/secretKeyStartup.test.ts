// SECRET_KEY at start-up, as an operator meets it: the compiled receiver (`node dist/receiver/main.js`) started with
// a malformed key, without the key while an encrypted API key is saved, with another key than the one that saved it,
// or over a damaged saved value. Each must stop with exit code 1 and a message that says what is wrong and what to
// do: no stack trace, no decrypted garbage used as an API key, no secret echoed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { createLogger } from '../../src/receiver/observability/logger';
import { createConnectionSettingsService } from '../../src/receiver/settings/connectionSettingsService';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { builtProduct, killAllReceivers, startReceiverProcess } from '../support/receiverProcess';
import { waitFor } from '../support/waitFor';

jest.setTimeout(120_000);

const SAVED_WITH = '5a'.repeat(32);
const ANOTHER_KEY = Buffer.alloc(32, 7).toString('base64');
const WEBHOOK_SECRET = 'secret-key-startup-webhook';

let workDir: string;
let mainJs: string;
let dataDir: string;
let lime: LimeEmulator;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'dci-secret-key-'));
  mainJs = builtProduct().mainJs;
});
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});
beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dci-secret-key-data-'));
  lime = await startLime();
  seedDemoData(lime);
});
afterEach(async () => {
  await killAllReceivers();
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const baseEnv = () => ({
  DATA_DIR: dataDir,
  DCI_WEBHOOK_SECRETS: WEBHOOK_SECRET,
  CONTACT_INDEX_SYNC_HOURS: '0',
  LOG_LEVEL: 'info',
});

/** Saves the Lime connection as the admin pages do: the API key sealed under SAVED_WITH. */
async function saveConnection(): Promise<void> {
  const config = loadConfig({ ...baseEnv(), SECRET_KEY: SAVED_WITH });
  const store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
  const settings = await createConnectionSettingsService({
    store,
    config,
    secretKey: config.secretKey,
    makeConnector: (options) => new LimeConnector(options),
    logger: createLogger('silent'),
  });
  await settings.save({ url: lime.baseUrl, apiKey: TEST_API_KEY });
  await settings.close();
  await store.close();
}

/** Runs the receiver to its exit (bounded: a receiver that starts instead is killed and reported by its status). */
function runToExit(env: Record<string, string>): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [mainJs], {
    env: { PATH: process.env['PATH'] ?? '', NODE_PATH: join(__dirname, '..', '..', 'node_modules'), PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** What every start-up error must be: exit 1, the expected words, no stack trace, nothing secret. */
function expectCleanStop(run: { status: number | null; output: string }, says: RegExp, secrets: string[]): void {
  expect({ status: run.status, output: run.output }).toEqual({ status: 1, output: expect.stringMatching(says) });
  expect(run.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/mu); // a stack frame
  expect(run.output).not.toMatch(/Error: |TypeError|RangeError|Unhandled|node:internal/u);
  for (const secret of secrets) expect(run.output).not.toContain(secret);
}

describe('SECRET_KEY at start-up', () => {
  it.each([
    ['too short', 'abc123'],
    ['63 hex characters', 'f'.repeat(63)],
    ['base64 of 16 bytes', Buffer.alloc(16, 1).toString('base64')],
    ['not hex nor base64', `${'g'.repeat(64)}`],
  ])('a malformed SECRET_KEY (%s) stops the start and says what a key looks like', (_what, key) => {
    const run = runToExit({ ...baseEnv(), SECRET_KEY: key });
    expectCleanStop(
      run,
      /SECRET_KEY must be 32 bytes written as 64 hex characters or base64 \(openssl rand -hex 32\)/u,
      [key],
    );
  });

  it('with an API key saved encrypted, a start without SECRET_KEY stops and says to set it (or LIME_URL/LIME_API_KEY)', async () => {
    await saveConnection();
    const run = runToExit(baseEnv());
    expectCleanStop(run, /SECRET_KEY is required.*LIME_URL and LIME_API_KEY/su, [TEST_API_KEY]);
  });

  it('a SECRET_KEY other than the one that saved the API key stops the start, naming SECRET_KEY, never using garbage', async () => {
    await saveConnection();
    const before = lime.requests.length;
    const run = runToExit({ ...baseEnv(), SECRET_KEY: ANOTHER_KEY });
    expectCleanStop(run, /SECRET_KEY does not decrypt the Lime API key saved on the admin pages/u, [
      TEST_API_KEY,
      ANOTHER_KEY,
      SAVED_WITH,
    ]);
    expect(lime.requests.length).toBe(before); // nothing was sent to Lime with a garbled key
  });

  it('a damaged saved API key stops the start with what to do, not a decryption trace', async () => {
    await saveConnection();
    const store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
    await store.writeSettings({ 'lime.apiKey': 'v1:not-base64!:x:y' });
    await store.close();
    const run = runToExit({ ...baseEnv(), SECRET_KEY: SAVED_WITH });
    expectCleanStop(run, /damaged.*LIME_URL and LIME_API_KEY.*Disconnect/su, [SAVED_WITH]);
  });

  it('with the SECRET_KEY that saved it (hex or the same bytes in base64), the receiver starts and uses the saved key', async () => {
    await saveConnection();
    const asBase64 = Buffer.from(SAVED_WITH, 'hex').toString('base64');
    const receiver = await startReceiverProcess(mainJs, { ...baseEnv(), SECRET_KEY: asBase64 });
    const ready = await fetch(`${receiver.url}/readyz`);
    expect(ready.status).toBe(200);
    // The background connection check calls Lime with the decrypted key.
    await waitFor(
      () => lime.requests.some((entry) => entry.apiKey === TEST_API_KEY && entry.status === 200),
      10_000,
      'a Lime call with the saved API key',
    );
    expect(receiver.output()).not.toContain(TEST_API_KEY);
  });
});
