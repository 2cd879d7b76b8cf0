// DCI's REST API (issue #13): the receiver in-process (startReceiver, SQLite in a temporary directory, the real
// DciClient and LimeConnector), the Lime emulator with its demo data and DCI's emulator, all on 127.0.0.1, each
// scenario on a fresh set. No added latency: what is measured is the poll cadence and the request count.
// 1. Poll latency: DCI_POLL_INTERVAL_S=5; meetings listed in DCI while in progress, completed at random moments over
//    a few intervals; for each, the time from completeConversation to its note existing in Lime.
// 2. DCI requests per delivered conversation, from the emulator's request log: poll mode (its share of the list
//    pages, plus per-conversation calls), webhook mode with enrichment (detail + recording URL) and both; then the
//    list requests of idle polls. Target ≤ 2 per conversation including its share of the list pages.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { DciClient } from '../src/dci-api';
import { LimeConnector } from '../src/lime-addon';
import { loadConfig } from '../src/receiver/config/loadConfig';
import { createLogger } from '../src/receiver/observability/logger';
import { POLL_JOB, type PollState } from '../src/receiver/poll/dciPoller';
import { startReceiver, type RunningReceiver } from '../src/receiver/startReceiver';
import { startDciEmulator, type DciEmulator, type DciRequestLogEntry } from '../src/sandbox/dci';
import { seedDemoData, startLimeEmulator, type LimeEmulator } from '../src/sandbox/lime';
import { machineLine, markdownTable, percentile, round, verdict, writeReport } from './benchReport';

const INTERVAL_S = 5;
const INTERVAL_MS = INTERVAL_S * 1000;
/** `BENCH_DCI_QUICK=1` while developing: fewer conversations, shorter spread. */
const QUICK = process.env['BENCH_DCI_QUICK'] === '1';
const LATENCY_CONVERSATIONS = QUICK ? 8 : 30;
const LATENCY_SPREAD_INTERVALS = QUICK ? 1 : 3;
const BATCH = QUICK ? 10 : 50;
const IDLE_POLLS = 2;
const TARGET_PER_CONVERSATION = 2;
/** Every wait is bounded: a scenario that does not finish in time fails the benchmark. */
const WAIT_LIMIT_MS = 90_000;
/** The token's and the client's rate: high enough that no request waits or is refused (counts, not throttling). */
const RATE_PER_MINUTE = 600;
const TOKEN = 'mt_bench0001dcitoken';
const SECRET = 'bench-dci-webhook-secret';
const API_KEY = 'bench-api-key';
const SELLER = { id: '67c869eb-30b1-4eb3-bd2c-be8c912a9827', name: 'Sara Säljare', email: 'sara.saljare@seller.se' };
/** Persons of the Lime emulator's demo data, matched by e-mail; DCI knows their mobiles too. */
const CUSTOMERS = [
  { name: 'Anna Andersson', email: 'anna.andersson@acme.se', phone: '+46701234567' },
  { name: 'Lars Öberg', email: 'lars.oberg@acme.se', phone: '+46761112233' },
];

type Mode = 'poll' | 'webhook' | 'both';

interface Setup {
  dci: DciEmulator;
  lime: LimeEmulator;
  receiver: RunningReceiver;
  close(): Promise<void>;
}

async function startSetup(mode: Mode): Promise<Setup> {
  const dci = await startDciEmulator({
    tokens: {
      [TOKEN]: { scopes: ['conversations', 'recordings'], includeRecordings: true, ratePerMinute: RATE_PER_MINUTE },
    },
  });
  const lime = await startLimeEmulator({ apiKeys: { [API_KEY]: 'all' }, app: 'Lime CRM' });
  seedDemoData(lime);
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-bench-dci-'));
  const receiver = await startReceiver(
    loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: API_KEY,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
      CONTACT_INDEX_SYNC_HOURS: '0',
      LOG_LEVEL: 'warn',
      DCI_MODE: mode,
      DCI_API_URL: dci.baseUrl,
      DCI_API_TOKEN: TOKEN,
      DCI_API_RATE_PER_MINUTE: String(RATE_PER_MINUTE),
      DCI_POLL_INTERVAL_S: String(INTERVAL_S),
      DCI_CONVERSATION_URL: 'https://app.dci.example/conversations/{id}',
      ...(mode === 'poll' ? {} : { DCI_WEBHOOK_SECRETS: SECRET }),
    }),
    {
      logger: createLogger('warn'),
      makeConnector: (options) => new LimeConnector(options),
      makeDciApi: (options) => new DciClient(options),
      host: '127.0.0.1',
    },
  );
  if (mode !== 'poll') dci.subscribe({ url: `${receiver.url}/api/v1/dci/webhook`, secret: SECRET });
  // Start-up calls (the connection checks, the first poll) are not part of any figure.
  await until(
    () => receiver.connection() !== undefined && receiver.dci.lastCheck() !== undefined,
    'the connection checks',
  );
  if (mode !== 'webhook') await until(async () => (await pollState(receiver))?.last !== undefined, 'the first poll');
  dci.clearRequests();
  return {
    dci,
    lime,
    receiver,
    close: async () => {
      await receiver.close();
      await dci.close();
      await lime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, everyMs = 10): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(everyMs);
  }
}

async function pollState(receiver: RunningReceiver): Promise<PollState | undefined> {
  return (await receiver.store.readJobState(POLL_JOB))?.state as PollState | undefined;
}

/** Resolves once a poll that started after this call has finished. */
async function nextPollDone(receiver: RunningReceiver): Promise<void> {
  const since = Date.now();
  await until(async () => {
    const at = (await pollState(receiver))?.last?.at;
    return at !== undefined && Date.parse(at) > since;
  }, 'the next poll');
}

/** Seeded, so every run completes its meetings at the same offsets. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A meeting 40 minutes ago with one customer, in progress (no summary) until completed. */
function addMeeting(dci: DciEmulator, index: number): string {
  const customer = CUSTOMERS[index % CUSTOMERS.length] ?? CUSTOMERS[0]!;
  return dci.addConversation({
    title: `Bench meeting ${index}`,
    company: 'Acme',
    date: new Date(dci.now().getTime() - 40 * 60_000).toISOString(),
    duration: 1800,
    user: SELLER,
    participants: [{ ...customer, role: 'customer' }],
    recording: true,
    notes: 'Manual note taken in DCI.',
  }).id;
}

function complete(dci: DciEmulator, id: string, index: number): void {
  dci.completeConversation(id, { summary: `Meeting ${index}: the customer wants a quote for ${10 + index} seats.` });
}

const REFERENCE = /dci-conversation:([0-9a-f-]+)/u;

/** The conversations that have a note in Lime. */
function notedConversations(lime: LimeEmulator): Set<string> {
  const ids = new Set<string>();
  for (const note of lime.all('history')) {
    const match = REFERENCE.exec(String(note['note']));
    if (match?.[1] !== undefined) ids.add(match[1]);
  }
  return ids;
}

async function allNoted(setup: Setup, ids: readonly string[]): Promise<void> {
  await until(() => {
    const noted = notedConversations(setup.lime);
    return ids.every((id) => noted.has(id));
  }, `${ids.length} notes in Lime`);
  await until(async () => {
    const { byStatus } = await setup.receiver.store.counts();
    return byStatus.pending + byStatus.in_progress + byStatus.retrying === 0;
  }, 'the deliveries to be recorded');
}

interface RequestCounts {
  list: number;
  detail: number;
  recording: number;
  other: number;
  refused: number;
  total: number;
}

function countRequests(requests: readonly DciRequestLogEntry[]): RequestCounts {
  const counts: RequestCounts = { list: 0, detail: 0, recording: 0, other: 0, refused: 0, total: requests.length };
  for (const { path, status } of requests) {
    if (status === 429 || status === 0) counts.refused += 1;
    if (path === '/conversations') counts.list += 1;
    else if (/^\/conversations\/[^/]+$/u.test(path)) counts.detail += 1;
    else if (/^\/conversations\/[^/]+\/recording-url$/u.test(path)) counts.recording += 1;
    else counts.other += 1;
  }
  return counts;
}

interface LatencyResult {
  seconds: number[];
  polls: number;
  requests: RequestCounts;
}

/** Poll mode: meetings in progress in DCI, completed at random moments; completion → note in Lime, per meeting. */
async function pollLatency(): Promise<LatencyResult> {
  const setup = await startSetup('poll');
  try {
    const { dci, lime, receiver } = setup;
    const ids = Array.from({ length: LATENCY_CONVERSATIONS }, (_, index) => addMeeting(dci, index));
    // The next poll lists them in progress (no summary yet), as DCI lists a meeting before it is processed.
    await nextPollDone(receiver);
    dci.clearRequests();
    const next = random(13);
    const spreadMs = LATENCY_SPREAD_INTERVALS * INTERVAL_MS;
    // Jittered strata: each meeting at a random moment of its own 1/N of the spread, so the moments cover the poll
    // cycle evenly (a handful of plain random draws can cluster just after a poll).
    const schedule = ids.map((id, index) => ({ id, index, atMs: ((index + next()) / ids.length) * spreadMs }));
    const completedAt = new Map<string, number>();
    const notedAt = new Map<string, number>();
    const start = performance.now();
    let due = 0;
    await until(
      () => {
        const now = performance.now();
        while (due < schedule.length && now - start >= (schedule[due]?.atMs ?? Infinity)) {
          const { id, index } = schedule[due]!;
          complete(dci, id, index);
          completedAt.set(id, performance.now());
          due += 1;
        }
        const noted = notedConversations(lime);
        const seen = performance.now();
        for (const id of completedAt.keys()) if (!notedAt.has(id) && noted.has(id)) notedAt.set(id, seen);
        return notedAt.size === ids.length;
      },
      'every meeting to be noted',
      5,
    );
    await allNoted(setup, ids);
    return {
      seconds: ids.map((id) => ((notedAt.get(id) ?? NaN) - (completedAt.get(id) ?? NaN)) / 1000),
      // A poll's walk starts with a list request without a cursor.
      polls: dci.requests.filter(({ path, query }) => path === '/conversations' && !query.includes('cursor=')).length,
      requests: countRequests(dci.requests),
    };
  } finally {
    await setup.close();
  }
}

interface BatchRow {
  mode: Mode;
  scenario: string;
  conversations: number;
  requests: RequestCounts;
}

interface IdleResult {
  polls: number;
  listRequests: number;
  other: number;
  conversationsListed: number;
}

/**
 * `BATCH` meetings completed at once. `listedFirst`: a poll lists them in progress first (then each waits for its
 * summary and is asked for again). Poll modes count until the poller has nothing left waiting, so every request
 * the batch caused is in the log.
 */
async function batch(
  mode: Mode,
  listedFirst: boolean,
  scenario: string,
): Promise<{ row: BatchRow; idle?: IdleResult | undefined }> {
  const setup = await startSetup(mode);
  try {
    const { dci, receiver } = setup;
    if (mode !== 'webhook') await nextPollDone(receiver);
    dci.clearRequests();
    const ids = Array.from({ length: BATCH }, (_, index) => addMeeting(dci, index));
    if (listedFirst) await nextPollDone(receiver);
    ids.forEach((id, index) => complete(dci, id, index));
    await allNoted(setup, ids);
    if (mode !== 'webhook') {
      // What the poller still asks about the batch (summaries it saw missing) belongs to the batch too.
      await until(async () => {
        await nextPollDone(receiver);
        return ((await pollState(receiver))?.waiting.length ?? 0) === 0;
      }, 'the poller to have nothing waiting');
    }
    await dci.whenWebhooksSettled();
    const row: BatchRow = { mode, scenario, conversations: ids.length, requests: countRequests(dci.requests) };
    if (mode !== 'poll' || listedFirst) return { row };
    // Idle: nothing new in DCI; what a poll costs with the batch inside the look-back overlap.
    await nextPollDone(receiver);
    dci.clearRequests();
    for (let i = 0; i < IDLE_POLLS; i += 1) await nextPollDone(receiver);
    const idle = countRequests(dci.requests);
    const state = await pollState(receiver);
    return {
      row,
      idle: {
        polls: IDLE_POLLS,
        listRequests: idle.list,
        other: idle.total - idle.list,
        conversationsListed: state?.last?.listed ?? NaN,
      },
    };
  } finally {
    await setup.close();
  }
}

async function main(): Promise<void> {
  const latency = await pollLatency();
  const rows: BatchRow[] = [
    {
      mode: 'poll',
      scenario: `${LATENCY_CONVERSATIONS} completed at random moments over ${LATENCY_SPREAD_INTERVALS} intervals (the latency run)`,
      conversations: LATENCY_CONVERSATIONS,
      requests: latency.requests,
    },
  ];
  const pollFresh = await batch('poll', false, `${BATCH} completed at once, first listed complete`);
  rows.push(pollFresh.row);
  rows.push((await batch('poll', true, `${BATCH} listed in progress, then completed at once`)).row);
  rows.push((await batch('webhook', false, `${BATCH} documented webhooks, each enriched`)).row);
  rows.push((await batch('both', false, `${BATCH} webhooks, then reconciliation polls`)).row);
  report(latency, rows, pollFresh.idle);
}

function report(latency: LatencyResult, rows: readonly BatchRow[], idle: IdleResult | undefined): void {
  const p50 = percentile(latency.seconds, 0.5);
  const p99 = percentile(latency.seconds, 0.99);
  const max = Math.max(...latency.seconds);
  const multiple = (seconds: number) => `${round(seconds / INTERVAL_S, 2)}×`;
  const latencyTable = markdownTable(
    ['measure', 'seconds', 'multiple of the interval', 'expected'],
    [
      ['p50', round(p50, 2), multiple(p50), '≈ 0.5×'],
      ['p99', round(p99, 2), multiple(p99), '≈ 1×'],
      ['max', round(max, 2), multiple(max), ''],
    ],
  );
  const requestRows = rows.map(({ mode, scenario, conversations, requests }) => {
    const perConversation = requests.total / conversations;
    return [
      mode,
      scenario,
      conversations,
      requests.list,
      requests.detail,
      requests.recording,
      requests.other,
      requests.refused,
      requests.total,
      round(perConversation, 2),
      verdict(perConversation <= TARGET_PER_CONVERSATION),
    ];
  });
  const markdown = [
    '### 7. DCI REST API (poll latency, requests per conversation)',
    '',
    'The receiver in-process (SQLite, the real DciClient and LimeConnector), the Lime emulator with its demo data and ' +
      "DCI's emulator, all on loopback with no added latency; a fresh set per scenario. Each meeting has one customer " +
      `of the demo data, matched by e-mail, a recording and manual notes. DCI_POLL_INTERVAL_S=${INTERVAL_S}; the ` +
      `token and the client allow ${RATE_PER_MINUTE} requests a minute, so no request waits for the rate limit.`,
    '',
    `Poll latency: ${LATENCY_CONVERSATIONS} meetings listed in DCI while in progress, completed at random moments ` +
      '(one in each 1/N of the spread, seeded) over ' +
      `${LATENCY_SPREAD_INTERVALS} poll intervals (${LATENCY_SPREAD_INTERVALS * INTERVAL_S} s); from ` +
      "completeConversation to the meeting's note existing in Lime (looked for every 5 ms); " +
      `${latency.polls} polls ran meanwhile.`,
    '',
    latencyTable,
    '',
    "DCI requests per delivered conversation, from the emulator's request log: every request from the batch's first " +
      'meeting to its last note (poll modes: until the poller has nothing left waiting; so the list pages of every ' +
      'poll in between count). "detail" is `GET /conversations/:id`, "recording" `…/recording-url`, "refused" ' +
      '429s and dropped requests (counted in the total).',
    '',
    markdownTable(
      [
        'mode',
        'scenario',
        'conversations',
        'list',
        'detail',
        'recording',
        'other',
        'refused',
        'total',
        'per conversation',
        `target ≤ ${TARGET_PER_CONVERSATION}`,
      ],
      requestRows,
    ),
    '',
    idle === undefined
      ? ''
      : `Idle polls (poll mode, nothing new, the ${BATCH} delivered meetings inside the poller's 2-hour look-back): ` +
        `${idle.polls} polls, ${idle.listRequests} list requests (${round(idle.listRequests / idle.polls, 2)} per poll, ` +
        `${idle.conversationsListed} conversations listed by the last), ${idle.other} other requests.`,
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n');
  writeReport('dci', markdown, {
    intervalS: INTERVAL_S,
    latency: { seconds: latency.seconds.map((value) => round(value, 3)), p50, p99, max },
    requests: rows,
    idle,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`DCI benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
