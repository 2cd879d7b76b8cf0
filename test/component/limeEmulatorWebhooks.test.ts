import { createHmac } from 'node:crypto';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { startWebhookTarget, type ReceivedWebhook, type WebhookTarget } from '../support/webhookTarget';

let lime: LimeEmulator;
let target: WebhookTarget;
let targetUrl: string;
let received: ReceivedWebhook[];
/** Statuses the target answers with, in turn; 200 once they run out. */
let answers: number[];

beforeEach(async () => {
  target = await startWebhookTarget('/hook');
  ({ url: targetUrl, received, answers } = target);
});
afterEach(async () => {
  await closeAll();
  await target.close();
});

async function api(path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
  const response = await fetch(`${lime.baseUrl}/api/v1/${path}`, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': init.key ?? TEST_API_KEY, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('Lime emulator: webhook subscriptions', () => {
  it('lists the events it offers, and creates, finds, updates and deletes a subscription (never showing the secret)', async () => {
    lime = await startLime();
    expect((await api('subscription/available/')).json).toEqual(
      expect.arrayContaining(['person.new', 'person.update', 'person.delete', 'company.update', 'person.restore']),
    );
    const created = await api('subscription/', {
      method: 'POST',
      body: { events: ['person.update'], target_url: targetUrl, secret: 's3cret', name: 'ours' },
    });
    expect(created).toEqual({
      status: 201,
      json: { id: 1, name: 'ours', events: ['person.update'], target_url: targetUrl, enabled: true },
    });
    expect((await api(`subscription/?target_url=${encodeURIComponent(targetUrl)}`)).json).toHaveLength(1);
    expect((await api('subscription/?target_url=http://elsewhere/')).json).toEqual([]);
    expect((await api('subscription/?events=company.update')).json).toEqual([]);

    const updated = await api('subscription/1/', { method: 'PUT', body: { enabled: false } });
    expect(updated.json).toMatchObject({ enabled: false, events: ['person.update'] });
    expect(lime.subscriptions[0]?.secret).toBe('s3cret');
    expect((await api('subscription/?enabled=true')).json).toEqual([]);
    expect((await api('subscription/1/', { method: 'DELETE' })).status).toBe(204);
    expect((await api('subscription/1/')).status).toBe(404);
  });

  it('refuses unknown events and targets that are not URLs (400), and keys without admin rights (403)', async () => {
    lime = await startLime();
    const invalid = await api('subscription/', { method: 'POST', body: { events: ['invoice.new'], target_url: 'x' } });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toMatchObject({ details: { events: expect.any(String), target_url: expect.any(String) } });
    lime.setApiKey('reader', { person: ['read'] });
    expect((await api('subscription/', { key: 'reader' })).status).toBe(403);
  });

  it('without the webhooks package every subscription route is a 404 and nothing is delivered', async () => {
    lime = await startLime({ webhooks: false });
    expect((await api('subscription/available/')).status).toBe(404);
    expect((await api('subscription/', { method: 'POST', body: {} })).status).toBe(404);
    lime.insert('person', { firstname: 'Anna' });
    await lime.webhooksSettled();
    expect(received).toEqual([]);
  });

  it('delivers each change to its subscribers, signed over the exact bytes, with the old values of an update', async () => {
    lime = await startLime();
    await api('subscription/', {
      method: 'POST',
      body: { events: ['person.new', 'person.update', 'person.delete'], target_url: targetUrl, secret: 's3cret' },
    });
    const created = await api('limeobject/person/', { method: 'POST', body: { firstname: 'Anna', phone: '070-1' } });
    const id = (created.json as { _id: number })._id;
    lime.update('person', id, { phone: '070-2' });
    lime.remove('person', id);
    lime.insert('company', { name: 'Not subscribed' });
    await lime.webhooksSettled();

    const payloads = received.map((delivery) => JSON.parse(delivery.body.toString('utf8')) as Record<string, any>);
    expect(payloads.map((payload) => payload['event'])).toEqual(['person.new', 'person.update', 'person.delete']);
    expect(payloads[1]).toMatchObject({
      body: { id, limetype: 'person', values: { id, phone: '070-2' }, original_values: { phone: '070-1' } },
    });
    expect(Object.keys(payloads[1]?.['body']['values'])).toEqual(expect.arrayContaining(['timestamp', 'createdtime']));
    for (const delivery of received) {
      const expected = `sha256=${createHmac('sha256', 's3cret').update(delivery.body).digest('hex')}`;
      expect(delivery.headers['x-lime-signature']).toBe(expected);
      expect(delivery.headers['content-type']).toBe('application/json');
    }
  });

  it('a delivery the target does not take is tried again, then given up', async () => {
    lime = await startLime({ webhookRetry: { attempts: 3, delayMs: 10 } });
    await api('subscription/', { method: 'POST', body: { events: ['company.new'], target_url: targetUrl } });
    answers.push(503, 500, 500, 503);
    lime.insert('company', { name: 'First' });
    lime.insert('company', { name: 'Second' });
    await lime.webhooksSettled();

    expect(lime.webhookDeliveries.map((delivery) => [delivery.attempt, delivery.status])).toEqual([
      [1, 503],
      [2, 500],
      [3, 500],
      [1, 503],
      [2, 200],
    ]);
    expect(received[0]?.headers['x-lime-signature']).toBeUndefined(); // no secret, no signature
  });
});
