// Contact index sync: a Lime emulator seeded with 50,000 persons at 2,000 companies, their phones written the many
// ways people write them, then one full sync (syncContactIndex through a real LimeConnector, Query API pages of 500)
// into a fresh store, and 1,000 lookups (findContactCandidates by a random e-mail or E.164 number) in the index.
// Three processes, so the memory figures are the sync's alone: this one orchestrates; the emulator runs in a child
// (`lime`) seeded with emulator.insert; each store's sync runs in a child of its own (`sync sqlite|postgres`),
// sampling process.memoryUsage().rss every 50 ms. SQLite in a temporary directory; PostgreSQL (TEST_DATABASE_URL,
// default this machine's postgres://postgres@127.0.0.1:5432/test) in a schema of its own, dropped after, skipped
// when no server answers.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DEFAULT_HISTORY_TYPE } from '../src/receiver/config/loadConfig';
import { normalizeEmail, toE164 } from '../src/core';
import { LimeConnector } from '../src/lime-addon';
import type { StoreLocation } from '../src/receiver/store/storeLocation';
import { syncContactIndex } from '../src/receiver/contactIndex/syncContactIndex';
import type { ContactIndexEntry, CrmConnector } from '../src/crm/crmConnector';
import { openStore } from '../src/receiver/store/openStore';
import { startLimeEmulator } from '../src/sandbox/lime';
import { machineLine, markdownTable, percentile, round, writeReport } from './benchReport';

const PERSONS = 50_000;
const COMPANIES = 2_000;
const LOOKUPS = 1_000;
const SAMPLE_MS = 50;
const REGION = 'SE';
const TARGET = 'lime';
const API_KEY = 'bench-api-key';
const POSTGRES_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const MiB = 1024 * 1024;

type StoreName = 'SQLite' | 'PostgreSQL';

// ---- the persons (the same in every process: the sync child derives its lookup keys from them) ----

interface SeedPerson {
  firstname: string;
  lastname: string;
  email: string;
  mobilephone: string;
  phone: string;
  company: number; // index into the companies
}

/** Seven digits after "070"/"072"/"073"/"076", unique per person. */
function mobileDigits(i: number): { prefix: string; rest: string } {
  const prefix = ['70', '72', '73', '76'][i % 4] ?? '70';
  return { prefix, rest: String(1_000_000 + Math.floor(i / 4) * 7 + (i % 7)).slice(-7) };
}

/** A person's contact fields in one of ten written forms (empty ones included). */
function seedPerson(i: number): SeedPerson {
  const { prefix, rest } = mobileDigits(i);
  const [a, b, c] = [rest.slice(0, 3), rest.slice(3, 5), rest.slice(5, 7)];
  const land = String(10_000_000 + ((i * 7919) % 89_999_999)).slice(-8);
  const company = i % COMPANIES;
  const email = `person.${i}@company${company}.se`;
  const base = { firstname: 'Person', lastname: String(i), email, mobilephone: '', phone: '', company };
  switch (i % 10) {
    case 0:
      return { ...base, mobilephone: `0${prefix}-${a} ${b} ${c}` };
    case 1:
      return { ...base, mobilephone: `+46 (0)${prefix} ${a} ${b} ${c}` };
    case 2:
      return { ...base, mobilephone: `mobil 0${prefix}${rest}` };
    case 3:
      return { ...base, mobilephone: `0046 ${prefix} ${a} ${b} ${c}` };
    case 4:
      return { ...base, mobilephone: `0${prefix}/${rest}` };
    case 5:
      return { ...base, phone: `(08) ${land.slice(0, 3)} ${land.slice(3, 6)} ${land.slice(6)}` };
    case 6:
      return { ...base, mobilephone: `0${prefix} ${a} ${b} ${c}`, phone: `08-${land.slice(0, 3)} ${land.slice(3)}` };
    case 7:
      return base; // e-mail only
    case 8:
      return { ...base, mobilephone: `+46${prefix}${rest}`, phone: `(031) ${land.slice(0, 2)} ${land.slice(2, 4)} 56` };
    default:
      return { ...base, email: '', mobilephone: `0${prefix}${rest}` }; // a number, no e-mail
  }
}

// ---- child: the Lime emulator ----

type LimeReply = { kind: 'ready'; baseUrl: string; seedMs: number } | { kind: 'requests'; count: number };

async function limeChild(): Promise<void> {
  const lime = await startLimeEmulator({
    apiKeys: { [API_KEY]: 'all' },
    app: 'Lime CRM',
  });
  const started = performance.now();
  const companyIds: number[] = [];
  for (let c = 0; c < COMPANIES; c += 1) {
    companyIds.push(lime.insert('company', { name: `Företag ${c} AB`, phone: `08-555 ${String(c).padStart(4, '0')}` }));
  }
  for (let i = 0; i < PERSONS; i += 1) {
    const { company, ...values } = seedPerson(i);
    lime.insert('person', { ...values, company: companyIds[company] });
  }
  const seedMs = performance.now() - started;
  process.on('message', (message: string) => {
    if (message === 'clear') lime.clearRequests();
    if (message === 'requests') send({ kind: 'requests', count: lime.requests.length });
    if (message === 'stop') void lime.close().then(() => process.disconnect());
  });
  send({ kind: 'ready', baseUrl: lime.baseUrl, seedMs });
}

function send(message: unknown): void {
  process.send?.(message);
}

// ---- child: one store's sync and lookups ----

interface SyncResult {
  store: StoreName;
  persons: number;
  pages: number;
  withEmail: number;
  withNumber: number;
  syncMs: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssPeakSampledMiB: number;
  /** getrusage's high-water mark after the sync: catches what the 50 ms samples miss while a write blocks. */
  maxRssMiB: number;
  storeBytes: number;
  storeBytesWhat: string;
  lookupMs: number[];
  lookupsFound: number;
}

async function syncChild(kind: 'sqlite' | 'postgres', baseUrl: string): Promise<void> {
  const dataDir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'dci-bench-index-')) : undefined;
  const schema = `bench_index_${randomBytes(5).toString('hex')}`;
  const file = join(dataDir ?? '', 'receiver.db');
  const location: StoreLocation =
    kind === 'sqlite' ? { kind: 'sqlite', file } : { kind: 'postgres', connectionString: POSTGRES_URL, schema };
  const store = await openStore(location);
  let storeOpen = true;
  const connector = new LimeConnector({ baseUrl, apiKey: API_KEY, historyType: DEFAULT_HISTORY_TYPE });
  try {
    let pages = 0;
    let withEmail = 0;
    let withNumber = 0;
    const counted: CrmConnector = Object.assign(Object.create(connector) as LimeConnector, {
      async *exportContacts(options: { defaultRegion: string; signal?: AbortSignal | undefined }) {
        for await (const page of connector.exportContacts(options)) {
          pages += 1;
          for (const entry of page) {
            if (entry.email !== undefined) withEmail += 1;
            if (entry.mobileE164 !== undefined || entry.phoneE164 !== undefined) withNumber += 1;
          }
          yield page as ContactIndexEntry[];
        }
      },
    });

    const rssBefore = process.memoryUsage().rss;
    const samples: number[] = [rssBefore];
    const timer = setInterval(() => samples.push(process.memoryUsage().rss), SAMPLE_MS);
    const started = performance.now();
    const persons = await syncContactIndex(store, counted, {
      target: TARGET,
      defaultRegion: REGION,
      now: () => new Date(),
    });
    const syncMs = performance.now() - started;
    clearInterval(timer);
    const rssAfter = process.memoryUsage().rss;
    samples.push(rssAfter);
    const maxRss = process.resourceUsage().maxRSS * 1024;
    const state = await store.contactIndexState(TARGET);
    if (persons !== PERSONS || state.size !== PERSONS) {
      throw new Error(`synced ${String(persons)} persons, the index holds ${state.size}; expected ${PERSONS}`);
    }

    // 1,000 lookups: half a random person's e-mail, half one of their numbers as E.164.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const lookupMs: number[] = [];
    let lookupsFound = 0;
    while (lookupMs.length < LOOKUPS) {
      const person = seedPerson(Math.floor(random() * PERSONS));
      const byEmail = lookupMs.length % 2 === 0;
      const email = byEmail && person.email !== '' ? normalizeEmail(person.email) : undefined;
      const number = byEmail ? undefined : toE164(person.mobilephone || person.phone || undefined, REGION);
      if (email === undefined && number === undefined) continue;
      const query = { emails: email === undefined ? [] : [email], phones: number === undefined ? [] : [number] };
      const t0 = performance.now();
      const found = await store.findContactCandidates(TARGET, query);
      lookupMs.push(performance.now() - t0);
      if (found.length > 0) lookupsFound += 1;
    }

    let storeBytes = 0;
    let storeBytesWhat = '';
    if (kind === 'sqlite') {
      await store.close();
      storeOpen = false;
      storeBytes = statSync(file).size;
      storeBytesWhat = 'database file after close (WAL checkpointed)';
    } else {
      const client = new Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ bytes: string }>(
          `SELECT pg_total_relation_size('"${schema}".contact_index')::text AS bytes`,
        );
        storeBytes = Number(rows[0]?.bytes ?? 0);
        storeBytesWhat = 'contact_index with its indexes (pg_total_relation_size)';
      } finally {
        await client.end();
      }
    }
    const mib = (bytes: number) => round(bytes / MiB);
    const result: SyncResult = {
      store: kind === 'sqlite' ? 'SQLite' : 'PostgreSQL',
      persons,
      pages,
      withEmail,
      withNumber,
      syncMs,
      rssBeforeMiB: mib(rssBefore),
      rssAfterMiB: mib(rssAfter),
      rssPeakSampledMiB: mib(Math.max(...samples)),
      maxRssMiB: mib(maxRss),
      storeBytes,
      storeBytesWhat,
      lookupMs,
      lookupsFound,
    };
    send(result);
  } finally {
    await connector.close();
    if (storeOpen) await store.close();
    if (kind === 'postgres') {
      const client = new Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    }
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    process.disconnect();
  }
}

// ---- the orchestrator ----

function child(args: string[]): ChildProcess {
  return fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function nextMessage<T>(process: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${what}: the child exited (${String(code)})`));
    process.once('exit', onExit);
    process.once('message', (message) => {
      process.off('exit', onExit);
      resolve(message as T);
    });
  });
}

async function postgresUnreachable(): Promise<string | undefined> {
  const client = new Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const lime = child(['lime']);
  const runs: Array<SyncResult & { limeCalls: number }> = [];
  let seedMs = 0;
  let postgresSkipped: string | undefined;
  try {
    const ready = await nextMessage<LimeReply>(lime, 'seeding the emulator');
    if (ready.kind !== 'ready') throw new Error('the emulator did not start');
    seedMs = ready.seedMs;
    process.stdout.write(`seeded ${PERSONS} persons at ${COMPANIES} companies in ${round(seedMs / 1000, 1)} s\n`);
    postgresSkipped = await postgresUnreachable();
    for (const kind of postgresSkipped === undefined ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)) {
      lime.send('clear');
      const worker = child(['sync', kind, ready.baseUrl]);
      const result = await nextMessage<SyncResult>(worker, `the ${kind} sync`);
      if (worker.exitCode === null) await once(worker, 'exit');
      lime.send('requests');
      const calls = await nextMessage<LimeReply>(lime, 'the request count');
      runs.push({ ...result, limeCalls: calls.kind === 'requests' ? calls.count : Number.NaN });
      process.stdout.write(`${result.store}: ${result.persons} persons in ${round(result.syncMs / 1000, 2)} s\n`);
    }
  } finally {
    if (lime.connected) lime.send('stop');
    if (lime.exitCode === null) await once(lime, 'exit');
  }
  report(runs, seedMs, postgresSkipped);
}

function report(
  runs: ReadonlyArray<SyncResult & { limeCalls: number }>,
  seedMs: number,
  postgresSkipped: string | undefined,
): void {
  const p = (samples: number[], q: number) => round(percentile(samples, q), 2);
  const rows = runs.map((run) => [
    run.store,
    run.persons,
    round(run.syncMs / 1000, 2),
    `${run.limeCalls} (${run.pages} pages)`,
    round(run.persons / (run.syncMs / 1000), 0),
    run.rssBeforeMiB,
    run.rssAfterMiB,
    `${run.rssPeakSampledMiB} / ${run.maxRssMiB}`,
    round(run.storeBytes / MiB, 1),
    p(run.lookupMs, 0.5),
    p(run.lookupMs, 0.99),
  ]);
  const first = runs[0];
  const markdown = [
    `### 6. Contact index sync (${PERSONS.toLocaleString('en')} Lime persons)`,
    '',
    `A Lime emulator (own process, no added latency) seeded with ${PERSONS.toLocaleString('en')} persons at ` +
      `${COMPANIES.toLocaleString('en')} companies in ${round(seedMs / 1000, 1)} s (emulator.insert); phones written ten ways ` +
      '("070-123 45 67", "+46 (0)70 123 45 67", "mobil 0701234567", "0046 70 123 45 67", "070/1234567", ' +
      '"(08) 123 456 78", …), some persons with e-mail only, some with a number only. One full sync ' +
      '(syncContactIndex, a real LimeConnector, Query API pages of 500) into a fresh store, in a process of its own; ' +
      `then ${LOOKUPS.toLocaleString('en')} findContactCandidates lookups, half by a random e-mail, half by an E.164 number. ` +
      `RSS sampled every ${SAMPLE_MS} ms during the sync; "high-water" is getrusage's maximum (a synchronous SQLite ` +
      'write blocks the sampling timer).',
    '',
    markdownTable(
      [
        'store',
        'persons synced',
        'sync s',
        'Lime calls',
        'rows/s',
        'RSS before MiB',
        'RSS after MiB',
        'peak RSS MiB (sampled / high-water)',
        'store MiB',
        'lookup p50 ms',
        'lookup p99 ms',
      ],
      rows,
    ),
    '',
    ...(first === undefined
      ? []
      : [
          `Index: ${first.withEmail.toLocaleString('en')} persons with an e-mail, ${first.withNumber.toLocaleString('en')} ` +
            `with a number read into E.164; lookups that found their person: ${runs
              .map((run) => `${run.store} ${run.lookupsFound}/${run.lookupMs.length}`)
              .join(', ')}. Store size: ${runs.map((run) => `${run.store} — ${run.storeBytesWhat}`).join('; ')}.`,
          '',
        ]),
    ...(postgresSkipped === undefined ? [] : ['PostgreSQL: skipped (no server).', '']),
    `Machine: ${machineLine()}.`,
  ].join('\n');
  writeReport('index', markdown, {
    persons: PERSONS,
    companies: COMPANIES,
    seedMs: round(seedMs),
    postgres: postgresSkipped === undefined ? 'ran' : `skipped: ${postgresSkipped}`,
    runs: runs.map(({ lookupMs, syncMs, ...run }) => ({
      ...run,
      syncMs: round(syncMs),
      rowsPerSecond: round(run.persons / (syncMs / 1000), 0),
      lookupP50Ms: round(percentile(lookupMs, 0.5), 3),
      lookupP99Ms: round(percentile(lookupMs, 0.99), 3),
      lookupMs: lookupMs.map((value) => round(value, 3)),
    })),
  });
}

const [role, storeArg, baseUrlArg] = process.argv.slice(2);
const running =
  role === 'lime'
    ? limeChild()
    : role === 'sync'
      ? syncChild(storeArg === 'postgres' ? 'postgres' : 'sqlite', baseUrlArg ?? '')
      : main();
running.catch((error: unknown) => {
  process.stderr.write(`contact index benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
