import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  ALL_DCI_SCOPES,
  startDciEmulator,
  type DciConversationInput,
  type DciEmulator,
  type DciEmulatorOptions,
  type DciShapes,
} from '../../src/sandbox/dci';
import { parseSandboxArgs } from '../../src/sandbox/parseSandboxArgs';
import { runSandboxCli } from '../../src/sandbox/runSandboxCli';
import { startWebhookTarget, type ReceivedWebhook, type WebhookTarget } from '../support/webhookTarget';

// Response bodies are read deep in assertions; the emulator's own types are what is under test.
type Json = any;

const FULL = 'mt_full00000000secret';
const NOW = new Date('2026-02-08T12:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;

let clock: Date;
const running: DciEmulator[] = [];

beforeEach(() => {
  clock = NOW;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

async function start(options: DciEmulatorOptions = {}): Promise<DciEmulator> {
  const emulator = await startDciEmulator({
    now: () => clock,
    tokens: { [FULL]: { scopes: [...ALL_DCI_SCOPES], includeRecordings: true } },
    ...options,
  });
  running.push(emulator);
  return emulator;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

/** A GET with `Authorization: Bearer <token>` (none for a null token). */
async function get(emulator: DciEmulator, path: string, token: string | null = FULL): Promise<Answer> {
  const response = await fetch(`${emulator.baseUrl}${path}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

function conversation(overrides: Partial<DciConversationInput> = {}): DciConversationInput {
  return {
    title: 'Discovery call — Acme',
    company: 'Acme',
    date: new Date(NOW.getTime() - DAY_MS).toISOString(),
    duration: 1800,
    sentiment: 'positive',
    conversation_type: 'sales',
    department: { id: '11111111-0000-0000-0000-000000000001', name: 'B2B Sales' },
    user: { id: '67c869eb-30b1-4eb3-bd2c-be8c912a9827', name: 'Erik Lindström', email: 'erik@telco-demo.test' },
    participants: [{ name: 'Jane Doe', email: 'jane@acme.com', role: 'customer', phone: '+46701234567' }],
    ...overrides,
  };
}

/** `count` conversations one hour apart, the first the newest; returns their ids newest first. */
function addMany(emulator: DciEmulator, count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) =>
      emulator.addConversation(conversation({ date: new Date(NOW.getTime() - (index + 1) * 3_600_000).toISOString() }))
        .id,
  );
}

describe('authentication and scopes', () => {
  it('answers 401 in the NestJS error shape without a token or with an unknown one', async () => {
    const emulator = await start();
    for (const token of [null, 'mt_unknown0000']) {
      const answer = await get(emulator, '/conversations', token);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ statusCode: 401, message: expect.any(String) });
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    }
  });

  it('answers the account with the documented fields and the token prefix, whatever the scopes', async () => {
    const emulator = await start({
      tokens: { mt_ab12cd34ffffeeee: { scopes: [] } },
      account: { id: 'acc-1', name: 'Telco Demo' },
    });
    const answer = await get(emulator, '/account', 'mt_ab12cd34ffffeeee');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body)).toEqual([
      'id',
      'name',
      'created_at',
      'updated_at',
      'brand_name',
      'brand_logo_url',
      '_meta',
    ]);
    expect(answer.body).toMatchObject({ id: 'acc-1', name: 'Telco Demo' });
    expect(answer.body._meta).toEqual({ token_prefix: 'mt_ab12cd34', timestamp: NOW.toISOString() });
  });

  it('lists users wrapped in "users"', async () => {
    const emulator = await start();
    const erik = emulator.addUser({ name: 'Erik Lindström', email: 'erik@telco-demo.test' });
    const answer = await get(emulator, '/users');
    expect(answer.body.users).toEqual([erik]);
    expect(answer.body._meta.token_prefix).toBe(FULL.slice(0, 11));
  });

  it.each<[string, string]>([
    ['/conversations', 'conversations'],
    ['/users', 'users'],
    ['/conversations/x/transcript', 'transcripts'],
  ])('refuses %s with 403 naming the missing %s scope', async (path, scope) => {
    const emulator = await start({ tokens: { mt_noscopes0000: { scopes: ['teams'] } } });
    const answer = await get(emulator, path, 'mt_noscopes0000');
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ statusCode: 403, message: `The token lacks the ${scope} scope.` });
  });

  it('gives a recording URL only to a token with the recordings scope and include_recordings', async () => {
    const emulator = await start({
      tokens: {
        [FULL]: { scopes: [...ALL_DCI_SCOPES], includeRecordings: true },
        mt_scopeonly000: { scopes: ['conversations', 'recordings'] },
        mt_settingonly0: { scopes: ['conversations'], includeRecordings: true },
      },
    });
    const { id } = emulator.addConversation(conversation({ recording: true }));
    const scopeOnly = await get(emulator, `/conversations/${id}/recording-url`, 'mt_scopeonly000');
    expect(scopeOnly.status).toBe(403);
    expect(scopeOnly.body.message).toContain('include_recordings');
    const settingOnly = await get(emulator, `/conversations/${id}/recording-url`, 'mt_settingonly0');
    expect(settingOnly.status).toBe(403);
    expect(settingOnly.body.message).toBe('The token lacks the recordings scope.');
    const allowed = await get(emulator, `/conversations/${id}/recording-url`);
    expect(allowed.status).toBe(200);
    expect(allowed.body.url).toMatch(new RegExp(`^https://.+/recordings/${id}\\?.*sig=`));
    expect(Date.parse(allowed.body.expires_at)).toBeGreaterThan(NOW.getTime());
  });

  it('answers 404 for the recording URL of a conversation without a recording, and names it recording_url on request', async () => {
    const emulator = await start({ shapes: { recordingField: 'recording_url' } });
    const without = emulator.addConversation(conversation());
    const withRecording = emulator.addConversation(conversation({ recording: true }));
    expect((await get(emulator, `/conversations/${without.id}/recording-url`)).status).toBe(404);
    const answer = await get(emulator, `/conversations/${withRecording.id}/recording-url`);
    expect(Object.keys(answer.body)).toEqual(['recording_url', 'expires_at']);
  });
});

describe('conversations', () => {
  it('lists only the last 30 days and answers 404 for a conversation outside them', async () => {
    const emulator = await start();
    const recent = emulator.addConversation(
      conversation({ date: new Date(NOW.getTime() - 29 * DAY_MS).toISOString() }),
    );
    const old = emulator.addConversation(conversation({ date: new Date(NOW.getTime() - 31 * DAY_MS).toISOString() }));
    const listed = await get(emulator, '/conversations');
    expect(listed.body.conversations.map((item: Json) => item.id)).toEqual([recent.id]);
    expect((await get(emulator, `/conversations/${old.id}`)).status).toBe(404);
    clock = new Date(NOW.getTime() + 2 * DAY_MS);
    expect((await get(emulator, '/conversations')).body.conversations).toEqual([]);
    expect((await get(emulator, `/conversations/${recent.id}`)).status).toBe(404);
  });

  const listShapes: Array<[DciShapes, (answer: Answer) => { items: Json[]; next: string | null | undefined }]> = [
    [{}, (a) => ({ items: a.body.conversations, next: a.body.next_cursor })],
    [{ cursorField: 'nextCursor' }, (a) => ({ items: a.body.conversations, next: a.body.nextCursor })],
    [{ cursorField: 'cursor' }, (a) => ({ items: a.body.conversations, next: a.body.cursor })],
    [
      { list: 'data', cursorField: 'pagination.next_cursor' },
      (a) => ({ items: a.body.data, next: a.body.pagination.next_cursor }),
    ],
    [{ list: 'data' }, (a) => ({ items: a.body.data, next: a.body.next_cursor })],
    [{ list: 'bare' }, (a) => ({ items: a.body, next: a.headers.get('x-next-cursor') })],
  ];

  it.each(listShapes)(
    'pages 60 conversations newest first in pages of 25, 25 and 10 without duplicates or gaps (shapes %j)',
    async (shapes, read) => {
      const emulator = await start({ shapes });
      const ids = addMany(emulator, 60);
      const pages: Json[][] = [];
      let cursor: string | null | undefined;
      do {
        const answer = await get(emulator, `/conversations?limit=25${cursor ? `&cursor=${cursor}` : ''}`);
        expect(answer.status).toBe(200);
        const page = read(answer);
        pages.push(page.items);
        cursor = page.next;
      } while (cursor);
      expect(cursor ?? null).toBeNull();
      expect(pages.map((page) => page.length)).toEqual([25, 25, 10]);
      expect(pages.flat().map((item) => item.id)).toEqual(ids);
    },
  );

  it('keeps paging without duplicates when a newer conversation arrives between pages', async () => {
    const emulator = await start();
    const ids = addMany(emulator, 30);
    const first = await get(emulator, '/conversations');
    emulator.addConversation(conversation({ date: NOW.toISOString() }));
    const second = await get(emulator, `/conversations?cursor=${first.body.next_cursor}`);
    expect([...first.body.conversations, ...second.body.conversations].map((item: Json) => item.id)).toEqual(ids);
    expect(second.body.next_cursor).toBeNull();
  });

  it.each(['limit=26', 'limit=0', 'limit=ten', 'cursor=not-a-cursor', 'cursor=eyJ2IjoxfQ'])(
    'answers 400 to %s',
    async (query) => {
      const emulator = await start();
      addMany(emulator, 3);
      const answer = await get(emulator, `/conversations?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ statusCode: 400, message: expect.any(String) });
    },
  );

  it('gives brief list items without summary or participants when asked to', async () => {
    const emulator = await start({ shapes: { listItems: 'brief' } });
    addMany(emulator, 1);
    const [item] = (await get(emulator, '/conversations')).body.conversations;
    expect(Object.keys(item).sort()).toEqual(['company', 'date', 'duration', 'id', 'medium', 'title', 'updated_at']);
  });

  it('answers the conversation with the webhook fields, phones, end time and notes, and never a recording URL', async () => {
    const emulator = await start();
    const { id } = emulator.addConversation(conversation({ recording: true, notes: 'Call back Friday.' }));
    const answer = await get(emulator, `/conversations/${id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id,
      title: 'Discovery call — Acme',
      company: 'Acme',
      date: '2026-02-07T12:00:00.000Z',
      duration: 1800,
      medium: 'call',
      sentiment: 'positive',
      conversation_type: 'sales',
      summary: null,
      department: { id: '11111111-0000-0000-0000-000000000001', name: 'B2B Sales' },
      user: { id: '67c869eb-30b1-4eb3-bd2c-be8c912a9827', name: 'Erik Lindström', email: 'erik@telco-demo.test' },
      participants: [{ name: 'Jane Doe', email: 'jane@acme.com', role: 'customer', phone: '+46701234567' }],
      ended_at: '2026-02-07T12:30:00.000Z',
      notes: 'Call back Friday.',
      updated_at: NOW.toISOString(),
    });
    expect(JSON.stringify(answer.body)).not.toContain('recordings/');
  });

  it('wraps the detail in "conversation" and names the phone mobile_phone when asked to', async () => {
    const emulator = await start({ shapes: { detail: 'conversation', phoneField: 'mobile_phone' } });
    const { id } = emulator.addConversation(
      conversation({ participants: [{ name: 'Jane' }, { name: 'Lars', phone: '+46709876543' }] }),
    );
    const answer = await get(emulator, `/conversations/${id}`);
    expect(answer.body.conversation.participants).toEqual([
      { name: 'Jane', email: null, role: 'customer' },
      { name: 'Lars', email: null, role: 'customer', mobile_phone: '+46709876543' },
    ]);
  });

  it('answers 404 for an unknown conversation', async () => {
    const emulator = await start();
    const answer = await get(emulator, '/conversations/aaaaaaaa-0000-0000-0000-000000000000');
    expect(answer.status).toBe(404);
    expect(answer.body.statusCode).toBe(404);
  });

  it('answers the summary with 404 until the conversation is completed', async () => {
    const emulator = await start();
    const { id } = emulator.addConversation(conversation());
    expect((await get(emulator, `/conversations/${id}/summary`)).status).toBe(404);
    emulator.completeConversation(id, { summary: 'Jane wants a quote.' });
    expect((await get(emulator, `/conversations/${id}/summary`)).body).toEqual({ summary: 'Jane wants a quote.' });
    expect((await get(emulator, `/conversations/${id}`)).body.summary).toBe('Jane wants a quote.');
  });

  it('answers the transcript segments, or 404 without a transcript', async () => {
    const emulator = await start();
    const segments = [{ speaker: 'Jane Doe', start: 0, end: 2.5, text: 'Hello.' }];
    const withTranscript = emulator.addConversation(conversation({ transcript: segments }));
    const without = emulator.addConversation(conversation());
    expect((await get(emulator, `/conversations/${withTranscript.id}/transcript`)).body).toEqual({
      transcript: { segments },
    });
    expect((await get(emulator, `/conversations/${without.id}/transcript`)).status).toBe(404);
  });

  it('answers 404 for an unknown path and 405 for another method on a known one', async () => {
    const emulator = await start();
    expect((await get(emulator, '/nothing-here')).status).toBe(404);
    const posted = await fetch(`${emulator.baseUrl}/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FULL}` },
    });
    expect(posted.status).toBe(405);
    expect(await posted.json()).toEqual({ statusCode: 405, message: expect.any(String) });
  });
});

describe('limits', () => {
  it('answers 429 with exactly the documented body and no Retry-After header, and recovers a minute later', async () => {
    const emulator = await start({ tokens: { [FULL]: { scopes: ['users'], ratePerMinute: 3 } } });
    for (let index = 0; index < 3; index += 1) expect((await get(emulator, '/users')).status).toBe(200);
    clock = new Date(NOW.getTime() + 10_000);
    const refused = await get(emulator, '/users');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      message: 'Rate limit exceeded. Please try again later.',
      retryAfter: 50,
    });
    expect(refused.headers.get('retry-after')).toBeNull();
    clock = new Date(NOW.getTime() + 60_000);
    expect((await get(emulator, '/users')).status).toBe(200);
  });

  it('counts the per-minute limit per token', async () => {
    const emulator = await start({
      tokens: { mt_first00000: { scopes: ['users'], ratePerMinute: 1 }, mt_second0000: { scopes: ['users'] } },
    });
    expect((await get(emulator, '/users', 'mt_first00000')).status).toBe(200);
    expect((await get(emulator, '/users', 'mt_first00000')).status).toBe(429);
    expect((await get(emulator, '/users', 'mt_second0000')).status).toBe(200);
  });

  it('refuses a new conversation beyond the daily quota until the next UTC day, counting listed ones too', async () => {
    const emulator = await start({ tokens: { [FULL]: { scopes: ['conversations'], dailyQuota: 3 } } });
    const [a, b, c, d] = addMany(emulator, 4);
    expect((await get(emulator, '/conversations?limit=2')).status).toBe(200); // a and b
    expect((await get(emulator, `/conversations/${c}`)).status).toBe(200);
    expect((await get(emulator, `/conversations/${a}/summary`)).status).toBe(404); // counted already; no summary yet
    const refused = await get(emulator, `/conversations/${d}`);
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/daily quota/i);
    expect(refused.body.retryAfter).toBe(12 * 60 * 60);
    expect((await get(emulator, `/conversations/${b}`)).status).toBe(200);
    expect((await get(emulator, '/conversations')).status).toBe(429);
    clock = new Date('2026-02-09T00:00:01.000Z');
    expect((await get(emulator, `/conversations/${d}`)).status).toBe(200);
  });
});

describe('faults and the request log', () => {
  it('answers queued faults first, then the API again', async () => {
    const emulator = await start();
    emulator.failNext(1, { kind: 'status', status: 503 });
    emulator.failNext(1, { kind: 'drop' });
    const failed = await get(emulator, '/account');
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({ statusCode: 503, message: 'Service Unavailable' });
    await expect(get(emulator, '/account')).rejects.toThrow();
    expect((await get(emulator, '/account')).status).toBe(200);
  });

  it('fails only the requests a predicate picks, and faulted requests do not count against the rate limit', async () => {
    const emulator = await start({ tokens: { [FULL]: { scopes: ['users', 'conversations'], ratePerMinute: 2 } } });
    emulator.failWhen((request) => request.path === '/users', { kind: 'status', status: 500, body: { oops: true } }, 2);
    expect((await get(emulator, '/conversations')).status).toBe(200);
    expect((await get(emulator, '/users')).body).toEqual({ oops: true });
    expect((await get(emulator, '/users')).status).toBe(500);
    expect((await get(emulator, '/users')).status).toBe(200);
  });

  it('logs method, path, query, status and token prefix, never the token', async () => {
    const emulator = await start();
    await get(emulator, '/conversations?limit=5');
    await get(emulator, '/account', null);
    expect(emulator.requests).toEqual([
      { method: 'GET', path: '/conversations', query: 'limit=5', status: 200, tokenPrefix: FULL.slice(0, 11) },
      { method: 'GET', path: '/account', query: '', status: 401 },
    ]);
    expect(JSON.stringify(emulator.requests)).not.toContain(FULL);
  });
});

describe('conversation.completed webhooks', () => {
  const SECRET = 'whsec_test_secret';
  let target: WebhookTarget;
  let targetUrl: string;
  let received: ReceivedWebhook[];
  /** Statuses the target answers with, in turn; 200 once they run out. */
  let answers: number[];

  beforeEach(async () => {
    target = await startWebhookTarget('/dci');
    ({ url: targetUrl, received, answers } = target);
  });
  afterEach(() => target.close());

  function signatureMatches(delivery: ReceivedWebhook, secret: string): boolean {
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`);
    const sent = Buffer.from(String(delivery.headers['x-webhook-signature']));
    return sent.length === expected.length && timingSafeEqual(sent, expected);
  }

  it('sends the documented body, signed over its raw bytes, with the documented headers', async () => {
    const emulator = await start({ webhookRetryDelaysMs: [] });
    emulator.subscribe({ url: targetUrl, secret: SECRET });
    const { id } = emulator.addConversation(conversation({ notes: 'private', recording: true }));
    emulator.completeConversation(id, { summary: 'Summary text — with ö.' });
    await emulator.whenWebhooksSettled();
    expect(received).toHaveLength(1);
    const [delivery] = received as [ReceivedWebhook];
    expect(signatureMatches(delivery, SECRET)).toBe(true);
    expect(signatureMatches(delivery, 'another secret')).toBe(false);
    const body = JSON.parse(delivery.body.toString('utf8'));
    expect(Object.keys(body)).toEqual(['event', 'timestamp', 'data', '_meta']);
    expect(Object.keys(body.data)).toEqual(['conversation']);
    expect(Object.keys(body.data.conversation)).toEqual([
      'id',
      'title',
      'company',
      'date',
      'duration',
      'medium',
      'sentiment',
      'conversation_type',
      'summary',
      'department',
      'user',
      'participants',
    ]);
    expect(body.data.conversation.participants).toEqual([
      { name: 'Jane Doe', email: 'jane@acme.com', role: 'customer' },
    ]);
    expect(body).toMatchObject({ event: 'conversation.completed', timestamp: NOW.toISOString() });
    expect(body.data.conversation).toMatchObject({ id, summary: 'Summary text — with ö.' });
    expect(body._meta).toEqual({
      token_prefix: FULL.slice(0, 11),
      delivery_id: delivery.headers['x-webhook-delivery-id'],
    });
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['x-webhook-event']).toBe('conversation.completed');
    expect(delivery.headers['x-webhook-delivery-id']).toMatch(/^[0-9a-f-]{36}$/u);
    expect(delivery.headers['x-webhook-timestamp']).toBe(String(NOW.getTime() / 1000));
    expect(emulator.webhookDeliveries).toEqual([
      { deliveryId: body._meta.delivery_id, conversationId: id, url: targetUrl, attempt: 1, status: 200 },
    ]);
  });

  it('retries a delivery answered 500 with the same delivery id and bytes', async () => {
    const emulator = await start({ webhookRetryDelaysMs: [1, 1, 1] });
    emulator.subscribe({ url: targetUrl, secret: SECRET });
    answers.push(500, 503);
    const { id } = emulator.addConversation(conversation());
    emulator.completeConversation(id, { summary: 'Done.' });
    await emulator.whenWebhooksSettled();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((delivery) => delivery.body.toString('utf8'))).size).toBe(1);
    expect(new Set(received.map((delivery) => delivery.headers['x-webhook-delivery-id'])).size).toBe(1);
    expect(emulator.webhookDeliveries.map((attempt) => [attempt.attempt, attempt.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
  });

  it('gives a delivery up after three retries, and logs network failures as errors', async () => {
    const emulator = await start({ webhookRetryDelaysMs: [1, 1, 1] });
    emulator.subscribe({ url: 'http://127.0.0.1:1/unreachable', secret: SECRET });
    const { id } = emulator.addConversation(conversation());
    emulator.completeConversation(id, { summary: 'Done.' });
    await emulator.whenWebhooksSettled();
    expect(emulator.webhookDeliveries.map((attempt) => attempt.attempt)).toEqual([1, 2, 3, 4]);
    expect(emulator.webhookDeliveries.every((attempt) => attempt.error !== undefined)).toBe(true);
  });

  it('never sends a dropped webhook, and sends the next one', async () => {
    const emulator = await start({ webhookRetryDelaysMs: [] });
    emulator.subscribe({ url: targetUrl, secret: SECRET });
    emulator.dropNextWebhooks(1);
    const first = emulator.addConversation(conversation());
    const second = emulator.addConversation(conversation());
    emulator.completeConversation(first.id, { summary: 'Lost.' });
    emulator.completeConversation(second.id, { summary: 'Sent.' });
    await emulator.whenWebhooksSettled();
    expect(received.map((delivery) => JSON.parse(delivery.body.toString('utf8')).data.conversation.id)).toEqual([
      second.id,
    ]);
    expect(emulator.webhookDeliveries[0]).toMatchObject({ conversationId: first.id, attempt: 0, dropped: true });
  });

  it('sends a regenerated summary again under a new delivery id only when told to notify', async () => {
    const emulator = await start({ webhookRetryDelaysMs: [] });
    emulator.subscribe({ url: targetUrl, secret: SECRET });
    const { id } = emulator.addConversation(conversation());
    emulator.completeConversation(id, { summary: 'First.' });
    await emulator.whenWebhooksSettled();
    clock = new Date(NOW.getTime() + 60_000);
    emulator.updateSummary(id, 'Quiet change.');
    emulator.updateSummary(id, 'Second.', { notify: true });
    await emulator.whenWebhooksSettled();
    expect(received).toHaveLength(2);
    const [first, second] = received.map((delivery) => JSON.parse(delivery.body.toString('utf8')));
    expect(second._meta.delivery_id).not.toBe(first._meta.delivery_id);
    expect(second.data.conversation.summary).toBe('Second.');
    expect((await get(emulator, `/conversations/${id}`)).body.updated_at).toBe(clock.toISOString());
  });

  it('sends nothing to an unsubscribed target', async () => {
    const emulator = await start({ webhookRetryDelaysMs: [] });
    const subscription = emulator.subscribe({ url: targetUrl, secret: SECRET });
    expect(emulator.unsubscribe(subscription)).toBe(true);
    const { id } = emulator.addConversation(conversation());
    emulator.completeConversation(id, { summary: 'Nobody hears.' });
    await emulator.whenWebhooksSettled();
    expect(received).toEqual([]);
  });
});

describe('sandbox CLI: dci', () => {
  it.each<[string[], ReturnType<typeof parseSandboxArgs>]>([
    [['dci'], { kind: 'dci', settings: { port: 0, token: 'mt_demo0000emulatortoken' } }],
    [['dci', '--port', '8090', '--token=mt_mine'], { kind: 'dci', settings: { port: 8090, token: 'mt_mine' } }],
  ])('parses %j', (argv, expected) => {
    expect(parseSandboxArgs(argv)).toEqual(expected);
  });

  it.each<[string[]]>([[['dci', '--api-key', 'k']], [['dci', '--token']], [['lime', '--token', 't']]])(
    'refuses %j with a usage error',
    (argv) => {
      expect(parseSandboxArgs(argv)).toMatchObject({ kind: 'usage_error' });
    },
  );

  it('starts a seeded emulator with the given token, prints the base URL and a curl line, and closes when stopped', async () => {
    const lines: string[] = [];
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let announce: (sandbox: DciEmulator) => void = () => undefined;
    const started = new Promise<DciEmulator>((resolve) => {
      announce = resolve;
    });
    const exited = runSandboxCli(['dci', '--token', 'mt_cli0000000token'], {
      out: (line) => lines.push(line),
      err: (line) => lines.push(line),
      stopped,
      onDciStarted: (sandbox) => announce(sandbox),
    });
    const sandbox = await started;
    const printed = lines.join('\n');
    expect(printed).toContain(sandbox.baseUrl);
    expect(printed).toContain('mt_cli0000000token');
    expect(printed).toContain('curl -H');
    const listed = await get(sandbox, '/conversations', 'mt_cli0000000token');
    expect(listed.body.conversations.length).toBeGreaterThan(0);
    const recording = listed.body.conversations.find((item: Json) => item.title.startsWith('Discovery'));
    expect((await get(sandbox, `/conversations/${recording.id}/recording-url`, 'mt_cli0000000token')).status).toBe(200);
    stop();
    expect(await exited).toBe(0);
    await expect(get(sandbox, '/account', 'mt_cli0000000token')).rejects.toThrow();
  });
});
