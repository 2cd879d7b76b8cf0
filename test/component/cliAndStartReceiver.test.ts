import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LimeConnector } from '../../src/lime-addon';
import { runCli } from '../../src/receiver/cli/dciCompanion';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { verifyAdminPassword } from '../../src/receiver/secrets/adminPassword';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';

const SECRET = 'cli-test-secret';

/** Polls the receiver's store until no delivery is open (bounded; the worker runs its own loop here). */
async function untilQuiet(receiver: RunningReceiver): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { byStatus } = await receiver.store.counts();
    if (byStatus.pending + byStatus.in_progress + byStatus.retrying === 0) return;
    if (Date.now() > deadline) throw new Error(`deliveries still open: ${JSON.stringify(byStatus)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the running receiver and the dci-companion CLI', () => {
  let dataDir: string;
  let receiver: RunningReceiver;
  let lime: LimeEmulator;
  const lines: string[] = [];
  const out = (line: string) => lines.push(line);

  beforeAll(async () => {
    lime = await startLime();
    seedDemoData(lime);
    dataDir = mkdtempSync(join(tmpdir(), 'dci-cli-test-'));
    const config = loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      DCI_WEBHOOK_SECRETS: SECRET,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: TEST_API_KEY,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
      CONTACT_INDEX_SYNC_HOURS: '0', // a background sync must not take the faults these tests inject
    });
    receiver = await startReceiver(config, {
      logger: createLogger('silent'),
      makeConnector: (options) => new LimeConnector(options),
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await receiver.close();
    await closeAll();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => lines.splice(0));

  it('send-sample posts a signed sample that the receiver accepts and delivers', async () => {
    expect(
      await runCli(['send-sample', '--url', receiver.url, '--secret', SECRET, '--sample', '1'], {}, out, out),
    ).toBe(0);
    expect(lines[0]).toMatch(/^202 .*"queued"/u);
    await untilQuiet(receiver);
    expect((await receiver.store.counts()).byStatus.delivered).toBe(1);
  });

  it('deliveries lists them with status, newest first', async () => {
    expect(await runCli(['deliveries'], { DATA_DIR: dataDir }, out, out)).toBe(0);
    expect(lines.join('\n')).toMatch(/delivered\s+\S+\s+attempts 1\s+Offer review — Acme/u);
  });

  it('a dead delivery can be requeued with requeue --dead and is then delivered', async () => {
    lime.failNext(1, { kind: 'status', status: 400, body: { error: 'Bad Request', message: 'x' } });
    expect(
      await runCli(['send-sample', '--url', receiver.url, '--secret', SECRET, '--sample', '2'], {}, out, out),
    ).toBe(0);
    await untilQuiet(receiver);
    lines.splice(0);
    expect(await runCli(['deliveries', '--status', 'dead'], { DATA_DIR: dataDir }, out, out)).toBe(0);
    expect(lines.join('\n')).toContain('bad_request');
    expect(await runCli(['requeue', '--dead'], { DATA_DIR: dataDir }, out, out)).toBe(0);
    expect(lines.at(-1)).toBe('1 dead delivery requeued.');
    receiver.worker.wake();
    await untilQuiet(receiver);
    expect((await receiver.store.counts()).byStatus).toMatchObject({ dead: 0, delivered: 2 });
  });

  it('a wrong signature secret is refused by the receiver, and the CLI exits non-zero', async () => {
    expect(
      await runCli(['send-sample', '--url', receiver.url, '--secret', 'wrong', '--sample', '1'], {}, out, out),
    ).toBe(1);
    expect(lines[0]).toMatch(/^401 /u);
  });

  it('hash-password prints an ADMIN_PASSWORD_HASH value that verifies the password', async () => {
    expect(await runCli(['hash-password'], {}, out, out, Readable.from(['a-long-admin-password\n']))).toBe(0);
    const hash = lines.at(-1) ?? '';
    expect(hash).toMatch(/^scrypt\$/u);
    await expect(verifyAdminPassword('a-long-admin-password', hash)).resolves.toBe(true);
    await expect(verifyAdminPassword('another-password', hash)).resolves.toBe(false);
    expect(await runCli(['hash-password'], {}, out, out, Readable.from(['short']))).toBe(2);
  });

  it('usage errors exit 2 with the usage text', async () => {
    expect(await runCli(['frobnicate'], {}, out, out)).toBe(2);
    expect(lines.join('\n')).toContain('Usage: dci-companion');
    expect(await runCli(['deliveries', '--status', 'lost'], { DATA_DIR: dataDir }, out, out)).toBe(2);
    expect(await runCli(['requeue'], { DATA_DIR: dataDir }, out, out)).toBe(2);
  });

  it('/readyz reports the store writable and the CRM connection checked', async () => {
    const ready = await fetch(`${receiver.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: 'ok', crm: 'ok' });
  });
});
