import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { runCli } from '../../src/receiver/cli/dciCompanion';
import { ParticipantResolver } from '../../src/receiver/deliver/resolveParticipants';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { ADMIN_PASSWORD, SECRET_KEY, untilDeliveryStatus } from '../support/adminHarness';
import { loggerInto } from '../support/capturedLogs';
import { closeAll, notesOf, startLime, TEST_API_KEY } from '../support/lime';
import { buildPayload } from '../support/payloads';
import { freePort } from '../support/receiverProcess';
import { waitFor } from '../support/waitFor';

// Issue 19 item 2: a participant nobody matched gets the note when Lime later tells the receiver (its webhooks) of a
// person with that e-mail — once, marked "matched later", and only within REMATCH_DAYS.

const DCI_SECRET = 'rematch-test-dci-secret';
const DAY_MS = 24 * 60 * 60 * 1000;

let lime: LimeEmulator;
let receiver: RunningReceiver;
let dataDir: string;
let anna: number;
let acme: number;
/** The receiver's environment, which the CLI reads too. */
let receiverEnv: Record<string, string>;

async function start(env: Record<string, string> = {}) {
  lime = await startLime({});
  acme = lime.insert('company', { name: 'Acme AB', phone: '08-123 456 00' });
  anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'dci-rematch-test-'));
  receiverEnv = {
    PORT: String(port),
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: DCI_SECRET,
    LIME_URL: lime.baseUrl,
    LIME_API_KEY: TEST_API_KEY,
    SECRET_KEY,
    ADMIN_PASSWORD,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    RECEIVER_PUBLIC_URL: publicUrl,
    CONTACT_INDEX_SYNC_HOURS: '24',
    CONTACT_INDEX_INCREMENTAL_MINUTES: '5',
    ...env,
  };
  const config = loadConfig(receiverEnv);
  receiver = await startReceiver(config, {
    logger: loggerInto([]),
    makeConnector: (connection) => new LimeConnector(connection),
    host: '127.0.0.1',
  });
  await waitFor(async () => (await receiver.store.contactIndexState('lime')).size === 1, 10_000, 'the first sync');
  await waitFor(
    () => lime.subscriptions.some((subscription) => subscription.target_url.startsWith(publicUrl)),
    10_000,
    'the subscription',
  );
}

afterEach(async () => {
  await receiver.close();
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A meeting with Anna (known) and Dora (not in Lime yet), delivered; its delivery id. */
async function meetingWithDora(conversationId: string): Promise<string> {
  const body = JSON.stringify(
    buildPayload({
      id: conversationId,
      participants: [
        { name: 'Anna', email: 'anna@acme.se', role: 'customer' },
        { name: 'Dora', email: 'dora@acme.se', role: 'customer' },
      ],
    }),
  );
  const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, DCI_SECRET),
    body,
  });
  expect(response.status).toBe(202);
  const row = await untilDeliveryStatus(receiver, conversationId, 'delivered');
  const outcomes = (await receiver.store.getDelivery(row.id))?.outcomes ?? [];
  expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['written', 'no_match']);
  return row.id;
}

async function outcomesOf(deliveryId: string) {
  return (await receiver.store.getDelivery(deliveryId))?.outcomes ?? [];
}

describe('re-matching when Lime tells of a new person', () => {
  it('a participant nobody matched gets the note once the person is created in Lime, marked matched later', async () => {
    await start();
    const deliveryId = await meetingWithDora('conv-rematch-1');
    const annaNotes = notesOf(lime, anna);

    const dora = lime.insert('person', { firstname: 'Dora', email: 'dora@acme.se', company: acme });
    await lime.webhooksSettled();
    await receiver.participants.settled();

    const [annaOutcome, doraOutcome] = await outcomesOf(deliveryId);
    expect(doraOutcome).toMatchObject({
      outcome: 'written',
      matchedBy: 'email',
      personId: dora,
      companyId: acme,
      resolvedLater: { how: 'rematch' },
    });
    expect(notesOf(lime, dora)).toHaveLength(1);
    // Anna's outcome and note are untouched: only the waiting participant was delivered again.
    expect(annaOutcome).toMatchObject({ outcome: 'written', personId: anna });
    expect(annaOutcome?.resolvedLater).toBeUndefined();
    expect(notesOf(lime, anna)).toEqual(annaNotes);

    // A second notification for the same person (an edit) writes nothing more.
    lime.update('person', dora, { firstname: 'Dora B' });
    await lime.webhooksSettled();
    await receiver.participants.settled();
    expect(notesOf(lime, dora)).toHaveLength(1);
    expect((await outcomesOf(deliveryId))[1]).toEqual(doraOutcome);

    // Nor does a sweep.
    expect(await receiver.participants.rematch('all')).toEqual({ deliveries: 0, resolved: 0 });
    expect(notesOf(lime, dora)).toHaveLength(1);
  });

  it('past REMATCH_DAYS after the delivery was received nothing is matched again', async () => {
    await start();
    const deliveryId = await meetingWithDora('conv-rematch-2');
    // The same receiver's store and Lime, 15 days on (REMATCH_DAYS is 14 by default).
    const later = new ParticipantResolver({
      store: receiver.store,
      getConnector: () => receiver.settings.connector(),
      deliverOptions: () => receiver.settings.deliverOptions(),
      target: 'lime',
      rematchDays: 14,
      lookupKey: () => receiver.participantKeys.key,
      logger: loggerInto([]),
      now: () => new Date(Date.now() + 15 * DAY_MS),
    });
    const dora = lime.insert('person', { firstname: 'Dora', email: 'dora@acme.se', company: acme });
    expect(await later.rematch('all')).toEqual({ deliveries: 0, resolved: 0 });
    expect(await later.rematch({ emails: new Set(['dora@acme.se']), phones: new Set() })).toEqual({
      deliveries: 0,
      resolved: 0,
    });
    expect(notesOf(lime, dora)).toHaveLength(0);
    expect((await outcomesOf(deliveryId))[1]).toMatchObject({ outcome: 'no_match' });
  });

  it('with REMATCH_DAYS=0 a new person in Lime changes nothing for earlier meetings', async () => {
    await start({ REMATCH_DAYS: '0' });
    const deliveryId = await meetingWithDora('conv-rematch-3');
    const dora = lime.insert('person', { firstname: 'Dora', email: 'dora@acme.se', company: acme });
    await lime.webhooksSettled();
    await receiver.participants.settled();
    expect(notesOf(lime, dora)).toHaveLength(0);
    expect((await outcomesOf(deliveryId))[1]).toMatchObject({ outcome: 'no_match' });
  });
});

describe("an admin's resolution through the receiver", () => {
  it('a participant nobody matched, assigned to a person by an admin, gets the note on that person, once', async () => {
    await start();
    const deliveryId = await meetingWithDora('conv-assign-1');
    const dora = lime.insert('person', { firstname: 'Dora', email: 'dora.private@example.se', company: acme });
    const assigned = await receiver.participants.assign({
      deliveryId,
      participantIndex: 1,
      personId: dora,
      by: 'admin (test)',
    });
    expect(assigned).toMatchObject({ kind: 'written', outcome: { matchedBy: 'assigned', personId: dora } });
    expect(notesOf(lime, dora)).toHaveLength(1);
    const stored = (await outcomesOf(deliveryId))[1];
    expect(stored?.resolvedLater).toMatchObject({ how: 'admin', by: 'admin (test)' });
    expect(stored?.trace).toMatch(
      /^assigned by admin \(test\) at \S+ → person \d+ \(company \d+\) → note \d+ created$/u,
    );

    // Assigning it again is refused: the participant is no longer waiting; no second note.
    const again = await receiver.participants.assign({ deliveryId, participantIndex: 1, personId: dora, by: 'admin' });
    expect(again).toMatchObject({ kind: 'refused', code: 'not_unresolved' });
    expect(notesOf(lime, dora)).toHaveLength(1);
  });

  it('a person id Lime does not have is refused with a clear message, and nothing is written', async () => {
    await start();
    const deliveryId = await meetingWithDora('conv-assign-2');
    const notesBefore = lime.all('history').length;
    const refused = await receiver.participants.assign({
      deliveryId,
      participantIndex: 1,
      personId: 987654,
      by: 'admin',
    });
    expect(refused).toEqual({
      kind: 'refused',
      code: 'person_not_found',
      message: 'Lime has no person 987654 (a wrong id, or deleted): nothing was written.',
    });
    expect(lime.all('history')).toHaveLength(notesBefore);
    expect((await outcomesOf(deliveryId))[1]).toMatchObject({ outcome: 'no_match' });
  });
});

describe('dci-companion assign', () => {
  it('writes the note on the person given, once, and records that the CLI chose; a wrong id is refused', async () => {
    await start();
    const deliveryId = await meetingWithDora('conv-cli-1');
    const dora = lime.insert('person', { firstname: 'Dora', email: 'dora.home@example.se', company: acme });
    const lines: string[] = [];
    const out = (line: string) => lines.push(line);

    const wrong = ['assign', 'conv-cli-1', '--participant', '2', '--person', '987654'];
    expect(await runCli(wrong, receiverEnv, out, out)).toBe(1);
    expect(lines.at(-1)).toBe(
      'Nothing was written (person_not_found): Lime has no person 987654 (a wrong id, or deleted): nothing was written.',
    );
    expect(
      await runCli(['assign', 'conv-cli-1', '--participant', '2', '--person', 'dora'], receiverEnv, out, out),
    ).toBe(2);

    const right = ['assign', 'conv-cli-1', '--participant', '2', '--person', String(dora)];
    expect(await runCli(right, receiverEnv, out, out)).toBe(0);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^Participant 2 of conv-cli-1 is now Lime person ${dora} \\(company ${acme}\\): note \\d+ written\\.$`,
        'u',
      ),
    );
    expect(notesOf(lime, dora)).toHaveLength(1);
    expect((await outcomesOf(deliveryId))[1]?.resolvedLater).toMatchObject({
      how: 'admin',
      by: expect.stringMatching(/^cli \(/u),
    });

    // Again: refused, the participant has its person; still one note.
    expect(await runCli(right, receiverEnv, out, out)).toBe(1);
    expect(notesOf(lime, dora)).toHaveLength(1);
  });
});
