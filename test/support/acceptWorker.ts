import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const REPO_ROOT = join(__dirname, '..', '..');
const WORKER_SOURCE = join(REPO_ROOT, 'src', 'receiver', 'store', 'sqlite', 'sqliteAcceptWorker.ts');

/**
 * The SQLite accept thread's entry (`sqliteAcceptWorker.ts`) as one JavaScript file, for tests that run the store
 * from its TypeScript sources with its accept thread, as the compiled receiver runs it. The file finds better-sqlite3
 * in this repository's node_modules wherever it is copied; it is named after its content, so builds of the same
 * sources share one file.
 *
 * `stopOnTitle`: the thread ends, as a crash would, when it is sent a burst holding a summary with this title, before
 * it stores anything of that burst.
 */
export function buildAcceptWorker(options: { stopOnTitle?: string } = {}): string {
  const stop =
    options.stopOnTitle === undefined
      ? ''
      : `require('node:worker_threads').parentPort.on('message', (request) => {
           if (request.type === 'accept' && request.summaries.some((s) => s.title === ${JSON.stringify(options.stopOnTitle)})) {
             process.exit(70);
           }
         });\n`;
  const built = buildSync({
    stdin: { contents: `${stop}require(${JSON.stringify(WORKER_SOURCE)});`, resolveDir: REPO_ROOT, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    banner: { js: `module.paths.push(${JSON.stringify(join(REPO_ROOT, 'node_modules'))});` },
    write: false,
    logLevel: 'silent',
  });
  const code = built.outputFiles[0]?.contents ?? new Uint8Array();
  const dir = join(tmpdir(), 'dci-tests-accept-worker');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`);
  if (!existsSync(file)) {
    // Written aside and renamed: test files running in parallel may build the same entry at once.
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  return file;
}
