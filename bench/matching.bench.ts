// Matching: how often the product notes the right person or company, never a wrong one, on a generated Nordic CRM
// of 50,000 persons and 10,000 labelled participants, beside an e-mail-only baseline in the same run
// (matchingDataSet.ts, matchingRun.ts, matchingScore.ts). `--quick` runs the fast test's small set instead and writes
// bench/results/matching-quick.* (not gathered into latest.md).
import { FULL_SIZE, QUICK_SIZE } from './matchingDataSet';
import { matchingReport } from './matchingReport';
import { runMatchingBenchmark } from './matchingRun';
import { writeReport } from './benchReport';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const run = await runMatchingBenchmark(quick ? QUICK_SIZE : FULL_SIZE);
  const { markdown, data } = matchingReport(run, quick);
  writeReport(quick ? 'matching-quick' : 'matching', markdown, data);
}

main().catch((error: unknown) => {
  process.stderr.write(`matching benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
