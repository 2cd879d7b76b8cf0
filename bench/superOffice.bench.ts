// SuperOffice beside Lime: the same meetings as the end-to-end benchmark (endToEnd.bench.ts — 1, 4, 10 and 20
// external participants, each an existing person with a mobile number, matched by e-mail, a 5 KB summary), with
// 50 ms added to every SuperOffice request, delivered two ways:
// - by the receiver (in-process, SQLite, CRM=superoffice), signed in as an Online system user the way the demo and
//   `npm run sandbox -- superoffice --auth system_user` do (one PartnerSystemUser exchange before the measured runs);
// - by the endpoint script, its built text run as SuperOffice runs it (test/support/superOfficeScript.ts), on a
//   second tenant seeded alike: the same adapter, so the two should make the same requests.
// Requests per delivered meeting come from each emulator's request log; the Lime figures from the end-to-end
// benchmark's last results (bench/results/e2e.json), so `npm run bench -- e2e superoffice` fills both columns.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/receiver/config/loadConfig';
import { signDci } from '../src/receiver/ingest/signWebhook';
import { createLogger } from '../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../src/receiver/startReceiver';
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../src/sandbox/superoffice';
import { startSuperOfficeSandbox } from '../src/sandbox/superoffice/startSuperOfficeSandbox';
import { makeCrmConnector } from '../src/receiver/makeCrmConnector';
import { runScript, webApiFor, withConfig } from '../test/support/superOfficeScript';
import { machineLine, markdownTable, percentile, REPO_ROOT, RESULTS_DIR, round, writeReport } from './benchReport';
import { conversationIdOf, meetingPayload, type BenchParticipant } from './benchPayloads';
import { agentMethod, NOISE_PERSONS, seedBenchTenant } from './superOfficeBenchTenant';

const SECRET = 'bench-webhook-secret';
const SCRIPT_TOKEN = 'bench-script-token';
const LATENCY_MS = 50;
const PARTICIPANT_COUNTS = [1, 4, 10, 20] as const;
const MEETINGS_PER_CASE = Number(process.env['BENCH_SUPEROFFICE_MEETINGS'] ?? 20);
const WAIT_LIMIT_MS = 120_000;

interface Sample {
  /** From the 202 (the script: from its start) to the last appointment saved. */
  ms: number;
  /** To the delivery recorded as delivered (the receiver) / the script's answer. */
  doneMs: number;
  requests: number;
}

interface CaseResult {
  participants: number;
  receiver: Sample[];
  script: Sample[];
  /** Requests by `Agent/Method` for one meeting of this size (the first measured). */
  receiverBreakdown: Record<string, number>;
  scriptBreakdown: Record<string, number>;
}

let conversations = 0;
function nextMeeting(participants: readonly BenchParticipant[]): { payload: Record<string, unknown>; id: string } {
  conversations += 1;
  const conversationId = conversationIdOf(8, conversations);
  const payload = meetingPayload({
    conversationId,
    deliveryId: `${conversationId}-1`,
    participants,
    summaryBytes: 5_000,
    seed: conversations,
  });
  return { payload, id: conversationId };
}

const isSave = (path: string, status: number) => /\/Appointment\/SaveAppointmentEntity$/iu.test(path) && status < 300;

function appointmentsSaved(so: SuperOfficeEmulator): number {
  return so.requests.filter((entry) => isSave(entry.path, entry.status)).length;
}

function breakdown(so: SuperOfficeEmulator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of so.requests) counts[agentMethod(entry.path)] = (counts[agentMethod(entry.path)] ?? 0) + 1;
  return counts;
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function throughReceiver(
  receiver: RunningReceiver,
  so: SuperOfficeEmulator,
  participants: readonly BenchParticipant[],
): Promise<Sample & { breakdown: Record<string, number> }> {
  const { payload, id } = nextMeeting(participants);
  const body = JSON.stringify(payload);
  so.clearRequests();
  const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, SECRET, { deliveryId: `${id}-1` }),
    body,
  });
  const acknowledged = performance.now();
  await response.arrayBuffer();
  if (response.status !== 202) throw new Error(`the receiver answered ${response.status}`);
  await until(() => appointmentsSaved(so) >= participants.length, 'the appointments');
  const ms = performance.now() - acknowledged;
  await until(async () => {
    const { byStatus } = await receiver.store.counts();
    return byStatus.pending + byStatus.in_progress + byStatus.retrying === 0;
  }, 'the delivery to be recorded');
  const doneMs = performance.now() - acknowledged;
  const [row] = await receiver.store.listDeliveries({ search: id, limit: 1 });
  if (row?.status !== 'delivered') throw new Error(`delivery ${row?.status ?? 'missing'}: ${row?.lastErrorMessage}`);
  if (appointmentsSaved(so) !== participants.length) throw new Error('unexpected number of appointments');
  return { ms, doneMs, requests: so.requests.length, breakdown: breakdown(so) };
}

async function throughScript(
  script: string,
  so: SuperOfficeEmulator,
  participants: readonly BenchParticipant[],
): Promise<Sample & { breakdown: Record<string, number> }> {
  const { payload } = nextMeeting(participants);
  so.clearRequests();
  const started = performance.now();
  // A new WebApi per request, as SuperOffice gives each script run its own.
  const answer = await runScript(script, webApiFor(so.baseUrl, SCRIPT_TOKEN), { body: JSON.stringify(payload) });
  const doneMs = performance.now() - started;
  if (answer.status !== 200) throw new Error(`the script answered ${answer.status}`);
  if (appointmentsSaved(so) !== participants.length) throw new Error('the script missed a participant');
  // The last save's answer is when the appointments were all in; the script answers DCI after its remaining calls.
  return { ms: doneMs, doneMs, requests: so.requests.length, breakdown: breakdown(so) };
}

/** The script as an admin pastes it, built by `npm run build:superoffice`'s own build file (as bundle.bench.ts). */
function builtScript(): string {
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'buildSuperOfficeScript.js')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`building the SuperOffice script failed:\n${build.stdout}${build.stderr}`);
  return readFileSync(join(REPO_ROOT, 'dist', 'superoffice', 'dci-summary-endpoint.js'), 'utf8');
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-bench-superoffice-'));
  const { emulator: so, environment } = await startSuperOfficeSandbox({ port: 0, auth: 'system_user' });
  const env = Object.fromEntries(
    environment.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const people = seedBenchTenant(so);
  const scriptTenant = await startSuperOfficeEmulator({ tokens: [SCRIPT_TOKEN] });
  seedDemoData(scriptTenant);
  seedBenchTenant(scriptTenant);
  const script = withConfig(builtScript(), 'internalDomains', "['seller.se']");
  const receiver = await startReceiver(
    loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      DCI_WEBHOOK_SECRETS: SECRET,
      ...env,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
      LOG_LEVEL: 'warn',
    }),
    {
      logger: createLogger('warn'),
      makeCrmConnector,
      host: '127.0.0.1',
    },
  );
  const results: CaseResult[] = [];
  let exchanges = 0;
  try {
    await until(() => receiver.connection() !== undefined, 'the first connection check');
    so.setLatency(LATENCY_MS);
    scriptTenant.setLatency(LATENCY_MS);
    // Warm: the ticket exchanged, the foreign application and device created, caches filled by a first delivery.
    await throughReceiver(receiver, so, people.slice(0, 1));
    await throughScript(script, scriptTenant, people.slice(0, 1));
    for (const count of PARTICIPANT_COUNTS) {
      const participants = people.slice(0, count);
      const result: CaseResult = {
        participants: count,
        receiver: [],
        script: [],
        receiverBreakdown: {},
        scriptBreakdown: {},
      };
      for (let i = 0; i < MEETINGS_PER_CASE; i += 1) {
        const { breakdown: viaReceiver, ...receiverSample } = await throughReceiver(receiver, so, participants);
        const { breakdown: viaScript, ...scriptSample } = await throughScript(script, scriptTenant, participants);
        if (i === 0) {
          result.receiverBreakdown = viaReceiver;
          result.scriptBreakdown = viaScript;
        }
        result.receiver.push(receiverSample);
        result.script.push(scriptSample);
      }
      results.push(result);
    }
    exchanges = so.exchangeCount;
  } finally {
    await receiver.close();
    await so.close();
    await scriptTenant.close();
    rmSync(dataDir, { recursive: true, force: true });
    const keyFile = env['SUPEROFFICE_PRIVATE_KEY_FILE'];
    if (keyFile !== undefined) rmSync(join(keyFile, '..'), { recursive: true, force: true });
  }
  report(results, exchanges);
}

/** `Agent/Method ±n` for every request the script made a different number of times than the receiver. */
function difference(result: CaseResult | undefined): string {
  if (result === undefined) return 'none';
  const methods = new Set([...Object.keys(result.receiverBreakdown), ...Object.keys(result.scriptBreakdown)]);
  const parts = [...methods]
    .sort()
    .map((method) => ({
      method,
      delta: (result.scriptBreakdown[method] ?? 0) - (result.receiverBreakdown[method] ?? 0),
    }))
    .filter(({ delta }) => delta !== 0)
    .map(({ method, delta }) => `\`${method}\` ${delta > 0 ? '+' : ''}${delta}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

interface LimeCase {
  participants: number;
  ours: { ms: number[]; calls: number[] };
}

/** The end-to-end benchmark's last Lime figures, when it has run on this checkout. */
function limeFigures(): { cases: LimeCase[]; finishedAt: string } | undefined {
  const file = join(RESULTS_DIR, 'e2e.json');
  if (!existsSync(file)) return undefined;
  const report = JSON.parse(readFileSync(file, 'utf8')) as { finishedAt: string; data: { cases: LimeCase[] } };
  return { cases: report.data.cases, finishedAt: report.finishedAt };
}

function report(results: readonly CaseResult[], exchanges: number): void {
  const p = (samples: number[], q: number) => round(percentile(samples, q), 0);
  const lime = limeFigures();
  const limeCase = (count: number) => lime?.cases.find((entry) => entry.participants === count);
  const requestsCell = (samples: number[]) => {
    const median = percentile(samples, 0.5);
    const max = Math.max(...samples);
    return `${median}${max === median ? '' : ` (max ${max})`}`;
  };
  const sideBySide = results.map(({ participants, receiver, script }) => {
    const limeRun = limeCase(participants);
    const soRequests = percentile(
      receiver.map((sample) => sample.requests),
      0.5,
    );
    return [
      participants,
      limeRun ? p(limeRun.ours.ms, 0.5) : '—',
      limeRun ? p(limeRun.ours.ms, 0.99) : '—',
      p(
        receiver.map((sample) => sample.ms),
        0.5,
      ),
      p(
        receiver.map((sample) => sample.ms),
        0.99,
      ),
      p(
        receiver.map((sample) => sample.doneMs),
        0.5,
      ),
      p(
        script.map((sample) => sample.ms),
        0.5,
      ),
      p(
        script.map((sample) => sample.ms),
        0.99,
      ),
      limeRun ? requestsCell(limeRun.ours.calls) : '—',
      requestsCell(receiver.map((sample) => sample.requests)),
      requestsCell(script.map((sample) => sample.requests)),
      round(soRequests / participants, 1),
    ];
  });
  const methods = [
    ...new Set(
      results.flatMap((result) => [...Object.keys(result.receiverBreakdown), ...Object.keys(result.scriptBreakdown)]),
    ),
  ].sort();
  const breakdownRows = methods.map((method) => [
    `\`${method}\``,
    ...results.flatMap((result) => [result.receiverBreakdown[method] ?? 0, result.scriptBreakdown[method] ?? 0]),
  ]);
  const agree = results.every(
    (result) =>
      percentile(
        result.receiver.map((sample) => sample.requests),
        0.5,
      ) ===
      percentile(
        result.script.map((sample) => sample.requests),
        0.5,
      ),
  );
  const fit = (pick: (result: CaseResult) => Sample[]) => {
    const first = results[0];
    const last = results[results.length - 1];
    if (first === undefined || last === undefined || first === last) return 'n/a';
    const median = (result: CaseResult) =>
      percentile(
        pick(result).map((sample) => sample.requests),
        0.5,
      );
    const perParticipant = (median(last) - median(first)) / (last.participants - first.participants);
    return `${round(perParticipant, 1)} per participant + ${round(median(first) - perParticipant * first.participants, 1)} per meeting`;
  };
  const markdown = [
    `### 10. SuperOffice beside Lime (${LATENCY_MS} ms per request)`,
    '',
    `${MEETINGS_PER_CASE} meetings per row, the end-to-end benchmark's meetings (every external participant an existing ` +
      `person with a mobile number, matched by e-mail among ${NOISE_PERSONS.toLocaleString('en')} other persons, a 5 KB ` +
      'summary), sent one at a time. Lime: the receiver, from the 202 to the last note written ' +
      (lime === undefined
        ? '(no figures: run `npm run bench -- e2e superoffice`).'
        : `(the end-to-end benchmark's run of ${lime.finishedAt}).`) +
      ' SuperOffice, receiver: signed in as an Online system user (the ticket exchanged once, before the measured ' +
      `runs; ${exchanges} exchange(s) in all), from the 202 to the last appointment saved, and to the delivery ` +
      "recorded; script: the endpoint script's built text run as SuperOffice runs it, a fresh context per meeting, " +
      "on a second tenant seeded alike, from its start to its answer. Requests per meeting: each emulator's log " +
      '(Lime: warm schema and coworker cache, as in table 3).',
    '',
    markdownTable(
      [
        'external participants',
        'Lime p50 ms',
        'Lime p99 ms',
        'SuperOffice receiver p50 ms',
        'SuperOffice receiver p99 ms',
        'SuperOffice receiver p50 ms to recorded',
        'SuperOffice script p50 ms',
        'SuperOffice script p99 ms',
        'Lime requests',
        'SuperOffice requests (receiver)',
        'SuperOffice requests (script)',
        'SuperOffice requests per participant (receiver)',
      ],
      sideBySide,
    ),
    '',
    agree
      ? 'The receiver and the script made the same number of SuperOffice requests for the same meetings (one adapter, two hosts).'
      : '**The receiver and the script made different numbers of SuperOffice requests for the same meetings**: ' +
        `script − receiver for the largest meeting, ${difference(results[results.length - 1])}. The receiver knows ` +
        "a delivery's first attempt can have saved nothing (`knownNotesComplete`), so it skips the lost-answer " +
        'recovery per participant (the Document and DiaryAppointment archive searches, and any reads of what they ' +
        'find) that the script, which cannot tell a re-send from a first call, always does; and it keeps the task type, foreign application and device ' +
        'between deliveries, which the script looks up on every run.',
    '',
    `SuperOffice requests, from the 1- and 20-participant rows: receiver ${fit((result) => result.receiver)}; ` +
      `script ${fit((result) => result.script)}.`,
    '',
    'Where the SuperOffice requests of one meeting go (the first measured meeting of each size; receiver / script):',
    '',
    markdownTable(
      ['request', ...results.flatMap((result) => [`${result.participants} receiver`, `${result.participants} script`])],
      breakdownRows,
    ),
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n');
  writeReport('superoffice', markdown, {
    latencyMsPerRequest: LATENCY_MS,
    meetingsPerCase: MEETINGS_PER_CASE,
    exchanges,
    limeFrom: lime?.finishedAt,
    cases: results.map((result) => ({
      participants: result.participants,
      receiver: result.receiver.map((sample) => ({ ...sample, ms: round(sample.ms), doneMs: round(sample.doneMs) })),
      script: result.script.map((sample) => ({ ...sample, ms: round(sample.ms), doneMs: round(sample.doneMs) })),
      receiverBreakdown: result.receiverBreakdown,
      scriptBreakdown: result.scriptBreakdown,
    })),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`SuperOffice benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
