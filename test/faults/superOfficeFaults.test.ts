import request from 'supertest';
import type { DemoDataIds, SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { buildParticipant, buildPayload } from '../support/payloads';
import { buildReceiver, deliverUntil, signedDci, type TestReceiver } from '../support/receiver';
import { startSeededSuperOffice, superOfficeConnectorFor } from '../support/superOffice';
import type { SuperOfficeConnector } from '../../src/superoffice-addon';

// SuperOffice misbehaving as the receiver meets it, through the real receiver (store, worker, classifier) and the
// SuperOffice connector: retried until delivered, exactly one appointment per (conversation, person) however many
// attempts it took, or dead with the CRM's reason.

let so: SuperOfficeEmulator;
let ids: DemoDataIds;
let receiver: TestReceiver;
let connector: SuperOfficeConnector;

beforeEach(async () => {
  ({ so, ids } = await startSeededSuperOffice());
});
afterEach(async () => {
  await receiver.close();
  await connector.close();
  await so.close();
});

async function receiverFor(options: Parameters<typeof superOfficeConnectorFor>[1] = {}) {
  connector = superOfficeConnectorFor(so, options);
  receiver = await buildReceiver({ connector });
}

/** A signed meeting with Anna and Erik (both matched by e-mail), acknowledged with 2xx. */
async function acknowledge(conversationId: string) {
  const payload = buildPayload({
    id: conversationId,
    participants: [
      buildParticipant({ email: 'anna.andersson@acme.se' }),
      buildParticipant({ name: 'Erik Ek', email: 'erik.ek@fjallbo.se', company: 'Fjällbo' }),
    ],
  });
  const { body, headers } = signedDci(payload);
  const response = await request(receiver.app).post('/api/v1/dci/webhook').set(headers).send(body);
  expect(response.status).toBeLessThan(300);
}

async function untilDue(conversationId: string) {
  const row = (await receiver.store.listDeliveries({ search: conversationId, limit: 1 }))[0];
  const due = row?.nextAttemptAt?.getTime();
  if (due === undefined) throw new Error(`${conversationId} has no next attempt`);
  receiver.clock.advance(Math.max(0, due - receiver.clock.now().getTime()));
}

/** One appointment for Anna and one for Erik, and a foreign key each. */
function expectOneAppointmentEach() {
  const persons = so.appointments().map((appointment) => appointment.personId);
  expect(persons.sort()).toEqual([ids.persons.anna, ids.persons.erik].sort());
  expect(so.foreignKeys()).toHaveLength(2);
}

/** How many requests the meeting costs up to (not including) the second SaveAppointmentEntity, on a fresh tenant. */
async function requestsBeforeSecondSave(): Promise<number> {
  const probe = await startSeededSuperOffice();
  const probeConnector = superOfficeConnectorFor(probe.so);
  const probeReceiver = await buildReceiver({ connector: probeConnector });
  try {
    const payload = buildPayload({
      participants: [
        buildParticipant({ email: 'anna.andersson@acme.se' }),
        buildParticipant({ name: 'Erik Ek', email: 'erik.ek@fjallbo.se', company: 'Fjällbo' }),
      ],
    });
    const { body, headers } = signedDci(payload);
    await request(probeReceiver.app).post('/api/v1/dci/webhook').set(headers).send(body);
    await probeReceiver.worker.drainOnce();
    const saves = probe.so.requests
      .map((entry, index) => ({ index, save: entry.path.endsWith('/SaveAppointmentEntity') }))
      .filter((entry) => entry.save);
    if (saves.length !== 2) throw new Error(`expected two saves, saw ${saves.length}`);
    return saves[1]!.index;
  } finally {
    await probeReceiver.close();
    await probeConnector.close();
    await probe.so.close();
  }
}

describe('SuperOffice through the receiver: faults', () => {
  it('429 with Retry-After: retried no earlier than asked, then one appointment per person', async () => {
    await receiverFor();
    await acknowledge('so-429');
    so.failNext(1, { kind: 'status', status: 429, retryAfterSec: 300 });
    const retrying = await deliverUntil(receiver, 'so-429', 'retrying');
    expect(retrying).toMatchObject({ lastErrorCode: 'rate_limited', attempts: 1 });
    expect(retrying.nextAttemptAt?.getTime()).toBe(receiver.clock.now().getTime() + 300_000);
    await untilDue('so-429');
    await deliverUntil(receiver, 'so-429', 'delivered');
    expectOneAppointmentEach();
  });

  it.each([
    ['a 503', { kind: 'status', status: 503 }, 'server_error'],
    ['a dropped connection', { kind: 'drop' }, 'connection_reset'],
  ] as const)(
    '%s on the second appointment, after the first was written: retried, and still one appointment each',
    async (_name, fault, code) => {
      const before = await requestsBeforeSecondSave();
      await receiverFor();
      await acknowledge('so-mid');
      // Requests before the fault pass (a delay of 0 is the fault queue's "let it through").
      so.clearRequests();
      so.failNext(before, { kind: 'delay', ms: 0 });
      so.failNext(1, fault);
      const retrying = await deliverUntil(receiver, 'so-mid', 'retrying');
      expect(retrying).toMatchObject({ lastErrorCode: code, attempts: 1 });
      expect(so.appointments()).toHaveLength(1);
      await untilDue('so-mid');
      await deliverUntil(receiver, 'so-mid', 'delivered');
      expectOneAppointmentEach();
    },
  );

  it('SuperOffice too slow before anything was written: retried, then delivered once', async () => {
    await receiverFor({ timeoutMs: 200 });
    await acknowledge('so-slow');
    so.failNext(1, { kind: 'delay', ms: 1_000 });
    const retrying = await deliverUntil(receiver, 'so-slow', 'retrying');
    expect(retrying.lastErrorCode).toBe('timeout');
    await untilDue('so-slow');
    await deliverUntil(receiver, 'so-slow', 'delivered');
    expectOneAppointmentEach();
  });

  it('a refused ticket: a dead letter saying so, without the ticket; delivered after new credentials and a requeue', async () => {
    await receiverFor({ credentials: { kind: 'ticket', ticket: 'revoked-ticket' } });
    await acknowledge('so-401');
    const dead = await deliverUntil(receiver, 'so-401', 'dead');
    expect(dead.lastErrorCode).toBe('unauthorized');
    expect(dead.lastErrorMessage).toContain('(401)');
    expect(dead.lastErrorMessage).not.toContain('revoked-ticket');
    expect(so.appointments()).toEqual([]);
    const fixed = superOfficeConnectorFor(so);
    receiver.setConnector(fixed);
    try {
      expect(await receiver.store.requeue(dead.id, receiver.clock.now())).toBe(true);
      await deliverUntil(receiver, 'so-401', 'delivered');
      expectOneAppointmentEach();
    } finally {
      await fixed.close();
    }
  });
});
