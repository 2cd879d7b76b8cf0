// Company notes through the whole receiver (ingest, SQLite store, worker, Lime emulator): the outcome is stored and
// shown, and a re-sent conversation updates the company's note — the worker hands the recorded company note to the
// connector (knownCompanyNotes), which then writes no second one.
import request from 'supertest';
import { buildPayload } from '../support/payloads';
import { closeAll, connectTo, startLime } from '../support/lime';
import { buildReceiver, deliverUntil, signedDci, type TestReceiver } from '../support/receiver';
import type { LimeEmulator } from '../../src/sandbox/lime';

let receiver: TestReceiver;
let lime: LimeEmulator;
let acme: number;

beforeEach(async () => {
  lime = await startLime();
  acme = lime.insert('company', { name: 'Acme AB', phone: '08-555 000 00' });
  lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme });
  receiver = await buildReceiver({ connector: connectTo(lime), deliverOptions: { companyNotes: true } });
});
afterEach(async () => {
  await receiver.close();
  await closeAll();
});

async function send(summary: string, timestamp: string) {
  const payload = buildPayload(
    {
      id: 'conv-switchboard',
      summary,
      participants: [
        { name: 'Reception', phone: '08-555 000 00', role: 'customer' },
        { name: 'New buyer', email: 'buyer@acme.se', role: 'customer' },
      ],
    },
    { timestamp },
  );
  const { body, headers } = signedDci(payload);
  const response = await request(receiver.app).post('/api/v1/dci/webhook').set(headers).send(body);
  expect(response.status).toBeLessThan(300);
}

const companyNotes = () => lime.all('history').filter((note) => note['person'] === null && note['company'] === acme);

it('a call through the switchboard is stored as company notes; re-sent, the one note is updated, not added', async () => {
  await send('First summary.', '2026-11-20T11:00:00.000Z');
  const first = await deliverUntil(receiver, 'conv-switchboard', 'delivered');
  const stored = await receiver.store.getDelivery(first.id);
  const [note] = companyNotes();
  expect(stored?.outcomes).toEqual([
    expect.objectContaining({ participantIndex: 0, outcome: 'company_note', companyId: acme, noteId: note?.['_id'] }),
    expect.objectContaining({ participantIndex: 1, outcome: 'company_note', companyId: acme, noteId: note?.['_id'] }),
  ]);
  expect(stored?.outcomes[0]?.personId).toBeUndefined();

  await send('Regenerated summary.', '2026-11-20T12:00:00.000Z');
  const again = await deliverUntil(receiver, 'conv-switchboard', 'delivered');
  expect(companyNotes()).toHaveLength(1);
  expect(companyNotes()[0]?.['note']).toContain('Regenerated summary.');
  const outcomes = (await receiver.store.getDelivery(again.id))?.outcomes ?? [];
  expect(outcomes[0]?.trace).toMatch(/company note \d+ updated$/u);
});
