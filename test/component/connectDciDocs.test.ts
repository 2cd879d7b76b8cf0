// docs/connect-dci.md, "Send a test and see it arrive": the openssl + curl check an IT person runs against the public
// address, run as written (only its URL and SECRET lines replaced) against a real receiver: a matching secret gets
// through, a wrong one is refused, and nothing is delivered either way.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import { closeAll, startLime } from '../support/lime';
import { startLimeReceiver } from '../support/limeReceiver';

const DOC = join(__dirname, '..', '..', 'docs', 'connect-dci.md');
const SECRET = 'c0ffee'.repeat(10);

let dataDir: string;
let receiver: RunningReceiver;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'connect-dci-docs-'));
  receiver = await startLimeReceiver(await startLime(), { dataDir, webhookSecret: SECRET });
});
afterEach(async () => {
  await receiver.close();
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The shell block that follows the marker naming this test, as the page prints it. */
function documentedCheck(): string {
  const page = readFileSync(DOC, 'utf8');
  const marker = page.indexOf('<!-- test/component/connectDciDocs.test.ts');
  const block = /```sh\n([\s\S]*?)```/u.exec(page.slice(marker));
  if (marker < 0 || !block?.[1]) throw new Error('docs/connect-dci.md: the tested check is gone');
  return block[1];
}

/**
 * Runs the documented block with bash, its URL and SECRET lines pointing at this receiver and `secret`. Asynchronously:
 * the receiver answers from this same process.
 */
async function runCheck(secret: string): Promise<{ stdout: string; stderr: string }> {
  const script = documentedCheck()
    .replace(/^URL=.*$/mu, `URL='${receiver.url}/api/v1/dci/webhook'`)
    .replace(/^SECRET=.*$/mu, `SECRET='${secret}'`);
  return promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', timeout: 20_000 });
}

describe("Connect DCI's signed check, run as the page prints it", () => {
  it('sets URL and SECRET on lines of their own, so a reader changes only those', () => {
    expect(documentedCheck()).toMatch(/^URL='https:\/\/[^']+\/api\/v1\/dci\/webhook'$/mu);
    expect(documentedCheck()).toMatch(/^SECRET='[^']*'$/mu);
  });

  it('with the receiver\'s secret, the answer is "ignored" with the connection, and nothing is delivered', async () => {
    const run = await runCheck(SECRET);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'ignored', connection: expect.any(Object) as unknown });
    expect(await receiver.store.listDeliveries({ limit: 10 })).toEqual([]);
  });

  it('with another secret, the answer is bad_signature', async () => {
    const run = await runCheck('not-the-secret');
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'bad_signature' } });
  });
});
