import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { BACKOFF_BASE_MS } from '../../src/receiver/deliver/backoff';
import type { LimeEmulator, LimeRequestView } from '../../src/sandbox/lime';
import { closeAll, connectTo, notesOf, startLime } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { buildReceiver, deliverUntil, signedDci, type TestReceiver } from '../support/receiver';
import { waitFor } from '../support/waitFor';

// Lime misbehaving in every way the receiver meets in the field. Each case ends in the state an admin should see:
// retrying (when the next attempt is due), dead with a reason that says what to fix and where, or delivered once
// the fault clears — and every summary acknowledged with 2xx ends delivered or in the dead letters, never lost.

const tlsFile = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'tls', name), 'utf8');

/** Lime's answer to our note write: the request a fault aimed at "the note" picks. */
const noteWrite = (request: LimeRequestView) => request.method === 'POST' && request.path.endsWith('/history/');

let lime: LimeEmulator;
let receiver: TestReceiver;
let anna: number;
let bertil: number;

beforeEach(async () => {
  lime = await startLime();
  const acme = lime.insert('company', { name: 'Acme AB' });
  anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme });
  bertil = lime.insert('person', { firstname: 'Bertil', email: 'bertil@acme.se', company: acme });
});

afterEach(async () => {
  await receiver.close();
  await closeAll();
});

async function receiverFor(options: Parameters<typeof buildReceiver>[0] = {}): Promise<TestReceiver> {
  receiver = await buildReceiver({ connector: connectTo(lime), ...options });
  return receiver;
}

/** Posts a signed summary of a meeting with `email`, and expects it acknowledged (2xx). */
async function acknowledge(conversationId: string, email = 'anna@acme.se', envelope: Record<string, unknown> = {}) {
  const payload = buildPayload({ id: conversationId, participants: [buildParticipant({ email })] }, envelope);
  const { body, headers } = signedDci(payload);
  const response = await request(receiver.app).post('/api/v1/dci/webhook').set(headers).send(body);
  expect(response.status).toBeGreaterThanOrEqual(200);
  expect(response.status).toBeLessThan(300);
}

/** Every acknowledged summary is delivered or visibly dead: none pending, retrying or in progress, none missing. */
async function expectNothingLost(acknowledged: number) {
  const rows = await receiver.store.listDeliveries({ limit: 100 });
  expect(rows).toHaveLength(acknowledged);
  expect(rows.filter((row) => row.status !== 'delivered' && row.status !== 'dead')).toEqual([]);
}

/** Moves the clock to when the delivery's next attempt is due. */
async function untilDue(conversationId: string) {
  const row = (await receiver.store.listDeliveries({ search: conversationId, limit: 1 }))[0];
  const due = row?.nextAttemptAt?.getTime();
  if (due === undefined) throw new Error(`${conversationId} has no next attempt`);
  receiver.clock.advance(Math.max(0, due - receiver.clock.now().getTime()));
}

describe('when Lime is busy or failing, the delivery retries and is delivered once Lime recovers', () => {
  it('429 with Retry-After: the next attempt is not before what Lime asked for', async () => {
    await receiverFor();
    await acknowledge('conv-429');
    lime.failNext(1, { kind: 'status', status: 429, retryAfterSec: 300 });
    const retrying = await deliverUntil(receiver, 'conv-429', 'retrying');
    expect(retrying).toMatchObject({ lastErrorCode: 'rate_limited', attempts: 1 });
    expect(retrying.nextAttemptAt?.getTime()).toBe(receiver.clock.now().getTime() + 300_000);
    receiver.clock.advance(299_000);
    expect(await receiver.worker.drainOnce()).toBe(0); // Lime's wait is honoured, though the backoff is 15 s
    receiver.clock.advance(1_000);
    await deliverUntil(receiver, 'conv-429', 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
    await expectNothingLost(1);
  });

  it('429 with Retry-After as an HTTP date is honoured too', async () => {
    await receiverFor();
    await acknowledge('conv-429-date');
    // The receiver's clock is the test's; Lime's date is real time: ask for ten minutes from now.
    const at = new Date(Date.now() + 600_000).toUTCString();
    lime.failNext(1, { kind: 'status', status: 429, headers: { 'retry-after': at } });
    const retrying = await deliverUntil(receiver, 'conv-429-date', 'retrying');
    const waitMs = (retrying.nextAttemptAt?.getTime() ?? 0) - receiver.clock.now().getTime();
    expect(waitMs).toBeGreaterThan(590_000);
    expect(waitMs).toBeLessThanOrEqual(600_000);
    await untilDue('conv-429-date');
    await deliverUntil(receiver, 'conv-429-date', 'delivered');
    await expectNothingLost(1);
  });

  it('429 without Retry-After: the next attempt follows the backoff table (15 s after the first)', async () => {
    await receiverFor();
    await acknowledge('conv-429-bare');
    lime.failNext(1, { kind: 'status', status: 429 });
    const retrying = await deliverUntil(receiver, 'conv-429-bare', 'retrying');
    expect(retrying.lastErrorCode).toBe('rate_limited');
    expect(retrying.nextAttemptAt?.getTime()).toBe(receiver.clock.now().getTime() + BACKOFF_BASE_MS);
    receiver.clock.advance(BACKOFF_BASE_MS);
    await deliverUntil(receiver, 'conv-429-bare', 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
  });

  it.each([500, 502, 503])('%i on the note write: retried with backoff, then one note', async (status) => {
    await receiverFor();
    await acknowledge(`conv-${status}`);
    lime.failWhen(noteWrite, { kind: 'status', status }, 2);
    const first = await deliverUntil(receiver, `conv-${status}`, 'retrying');
    expect(first).toMatchObject({ lastErrorCode: 'server_error', attempts: 1 });
    expect(first.lastErrorMessage).toContain(`(${status})`);
    await untilDue(`conv-${status}`);
    expect(await receiver.worker.drainOnce()).toBe(1);
    const second = (await receiver.store.listDeliveries({ search: `conv-${status}`, limit: 1 }))[0];
    expect(second).toMatchObject({ status: 'retrying', attempts: 2 });
    // The wait doubles: 30 s after the second attempt.
    expect(second?.nextAttemptAt?.getTime()).toBe(receiver.clock.now().getTime() + 2 * BACKOFF_BASE_MS);
    await untilDue(`conv-${status}`);
    await deliverUntil(receiver, `conv-${status}`, 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
    await expectNothingLost(1);
  });

  it('a 503 with Retry-After longer than the backoff waits what Lime asked', async () => {
    await receiverFor();
    await acknowledge('conv-503-ra');
    lime.failWhen(noteWrite, { kind: 'status', status: 503, retryAfterSec: 120 });
    const retrying = await deliverUntil(receiver, 'conv-503-ra', 'retrying');
    expect(retrying.nextAttemptAt?.getTime()).toBe(receiver.clock.now().getTime() + 120_000);
    await untilDue('conv-503-ra');
    await deliverUntil(receiver, 'conv-503-ra', 'delivered');
  });

  it('a Lime too slow to answer in time is retried; a note it wrote after we gave up is found, not doubled', async () => {
    await receiverFor({ connector: connectTo(lime, { timeouts: { headersMs: 300 } }) });
    await acknowledge('conv-slow');
    // Lime takes 1.5 s over the note: the receiver stops waiting at 300 ms; Lime still writes the note.
    lime.failWhen(noteWrite, { kind: 'delay', ms: 1500 });
    const retrying = await deliverUntil(receiver, 'conv-slow', 'retrying');
    expect(retrying).toMatchObject({ lastErrorCode: 'timeout' });
    expect(retrying.lastErrorMessage).toContain('did not answer');
    await waitFor(() => notesOf(lime, anna).length === 1, 10_000, 'Lime to finish the slow note write');
    await untilDue('conv-slow');
    const delivered = await deliverUntil(receiver, 'conv-slow', 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
    expect((await receiver.store.getDelivery(delivered.id))?.outcomes[0]).toMatchObject({ outcome: 'updated' });
    await expectNothingLost(1);
  });

  it('a connection reset before Lime answers is retried and delivered', async () => {
    await receiverFor();
    await acknowledge('conv-reset');
    lime.failNext(1, { kind: 'drop' });
    const retrying = await deliverUntil(receiver, 'conv-reset', 'retrying');
    expect(retrying.lastErrorCode).toBe('connection_reset');
    await untilDue('conv-reset');
    await deliverUntil(receiver, 'conv-reset', 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
  });

  it('a connection reset mid-answer after Lime created the note: the retry finds that note, one note in the end', async () => {
    await receiverFor();
    await acknowledge('conv-cut');
    lime.failWhen(noteWrite, { kind: 'drop_mid_body' });
    const retrying = await deliverUntil(receiver, 'conv-cut', 'retrying');
    expect(retrying.lastErrorCode).toBe('connection_reset');
    expect(notesOf(lime, anna)).toHaveLength(1); // written, though the answer was lost
    await untilDue('conv-cut');
    const delivered = await deliverUntil(receiver, 'conv-cut', 'delivered');
    const notes = notesOf(lime, anna);
    expect(notes).toHaveLength(1);
    expect((await receiver.store.getDelivery(delivered.id))?.outcomes[0]).toMatchObject({
      outcome: 'updated',
      noteId: notes[0]?.['_id'],
    });
  });
});

describe('when the fault will not pass by waiting, the delivery is a dead letter that says what to fix and where', () => {
  it('a TLS certificate the receiver cannot verify: dead, naming LIME_CA_FILE; delivered after the CA is configured and it is requeued', async () => {
    lime = await startLime({ tls: { key: tlsFile('server.key'), cert: tlsFile('server.crt') } });
    anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se' });
    await receiverFor();
    await acknowledge('conv-tls');
    const dead = await deliverUntil(receiver, 'conv-tls', 'dead');
    expect(dead.lastErrorCode).toBe('tls_failed');
    expect(dead.lastErrorMessage).toContain(lime.baseUrl.replace('https://', '').split('/')[0]);
    expect(dead.lastErrorMessage).toContain('LIME_CA_FILE');
    expect(dead.lastErrorMessage).toContain('requeue');
    receiver.setConnector(connectTo(lime, { ca: tlsFile('ca.crt') }));
    expect(await receiver.store.requeue(dead.id, receiver.clock.now())).toBe(true);
    await deliverUntil(receiver, 'conv-tls', 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(1);
    await expectNothingLost(1);
  });

  it('a Lime host that does not resolve (DNS) is retried, and when it gives up the reason says to check the API URL', async () => {
    const unresolvable = new URL(lime.baseUrl);
    unresolvable.hostname = 'lime.invalid';
    await receiverFor({ connector: connectTo(lime, { baseUrl: unresolvable.href }), maxAttempts: 3 });
    await acknowledge('conv-dns');
    const retrying = await deliverUntil(receiver, 'conv-dns', 'retrying');
    expect(retrying.lastErrorCode).toBe('dns_failed');
    expect(retrying.lastErrorMessage).toContain('lime.invalid');
    for (let attempt = 2; attempt <= 3; attempt += 1) {
      await untilDue('conv-dns');
      await receiver.worker.drainOnce();
    }
    const [dead] = await receiver.store.listDeliveries({ search: 'conv-dns', limit: 1 });
    expect(dead).toMatchObject({ status: 'dead', lastErrorCode: 'dns_failed', attempts: 3 });
    expect(dead?.lastErrorMessage).toMatch(/^Gave up after 3 attempts/u);
    expect(dead?.lastErrorMessage).toContain('LIME_URL');
    expect(dead?.lastErrorMessage).toContain('requeue');
    // The admin corrects the URL and requeues: delivered.
    receiver.setConnector(connectTo(lime));
    expect(await receiver.store.requeue(dead!.id, receiver.clock.now())).toBe(true);
    await deliverUntil(receiver, 'conv-dns', 'delivered');
    await expectNothingLost(1);
  });

  it('an API key revoked mid-run: what was delivered stays delivered; the rest are dead letters naming the key and where to set it, delivered after a new key and a requeue', async () => {
    await receiverFor();
    await acknowledge('conv-before');
    await deliverUntil(receiver, 'conv-before', 'delivered');
    lime.setApiKey('test-api-key', undefined); // an admin replaced the API user's key in Lime
    await acknowledge('conv-after-1', 'anna@acme.se');
    await acknowledge('conv-after-2', 'bertil@acme.se');
    const dead = await deliverUntil(receiver, 'conv-after-1', 'dead');
    await deliverUntil(receiver, 'conv-after-2', 'dead');
    expect(dead.lastErrorCode).toBe('unauthorized');
    expect(dead.lastErrorMessage).toContain('(401)');
    expect(dead.lastErrorMessage).toContain('API key');
    expect(dead.lastErrorMessage).toMatch(/admin pages|LIME_API_KEY/u);
    expect(dead.lastErrorMessage).not.toContain('test-api-key');
    await expectNothingLost(3);

    lime.setApiKey('new-api-key', 'all');
    receiver.setConnector(connectTo(lime, { apiKey: 'new-api-key' }));
    for (const row of await receiver.store.listDeliveries({ status: 'dead', limit: 10 })) {
      expect(await receiver.store.requeue(row.id, receiver.clock.now())).toBe(true);
    }
    await deliverUntil(receiver, 'conv-after-1', 'delivered');
    await deliverUntil(receiver, 'conv-after-2', 'delivered');
    expect(notesOf(lime, anna)).toHaveLength(2); // conv-before and conv-after-1
    expect(notesOf(lime, bertil)).toHaveLength(1);
    await expectNothingLost(3);
  });

  it('a permission taken away mid-run (403): dead, naming the limetype and operation Lime refused', async () => {
    await receiverFor();
    await acknowledge('conv-before');
    await deliverUntil(receiver, 'conv-before', 'delivered');
    lime.setApiKey('test-api-key', {
      person: ['read'],
      company: ['read'],
      coworker: ['read'],
      history: ['read', 'update'],
    });
    await acknowledge('conv-403', 'bertil@acme.se');
    const dead = await deliverUntil(receiver, 'conv-403', 'dead');
    expect(dead.lastErrorCode).toBe('forbidden');
    expect(dead.lastErrorMessage).toContain('create history');
    expect(dead.lastErrorMessage).toContain('permission');
    await expectNothingLost(2);
  });

  it.each([
    ['retired (made inactive)', 'retire'],
    ['deleted', 'delete'],
  ] as const)(
    'the history type %s in Lime mid-run: dead as a data-model problem naming the type and what to choose instead; delivered once it is back and requeued',
    async (_how, change) => {
      await receiverFor();
      await acknowledge('conv-before');
      await deliverUntil(receiver, 'conv-before', 'delivered'); // the connector knows the data model now
      const typeProperty = lime.model.limetypes['history']?.properties.find((property) => property.name === 'type');
      const options = typeProperty?.options ?? [];
      const comment = options.find((option) => option.key === 'comment');
      if (comment === undefined) throw new Error('the core model has no history type "comment"');
      // A Lime admin retires or deletes the option our notes use.
      if (change === 'retire') comment.inactive = true;
      else options.splice(options.indexOf(comment), 1);

      await acknowledge('conv-after', 'bertil@acme.se');
      const dead = await deliverUntil(receiver, 'conv-after', 'dead');
      expect(dead.lastErrorCode).toBe('schema_mismatch');
      expect(dead.lastErrorMessage).toContain('"comment"');
      expect(dead.lastErrorMessage).toContain('history.type');
      expect(dead.lastErrorMessage).toContain('LIME_HISTORY_TYPE');
      expect(dead.lastErrorMessage).toContain('requeue');
      expect(notesOf(lime, bertil)).toHaveLength(0);

      if (change === 'retire') comment.inactive = false;
      else options.push(comment);
      expect(await receiver.store.requeue(dead.id, receiver.clock.now())).toBe(true);
      await deliverUntil(receiver, 'conv-after', 'delivered');
      expect(notesOf(lime, bertil)).toHaveLength(1);
      await expectNothingLost(2);
    },
  );
});
