import request from 'supertest';
import { BACKOFF_BASE_MS } from '../../src/receiver/deliver/backoff';
import { buildParticipant, buildPayload } from '../support/payloads';
import { closeAll, connectTo, notesOf, startLime } from '../support/lime';
import { buildReceiver, deliverUntil, signedDci, type TestReceiver } from '../support/receiver';
import type { LimeEmulator } from '../../src/sandbox/lime';

let receiver: TestReceiver;
let lime: LimeEmulator;
let anna: number;

beforeEach(async () => {
  lime = await startLime();
  const acme = lime.insert('company', { name: 'Acme AB' });
  anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme });
  receiver = await buildReceiver({ connector: connectTo(lime) });
});
afterEach(async () => {
  await receiver.close();
  await closeAll();
});

async function send(conversation: Record<string, unknown> = {}, envelope: Record<string, unknown> = {}) {
  const payload = buildPayload(
    { id: 'conv-42', participants: [buildParticipant({ email: 'anna@acme.se' })], ...conversation },
    envelope,
  );
  const { body, headers } = signedDci(payload);
  const response = await request(receiver.app).post('/api/v1/dci/webhook').set(headers).send(body);
  expect(response.status).toBeLessThan(300);
  return response;
}

describe('delivery to Lime', () => {
  it('an acknowledged summary ends as one note in Lime, with outcomes and the attempt recorded', async () => {
    await send();
    const row = await deliverUntil(receiver, 'conv-42', 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
    const detail = await receiver.store.getDelivery(row.id);
    expect(detail?.outcomes).toEqual([
      expect.objectContaining({ participantIndex: 0, outcome: 'written', matchedBy: 'email', personId: anna }),
    ]);
    expect(detail?.attemptLog).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'delivered', apiCalls: expect.any(Number) }),
    ]);
  });

  it('a conversation re-sent after delivery updates the note instead of adding one', async () => {
    await send();
    await deliverUntil(receiver, 'conv-42', 'delivered');
    await send({ summary: 'Regenerated summary.' }, { timestamp: '2026-11-20T12:00:00.000Z' });
    const row = await deliverUntil(receiver, 'conv-42', 'delivered');
    const notes = notesOf(lime, anna);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.['note']).toContain('Regenerated summary.');
    expect((await receiver.store.getDelivery(row.id))?.outcomes[0]?.outcome).toBe('updated');
  });

  it('when Lime answers 503, the delivery is retried later and then delivered', async () => {
    await send();
    lime.failNext(1, { kind: 'status', status: 503 });
    const retrying = await deliverUntil(receiver, 'conv-42', 'retrying');
    expect(retrying).toMatchObject({ lastErrorCode: 'server_error', attempts: 1 });
    expect(retrying.nextAttemptAt?.getTime()).toBeGreaterThan(receiver.clock.now().getTime());
    expect(await receiver.worker.drainOnce()).toBe(0); // not due yet
    receiver.clock.advance(BACKOFF_BASE_MS * 2);
    await deliverUntil(receiver, 'conv-42', 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
  });

  it('when Lime answers 429 with Retry-After, the next attempt waits at least that long', async () => {
    await send();
    lime.failNext(1, { kind: 'status', status: 429, retryAfterSec: 120 });
    const retrying = await deliverUntil(receiver, 'conv-42', 'retrying');
    expect(retrying.lastErrorCode).toBe('rate_limited');
    expect(retrying.nextAttemptAt?.getTime()).toBeGreaterThanOrEqual(receiver.clock.now().getTime() + 120_000);
    receiver.clock.advance(100_000);
    expect(await receiver.worker.drainOnce()).toBe(0);
    receiver.clock.advance(21_000);
    await deliverUntil(receiver, 'conv-42', 'delivered');
  });

  it('a permanent 400 goes to the dead letters with the reason, and is delivered after a requeue', async () => {
    await send();
    lime.failNext(1, { kind: 'status', status: 400, body: { error: 'Bad Request', message: 'Invalid value.' } });
    const dead = await deliverUntil(receiver, 'conv-42', 'dead');
    expect(dead.lastErrorCode).toBe('bad_request');
    expect(dead.lastErrorMessage).toContain('requeue');
    expect(notesOf(lime, anna)).toHaveLength(0);
    expect(await receiver.store.requeue(dead.id, receiver.clock.now())).toBe(true);
    await deliverUntil(receiver, 'conv-42', 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
  });

  it('a revoked API key is a dead letter that names the key as the thing to fix', async () => {
    await send();
    lime.setApiKey('test-api-key', undefined);
    const dead = await deliverUntil(receiver, 'conv-42', 'dead');
    expect(dead).toMatchObject({ lastErrorCode: 'unauthorized', lastErrorMessage: expect.stringContaining('API key') });
  });

  it('with no Lime connection configured, summaries wait, and are delivered once one is', async () => {
    receiver.setConnector(undefined);
    await send();
    expect(await receiver.worker.drainOnce()).toBe(0);
    expect((await receiver.store.listDeliveries({ limit: 1 }))[0]?.status).toBe('pending');
    receiver.setConnector(connectTo(lime));
    await deliverUntil(receiver, 'conv-42', 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
  });

  it('after the last allowed attempt a temporary failure becomes a dead letter saying it gave up', async () => {
    const strict = await buildReceiver({ connector: connectTo(lime), maxAttempts: 2 });
    try {
      const payload = buildPayload({ id: 'conv-7', participants: [buildParticipant({ email: 'anna@acme.se' })] });
      const { body, headers } = signedDci(payload);
      await request(strict.app).post('/api/v1/dci/webhook').set(headers).send(body);
      // The note write fails in both attempts (a first attempt also reads Lime's data model and page size at once).
      const isNoteWrite = (view: { method: string; path: string }) =>
        view.method === 'POST' && view.path === '/api/v1/limeobject/history/';
      lime.failWhen(isNoteWrite, { kind: 'status', status: 502 }, 2);
      await deliverUntil(strict, 'conv-7', 'retrying');
      strict.clock.advance(60 * 60 * 1000);
      const dead = await deliverUntil(strict, 'conv-7', 'dead');
      expect(dead.lastErrorMessage).toMatch(/^Gave up after 2 attempts/u);
    } finally {
      await strict.close();
    }
  });

  it('on shutdown, an in-flight delivery that cannot finish in the grace time is given back, not lost', async () => {
    const quick = await buildReceiver({ connector: connectTo(lime), shutdownGraceMs: 50 });
    try {
      const payload = buildPayload({ id: 'conv-9', participants: [buildParticipant({ email: 'anna@acme.se' })] });
      const { body, headers } = signedDci(payload);
      await request(quick.app).post('/api/v1/dci/webhook').set(headers).send(body);
      lime.setLatency(2000);
      quick.worker.start();
      for (let i = 0; i < 200 && (await quick.store.counts()).byStatus.in_progress === 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await quick.worker.stop();
      const [row] = await quick.store.listDeliveries({ limit: 1 });
      expect(row).toMatchObject({ status: 'pending', attempts: 0 });
      lime.setLatency(0);
      await deliverUntil(quick, 'conv-9', 'delivered');
      expect(notesOf(lime, anna)).toHaveLength(1);
    } finally {
      await quick.close();
    }
  });

  it('on shutdown, an in-flight delivery that finishes within the grace time is recorded as delivered', async () => {
    await send();
    lime.setLatency(30);
    receiver.worker.start();
    for (let i = 0; i < 200 && (await receiver.store.counts()).byStatus.in_progress === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await receiver.worker.stop();
    expect((await receiver.store.listDeliveries({ limit: 1 }))[0]?.status).toBe('delivered');
  });

  it('an attempt that would outlive its lease is stopped and retried, so two workers never write at once', async () => {
    const tight = await buildReceiver({ connector: connectTo(lime), leaseMs: 1250 });
    try {
      const payload = buildPayload({ id: 'conv-slow', participants: [buildParticipant({ email: 'anna@acme.se' })] });
      const { body, headers } = signedDci(payload);
      await request(tight.app).post('/api/v1/dci/webhook').set(headers).send(body);
      lime.setLatency(1500);
      const retrying = await deliverUntil(tight, 'conv-slow', 'retrying');
      expect(retrying).toMatchObject({ lastErrorCode: 'attempt_timeout' });
      lime.setLatency(0);
      tight.clock.advance(60_000);
      await deliverUntil(tight, 'conv-slow', 'delivered');
      expect(notesOf(lime, anna)).toHaveLength(1);
    } finally {
      await tight.close();
    }
  });

  it('a full run (ingest, delivery, retry, dead letter) logs no e-mail, phone, summary text, key or secret', async () => {
    const summary = 'Confidential: Acme pays 4.2 MSEK.';
    await send({ summary, participants: [buildParticipant({ email: 'anna@acme.se', phone: '070-765 43 21' })] });
    lime.failNext(1, { kind: 'status', status: 503, body: { error: 'x', message: 'anna@acme.se is busy' } });
    await deliverUntil(receiver, 'conv-42', 'retrying');
    receiver.clock.advance(60_000);
    await deliverUntil(receiver, 'conv-42', 'delivered');
    const logs = receiver.logs.join('\n');
    expect(logs).toContain('delivery attempt finished');
    for (const value of [
      'anna@acme.se',
      '070-765 43 21',
      '0707654321',
      summary,
      'test-api-key',
      'test-webhook-secret',
    ]) {
      expect(logs).not.toContain(value);
    }
  });
});
