import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { closeAll, notesOf, startLime } from '../support/lime';
import { WEBHOOK_SECRET } from '../support/receiver';
import { sendSigned, startLimeReceiver } from '../support/limeReceiver';
import { waitFor } from '../support/waitFor';

// LINK_DEAL and HISTORY_TYPE_MAP from the environment, through the whole receiver (startReceiver as `npm start` runs
// it) to the Lime emulator: the connector gets them, the start's connection check checks them.

let dataDir: string;
let receiver: RunningReceiver | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'deals-types-'));
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(lime: LimeEmulator, env: Record<string, string>) {
  receiver = await startLimeReceiver(lime, {
    dataDir,
    webhookSecret: WEBHOOK_SECRET,
    env: { CONTACT_INDEX_SYNC_HOURS: '0', ...env },
  });
  return receiver;
}

describe('the receiver with LINK_DEAL and HISTORY_TYPE_MAP', () => {
  it("files a phone call as the mapped type, linked to the company's only open deal", async () => {
    const lime = await startLime();
    const acme = lime.insert('company', { name: 'Acme AB' });
    const deal = lime.insert('deal', { name: 'Renewal', value: 1000, dealstatus: 'tender', company: acme });
    lime.insert('deal', { name: 'Won last year', value: 1000, dealstatus: 'agreement', company: acme });
    const anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme });
    const running = await start(lime, { LINK_DEAL: 'true', HISTORY_TYPE_MAP: 'medium:call=talkedto' });
    const payload = buildPayload({ medium: 'call', participants: [buildParticipant({ email: 'anna@acme.se' })] });
    expect(await sendSigned(running, payload, WEBHOOK_SECRET)).toBeLessThan(300);
    await waitFor(() => notesOf(lime, anna).length === 1, 15_000, 'the note');
    expect(notesOf(lime, anna)[0]).toMatchObject({ deal, type: expect.objectContaining({ key: 'talkedto' }) });
  });

  it('an unknown type in HISTORY_TYPE_MAP fails the connection check at start, naming the entry', async () => {
    const lime = await startLime();
    const running = await start(lime, { HISTORY_TYPE_MAP: 'conversation_type:demo=demo' });
    await waitFor(() => running.connection() !== undefined, 15_000, 'the connection check');
    const check = running.connection();
    expect(check).toMatchObject({ ok: false, code: 'schema_mismatch' });
    expect(check?.steps.at(-1)?.message).toContain(
      'HISTORY_TYPE_MAP conversation_type:demo=demo: "demo" is not a history type',
    );
  });
});
