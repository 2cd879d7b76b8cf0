// Footprint: the compiled receiver as a child process on SQLite (no Lime connection): start-up time from spawn to
// the first 200 from /readyz (5 cold starts, each on a new database), resident memory at idle, and its peak under
// the ingest load. Issue #7 targets: idle < 120 MB, under load < 250 MB, ready < 1.5 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine, markdownTable, percentile, round, verdict, writeReport } from './benchReport';
import { BENCH_SECRET, INGEST_LOAD, runIngestLoad } from './ingestLoad';
import { sampleEvery, startReceiverChild, type ReceiverChild } from './receiverChild';

const STARTS = 5;
const IDLE_SETTLE_MS = 3_000;
const TARGET_IDLE_MB = 120;
const TARGET_LOAD_MB = 250;
const TARGET_READY_MS = 1_500;
const MIB_PER_MB = 1_000_000 / 1024 ** 2;

async function withReceiver<T>(work: (receiver: ReceiverChild) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-bench-footprint-'));
  const receiver = await startReceiverChild({ DCI_WEBHOOK_SECRETS: BENCH_SECRET, DATA_DIR: dataDir });
  try {
    return await work(receiver);
  } finally {
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const readyMs: number[] = [];
  for (let i = 0; i < STARTS; i += 1) {
    readyMs.push(await withReceiver(async (receiver) => receiver.spawnToReadyMs));
  }
  const { idleMiB, loadPeakMiB, loadMeanMiB } = await withReceiver(async (receiver) => {
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    const idle = receiver.rssMiB();
    const stopSampling = sampleEvery(250, receiver.rssMiB);
    await runIngestLoad({ url: receiver.url, secret: BENCH_SECRET, run: Date.now() % 10_000, ...INGEST_LOAD });
    const samples = stopSampling();
    return {
      idleMiB: idle,
      loadPeakMiB: Math.max(...samples),
      loadMeanMiB: samples.reduce((sum, value) => sum + value, 0) / samples.length,
    };
  });

  const readyP50 = percentile(readyMs, 0.5);
  const readyMax = Math.max(...readyMs);
  // The targets are in MB; RSS is shown in MiB as /proc reports it (1 MiB = 1.049 MB).
  const idleMet = idleMiB / MIB_PER_MB < TARGET_IDLE_MB;
  const loadMet = loadPeakMiB / MIB_PER_MB < TARGET_LOAD_MB;
  const markdown = [
    '### 4. Footprint (receiver child process, SQLite)',
    '',
    markdownTable(
      ['measure', 'value', 'target', ''],
      [
        [
          `spawn → /readyz 200, p50 of ${STARTS} cold starts`,
          `${round(readyP50, 0)} ms`,
          `< ${TARGET_READY_MS} ms`,
          verdict(readyP50 < TARGET_READY_MS),
        ],
        [
          `spawn → /readyz 200, slowest of ${STARTS}`,
          `${round(readyMax, 0)} ms`,
          `< ${TARGET_READY_MS} ms`,
          verdict(readyMax < TARGET_READY_MS),
        ],
        [
          `RSS idle (${IDLE_SETTLE_MS / 1000} s after ready)`,
          `${round(idleMiB)} MiB (${round(idleMiB / MIB_PER_MB)} MB)`,
          `< ${TARGET_IDLE_MB} MB`,
          verdict(idleMet),
        ],
        [
          `RSS under the ingest load, peak (mean ${round(loadMeanMiB)} MiB)`,
          `${round(loadPeakMiB)} MiB (${round(loadPeakMiB / MIB_PER_MB)} MB)`,
          `< ${TARGET_LOAD_MB} MB`,
          verdict(loadMet),
        ],
      ],
    ),
    '',
    `Machine: ${machineLine()}.`,
  ].join('\n');
  writeReport('footprint', markdown, {
    readyMs: readyMs.map((value) => round(value)),
    idleRssMiB: round(idleMiB),
    loadPeakRssMiB: round(loadPeakMiB),
    loadMeanRssMiB: round(loadMeanMiB),
    load: INGEST_LOAD,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`footprint benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
