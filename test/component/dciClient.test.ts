import {
  DciClient,
  DciError,
  testDciConnection,
  type DciClientOptions,
  type DciErrorCode,
  type DciRequestBudget,
} from '../../src/dci-api';
import { startDciEmulator, type DciEmulator, type DciEmulatorOptions, type DciShapes } from '../../src/sandbox/dci';

const NOW = new Date('2026-02-08T12:00:00.000Z');
const now = () => NOW;
const FULL = 'mt_full0001-secret-part-aaaaaaaaaaaa';
const NO_RECORDINGS = 'mt_norec001-secret-part-bbbbbbbbbbbb';
const NO_CONVERSATIONS = 'mt_nocon001-secret-part-cccccccccccc';
const TOKENS: NonNullable<DciEmulatorOptions['tokens']> = {
  [FULL]: { scopes: ['conversations', 'recordings', 'users'], includeRecordings: true },
  [NO_RECORDINGS]: { scopes: ['conversations'] },
  [NO_CONVERSATIONS]: { scopes: ['users'] },
};

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()));
});

async function startDci(options: DciEmulatorOptions = {}): Promise<DciEmulator> {
  const dci = await startDciEmulator({ tokens: TOKENS, now, ...options });
  open.push(dci);
  return dci;
}

function clientOf(dci: DciEmulator, token = FULL, options: Partial<DciClientOptions> = {}): DciClient {
  const client = new DciClient({ baseUrl: `${dci.baseUrl}/`, token, now, timeoutMs: 2000, ...options });
  open.push(client);
  return client;
}

/** The conversation `index` hours before NOW (newest first by index). */
function seed(dci: DciEmulator, index: number, extra: { recording?: boolean; summary?: string | null } = {}) {
  return dci.addConversation({
    id: `c${String(index).padStart(3, '0')}`,
    title: `Call ${index}`,
    date: new Date(NOW.getTime() - (index + 1) * 3600_000).toISOString(),
    duration: 1800,
    participants: [{ name: 'Jane Doe', email: 'jane@acme.test', role: 'customer', phone: '+46 70 123 45 67' }],
    summary: extra.summary === undefined ? `Summary ${index}` : extra.summary,
    notes: 'Call back on Friday',
    recording: extra.recording ?? true,
  });
}

async function failure(promise: Promise<unknown>): Promise<DciError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DciError) {
      for (const token of Object.keys(TOKENS)) expect(error.message).not.toContain(token);
      return error;
    }
    throw error;
  }
  throw new Error('expected a DciError');
}

async function expectCode(promise: Promise<unknown>, code: DciErrorCode): Promise<DciError> {
  const error = await failure(promise);
  expect(error.code).toBe(code);
  return error;
}

/** A token bucket on the test's own clock: `sleep` moves the clock, nothing really waits. */
class MinuteBudget implements DciRequestBudget {
  readonly pauses: Date[] = [];
  readonly sleeps: number[] = [];
  clock = NOW.getTime();
  private tokens: number;
  private last = NOW.getTime();
  private pausedUntil = 0;

  constructor(private readonly perMinute: number) {
    this.tokens = perMinute;
  }

  now = () => new Date(this.clock);
  sleep = async (ms: number, signal?: AbortSignal) => {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.clock += ms;
  };

  async take(at: Date): Promise<number> {
    const time = at.getTime();
    if (time < this.pausedUntil) return this.pausedUntil - time;
    this.tokens = Math.min(this.perMinute, this.tokens + ((time - this.last) * this.perMinute) / 60_000);
    this.last = time;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
  }

  async pauseUntil(until: Date): Promise<void> {
    this.pauses.push(until);
    this.pausedUntil = Math.max(this.pausedUntil, until.getTime());
  }
}

describe('reading DCI over HTTP, whatever shape its answers take', () => {
  const variants: DciShapes[] = [
    {},
    { list: 'data', cursorField: 'nextCursor', detail: 'conversation', recordingField: 'recording_url' },
    { list: 'conversations', cursorField: 'pagination.next_cursor', phoneField: 'phone_number' },
    { list: 'data', cursorField: 'cursor', phoneField: 'mobile_phone' },
    { list: 'bare', detail: 'conversation', phoneField: 'mobile' },
    { list: 'bare', listItems: 'brief', recordingField: 'recording_url' },
  ];

  it.each(variants)('pages through 60 conversations and reads one whole with shapes %j', async (shapes) => {
    const dci = await startDci({ shapes });
    for (let index = 0; index < 60; index += 1) seed(dci, index);
    const client = clientOf(dci);

    const ids: string[] = [];
    const cursors: Array<string | undefined> = [];
    let cursor: string | undefined;
    do {
      const page = await client.listConversations({ cursor });
      expect(page.conversations.length).toBeLessThanOrEqual(25);
      expect(page.skipped).toBe(0);
      ids.push(...page.conversations.map((conversation) => conversation.id));
      cursor = page.nextCursor;
      cursors.push(cursor);
    } while (cursor !== undefined);
    expect(cursors).toHaveLength(3);
    expect(ids).toEqual(Array.from({ length: 60 }, (_, index) => `c${String(index).padStart(3, '0')}`));

    const conversation = await client.getConversation('c007');
    const mobile = shapes.phoneField === 'mobile_phone' || shapes.phoneField === 'mobile';
    expect(conversation).toMatchObject({
      id: 'c007',
      title: 'Call 7',
      end_date: '2026-02-08T04:30:00.000Z',
      notes: 'Call back on Friday',
      participants: [
        {
          name: 'Jane Doe',
          email: 'jane@acme.test',
          ...(mobile ? { mobile_phone: '+46 70 123 45 67' } : { phone: '+46 70 123 45 67' }),
        },
      ],
    });
    expect(await client.getSummary('c007')).toBe('Summary 7');
    const recording = await client.getRecordingUrl('c007');
    expect(recording).toMatchObject({ kind: 'url', url: expect.stringMatching(/^https:\/\/.*\/recordings\/c007\?/u) });
  });

  it('sends the token as a bearer header only, never in the URL', async () => {
    const dci = await startDci();
    seed(dci, 0);
    await clientOf(dci).listConversations({});
    expect(dci.requests).toEqual([
      expect.objectContaining({
        path: '/conversations',
        query: 'limit=25',
        status: 200,
        tokenPrefix: FULL.slice(0, 11),
      }),
    ]);
  });

  it('reads the account the token belongs to and the users', async () => {
    const dci = await startDci({ account: { id: 'acc-1', name: 'Telco Demo' } });
    dci.addUser({ name: 'Erik', email: 'erik@telco.test' });
    const client = clientOf(dci);
    expect(await client.account()).toEqual({ id: 'acc-1', name: 'Telco Demo', tokenPrefix: FULL.slice(0, 11) });
    expect(await client.listUsers()).toHaveLength(1);
  });
});

describe('what is not there', () => {
  it('an unknown conversation, a summary not written yet and a conversation without recording are "not found" results', async () => {
    const dci = await startDci();
    seed(dci, 0, { summary: null, recording: false });
    const client = clientOf(dci);
    expect(await client.getConversation('no-such-id')).toBeUndefined();
    expect(await client.getSummary('c000')).toBeUndefined();
    expect(await client.getRecordingUrl('c000')).toEqual({ kind: 'none' });
    expect(await client.getRecordingUrl('no-such-id')).toEqual({ kind: 'none' });
  });

  it('a base URL that is not the REST base is a bad request that says what DCI_API_URL must be', async () => {
    const dci = await startDci();
    const client = new DciClient({ baseUrl: `${dci.origin}/api/v2`, token: FULL, now });
    open.push(client);
    const error = await expectCode(client.account(), 'dci_bad_request');
    expect(error.message).toContain('DCI_API_URL must be');
  });
});

describe('DCI refusing the token', () => {
  it('a revoked token is dci_unauthorized and says where to make a new one', async () => {
    const dci = await startDci();
    const client = clientOf(dci);
    dci.setToken(FULL, undefined);
    const error = await expectCode(client.listConversations({}), 'dci_unauthorized');
    expect(error.status).toBe(401);
    expect(error.message).toContain('Settings → REST API → API Tokens');
    expect(error.temporary).toBe(false);
  });

  it('a token DCI echoes in its message is cut out', async () => {
    const dci = await startDci();
    dci.failNext(1, { kind: 'status', status: 401, body: { statusCode: 401, message: `Unknown token ${FULL}` } });
    const error = await expectCode(clientOf(dci).account(), 'dci_unauthorized');
    expect(error.message).toContain('Unknown token [token]');
  });

  it('a token without the conversations scope is dci_forbidden and carries what DCI said', async () => {
    const dci = await startDci();
    const error = await expectCode(clientOf(dci, NO_CONVERSATIONS).listConversations({}), 'dci_forbidden');
    expect(error.status).toBe(403);
    expect(error.message).toContain('The token lacks the conversations scope.');
    expect(error.message).toContain('Settings → REST API → API Tokens');
  });

  it('a token that may not read recordings gets "not allowed" with what to change in DCI', async () => {
    const dci = await startDci();
    seed(dci, 0);
    const recording = await clientOf(dci, NO_RECORDINGS).getRecordingUrl('c000');
    expect(recording.kind).toBe('not_allowed');
    if (recording.kind !== 'not_allowed') return;
    expect(recording.reason).toContain('"recordings" scope');
    expect(recording.reason).toContain('include_recordings=true');
    expect(recording.reason).toContain('Settings → REST API');
  });
});

describe('rate limits', () => {
  it("DCI's 429 is dci_rate_limited with its retryAfter, and pauses the shared budget", async () => {
    const dci = await startDci({ tokens: { [FULL]: { scopes: ['conversations'], ratePerMinute: 2 } } });
    const budget = new MinuteBudget(60);
    const client = clientOf(dci, FULL, { budget, now: budget.now, sleep: budget.sleep });
    await client.listConversations({});
    await client.listConversations({});
    const error = await expectCode(client.listConversations({}), 'dci_rate_limited');
    expect(error.retryAfterMs).toBe(60_000);
    expect(error.temporary).toBe(true);
    expect(budget.pauses).toEqual([new Date(budget.clock + 60_000)]);
  });

  it.each([
    ['the body is later than the header', { retryAfter: 90 }, { 'retry-after': '30' }, 90_000],
    ['the header is later than the body', { retryAfter: 5 }, { 'retry-after': '30' }, 30_000],
    ['the header is an HTTP date', {}, { 'retry-after': new Date(NOW.getTime() + 45_000).toUTCString() }, 45_000],
    ['neither says (the per-minute window)', {}, {}, 60_000],
  ])('when %s, the later wait wins', async (_case, body, headers, retryAfterMs) => {
    const dci = await startDci();
    dci.failNext(1, { kind: 'status', status: 429, body: { statusCode: 429, message: 'Slow down', ...body }, headers });
    const budget = new MinuteBudget(60);
    const error = await expectCode(clientOf(dci, FULL, { budget }).getSummary('x'), 'dci_rate_limited');
    expect(error.retryAfterMs).toBe(retryAfterMs);
    expect(budget.pauses).toEqual([new Date(NOW.getTime() + retryAfterMs)]);
  });

  it('a spent budget is waited for when the wait is short, without a real sleep', async () => {
    const dci = await startDci({ tokens: { [FULL]: { scopes: [], ratePerMinute: 1000 } } });
    const budget = new MinuteBudget(60);
    const client = clientOf(dci, FULL, { budget, now: budget.now, sleep: budget.sleep });
    for (let call = 0; call < 61; call += 1) await client.account();
    expect(budget.sleeps).toEqual([1000]);
    expect(dci.requests).toHaveLength(61);
  });

  it('a budget spent for longer than a call may wait is dci_budget_spent, and nothing is sent', async () => {
    const dci = await startDci();
    const budget = new MinuteBudget(2);
    const client = clientOf(dci, FULL, { budget, now: budget.now, sleep: budget.sleep });
    await client.account();
    await client.account();
    const error = await expectCode(client.account(), 'dci_budget_spent');
    expect(error.retryAfterMs).toBe(30_000);
    expect(budget.sleeps).toEqual([]);
    expect(dci.requests).toHaveLength(2);
  });

  it('a pause from a 429 makes the next call fail fast with dci_budget_spent', async () => {
    const dci = await startDci();
    dci.failNext(1, { kind: 'status', status: 429, body: { statusCode: 429, message: 'x', retryAfter: 60 } });
    const budget = new MinuteBudget(60);
    const client = clientOf(dci, FULL, { budget, now: budget.now, sleep: budget.sleep });
    await expectCode(client.account(), 'dci_rate_limited');
    const error = await expectCode(client.account(), 'dci_budget_spent');
    expect(error.retryAfterMs).toBe(60_000);
    expect(dci.requests).toHaveLength(1);
  });
});

describe('DCI failing', () => {
  it.each([
    [{ kind: 'status', status: 500 } as const, 'dci_unavailable'],
    [{ kind: 'status', status: 503, retryAfterSec: 1 } as const, 'dci_unavailable'],
    [{ kind: 'drop' } as const, 'dci_unavailable'],
    [{ kind: 'status', status: 400 } as const, 'dci_bad_request'],
    [
      { kind: 'status', status: 422, body: { statusCode: 422, message: 'limit must be 1–25' } } as const,
      'dci_bad_request',
    ],
    [{ kind: 'status', status: 200, body: '<html>Sign in</html>' } as const, 'dci_bad_response'],
    [{ kind: 'status', status: 200, body: { rows: [] } } as const, 'dci_bad_response'],
  ] as const)('a fault %j is %s', async (fault, code) => {
    const dci = await startDci();
    dci.failNext(1, fault);
    const error = await expectCode(clientOf(dci).listConversations({}), code);
    if (fault.kind === 'status') expect(error.status).toBe(fault.status);
  });

  it('an answer slower than timeoutMs is dci_timeout', async () => {
    const dci = await startDci();
    dci.failNext(1, { kind: 'delay', ms: 2000 });
    const error = await expectCode(clientOf(dci, FULL, { timeoutMs: 100 }).account(), 'dci_timeout');
    expect(error.message).toContain('100 ms');
    expect(error.temporary).toBe(true);
  });

  it("the caller's AbortSignal gives the call up as dci_aborted, not as a DCI failure", async () => {
    const dci = await startDci();
    dci.failNext(1, { kind: 'delay', ms: 2000 });
    const client = clientOf(dci, FULL, { timeoutMs: 5000 });
    await expectCode(client.account(AbortSignal.timeout(50)), 'dci_aborted');
    const aborted = new AbortController();
    aborted.abort();
    await expectCode(client.getConversation('c000', aborted.signal), 'dci_aborted');
  });

  it('nothing listening is dci_unavailable and names DCI_API_URL', async () => {
    const dci = await startDci();
    const baseUrl = dci.baseUrl;
    await dci.close();
    const client = new DciClient({ baseUrl, token: FULL });
    open.push(client);
    const error = await expectCode(client.account(), 'dci_unavailable');
    expect(error.message).toContain('DCI_API_URL');
  });
});

describe('Test connection', () => {
  it('passes every step for a token with conversations and recordings', async () => {
    const dci = await startDci({ account: { id: 'acc-1', name: 'Telco Demo' } });
    seed(dci, 0);
    const check = await testDciConnection(clientOf(dci));
    expect(check).toMatchObject({
      ok: true,
      recordingsAllowed: true,
      account: { name: 'Telco Demo', tokenPrefix: FULL.slice(0, 11) },
    });
    expect(check.steps.map((step) => [step.step, step.ok, step.warning ?? false])).toEqual([
      ['reach', true, false],
      ['token', true, false],
      ['conversations', true, false],
      ['recordings', true, false],
      ['rate', true, false],
    ]);
  });

  it('passes with a warning that says what to change in DCI when the token may not read recordings', async () => {
    const dci = await startDci();
    seed(dci, 0);
    const check = await testDciConnection(clientOf(dci, NO_RECORDINGS));
    expect(check.ok).toBe(true);
    expect(check.recordingsAllowed).toBe(false);
    const recordings = check.steps.find((step) => step.step === 'recordings');
    expect(recordings).toMatchObject({ ok: true, warning: true });
    expect(recordings?.message).toContain('include_recordings=true');
    expect(recordings?.message).toContain('no recording link');
  });

  it('fails at the token step for a revoked token, saying where to create a new one', async () => {
    const dci = await startDci();
    const client = clientOf(dci);
    dci.setToken(FULL, undefined);
    const check = await testDciConnection(client);
    expect(check).toMatchObject({ ok: false, code: 'dci_unauthorized' });
    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['reach', true],
      ['token', false],
    ]);
    expect(check.steps[1]?.message).toContain('Settings → REST API → API Tokens');
  });

  it('fails at the conversations step for a token without that scope', async () => {
    const dci = await startDci();
    const check = await testDciConnection(clientOf(dci, NO_CONVERSATIONS));
    expect(check).toMatchObject({ ok: false, code: 'dci_forbidden' });
    expect(check.steps.at(-1)).toMatchObject({ step: 'conversations', ok: false });
    expect(check.steps.at(-1)?.message).toContain('conversations');
  });

  it('says the limit is spent and when it frees on a 429', async () => {
    const dci = await startDci({ tokens: { [FULL]: { scopes: ['conversations'], ratePerMinute: 1 } } });
    const check = await testDciConnection(clientOf(dci));
    expect(check).toMatchObject({ ok: false, code: 'dci_rate_limited' });
    expect(check.steps.at(-1)).toMatchObject({ step: 'rate', ok: false });
    expect(check.steps.at(-1)?.message).toContain('frees in about 60 s');
  });

  it('fails at the reach step with what DCI_API_URL must be', async () => {
    const dci = await startDci();
    const client = new DciClient({ baseUrl: `${dci.origin}/api/v1`, token: FULL, now });
    open.push(client);
    const check = await testDciConnection(client);
    expect(check).toMatchObject({ ok: false, code: 'wrong_base_url' });
    expect(check.steps).toEqual([{ step: 'reach', ok: false, message: expect.stringContaining('/api/v1/rest') }]);
  });
});
