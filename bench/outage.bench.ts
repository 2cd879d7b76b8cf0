// Recovery after a Lime outage (issue #16): the Lime emulator in-process, the delivery worker as startReceiver builds
// it (SQLite in a temporary directory, a real LimeConnector, concurrency 4) with 20 meetings queued. Lime answers
// every request with 503 + Retry-After: 1 for OUTAGE_MS (or its next six requests, the case); then it answers
// again, and what is measured is the time from that moment to the first note written (the emulator's history count,
// looked at every 5 ms).
// - after: the outage circuit (CrmAvailability): claims stop, one probe at a time honouring Retry-After;
// - before: the same worker without the circuit (main at c4cee12): each delivery backs off on its own
//   (15 s · 2^(n−1), ±20 %), so the first note waits for the next scheduled retry.
// Target: recovery ≤ Retry-After + 2 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as pause } from 'node:timers/promises';
import { LimeConnector } from '../src/lime-addon';
import { DEFAULT_HISTORY_TYPE } from '../src/receiver/config/loadConfig';
import { CrmAvailability } from '../src/receiver/deliver/crmAvailability';
import { DeliveryWorker } from '../src/receiver/deliver/deliveryWorker';
import { createLogger } from '../src/receiver/observability/logger';
import { openSqliteStore } from '../src/receiver/store/sqlite/sqliteStore';
import { startLimeEmulator } from '../src/sandbox/lime';
import { machineLine, markdownTable, percentile, round, verdict, writeReport } from './benchReport';

const RETRY_AFTER_S = 1;
const TARGET_MS = RETRY_AFTER_S * 1000 + 2000;
const OUTAGE_MS = 5_000;
const MEETINGS = 20;
const ROUNDS = Number(process.env['BENCH_OUTAGE_ROUNDS'] ?? 3);
const API_KEY = 'bench-api-key';
/** Every wait is bounded. */
const WAIT_LIMIT_MS = 120_000;

const silent = createLogger('silent', new Writable({ write: (_chunk, _encoding, callback) => callback() }));

/** `timed`: every request fails for OUTAGE_MS; `six`: the next six requests fail (the case), then Lime answers. */
type Scenario = 'timed' | 'six';

async function recoveryOnce(withCircuit: boolean, scenario: Scenario): Promise<{ recoveryMs: number; allMs: number }> {
  const lime = await startLimeEmulator({ apiKeys: { [API_KEY]: 'all' } });
  const dir = mkdtempSync(join(tmpdir(), 'dci-outage-bench-'));
  const store = await openSqliteStore({ file: join(dir, 'receiver.sqlite') });
  const connector = new LimeConnector({ baseUrl: lime.baseUrl, apiKey: API_KEY, historyType: DEFAULT_HISTORY_TYPE });
  const availability = withCircuit ? new CrmAvailability({ getConnector: () => connector, logger: silent }) : undefined;
  const worker = new DeliveryWorker({
    store,
    getConnector: () => connector,
    deliverOptions: {
      internalDomains: ['seller.se'],
      defaultRegion: 'SE',
      timeZone: 'Europe/Stockholm',
      createMissingContacts: false,
      noteDate: 'now',
    },
    logger: silent,
    concurrency: 4,
    maxAttempts: 25,
    maxAgeMs: 72 * 3600 * 1000,
    availability,
  });
  try {
    const acme = lime.insert('company', { name: 'Acme AB' });
    lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', company: acme });
    let down = true;
    let failed = 0;
    let answeredAt = 0;
    const fault = { kind: 'status', status: 503, retryAfterSec: RETRY_AFTER_S } as const;
    if (scenario === 'timed') lime.failWhen(() => down, fault, 1_000_000);
    else {
      lime.failWhen(
        () => {
          failed += 1;
          // Lime can answer from the request after the sixth 503 on.
          if (failed === 6) answeredAt = performance.now();
          return failed <= 6;
        },
        fault,
        1_000_000,
      );
    }
    for (let index = 0; index < MEETINGS; index += 1) {
      const id = `bench-outage-${index}`;
      const payload = {
        event: 'conversation.completed',
        timestamp: '2026-11-20T10:05:00.000Z',
        data: {
          conversation: {
            id,
            title: 'Offer review',
            date: '2026-11-20T09:00:00.000Z',
            duration: 1800,
            medium: 'video',
            summary: 'Acme wants a three-year term.',
            user: { id: 'u-1', name: 'Sara Säljare', email: 'sara@seller.se' },
            participants: [{ name: 'Anna Andersson', email: 'anna@acme.se', company: 'Acme AB', role: 'customer' }],
          },
        },
      };
      await store.acceptSummary({
        deliveryKey: id,
        scheme: 'dci',
        receivedAt: new Date(),
        rawBody: Buffer.from(JSON.stringify(payload)),
        conversationId: id,
        title: 'Offer review',
        target: 'lime',
      });
    }
    worker.start();
    if (scenario === 'timed') {
      await pause(OUTAGE_MS);
      down = false;
      answeredAt = performance.now();
    }
    const startedAt = performance.now();
    let firstAt: number | undefined;
    for (;;) {
      const notes = lime.all('history').length;
      if (notes > 0 && firstAt === undefined) firstAt = performance.now();
      if (notes >= MEETINGS) break;
      if (performance.now() - startedAt > WAIT_LIMIT_MS) throw new Error('the backlog did not drain in time');
      await pause(5);
    }
    const doneAt = performance.now();
    return { recoveryMs: (firstAt ?? doneAt) - answeredAt, allMs: doneAt - answeredAt };
  } finally {
    await worker.stop();
    availability?.stop();
    await store.close();
    await connector.close();
    await lime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  const data: Record<string, unknown> = {};
  for (const [label, withCircuit, scenario] of [
    [`${OUTAGE_MS / 1000} s outage, before (per-delivery backoff, c4cee12)`, false, 'timed'],
    [`${OUTAGE_MS / 1000} s outage, after (outage circuit)`, true, 'timed'],
    ['six 503s, after (outage circuit)', true, 'six'],
  ] as const) {
    const runs: Array<{ recoveryMs: number; allMs: number }> = [];
    for (let round = 0; round < ROUNDS; round += 1) runs.push(await recoveryOnce(withCircuit, scenario));
    const recovery = runs.map((run) => run.recoveryMs);
    const all = runs.map((run) => run.allMs);
    const p50 = percentile(recovery, 0.5);
    const worst = Math.max(...recovery);
    rows.push([
      label,
      `${round(p50 / 1000, 2)} s`,
      `${round(worst / 1000, 2)} s`,
      `${round(percentile(all, 0.5) / 1000, 2)} s`,
      verdict(worst <= TARGET_MS),
    ]);
    data[`${scenario}-${withCircuit ? 'after' : 'before'}`] = { recoveryMs: recovery, allDeliveredMs: all };
  }
  const markdown = [
    '### 8. Recovery after a Lime outage',
    '',
    `${MEETINGS} meetings queued, Lime answering 503 + Retry-After: ${RETRY_AFTER_S} for ${OUTAGE_MS / 1000} s, or to its next six requests; ${ROUNDS} rounds each; from Lime answering again to the first note written (target ≤ Retry-After + 2 s = ${TARGET_MS / 1000} s), and to all ${MEETINGS}. Six 503s before the circuit: the seventh attempt waits 15 s · 2^5 = 8 min (±20 %) after the sixth, so about 8 min (not run).`,
    '',
    markdownTable(['Worker', 'Recovery p50', 'Recovery max', `All ${MEETINGS} p50`, 'Target'], rows),
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n');
  writeReport('outage', markdown, { ...data, targetMs: TARGET_MS, outageMs: OUTAGE_MS, meetings: MEETINGS });
}

main().catch((error: unknown) => {
  process.stderr.write(`outage benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
