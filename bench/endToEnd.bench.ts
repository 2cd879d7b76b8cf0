// End to end and cost: the Lime emulator in-process with 50 ms added to every request, seeded with persons; the
// receiver in-process (startReceiver, SQLite in a temporary directory, Lime from LIME_URL/LIME_API_KEY). Meetings
// with 1, 4, 10 and 20 external participants, each with a mobile number (so the candidate query carries every
// written form of it) and matched by e-mail, sent one at a time: the time from the 202 to the last note written,
// and the Lime calls each meeting cost (the emulator's request log, schema and coworker cache warm). Side by side,
// on the same emulator, the baseline (baselineLimeIntegration.ts).
// Issue #16 target: p50 ≤ 2 round trips (100 ms) + 20 ms whatever the participant count.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSummaryPayload, type MeetingSummary } from '../src/core';
import { LimeConnector, LimeHttp } from '../src/lime-addon';
import { loadConfig } from '../src/receiver/config/loadConfig';
import { signDci } from '../src/receiver/ingest/signWebhook';
import { createLogger } from '../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../src/receiver/startReceiver';
import { startLimeEmulator, type LimeEmulator } from '../src/sandbox/lime';
import { deliverLikeBaseline } from './baselineLimeIntegration';
import { machineLine, markdownTable, percentile, round, verdict, writeReport } from './benchReport';
import { conversationIdOf, meetingPayload, type BenchParticipant } from './benchPayloads';

const SECRET = 'bench-webhook-secret';
const API_KEY = 'bench-api-key';
const LATENCY_MS = 50;
const PARTICIPANT_COUNTS = [1, 4, 10, 20] as const;
const MEETINGS_PER_CASE = 20;
const NOISE_PERSONS = 2_000;
const TARGET_MS = 2 * LATENCY_MS + 20;
const WAIT_LIMIT_MS = 30_000;
const DELIVER_OPTIONS = { internalDomains: ['seller.se'], defaultRegion: 'SE', timeZone: 'Europe/Stockholm' };

interface CaseResult {
  participants: number;
  ours: { ms: number[]; calls: number[] };
  baseline: { ms: number[]; calls: number[] };
}

const COMPANIES = ['Acme AB', 'Fjällbo Logistik AB', 'Beta Bygg AB', 'Gamma Konsult AB', 'Delta Data AB'];

/** Companies, the presenter as a coworker, 20 persons to meet and many others (what Lime searches through). */
function seed(lime: LimeEmulator): BenchParticipant[] {
  lime.insert('coworker', { firstname: 'Sara', lastname: 'Säljare', email: 'sara.saljare@seller.se' });
  const companies = COMPANIES.map((name, index) =>
    lime.insert('company', { name, phone: `08-555 ${String(index).padStart(3, '0')} 00` }),
  );
  for (let i = 0; i < NOISE_PERSONS; i += 1) {
    lime.insert('person', {
      firstname: 'Other',
      lastname: String(i),
      email: `other.${i}@example.se`,
      mobilephone: `070-${String(2_000_000 + i).slice(0, 3)} ${String(i % 100).padStart(2, '0')} ${String(i % 97).padStart(2, '0')}`,
      company: companies[i % companies.length],
    });
  }
  return Array.from({ length: 20 }, (_, i) => {
    const company = COMPANIES[i % COMPANIES.length] ?? 'Acme AB';
    const email = `customer.${i}@customer${i % COMPANIES.length}.se`;
    const digits = String(i).padStart(2, '0');
    lime.insert('person', {
      firstname: 'Customer',
      lastname: String(i),
      email,
      mobilephone: `073-555 00 ${digits}`,
      company: companies[i % companies.length],
    });
    return { name: `Customer ${i}`, email, company, mobilePhone: `+46 73 555 00 ${digits}` };
  });
}

let conversations = 0;
function nextMeeting(participants: readonly BenchParticipant[]): { body: string; deliveryId: string } {
  conversations += 1;
  const conversationId = conversationIdOf(7, conversations);
  const deliveryId = `${conversationId}-1`;
  const payload = meetingPayload({
    conversationId,
    deliveryId,
    participants,
    summaryBytes: 5_000,
    seed: conversations,
  });
  return { body: JSON.stringify(payload), deliveryId };
}

function notesWrittenSince(lime: LimeEmulator, from: number): number {
  let count = 0;
  for (let i = from; i < lime.requests.length; i += 1) {
    const entry = lime.requests[i];
    if (entry?.method === 'POST' && entry.path.includes('/limeobject/history/') && entry.status < 300) count += 1;
  }
  return count;
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Sends one meeting; resolves with the ms from the 202 to its last note, and the Lime calls it cost. */
async function throughReceiver(
  receiver: RunningReceiver,
  lime: LimeEmulator,
  participants: readonly BenchParticipant[],
): Promise<{ ms: number; calls: number }> {
  const { body, deliveryId } = nextMeeting(participants);
  lime.clearRequests();
  const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, SECRET, { deliveryId }),
    body,
  });
  const acknowledged = performance.now();
  await response.arrayBuffer();
  if (response.status !== 202) throw new Error(`the receiver answered ${response.status}`);
  await until(() => notesWrittenSince(lime, 0) >= participants.length, 'the notes');
  const ms = performance.now() - acknowledged;
  await until(async () => {
    const { byStatus } = await receiver.store.counts();
    return byStatus.pending + byStatus.in_progress + byStatus.retrying === 0;
  }, 'the delivery to be recorded');
  if (notesWrittenSince(lime, 0) !== participants.length) throw new Error('unexpected number of notes');
  return { ms, calls: lime.requests.length };
}

async function throughBaseline(
  http: LimeHttp,
  lime: LimeEmulator,
  participants: readonly BenchParticipant[],
): Promise<{ ms: number; calls: number }> {
  const { body } = nextMeeting(participants);
  const parsed = parseSummaryPayload(JSON.parse(body));
  if (!parsed.ok) throw new Error('the benchmark payload is invalid');
  const summary: MeetingSummary = parsed.summary;
  lime.clearRequests();
  const started = performance.now();
  const report = await deliverLikeBaseline(http, summary, DELIVER_OPTIONS);
  const ms = performance.now() - started;
  if (report.notesWritten !== participants.length) throw new Error('the baseline missed a participant');
  return { ms, calls: lime.requests.length };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-bench-e2e-'));
  const lime = await startLimeEmulator({ apiKeys: { [API_KEY]: 'all' }, app: 'Lime CRM' });
  const people = seed(lime);
  const receiver = await startReceiver(
    loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      DCI_WEBHOOK_SECRETS: SECRET,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: API_KEY,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
      LOG_LEVEL: 'warn',
    }),
    { logger: createLogger('warn'), makeConnector: (options) => new LimeConnector(options), host: '127.0.0.1' },
  );
  const baselineHttp = new LimeHttp({ baseUrl: lime.baseUrl, apiKey: API_KEY });
  const results: CaseResult[] = [];
  try {
    await until(() => receiver.connection() !== undefined, 'the first connection check');
    // The contact index's first full sync reads Lime too: measured meetings start after it, not beside it.
    await until(
      async () => (await receiver.store.contactIndexState('lime')).syncedAt !== undefined,
      'the contact index sync',
    );
    lime.setLatency(LATENCY_MS);
    // Warm: the data model is discovered and the presenter's coworker id cached by the first delivery.
    await throughReceiver(receiver, lime, people.slice(0, 1));
    await throughBaseline(baselineHttp, lime, people.slice(0, 1));

    for (const count of PARTICIPANT_COUNTS) {
      const participants = people.slice(0, count);
      const result: CaseResult = { participants: count, ours: { ms: [], calls: [] }, baseline: { ms: [], calls: [] } };
      for (let i = 0; i < MEETINGS_PER_CASE; i += 1) {
        const ours = await throughReceiver(receiver, lime, participants);
        result.ours.ms.push(ours.ms);
        result.ours.calls.push(ours.calls);
        const baseline = await throughBaseline(baselineHttp, lime, participants);
        result.baseline.ms.push(baseline.ms);
        result.baseline.calls.push(baseline.calls);
      }
      results.push(result);
    }
  } finally {
    await baselineHttp.close();
    await receiver.close();
    await lime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  report(results);
}

function report(results: readonly CaseResult[]): void {
  const p = (samples: number[], q: number) => round(percentile(samples, q), 0);
  const latencyRows = results.map(({ participants, ours, baseline }) => [
    participants,
    p(ours.ms, 0.5),
    p(ours.ms, 0.99),
    p(baseline.ms, 0.5),
    p(baseline.ms, 0.99),
    `${round(percentile(ours.ms, 0.5) / percentile(baseline.ms, 0.5), 2)}×`,
    verdict(percentile(ours.ms, 0.5) <= TARGET_MS),
  ]);
  const costRows = results.map(({ participants, ours, baseline }) => {
    const oursCalls = percentile(ours.calls, 0.5);
    const baselineCalls = percentile(baseline.calls, 0.5);
    return [
      participants,
      participants,
      `${oursCalls}${Math.max(...ours.calls) === oursCalls ? '' : ` (max ${Math.max(...ours.calls)})`}`,
      baselineCalls,
      `${round(oursCalls / baselineCalls, 2)}×`,
      `≤ ${1 + participants}: ${verdict(Math.max(...ours.calls) <= 1 + participants)}`,
    ];
  });
  const markdown = [
    '### 2. End to end (Lime emulator, 50 ms per request)',
    '',
    `${MEETINGS_PER_CASE} meetings per row, sent one at a time, every external participant an existing person with a mobile number, matched by e-mail ` +
      `(among ${NOISE_PERSONS.toLocaleString('en')} other persons); ours: from the 202 to the last note written; baseline: ` +
      'one participant after another — search e-mail (then mobile, then phone when not found), read the company, create the note.',
    '',
    markdownTable(
      [
        'external participants',
        'ours p50 ms',
        'ours p99 ms',
        'baseline p50 ms',
        'baseline p99 ms',
        'ours/baseline (p50)',
        `target p50 ≤ ${TARGET_MS} ms`,
      ],
      latencyRows,
    ),
    '',
    '### 3. Cost (Lime API calls per meeting, schema and coworker cache warm)',
    '',
    markdownTable(
      ['external participants', 'notes written', 'ours (p50)', 'baseline (p50)', 'ours/baseline', 'target ≤ 1 + notes'],
      costRows,
    ),
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n');
  writeReport('e2e', markdown, {
    latencyMsPerRequest: LATENCY_MS,
    meetingsPerCase: MEETINGS_PER_CASE,
    cases: results.map(({ participants, ours, baseline }) => ({
      participants,
      ours: { ms: ours.ms.map((value) => round(value)), calls: ours.calls },
      baseline: { ms: baseline.ms.map((value) => round(value)), calls: baseline.calls },
    })),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`end-to-end benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
