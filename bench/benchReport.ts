// What every benchmark shares: the machine it ran on, percentiles, markdown tables, and the files under
// bench/results/ (<name>.json with the raw figures, <name>.md with the table that `run.ts` gathers into latest.md).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** The repository root: benchmarks run compiled, from `.build/bench/`. */
export const REPO_ROOT = join(__dirname, '..', '..');
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function describeMachine(): Machine {
  return {
    cores: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((text) => text.startsWith('model name'));
    if (line) return line.replace(/^model name\s*:\s*/u, '').trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function machineLine(machine: Machine = describeMachine()): string {
  return `${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ${machine.platform}`;
}

/** The q-quantile (0..1) of `samples` by nearest rank; NaN when there are none. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export function round(value: number, decimals = 1): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export function markdownTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.map(String).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `met` / `NOT met` for a target, as the tables print it. */
export function verdict(met: boolean): string {
  return met ? 'met' : '**NOT met**';
}

/**
 * Prints a benchmark's markdown and writes bench/results/<name>.json (figures, machine, time) and
 * bench/results/<name>.md (the markdown, for latest.md).
 */
export function writeReport(name: string, markdown: string, data: unknown): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const report = { name, finishedAt: new Date().toISOString(), machine: describeMachine(), data };
  writeFileSync(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, `${name}.md`), `${markdown.trim()}\n`);
  process.stdout.write(`\n${markdown.trim()}\n\n(results: bench/results/${name}.json)\n`);
}
