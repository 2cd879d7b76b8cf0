import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { MAX_PARTICIPANTS, parseSummaryPayload } from '../../src/core';
import { signDci, signStandardWebhook } from '../../src/receiver/ingest/signWebhook';
import { applyChanges, expectPrototypesUntouched, hostileValue, payloadChanges } from '../support/hostileInput';
import { buildParticipant, buildPayload } from '../support/payloads';
import { rawHttpRequest, type RawHttpResponse } from '../support/rawHttp';
import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver } from '../../src/receiver/startReceiver';
import type { ReceiverStore } from '../../src/receiver/store/receiverStore';
import { dropSchema, postgresAvailable, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { buildReceiver, WEBHOOK_SECRET, type TestReceiver } from '../support/receiver';

// Property-based fuzzing of the real webhook route: createApp with a real SQLite store, over real HTTP (a socket
// per request, so repeated headers and arbitrary bytes reach the server as sent). The invariant for every request:
// a 4xx with a JSON error naming a code and what was wrong, or a 2xx for a request that is really stored; never a
// 5xx, never a crash. fast-check prints the seed and path of any counterexample, so a failure replays exactly.

const STANDARD_SECRET = 'whsec_c2VjcmV0LWZvci1zdGFuZGFyZA==';
/** Runs per property; those with large bodies (deep nesting, a thousand participants) run fewer. */
const RUNS = 200;
jest.setTimeout(300_000);
const WEBHOOK = '/api/v1/dci/webhook';

let receiver: TestReceiver;
let server: Server;
/** The receiver the requests go to: SQLite by default, PostgreSQL in the block that says so. */
let target: { store: ReceiverStore; port: number; now: () => Date };

beforeAll(async () => {
  receiver = await buildReceiver({ secrets: [WEBHOOK_SECRET, STANDARD_SECRET], maxBodyBytes: 1024 * 1024 });
  server = createServer(receiver.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = { store: receiver.store, port: (server.address() as AddressInfo).port, now: receiver.clock.now };
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await receiver.close();
});

type HeaderList = Array<readonly [string, string]>;
type Scheme = 'dci' | 'standard_webhooks';

/** The headers a sender of `scheme` sends for exactly these bytes. */
function signedHeaders(body: Buffer, scheme: Scheme): HeaderList {
  const headers =
    scheme === 'dci'
      ? signDci(body, WEBHOOK_SECRET, { deliveryId: randomUUID(), now: target.now() })
      : signStandardWebhook(body, STANDARD_SECRET, { id: `msg_${randomUUID()}`, now: target.now() });
  return Object.entries(headers);
}

const post = (body: Buffer, headers: HeaderList) => rawHttpRequest(target.port, { path: WEBHOOK, headers, body });

function json(response: RawHttpResponse): Record<string, unknown> {
  expect(response.headers['content-type']?.[0]).toMatch(/^application\/json/u);
  return JSON.parse(response.body) as Record<string, unknown>;
}

/**
 * The invariant. A refusal is a 4xx whose body says which rule was broken (`code`) and what was wrong (`message`,
 * and for a payload every issue with its path). An acknowledgement is only given for what the store now holds: a
 * queued or stale summary's exact bytes and its conversation's delivery; an ignored event that a re-send finds.
 */
async function expectHonestAnswer(response: RawHttpResponse, body: Buffer, headers: HeaderList): Promise<void> {
  expect(response.status).toBeGreaterThanOrEqual(200);
  expect(response.status).toBeLessThan(500);
  const answer = json(response);
  if (response.status >= 400) {
    const error = answer['error'] as { code: unknown; message: unknown; issues?: unknown };
    expect(error.code).toMatch(/^[a-z][a-z_]+$/u);
    expect(typeof error.message).toBe('string');
    expect((error.message as string).length).toBeGreaterThan(10);
    if (error.code === 'invalid_payload') {
      expect(error.issues).toEqual(
        expect.arrayContaining([{ path: expect.stringMatching(/^\$/u), message: expect.any(String) }]),
      );
    }
    return;
  }
  const id = answer['id'];
  expect(typeof id).toBe('string');
  switch (answer['status']) {
    case 'queued':
    case 'stale': {
      expect(response.status).toBe(answer['status'] === 'queued' ? 202 : 200);
      // Buffer.equals: jest's deep equality walks a buffer byte by byte, far too slowly for megabyte bodies.
      const stored = await target.store.getEventBody(id as string);
      expect(stored?.equals(body)).toBe(true);
      const parsed = parseSummaryPayload(JSON.parse(body.toString('utf8')) as unknown);
      if (!parsed.ok) throw new Error(`acknowledged a payload the contract refuses: ${JSON.stringify(parsed.issues)}`);
      const rows = await target.store.listDeliveries({ search: parsed.summary.conversationId, limit: 500 });
      expect(rows.filter((row) => row.conversationId === parsed.summary.conversationId)).toHaveLength(1);
      return;
    }
    case 'duplicate': {
      // A mutated delivery id may repeat one sent earlier in the run (fast-check draws from a small alphabet, and a
      // shrink sends the same request again): the honest answer is the original event's id, and so it stays.
      expect(response.status).toBe(200);
      expect(json(await post(body, headers))).toMatchObject({ id, status: 'duplicate' });
      return;
    }
    case 'ignored': {
      // Stored under its delivery key: the same request again is recognised and answered with the same id.
      const again = json(await post(body, headers));
      expect(again).toMatchObject({ id, status: 'ignored' });
      return;
    }
    default:
      throw new Error(`unexpected acknowledgement ${JSON.stringify(answer)}`);
  }
}

const scheme = fc.constantFrom<Scheme>('dci', 'standard_webhooks');

/** A valid payload with hostile values in its fields, signed: answered honestly (413 when over the size limit). */
const hostileFieldsHonestlyAnswered = fc.asyncProperty(payloadChanges, scheme, async (changes, how) => {
  const body = Buffer.from(JSON.stringify(applyChanges(buildPayload(), changes)) ?? 'null');
  const headers = signedHeaders(body, how);
  const response = await post(body, headers);
  if (body.length > 1024 * 1024) {
    expect(response.status).toBe(413);
    return;
  }
  await expectHonestAnswer(response, body, headers);
});

// ---- Properties ------------------------------------------------------------------------------------------------

describe('the webhook under hostile input never answers 5xx and never acknowledges what it did not store', () => {
  afterEach(expectPrototypesUntouched);

  it('any signed JSON value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), scheme, async (value, how) => {
        const body = Buffer.from(JSON.stringify(value) ?? 'null');
        const headers = signedHeaders(body, how);
        await expectHonestAnswer(await post(body, headers), body, headers);
      }),
      { numRuns: RUNS },
    );
  });

  it('a valid payload with hostile values (wrong types, control characters, huge strings, prototype keys) in its fields', async () => {
    await fc.assert(hostileFieldsHonestlyAnswered, { numRuns: RUNS });
  });

  it('deep nesting, as the whole body, in a contract field or in an unknown field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom('[]', '{"a":}'),
        fc.constantFrom('body', 'title', 'participants', 'unknown field'),
        scheme,
        async (depth, brackets, where, how) => {
          const [open, close] = brackets === '[]' ? ['[', ']'] : ['{"a":', '}'];
          const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
          const text =
            where === 'body'
              ? nested
              : JSON.stringify(buildPayload()).replace(
                  where === 'unknown field'
                    ? '"summary":'
                    : where === 'title'
                      ? /"title":"[^"]*"/u
                      : /"participants":\[[^\]]*\]/u,
                  where === 'unknown field' ? `"extra":${nested},"summary":` : `"${where}":${nested}`,
                );
          const body = Buffer.from(text);
          const headers = signedHeaders(body, how);
          const response = await post(body, headers);
          await expectHonestAnswer(response, body, headers);
          // Nesting where the contract expects text or a list of participants is a clear 400; a whole body without
          // an event is an ignored event when no header names one (Standard Webhooks), else not a summary.
          if (where === 'body' && brackets === '{"a":}' && how === 'standard_webhooks') {
            expect(json(response)).toMatchObject({ status: 'ignored' });
          } else if (where !== 'unknown field') {
            expect(response.status).toBe(400);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('invalid UTF-8 inside a valid payload is a 400 invalid_json, never stored with replacement characters', async () => {
    const invalidSequences = fc.constantFrom(
      [0x80],
      [0xbf],
      [0xc0, 0x80],
      [0xc3],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5],
      [0xff],
      [0xfe, 0xff],
    );
    await fc.assert(
      fc.asyncProperty(invalidSequences, fc.nat(), scheme, async (bytes, at, how) => {
        const [before, after] = JSON.stringify(buildPayload({ title: 'Offer review' })).split('Offer review');
        const title = Buffer.from('Offer review');
        const cut = at % (title.length + 1);
        const body = Buffer.concat([
          Buffer.from(before ?? ''),
          title.subarray(0, cut),
          Buffer.from(bytes),
          title.subarray(cut),
          Buffer.from(after ?? ''),
        ]);
        const headers = signedHeaders(body, how);
        const response = await post(body, headers);
        expect(response.status).toBe(400);
        expect(json(response)).toMatchObject({
          error: { code: 'invalid_json', message: expect.stringContaining('UTF-8') },
        });
      }),
      { numRuns: 40 },
    );
  });

  it('arbitrary signed bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), scheme, async (bytes, how) => {
        const body = Buffer.from(bytes);
        const headers = signedHeaders(body, how);
        await expectHonestAnswer(await post(body, headers), body, headers);
      }),
      { numRuns: RUNS },
    );
  });

  it('duplicate keys: what is stored and delivered is what JSON.parse reads (the last one), consistently', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), hostileValue), { minLength: 2, maxLength: 4 }),
        scheme,
        async (titles, how) => {
          const payload = buildPayload({ title: 'PLACEHOLDER' });
          const keys = titles.map((title) => `"title":${JSON.stringify(title) ?? 'null'}`).join(',');
          const body = Buffer.from(JSON.stringify(payload).replace('"title":"PLACEHOLDER"', () => keys));
          const headers = signedHeaders(body, how);
          const response = await post(body, headers);
          await expectHonestAnswer(response, body, headers);
          const last = titles.at(-1);
          if (response.status === 202) {
            const conversation = (payload['data'] as { conversation: { id: string } }).conversation;
            const [row] = await target.store.listDeliveries({ search: conversation.id, limit: 1 });
            expect(typeof last).toBe('string');
            // As the title reads once stored anywhere: lone surrogates as U+FFFD, on one line.
            const wellFormed = Buffer.from(last as string, 'utf8').toString('utf8');
            expect(row?.title).toBe(wellFormed.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim());
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`very many participants: up to ${MAX_PARTICIPANTS} are stored, more are a 400 naming the list`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: MAX_PARTICIPANTS + 500 }), scheme, async (count, how) => {
        const participants = Array.from({ length: count }, (_, index) =>
          buildParticipant({ name: `Person ${index}`, email: `person${index}@acme.se` }),
        );
        const body = Buffer.from(JSON.stringify(buildPayload({ participants })));
        const headers = signedHeaders(body, how);
        const response = await post(body, headers);
        await expectHonestAnswer(response, body, headers);
        if (count <= MAX_PARTICIPANTS) {
          expect(response.status).toBe(202);
        } else {
          expect(json(response)).toMatchObject({
            error: {
              code: 'invalid_payload',
              issues: [{ path: '$.data.conversation.participants', message: expect.stringContaining('at most') }],
            },
          });
        }
      }),
      { numRuns: 40 },
    );
  });

  it('oversized bodies are a 413 with a JSON error, signed or not; bodies within the limit are not', async () => {
    const small = await buildReceiver({ maxBodyBytes: 4096 });
    const smallServer = createServer(small.app);
    await new Promise<void>((resolve) => smallServer.listen(0, '127.0.0.1', resolve));
    const smallPort = (smallServer.address() as AddressInfo).port;
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 3500, max: 20_000 }), fc.boolean(), async (size, signed) => {
          const payload = buildPayload({ summary: 'x' });
          const filler = size - Buffer.byteLength(JSON.stringify(payload));
          const body = Buffer.from(JSON.stringify(buildPayload({ summary: 'x'.repeat(Math.max(1, filler)) })));
          const headers = signed
            ? Object.entries(signDci(body, WEBHOOK_SECRET))
            : [['content-type', 'application/json'] as const];
          const response = await rawHttpRequest(smallPort, { path: WEBHOOK, headers, body });
          if (body.length > 4096) {
            expect(response.status).toBe(413);
            expect(json(response)).toMatchObject({
              error: { code: 'payload_too_large', message: expect.stringContaining('4096') },
            });
          } else {
            expect(response.status).toBe(signed ? 202 : 401);
          }
        }),
        { numRuns: 40 },
      );
    } finally {
      await new Promise((resolve) => smallServer.close(resolve));
      await small.close();
    }
  });
});

// ---- Signature headers -----------------------------------------------------------------------------------------

/** Header values a client can send: visible ASCII, spaces and tabs, and latin1 bytes (obs-text). */
const headerText = fc.oneof(
  fc.string({ maxLength: 80 }).map((text) => text.replace(/[^\x20-\x7e]/gu, '')),
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength: 80,
  }),
  fc.constantFrom('sha256=', 'v1,', 'v1, ', 'sha256=zz', 'SHA256=00', 'v2,abc', ' ', '0', '-1', '99999999999999'),
  fc.integer({ min: 1, max: 4000 }).map((n) => 'a'.repeat(n)),
);

type HeaderMutation =
  | { kind: 'drop'; index: number }
  | { kind: 'replace'; index: number; value: string }
  | { kind: 'repeat'; index: number; value: string | undefined }
  | { kind: 'rename'; index: number; upper: boolean }
  | { kind: 'pad'; index: number }
  | { kind: 'other-scheme' };

const headerMutation: fc.Arbitrary<HeaderMutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), index: fc.nat(), value: headerText }),
  fc.record({
    kind: fc.constant('repeat' as const),
    index: fc.nat(),
    value: fc.option(headerText, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('rename' as const), index: fc.nat(), upper: fc.boolean() }),
  fc.record({ kind: fc.constant('pad' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('other-scheme' as const) }),
);

function mutate(headers: HeaderList, body: Buffer, how: Scheme, mutation: HeaderMutation): HeaderList {
  const at = 'index' in mutation ? mutation.index % headers.length : 0;
  const [name = '', value = ''] = headers[at] ?? [];
  switch (mutation.kind) {
    case 'drop':
      return headers.filter((_, index) => index !== at);
    case 'replace':
      return headers.map((header, index) => (index === at ? [name, mutation.value] : header));
    case 'repeat':
      return [...headers, [name, mutation.value ?? value]];
    case 'rename':
      return headers.map((header, index) =>
        index === at
          ? [mutation.upper ? name.toUpperCase() : name.replace(/^./u, (c) => c.toUpperCase()), value]
          : header,
      );
    case 'pad':
      return headers.map((header, index) => (index === at ? [name, ` \t${value}\t `] : header));
    case 'other-scheme':
      return [
        ...headers,
        ...signedHeaders(body, how === 'dci' ? 'standard_webhooks' : 'dci').filter(([n]) => n !== 'content-type'),
      ];
  }
}

describe('missing, garbled and repeated signature headers, for both schemes', () => {
  it('are refused with a 4xx naming the problem, or the request is accepted and stored; never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(scheme, fc.array(headerMutation, { minLength: 1, maxLength: 3 }), async (how, mutations) => {
        const body = Buffer.from(JSON.stringify(buildPayload()));
        const signed = signedHeaders(body, how);
        const headers = mutations.reduce((current, mutation) => mutate(current, body, how, mutation), signed);
        const response = await post(body, headers);
        await expectHonestAnswer(response, body, headers);
        const signatureName = how === 'dci' ? 'x-webhook-signature' : 'webhook-signature';
        const count = (wanted: string) => headers.filter(([name]) => name.toLowerCase() === wanted).length;
        const anyRepeated = new Set(headers.map(([name]) => name.toLowerCase())).size < headers.length;
        if (count(signatureName) > 1) {
          expect(json(response)).toMatchObject({ error: { code: 'repeated_header' } });
        } else if (!anyRepeated && count('x-webhook-signature') + count('webhook-signature') === 0) {
          expect(json(response)).toMatchObject({ error: { code: 'missing_signature' } });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a signature header repeated with the valid value is refused, not joined into something that half-matches', async () => {
    for (const how of ['dci', 'standard_webhooks'] as const) {
      const body = Buffer.from(JSON.stringify(buildPayload()));
      const headers = signedHeaders(body, how);
      const signature = headers.find(([name]) => name.endsWith('signature')) ?? ['', ''];
      const response = await post(body, [...headers, signature]);
      expect(response.status).toBe(400);
      expect(json(response)).toMatchObject({
        error: { code: 'repeated_header', message: expect.stringContaining(signature[0]) },
      });
    }
  });
});

// PostgreSQL refuses NUL in text and each store writes lone surrogates its own way: the same hostile payloads must be
// stored there too, or DCI would retry a 503 forever.
const describeWithPostgres = postgresAvailable() ? describe : describe.skip;

describeWithPostgres('the same hostile payloads on a PostgreSQL store', () => {
  const schema = uniqueSchema('hostile_ingest');
  let sqliteTarget: typeof target;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const config = loadConfig({
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      PORT: '0',
      DCI_WEBHOOK_SECRETS: `${WEBHOOK_SECRET},${STANDARD_SECRET}`,
    });
    const running = await startReceiver(config, {
      logger: createLogger('silent'),
      makeConnector: (options) => new LimeConnector(options),
      host: '127.0.0.1',
    });
    sqliteTarget = target;
    target = { store: running.store, port: Number(new URL(running.url).port), now: () => new Date() };
    close = async () => {
      await running.close();
      await dropSchema(schema);
    };
  });
  afterAll(async () => {
    target = sqliteTarget;
    await close();
  });
  afterEach(expectPrototypesUntouched);

  it('control characters, NUL and lone surrogates in every field are stored or refused, never a 5xx', async () => {
    await fc.assert(hostileFieldsHonestlyAnswered, { numRuns: 100 });
  });

  it('a title, participant name and delivery id holding NUL are stored', async () => {
    const body = Buffer.from(
      JSON.stringify(
        buildPayload(
          { title: 'Offer\u0000review\ud800', participants: [buildParticipant({ name: 'Anna\u0000' })] },
          { _meta: { delivery_id: `d\u0000${randomUUID()}` } },
        ),
      ),
    );
    // No delivery-id header: the body's `_meta.delivery_id` is the key.
    const headers = signedHeaders(body, 'dci').filter(([name]) => name !== 'x-webhook-delivery-id');
    const response = await post(body, headers);
    expect(response.status).toBe(202);
    await expectHonestAnswer(response, body, headers);
  });
});
