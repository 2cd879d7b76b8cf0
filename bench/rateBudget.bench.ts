// Lime's request budget (issue #16): a backlog of meetings drained against the Lime emulator's own rate limit (a
// sliding window per client IP, 429 + Retry-After), with the window compressed to seconds. The receiver in-process
// (startReceiver, the real LimeConnector), one person per meeting matched by e-mail, no added latency: what is
// measured is how close the drain comes to what the limit allows, and whether the server ever refuses.
// - budget-bound optimum: the server lets `limit` requests through per window, so R requests (every request the
//   receiver sent, its start-up connection check included) need at least (ceil(R / limit) − 1) windows after the
//   first; ratio = optimum / measured drain time (target ≥ 0.9), and zero 429.
// - budget on, SQLite (one receiver); budget on, PostgreSQL (two replicas on one schema, the backlog split between
//   them) when a server answers; budget off (LIME_RATE_LIMIT=off, the receiver before issue #16), stopped after as
//   long as the SQLite run took: what it had delivered by then and how many 429s it got.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { Client } from 'pg';
import { LimeConnector } from '../src/lime-addon';
import { loadConfig } from '../src/receiver/config/loadConfig';
import { signDci } from '../src/receiver/ingest/signWebhook';
import { createLogger } from '../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../src/receiver/startReceiver';
import { startLimeEmulator, type LimeEmulator } from '../src/sandbox/lime';
import { machineLine, markdownTable, round, verdict, writeReport } from './benchReport';

const LIMIT = 200;
const WINDOW_S = 10;
const WINDOW_MS = WINDOW_S * 1000;
/** `BENCH_BUDGET_QUICK=1` while developing: a smaller backlog. */
const MEETINGS = process.env['BENCH_BUDGET_QUICK'] === '1' ? 80 : 200;
const WAIT_LIMIT_MS = 180_000;
const SECRET = 'bench-rate-budget-secret';
const API_KEY = 'bench-api-key';
const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `bench_rate_budget_${process.pid}`;

interface Run {
  scenario: string;
  meetings: number;
  delivered: number;
  requests: number;
  refused: number;
  seconds: number;
  optimumSeconds: number | undefined;
}

function meetingPayloads(lime: LimeEmulator): string[] {
  const company = lime.insert('company', { name: 'Acme AB' });
  return Array.from({ length: MEETINGS }, (_, i) => {
    const email = `contact${i}@acme.se`;
    lime.insert('person', { firstname: 'Contact', lastname: `N${i}`, email, company });
    return JSON.stringify({
      event: 'conversation.completed',
      timestamp: '2026-11-20T10:05:00.000Z',
      data: {
        conversation: {
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          title: 'Offer review',
          date: '2026-11-20T09:00:00.000Z',
          duration: 1800,
          medium: 'video',
          summary: 'A summary.',
          user: { id: 'u-1', name: 'Sara Säljare', email: 'sara@seller.se' },
          participants: [{ name: `Contact N${i}`, email, company: 'Acme AB', role: 'customer' }],
        },
      },
      _meta: { token_prefix: 'mt_bench', delivery_id: `bench-delivery-${i}` },
    });
  });
}

async function startReplica(lime: LimeEmulator | undefined, env: Record<string, string>): Promise<RunningReceiver> {
  return startReceiver(
    loadConfig({
      PORT: '0',
      DCI_WEBHOOK_SECRETS: SECRET,
      ...(lime === undefined ? {} : { LIME_URL: lime.baseUrl, LIME_API_KEY: API_KEY }),
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
      CONTACT_INDEX_SYNC_HOURS: '0',
      WORKER_CONCURRENCY: '16',
      LOG_LEVEL: 'warn',
      LIME_RATE_LIMIT: `${LIMIT}/${WINDOW_S}`,
      ...env,
    }),
    { logger: createLogger('warn'), makeConnector: (options) => new LimeConnector(options), host: '127.0.0.1' },
  );
}

async function drain(scenario: string, env: Record<string, string>, replicas: number, stopAfterMs?: number) {
  // The emulator reads its clock for every request it answers (its rate limit): once armed, the first read is when
  // the first request arrived.
  let armed = false;
  let firstRequestAt: number | undefined;
  const lime = await startLimeEmulator({
    apiKeys: { [API_KEY]: 'all' },
    rateLimit: { requests: LIMIT, windowMs: WINDOW_MS },
    now: () => {
      if (armed) firstRequestAt ??= performance.now();
      return new Date();
    },
  });
  const payloads = meetingPayloads(lime);
  const receivers: RunningReceiver[] = [];
  try {
    // The backlog first, stored by a receiver without a Lime connection (as after an outage): the drain starts with
    // every meeting waiting.
    const enqueuer = await startReplica(undefined, env);
    try {
      for (const body of payloads) {
        const response = await fetch(`${enqueuer.url}/api/v1/dci/webhook`, {
          method: 'POST',
          headers: signDci(body, SECRET),
          body,
        });
        if (response.status >= 300) throw new Error(`the receiver answered ${response.status} to a meeting`);
      }
    } finally {
      await enqueuer.close();
    }
    armed = true;
    const startedAt = performance.now();
    for (let i = 0; i < replicas; i += 1) receivers.push(await startReplica(lime, env));
    const store = (receivers[0] as RunningReceiver).store;
    const limitMs = stopAfterMs ?? WAIT_LIMIT_MS;
    let delivered = 0;
    for (;;) {
      delivered = (await store.counts()).byStatus.delivered;
      if (delivered === payloads.length || performance.now() - startedAt >= limitMs) break;
      await pause(20);
    }
    // From the first request Lime received (the receivers' start-up connection check) to the last delivery.
    const seconds = (performance.now() - (firstRequestAt ?? startedAt)) / 1000;
    if (stopAfterMs === undefined && delivered < payloads.length) {
      throw new Error(`${scenario}: ${delivered} of ${payloads.length} delivered within ${limitMs} ms`);
    }
    const requests = lime.requests.length;
    const refused = lime.requests.filter((entry) => entry.status === 429).length;
    const optimumSeconds =
      stopAfterMs === undefined ? ((Math.ceil(requests / LIMIT) - 1) * WINDOW_MS) / 1000 : undefined;
    const run: Run = { scenario, meetings: payloads.length, delivered, requests, refused, seconds, optimumSeconds };
    process.stdout.write(`${JSON.stringify(run)}\n`);
    return run;
  } finally {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await lime.close();
  }
}

async function postgresAnswers(): Promise<boolean> {
  const client = new Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSchema(): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-bench-budget-'));
  try {
    const sqlite = await drain('budget on, SQLite, 1 receiver', { DATA_DIR: join(dataDir, 'on') }, 1);
    runs.push(sqlite);
    if (await postgresAnswers()) {
      try {
        runs.push(await drain('budget on, PostgreSQL, 2 replicas', { DATABASE_URL, DATABASE_SCHEMA: SCHEMA }, 2));
      } finally {
        await dropSchema();
      }
    } else {
      process.stdout.write(`PostgreSQL does not answer at ${DATABASE_URL}: the two-replica run is skipped\n`);
    }
    runs.push(
      await drain(
        'budget off (before issue #16), SQLite',
        { DATA_DIR: join(dataDir, 'off'), LIME_RATE_LIMIT: 'off' },
        1,
        sqlite.seconds * 1000,
      ),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const rows = runs.map((run) => {
    const ratio = run.optimumSeconds === undefined ? undefined : run.optimumSeconds / run.seconds;
    return [
      run.scenario,
      `${run.delivered} / ${run.meetings}`,
      run.requests,
      run.refused,
      round(run.seconds, 2),
      run.optimumSeconds === undefined ? '—' : run.optimumSeconds,
      ratio === undefined ? '—' : round(ratio, 3),
      ratio === undefined ? 'stopped at the SQLite run’s time' : verdict(ratio >= 0.9 && run.refused === 0),
    ];
  });
  const markdown = [
    '### 8. Rate budget (backlog drain under the server’s limit)',
    '',
    `The Lime emulator enforces ${LIMIT} requests per ${WINDOW_S} s per client (sliding window, 429 + Retry-After); ` +
      `the receiver's LIME_RATE_LIMIT is the same; ${MEETINGS} meetings (one person each, matched by e-mail) stored ` +
      'before the receivers start (a backlog after an outage), WORKER_CONCURRENCY=16; drain time from the first ' +
      'request Lime received to the last delivery. Optimum: (ceil(requests / limit) − 1) windows.',
    '',
    markdownTable(
      ['scenario', 'delivered', 'Lime requests', '429s', 'drain s', 'optimum s', 'ratio', 'target ≥ 0.9, zero 429'],
      rows,
    ),
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n');
  writeReport('budget', markdown, { limit: LIMIT, windowS: WINDOW_S, meetings: MEETINGS, runs });
}

main().catch((error: unknown) => {
  process.stderr.write(`Rate budget benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
