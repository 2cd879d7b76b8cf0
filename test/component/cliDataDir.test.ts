import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/receiver/cli/dciCompanion';
import { createLogger, readableLogsHint } from '../../src/receiver/observability/logger';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { startLimeReceiver } from '../support/limeReceiver';

// The CLI on a DATA_DIR without a database (a mistyped one) says so instead of creating an empty one; send-sample
// --fresh can be re-run; the log's levels are words, with a hint on reading it in development.

const SECRET = 'cli-data-dir-secret';

async function cli(args: string[], env: Record<string, string>) {
  const lines: string[] = [];
  const code = await runCli(
    args,
    env,
    (line) => lines.push(line),
    (line) => lines.push(line),
  );
  return { code, text: lines.join('\n'), lines };
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dci-cli-data-dir-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a DATA_DIR without a receiver database', () => {
  const commands = [
    ['deliveries'],
    ['requeue', '--dead'],
    ['erase', '--email', 'anna@acme.se'],
    ['backup', join(tmpdir(), 'never-written.sqlite')],
    ['restore', join(tmpdir(), 'never-read.sqlite')],
  ];

  it.each(commands)('%s exits 2, names the path and DATA_DIR, and creates nothing', async (...args) => {
    const dataDir = join(root, 'mistyped');
    const run = await cli(args, { DATA_DIR: dataDir });
    expect(run.code).toBe(2);
    expect(run.text).toContain(`No receiver database at ${join(dataDir, 'receiver.sqlite')}.`);
    expect(run.text).toContain(`Check DATA_DIR (it is "${dataDir}")`);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('restore says --create restores into a new one there', async () => {
    const dataDir = join(root, 'mistyped-restore');
    const run = await cli(['restore', join(tmpdir(), 'never-read.sqlite')], { DATA_DIR: dataDir });
    expect(run.code).toBe(2);
    expect(run.text).toContain('or pass --create to restore into a new one there.');
  });

  it('restore with DATA_DIR unset refuses ./data rather than restore into it', async () => {
    const run = await cli(['restore', join(tmpdir(), 'never-read.sqlite')], {});
    expect(run.code).toBe(2);
    expect(run.text).toContain(`Check DATA_DIR (it is not set, so ./data in ${process.cwd()})`);
  });

  it('backfill refuses it too', async () => {
    const dataDir = join(root, 'mistyped-backfill');
    const run = await cli(['backfill', '--since', '2026-11-01'], {
      DATA_DIR: dataDir,
      DCI_API_URL: 'http://127.0.0.1:9/api/v1/rest',
      DCI_API_TOKEN: 'mt_test',
    });
    expect(run).toMatchObject({ code: 2 });
    expect(run.text).toContain('No receiver database at');
    expect(existsSync(dataDir)).toBe(false);
  });

  it("test-connection tests the environment's settings, says saved ones are not read, and creates nothing", async () => {
    const lime = await startLime();
    try {
      const dataDir = join(root, 'mistyped-test-connection');
      const run = await cli(['test-connection'], {
        DATA_DIR: dataDir,
        LIME_URL: lime.baseUrl,
        LIME_API_KEY: TEST_API_KEY,
        DCI_WEBHOOK_SECRETS: SECRET,
      });
      expect(run.text).toContain(
        `No receiver database at ${join(dataDir, 'receiver.sqlite')}. Check DATA_DIR (it is "${dataDir}"). ` +
          'Settings saved on the admin pages are not read: testing what the environment sets.',
      );
      expect(run.text).toContain('Every configured check passed.');
      expect(run.code).toBe(0);
      expect(existsSync(dataDir)).toBe(false);
      // So the other commands still refuse it.
      expect((await cli(['deliveries'], { DATA_DIR: dataDir })).code).toBe(2);
    } finally {
      await closeAll();
    }
  });

  it('with --create, deliveries starts an empty database there and lists nothing', async () => {
    const dataDir = join(root, 'new');
    const run = await cli(['deliveries', '--create'], { DATA_DIR: dataDir });
    expect(run).toMatchObject({ code: 0, text: 'No deliveries.' });
    expect(readdirSync(dataDir)).toContain('receiver.sqlite');
    // From now on it is a receiver database: no --create needed.
    expect((await cli(['deliveries'], { DATA_DIR: dataDir })).code).toBe(0);
  });
});

describe('send-sample', () => {
  let lime: LimeEmulator;
  let receiver: RunningReceiver;
  beforeAll(async () => {
    lime = await startLime();
    seedDemoData(lime);
    receiver = await startLimeReceiver(lime, {
      dataDir: join(root, 'receiver'),
      webhookSecret: SECRET,
      env: { CONTACT_INDEX_SYNC_HOURS: '0' },
    });
  });
  afterAll(async () => {
    await receiver.close();
    await closeAll();
  });

  const send = (...extra: string[]) =>
    cli(['send-sample', '--url', receiver.url, '--secret', SECRET, '--sample', '1', ...extra], {});
  const deliveryCount = async () => (await receiver.store.listDeliveries({ limit: 10 })).length;

  it('sent again without --fresh, it is a duplicate (fixed delivery ids)', async () => {
    expect((await send()).text).toMatch(/^202 .*"queued"/u);
    const again = await send();
    expect(again.code).toBe(0);
    expect(again.text).toMatch(/^200 .*"duplicate"/u);
  });

  it('with --fresh, every run is queued again as a new send of the same meeting', async () => {
    const deliveries = await deliveryCount();
    for (let run = 0; run < 2; run += 1) {
      const fresh = await send('--fresh');
      expect(fresh.code).toBe(0);
      expect(fresh.text).toMatch(/^202 .*"queued"/u);
    }
    // The same conversation: one delivery, not one per run.
    expect(await deliveryCount()).toBe(deliveries);
  });

  it('with --fresh, all samples at once are accepted, the regenerated one included', async () => {
    const run = await cli(['send-sample', '--url', receiver.url, '--secret', SECRET, '--fresh'], {});
    expect(run.code).toBe(0);
    expect(run.lines.every((line) => /^202 .*"queued"/u.test(line))).toBe(true);
  });
});

describe('the log', () => {
  it('writes levels as words', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(chunk.toString('utf8'));
          callback();
        },
      }),
    );
    logger.info('started');
    logger.warn('careful');
    logger.error('failed');
    expect(lines.map((line) => (JSON.parse(line) as { level: unknown }).level)).toEqual(['info', 'warn', 'error']);
  });

  it.each([
    { nodeEnv: undefined, stdoutIsTerminal: true, hint: true },
    { nodeEnv: 'development', stdoutIsTerminal: false, hint: true },
    { nodeEnv: undefined, stdoutIsTerminal: false, hint: false },
    { nodeEnv: 'production', stdoutIsTerminal: true, hint: false },
    { nodeEnv: 'production', stdoutIsTerminal: false, hint: false },
  ] as const)(
    'NODE_ENV $nodeEnv, output to a terminal $stdoutIsTerminal: a readable-logs hint $hint',
    ({ nodeEnv, stdoutIsTerminal, hint }) => {
      const line = readableLogsHint({ nodeEnv, stdoutIsTerminal });
      if (hint) {
        expect(line).toContain('in a development checkout: npm start | npx pino-pretty');
        expect(line).toContain(`offline: | jq -r '.time + " " + .level + " " + .msg'`);
      } else expect(line).toBeUndefined();
    },
  );
});
