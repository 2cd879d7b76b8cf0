import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { signDci, signStandardWebhook } from '../../src/receiver/ingest/signWebhook';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { ADMIN_PASSWORD, SECRET_KEY } from '../support/adminHarness';
import { BREAKING_CHARACTERS } from '../support/hostileInput';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { buildPayload } from '../support/payloads';
import { rawHttpRequest, type RawHttpResponse } from '../support/rawHttp';

// Header and log injection against the receiver as it runs in production (startReceiver: real HTTP, SQLite, the
// delivery worker writing to the Lime emulator, the admin pages), with its real pino output captured. Whatever a
// sender or a browser puts into payload fields, delivery-id headers or query strings — CR, LF, NEL, U+2028/2029,
// NUL, ESC, a whole forged JSON log line — every log line stays one JSON object written by us, and no answer
// carries a header the input made up.

const SECRET = 'injection-webhook-secret';
const FORGED_MESSAGE = 'FORGED';
const FORGED_LINE = `{"level":"error","time":"2026-11-20T10:00:00.000Z","service":"dci-crm-companion","msg":"${FORGED_MESSAGE}"}`;
const FORGED_HEADER = 'X-Forged: 1';
jest.setTimeout(120_000);

/** Ways to start a new line (for a log reader, a terminal or an HTTP parser), each followed by a forgery. */
const INJECTIONS = [
  ...BREAKING_CHARACTERS.map((breaker) => `${breaker}${FORGED_LINE}`),
  `\r\n${FORGED_LINE}\r\n`,
  `\r\n${FORGED_HEADER}\r\n`,
  `\n${FORGED_HEADER}`,
  `\u001b[1A\u001b[2K${FORGED_LINE}`,
];

/** Every way a log reader might split lines: LF, CR, NEL and the Unicode separators. */
const ANY_LINE_BREAK = /\r\n|[\r\n\u0085\u2028\u2029]/u;

let lime: LimeEmulator;
let receiver: RunningReceiver;
let dataDir: string;
const logChunks: string[] = [];

beforeAll(async () => {
  lime = await startLime();
  seedDemoData(lime);
  dataDir = mkdtempSync(join(tmpdir(), 'dci-injection-test-'));
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: `${SECRET},whsec_c2VjcmV0LWZvci1zdGFuZGFyZA==`,
    ADMIN_PASSWORD,
    SECRET_KEY,
    LIME_URL: lime.baseUrl,
    LIME_API_KEY: TEST_API_KEY,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    CONTACT_INDEX_SYNC_HOURS: '0',
  });
  const capture = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logChunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  receiver = await startReceiver(config, {
    logger: createLogger('trace', capture),
    makeConnector: (options) => new LimeConnector(options),
    host: '127.0.0.1',
  });
});
afterAll(async () => {
  await receiver.close();
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const port = () => Number(new URL(receiver.url).port);

/** A signed-in admin session's cookie (`name=value`), as a browser would hold it, and its form token. */
async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const page = await rawHttpRequest(port(), { method: 'GET', path: '/admin/sign-in' });
  const cookie = page.headers['set-cookie']?.[0]?.split(';')[0] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/u.exec(page.body)?.[1] ?? '';
  const signedIn = await rawHttpRequest(port(), {
    path: '/admin/sign-in',
    headers: [
      ['cookie', cookie],
      ['content-type', 'application/x-www-form-urlencoded'],
    ],
    body: Buffer.from(new URLSearchParams({ _csrf: csrf, password: ADMIN_PASSWORD }).toString()),
  });
  expect(signedIn.status).toBe(303);
  const session = signedIn.headers['set-cookie']?.[0]?.split(';')[0] ?? cookie;
  const overview = await rawHttpRequest(port(), { method: 'GET', path: '/admin', headers: [['cookie', session]] });
  return { cookie: session, csrf: /name="_csrf" value="([^"]+)"/u.exec(overview.body)?.[1] ?? '' };
}

/**
 * Every write pino made is one line: one JSON object of ours (our service, a level, a constant message), ended by
 * the only line break in it; and split at any line break a reader might honour, the output still holds nothing
 * but those objects. The forged text appears nowhere.
 */
function expectOnlyGenuineLogLines(): void {
  expect(logChunks.length).toBeGreaterThan(0);
  for (const chunk of logChunks) {
    expect(chunk.endsWith('\n')).toBe(true);
    const line = chunk.slice(0, -1);
    expect(line).not.toMatch(ANY_LINE_BREAK);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({ service: 'dci-crm-companion', level: expect.any(String), msg: expect.any(String) });
    expect(entry['msg']).not.toBe(FORGED_MESSAGE);
  }
  const all = logChunks.join('');
  for (const piece of all.split(ANY_LINE_BREAK).filter((text) => text !== '')) {
    expect(() => JSON.parse(piece) as unknown).not.toThrow();
  }
  expect(all).not.toContain(FORGED_MESSAGE);
  expect(all).not.toContain('X-Forged');
}

/** No answer header came from the input: none forged, and none whose value holds a line break or control. */
function expectNoForgedHeaders(response: RawHttpResponse): void {
  expect(response.headers['x-forged']).toBeUndefined();
  for (const line of response.headerLines) expect(line).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f]/u);
}

async function postSummary(payload: unknown, headers: Record<string, string> = {}): Promise<RawHttpResponse> {
  const body = Buffer.from(JSON.stringify(payload));
  return rawHttpRequest(port(), {
    path: '/api/v1/dci/webhook',
    headers: Object.entries({ ...signDci(body, SECRET), ...headers }),
    body,
  });
}

async function untilDelivered(conversationId: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    const [row] = await receiver.store.listDeliveries({ search: conversationId, limit: 1 });
    if (row?.status === 'delivered' || row?.status === 'dead') {
      expect(row.status).toBe('delivered');
      return;
    }
    receiver.worker.wake();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${conversationId} was not delivered`);
}

describe('log injection through payload fields', () => {
  it.each(INJECTIONS.map((injection) => [JSON.stringify(injection.slice(0, 10)), injection]))(
    'a line break %s… in the title, names, e-mails, company and delivery id forges no log line, and the meeting is delivered',
    async (_label, injection) => {
      const payload = buildPayload(
        {
          title: `Offer review${injection}`,
          company: `Acme AB${injection}`,
          location: `Room 1${injection}`,
          user: { name: `Sara${injection}`, email: `sara@seller.se${injection}` },
          participants: [
            { name: `Anna Andersson${injection}`, email: 'anna.andersson@acme.se', company: `Acme${injection}` },
            {
              name: `Lars${injection}`,
              email: `lars.oberg@acme.se${injection}`,
              phone: `070-123 45 67${injection.slice(0, 3)}`,
            },
          ],
        },
        { _meta: { delivery_id: `d-${Math.random()}${injection}`, token_prefix: `mt${injection}` } },
      );
      const response = await postSummary(payload);
      expect(response.status).toBe(202);
      expectNoForgedHeaders(response);
      const conversationId = (payload['data'] as { conversation: { id: string } }).conversation.id;
      await untilDelivered(conversationId);
      // What reaches the CRM's one-line fields is one line: the note's title in Lime.
      const [row] = await receiver.store.listDeliveries({ search: conversationId, limit: 1 });
      expect(row?.title).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      expectOnlyGenuineLogLines();
    },
  );

  it('a conversation id with a line break or control character is refused with a 400 naming the field', async () => {
    for (const injection of INJECTIONS) {
      const response = await postSummary(buildPayload({ id: `conv-1${injection}` }));
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({
        error: {
          code: 'invalid_payload',
          issues: [{ path: '$.data.conversation.id', message: expect.stringContaining('control characters') }],
        },
      });
    }
    expectOnlyGenuineLogLines();
  });

  it('an event name with a line break is refused, not logged', async () => {
    for (const injection of INJECTIONS) {
      const body = Buffer.from(JSON.stringify({ event: `conversation.deleted${injection}` }));
      const response = await rawHttpRequest(port(), {
        path: '/api/v1/dci/webhook',
        headers: Object.entries(signDci(body, SECRET, { event: 'conversation.deleted' })),
        body,
      });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'invalid_event' } });
    }
    expectOnlyGenuineLogLines();
  });
});

describe('header injection through the delivery-id and event headers', () => {
  const headerInjections = [
    ...INJECTIONS.map((injection) => Buffer.from(`d-1${injection}`, 'utf8')),
    Buffer.from('d-1\r\nX-Forged: 1', 'latin1'),
    Buffer.from('d-1\rX-Forged: 1', 'latin1'),
    Buffer.from('d-1\nX-Forged: 1', 'latin1'),
    Buffer.from([0x64, 0x2d, 0x31, 0x00, 0x41]),
    Buffer.from([0x64, 0x2d, 0x31, 0x85, 0x41]),
    Buffer.from([0x64, 0x2d, 0x31, 0x1b, 0x5b, 0x32, 0x4a]),
  ];

  it.each(['x-webhook-delivery-id', 'x-webhook-event', 'webhook-id'])(
    'raw bytes in %s never forge a header or a log line, and nothing is stored for them',
    async (name) => {
      for (const value of headerInjections) {
        const before = (await receiver.store.counts()).byStatus.pending;
        const body = Buffer.from(JSON.stringify(buildPayload()));
        const signed =
          name === 'webhook-id'
            ? signStandardWebhook(body, 'whsec_c2VjcmV0LWZvci1zdGFuZGFyZA==', { id: value.toString('latin1') })
            : signDci(body, SECRET);
        const headers = Object.entries(signed).filter(([header]) => header !== name) as Array<
          [string, string | Buffer]
        >;
        const response = await rawHttpRequest(port(), {
          path: '/api/v1/dci/webhook',
          headers: [...headers, [name, value]],
          body,
        });
        // Node's HTTP parser refuses CR, LF and NUL in a header (400 before any handler runs); whatever passes
        // it is refused by the route with a JSON error, or split by the parser into a header we ignore.
        // A split request (CR LF + a header of its own) is an ordinary request with one more header: accepted
        // or a duplicate; a value that does not verify is a 401.
        expectNoForgedHeaders(response);
        expect([200, 202, 400, 401]).toContain(response.status);
        expect(response.body).not.toContain('Forged');
        if (response.status >= 400) {
          if (response.body !== '')
            expect(JSON.parse(response.body)).toMatchObject({ error: { code: expect.any(String) } });
          expect((await receiver.store.counts()).byStatus.pending).toBe(before);
        }
      }
      expectOnlyGenuineLogLines();
    },
  );
});

describe('header and log injection through paths and query strings', () => {
  const queryValues = fc.oneof(
    fc.constantFrom(...INJECTIONS),
    fc.string({ unit: fc.constantFrom(...BREAKING_CHARACTERS, 'a', '%', '&', '=', '?', '#', '/', ':'), maxLength: 30 }),
  );
  const paths = fc.constantFrom(
    '/admin',
    '/admin/sign-in',
    '/admin/deliveries',
    '/admin/dead-letters',
    '/admin/connection',
    '/healthz',
    '/readyz',
    '/api/v1/dci/webhook',
    '/nowhere',
  );

  it('encoded CR/LF and control characters in query strings and path segments forge no header and no log line', async () => {
    const { cookie, csrf } = await signIn();
    await fc.assert(
      fc.asyncProperty(
        paths,
        fc.dictionary(fc.constantFrom('q', 'status', 'from', 'to', 'notice', 'summary', 'saved', 'next'), queryValues, {
          maxKeys: 4,
        }),
        queryValues,
        fc.constantFrom('GET', 'POST'),
        fc.boolean(),
        async (path, query, segment, method, signedIn) => {
          const search = new URLSearchParams(query).toString();
          const target = `${path}/${encodeURIComponent(segment)}`.replace(/\/$/u, '');
          for (const url of [
            `${path}?${search}&${search}`,
            `${path}?${search}`,
            `${target}?${search}`,
            `/admin/deliveries/${encodeURIComponent(segment)}/retry`,
          ]) {
            // Signed in, a POST carries the form token, so the retry action runs and redirects to the delivery.
            const form = signedIn && method === 'POST';
            const headers: Array<[string, string]> = signedIn ? [['cookie', cookie]] : [];
            if (form) headers.push(['content-type', 'application/x-www-form-urlencoded']);
            const body = form ? Buffer.from(new URLSearchParams({ _csrf: csrf }).toString()) : undefined;
            const response = await rawHttpRequest(port(), { method, path: url, headers, ...(body ? { body } : {}) });
            expect(response.status).toBeLessThan(500);
            // Signed in, the pages that read the query really render with it (the fuzzing reaches them).
            if (signedIn && method === 'GET' && /^\/admin\/(deliveries|dead-letters|connection)\?/u.test(url)) {
              expect(response.status).toBe(200);
            }
            if (form && segment !== '' && url.endsWith('/retry')) {
              // The id from the path is echoed in Location, percent-encoded, never raw.
              expect(response.status).toBe(303);
              expect(response.headers['location']).toEqual([`/admin/deliveries/${encodeURIComponent(segment)}`]);
            }
            expectNoForgedHeaders(response);
            for (const location of response.headers['location'] ?? [])
              expect(location).not.toMatch(/[\s\u0000-\u001f]/u);
          }
        },
      ),
      { numRuns: 100 },
    );
    expectOnlyGenuineLogLines();
  });
});
