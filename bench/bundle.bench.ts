// SuperOffice bundle: builds the one-file script (scripts/buildSuperOfficeScript.js), reports its size, and what
// running it costs per request: SuperOffice sends the pasted text with every request to a worker process that is
// ended after the run (SuperOffice/javascript-for-superoffice docs/online-architecture.md), so each run below
// compiles it afresh in a new `node:vm` context (test/support/superOfficeScript.ts runScript) against the
// SuperOffice emulator with its demo data.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createContext, Script } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { seedDemoData, startSuperOfficeEmulator } from '../src/sandbox/superoffice';
import { buildParticipant, buildPayload } from '../test/support/payloads';
import { webApiFor, runScript } from '../test/support/superOfficeScript';
import { machineLine, markdownTable, percentile, REPO_ROOT, round, writeReport } from './benchReport';

const FILES = ['dci-summary-endpoint.js', 'dci-summary-endpoint.ejscript.txt'];
const RUNS = Number(process.env['BENCH_BUNDLE_RUNS'] ?? 200);
const WARM_UP = 10;
const TOKEN = 'bench-token';

interface Timing {
  scenario: string;
  p50: number;
  p99: number;
  max: number;
}

/** p50/p99/max of `RUNS` timed calls after `WARM_UP` untimed ones. */
async function time(scenario: string, once: (run: number) => Promise<void> | void): Promise<Timing> {
  for (let run = 0; run < WARM_UP; run += 1) await once(-run - 1);
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const start = performance.now();
    await once(run);
    samples.push(performance.now() - start);
  }
  const ms = (q: number) => round(percentile(samples, q), 2);
  return { scenario, p50: ms(0.5), p99: ms(0.99), max: ms(1) };
}

async function evaluationTimes(script: string): Promise<Timing[]> {
  const so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
  try {
    seedDemoData(so);
    const api = webApiFor(so.baseUrl, TOKEN);
    // A unique last line per run: V8 caches compiled code by source text within a process; SuperOffice's runtime
    // is not known to keep it between requests, so every run here pays the full compile.
    const fresh = (run: number) => `${script}\n// run ${run}\n`;
    const expectStatus = (status: number, scenario: string) => {
      if (status !== 200) throw new Error(`${scenario}: the script answered ${status}`);
    };
    return [
      await time('compile only (new vm.Script in a fresh context)', (run) => {
        createContext({});
        new Script(`(async () => {\n${fresh(run)}\n})()`, { filename: 'dci-summary-endpoint.js' });
      }),
      await time("DCI's Test Integration call (the read-only setup check)", async (run) => {
        const answer = await runScript(fresh(run), api, { body: JSON.stringify({ event: 'integration.test' }) });
        expectStatus(answer.status, 'Test Integration');
      }),
      await time('a meeting, one customer matched by e-mail, one appointment written', async (run) => {
        const payload = buildPayload({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
        const answer = await runScript(fresh(run), api, { body: JSON.stringify(payload) });
        expectStatus(answer.status, 'meeting');
      }),
    ];
  } finally {
    await so.close();
  }
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'buildSuperOfficeScript.js')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`building the SuperOffice script failed:\n${build.stdout}${build.stderr}`);
  const files = FILES.map((name) => {
    const path = join(REPO_ROOT, 'dist', 'superoffice', name);
    const bytes = statSync(path).size;
    return { name, bytes, kib: round(bytes / 1024), gzipBytes: gzipSync(readFileSync(path)).length };
  });
  const script = readFileSync(join(REPO_ROOT, 'dist', 'superoffice', 'dci-summary-endpoint.js'), 'utf8');
  const timings = await evaluationTimes(script);
  const markdown = [
    '### 5. SuperOffice script bundle (`npm run build:superoffice`)',
    '',
    markdownTable(
      ['file', 'bytes', 'KiB', 'gzip bytes'],
      files.map((file) => [`dist/superoffice/${file.name}`, file.bytes, file.kib, file.gzipBytes]),
    ),
    '',
    `Per request, as SuperOffice runs the script: its text compiled in a fresh \`node:vm\` context and run against ` +
      `the SuperOffice emulator (in-process, loopback, demo data); ${RUNS} runs after ${WARM_UP} untimed, each ` +
      'with a unique last line so V8 cannot reuse code compiled for an earlier run.',
    '',
    markdownTable(
      ['request', 'p50 ms', 'p99 ms', 'max ms'],
      timings.map((timing) => [timing.scenario, timing.p50, timing.p99, timing.max]),
    ),
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n');
  writeReport('bundle', markdown, { files, runs: RUNS, timings });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
