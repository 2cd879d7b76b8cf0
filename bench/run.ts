// `npm run bench [-- <name>…]`: runs the benchmarks one after another, each in a process of its own (so none
// inherits another's heap or timers), then gathers their tables into bench/results/latest.md.
// Names: core, ingest, e2e (also `cost`: the same run reports both), footprint, bundle, index, dci, outage, budget,
// superoffice (after e2e: it puts e2e's Lime figures beside its own), matching. No name: all of them.
// Options (`--quick`) go to every benchmark run; `npm run bench -- matching --quick` runs matching's small set.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { machineLine, RESULTS_DIR } from './benchReport';

const BENCHMARKS: Record<string, string> = {
  core: 'core.bench.js',
  ingest: 'ingest.bench.js',
  e2e: 'endToEnd.bench.js',
  footprint: 'footprint.bench.js',
  bundle: 'bundle.bench.js',
  index: 'contactIndex.bench.js',
  dci: 'dci.bench.js',
  outage: 'outage.bench.js',
  budget: 'rateBudget.bench.js',
  superoffice: 'superOffice.bench.js',
  matching: 'matching.bench.js',
};
const ALIASES: Record<string, string> = { cost: 'e2e', 'end-to-end': 'e2e' };
const ORDER = [
  'ingest',
  'e2e',
  'footprint',
  'bundle',
  'index',
  'dci',
  'outage',
  'budget',
  'superoffice',
  'matching',
  'core',
];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const options = args.filter((arg) => arg.startsWith('--'));
  const asked = args.filter((arg) => !arg.startsWith('--')).map((name) => ALIASES[name] ?? name);
  const unknown = asked.filter((name) => BENCHMARKS[name] === undefined);
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}, cost\n`,
    );
    return 2;
  }
  const names = asked.length === 0 ? ORDER : [...new Set(asked)];
  const failed: string[] = [];
  for (const name of names) {
    process.stdout.write(`\n== ${name} ==\n`);
    const result = spawnSync(process.execPath, [join(__dirname, BENCHMARKS[name] ?? ''), ...options], {
      stdio: 'inherit',
    });
    if (result.status !== 0) failed.push(name);
  }
  await writeLatest();
  if (failed.length > 0) process.stderr.write(`failed: ${failed.join(', ')}\n`);
  return failed.length === 0 ? 0 : 1;
}

/** How each benchmark's section in latest.md begins (e2e writes two tables; its section starts at the first). */
const SECTION_STARTS: Record<string, string> = {
  ingest: '### 1.',
  e2e: '### 2.',
  footprint: '### 4.',
  bundle: '### 5.',
  index: '### 6.',
  dci: '### 7.',
  outage: '### 8.',
  budget: '### 9.',
  superoffice: '### 10.',
  matching: '### 11.',
  core: '### Core',
};

/**
 * The sections latest.md holds now, by benchmark: a benchmark that has no result here (only some were run, in a
 * fresh checkout whose results/ holds only latest.md) keeps the section it had.
 */
function previousSections(file: string): Map<string, string> {
  const sections = new Map<string, string>();
  if (!existsSync(file)) return sections;
  for (const match of readFileSync(file, 'utf8').matchAll(/### [\s\S]*?\n_Run [^\n]*\._/gu)) {
    const name = Object.keys(SECTION_STARTS).find((key) => match[0].startsWith(SECTION_STARTS[key] ?? '\0'));
    if (name !== undefined) sections.set(name, match[0]);
  }
  return sections;
}

/** latest.md: every benchmark's last table, in the suite's order, with when each ran; formatted as `lint` wants. */
async function writeLatest(): Promise<void> {
  const file = join(RESULTS_DIR, 'latest.md');
  const previous = previousSections(file);
  const sections = ORDER.flatMap((name) => {
    const md = join(RESULTS_DIR, `${name}.md`);
    const json = join(RESULTS_DIR, `${name}.json`);
    if (!existsSync(md) || !existsSync(json)) return previous.has(name) ? [previous.get(name) ?? ''] : [];
    const { finishedAt } = JSON.parse(readFileSync(json, 'utf8')) as { finishedAt: string };
    return [`${readFileSync(md, 'utf8').trim()}\n\n_Run ${finishedAt}._`];
  });
  const header = [
    '<!-- Written by `npm run bench` (bench/run.ts); do not edit by hand. -->',
    '## Benchmark results',
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n');
  const text = `${[header, ...sections].join('\n\n')}\n`;
  writeFileSync(file, await format(text, { ...(await resolveConfig(file)), parser: 'markdown' }));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`benchmarks failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
