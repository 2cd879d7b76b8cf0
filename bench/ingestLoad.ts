// Runs the load generator (loadIngest.ts) as a separate process against a receiver and returns its figures.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { LoadOptions, LoadResult } from './loadIngest';

/** The fixed load: 32 connections, 2 s warm-up, 10 s measured. */
export const INGEST_LOAD = { connections: 32, warmupSeconds: 2, durationSeconds: 10 } as const;
export const BENCH_SECRET = 'bench-webhook-secret';

export async function runIngestLoad(options: LoadOptions): Promise<LoadResult> {
  const child = spawn(process.execPath, [join(__dirname, 'loadIngest.js'), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A hard stop well past the planned run: a stuck generator must not hang the suite.
  const limitMs = (options.warmupSeconds + options.durationSeconds + 30) * 1000;
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  const line = stdout.trim().split('\n').pop();
  if (code !== 0 || line === undefined || line === '') {
    throw new Error(`the load generator failed (exit ${String(code)}):\n${stderr}`);
  }
  return JSON.parse(line) as LoadResult;
}
