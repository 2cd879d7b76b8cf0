import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const REPO_ROOT = join(__dirname, '..', '..');
const WORKER_SOURCE = join(REPO_ROOT, 'src', 'receiver', 'store', 'sqliteAcceptWorker.ts');

/**
 * The SQLite accept thread's entry (`sqliteAcceptWorker.ts`) as one JavaScript file, for tests that run the store
 * from its TypeScript sources with its accept thread, as the compiled receiver runs it. Built into node_modules/.cache
 * (where better-sqlite3 resolves), once per call.
 *
 * `stopOnTitle`: the thread ends, as a crash would, when it is sent a burst holding a summary with this title, before
 * it stores anything of that burst.
 */
export function buildAcceptWorker(options: { stopOnTitle?: string } = {}): string {
  const outDir = join(REPO_ROOT, 'node_modules', '.cache', 'dci-tests');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `sqliteAcceptWorker-${process.pid}-${Math.random().toString(36).slice(2)}.js`);
  const stop =
    options.stopOnTitle === undefined
      ? ''
      : `require('node:worker_threads').parentPort.on('message', (request) => {
           if (request.type === 'accept' && request.summaries.some((s) => s.title === ${JSON.stringify(options.stopOnTitle)})) {
             process.exit(70);
           }
         });\n`;
  buildSync({
    stdin: { contents: `${stop}require(${JSON.stringify(WORKER_SOURCE)});`, resolveDir: REPO_ROOT, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}
