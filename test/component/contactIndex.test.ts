import request from 'supertest';
import type { LimeConnector } from '../../src/lime-addon';
import { syncContactIndex, updateContactIndex } from '../../src/receiver/contactIndex/syncContactIndex';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { closeAll, connectTo, DELIVER, notesOf, startLime } from '../support/lime';
import { buildPayload, summaryOf } from '../support/payloads';
import { buildReceiver, deliverUntil, signedDci, type TestReceiver } from '../support/receiver';

/** How people really type numbers into Lime's free-text phone fields; the right column is what DCI sends. */
const WRITTEN_FORMS: Array<[stored: string, sent: string, field: 'mobilephone' | 'phone']> = [
  ['070-123 45 67', '+46701234567', 'mobilephone'],
  ['mobil 070 123 45 68', '+46701234568', 'mobilephone'],
  ['070/1234569', '0701234569', 'mobilephone'],
  ['+46 (0) 70-123 45 70 (privat)', '070-123 45 70', 'mobilephone'],
  ['Tel: 08 - 123 456 78', '+46812345678', 'phone'],
  ['0046-8-123 456 79', '08-12345679', 'phone'],
  ['(08) 123 456 80', '+46 8 123 456 80', 'phone'],
  ['0701234571, växel 08-5550000', '0701234571', 'mobilephone'],
];

let lime: LimeEmulator;
let receiver: TestReceiver;
let connector: LimeConnector;
const persons: number[] = [];

beforeEach(async () => {
  lime = await startLime();
  persons.splice(0);
  WRITTEN_FORMS.forEach(([stored, , field], i) => {
    persons.push(lime.insert('person', { firstname: `Person${i}`, [field]: stored }));
  });
  connector = connectTo(lime);
  receiver = await buildReceiver({ connector });
});
afterEach(async () => {
  await receiver.close();
  await closeAll();
});

const sync = () =>
  syncContactIndex(receiver.store, connector, { target: 'lime', defaultRegion: 'SE', now: () => new Date() });

async function callFrom(conversationId: string, phone: string) {
  const { body, headers } = signedDci(
    buildPayload({ id: conversationId, participants: [{ name: 'Caller', phone, role: 'customer' }] }),
  );
  await request(receiver.app).post('/api/v1/dci/webhook').set(headers).send(body);
  const row = await deliverUntil(receiver, conversationId, 'delivered');
  return (await receiver.store.getDelivery(row.id))?.outcomes[0];
}

describe('the local contact index', () => {
  it('a sync stores every person with their numbers in E.164, whatever the written form', async () => {
    expect(await sync()).toBe(WRITTEN_FORMS.length);
    const found = await receiver.store.findContactCandidates('lime', {
      emails: [],
      phones: ['+46701234568', '+46812345679'],
    });
    expect(found.map((entry) => entry.personId).sort()).toEqual([persons[1], persons[5]].sort());
  });

  it('matching through the index finds every stored format; live matching alone misses some (recall)', async () => {
    const live = await Promise.all(
      WRITTEN_FORMS.map(async ([, sent], i) => {
        const report = await connector.deliver(buildPayloadSummary(`live-${i}`, sent), { ...DELIVER, dryRun: true });
        return report.outcomes[0]?.personId === persons[i];
      }),
    );
    await sync();
    const indexed: boolean[] = [];
    for (const [i, [, sent]] of WRITTEN_FORMS.entries()) {
      indexed.push((await callFrom(`indexed-${i}`, sent))?.personId === persons[i]);
    }
    const recall = (hits: boolean[]) => hits.filter(Boolean).length / hits.length;
    console.log(`phone-format recall: live ${recall(live)}, with the contact index ${recall(indexed)}`);
    expect(recall(indexed)).toBe(1);
    expect(recall(live)).toBeLessThan(1);
  });

  it('a stale index never writes to a person whose number changed: the live check catches it', async () => {
    await sync();
    lime.update('person', persons[1] as number, { mobilephone: '070-999 99 99' });
    const outcome = await callFrom('stale', '+46701234568');
    expect(outcome).toMatchObject({ outcome: 'no_match' });
    expect(notesOf(lime, persons[1] as number)).toEqual([]);
  });

  it.each([
    ['Danish', '+45 33 21 72 84', '33 21 72 84', '+4533217284'],
    ['Finnish', '+358 9 8409008', '09 8409008', '+35898409008'],
  ])(
    'a %s team line one holder typed without its country code is shared: no note on either holder',
    async (_, international, nationalOnly, sent) => {
      const a = lime.insert('person', { firstname: 'Intl', phone: international });
      const b = lime.insert('person', { firstname: 'National', phone: nationalOnly });
      await sync();
      const outcome = await callFrom(`team-line-${sent}`, sent);
      expect(outcome).toMatchObject({ outcome: 'ambiguous' });
      expect(outcome?.trace).toContain('held by 2 persons');
      expect([...notesOf(lime, a), ...notesOf(lime, b)]).toEqual([]);
    },
  );

  it('a person added in Lime after the last sync is still found live', async () => {
    await sync();
    const added = lime.insert('person', { firstname: 'New', mobilephone: '070-555 12 34' });
    const outcome = await callFrom('added', '+46705551234');
    expect(outcome).toMatchObject({ outcome: 'written', personId: added });
  });

  it('with the index, a meeting costs 1 live check + 1 call per note', async () => {
    await sync();
    await callFrom('warm', '+46701234567'); // schema and coworker known
    lime.clearRequests();
    await callFrom('counted', '070-123 45 70');
    const calls = lime.requests.map((entry) => `${entry.method} ${entry.path}`);
    expect(calls).toEqual(['GET /api/v1/query/', 'POST /api/v1/limeobject/history/']);
  });

  it('an incremental pass adds the persons Lime changed since the newest change in the index', async () => {
    await sync();
    const added = lime.insert('person', { firstname: 'Added', mobilephone: 'mobil 070 555 66 77' });
    lime.update('person', persons[0] as number, { mobilephone: 'mobil 070 555 66 78' });
    const changed = await updateContactIndex(receiver.store, connector, { target: 'lime', defaultRegion: 'SE' });
    expect(changed).toBeGreaterThanOrEqual(2);
    const found = await receiver.store.findContactCandidates('lime', {
      emails: [],
      phones: ['+46705556677', '+46705556678'],
    });
    expect(found.map((entry) => entry.personId).sort()).toEqual([persons[0], added].sort());
    expect(await receiver.store.contactIndexState('lime')).toMatchObject({ size: WRITTEN_FORMS.length + 1 });
    // Found through the index only: live search cannot read "mobil 070 555 66 77".
    expect(await callFrom('incremental', '+46705556677')).toMatchObject({ outcome: 'written', personId: added });
  });

  it('without a full sync first, an incremental pass does nothing', async () => {
    expect(
      await updateContactIndex(receiver.store, connector, { target: 'lime', defaultRegion: 'SE' }),
    ).toBeUndefined();
  });
});

function buildPayloadSummary(id: string, phone: string) {
  return summaryOf(buildPayload({ id, participants: [{ name: 'Caller', phone, role: 'customer' }] }));
}
