'use strict';
// A second receiver process, as a worker thread: opens its own connection to the database and claims until
// nothing is due, then reports what it claimed. Used by sqliteStore.test.ts to claim truly in parallel.
const { readFileSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const ts = require('typescript');

// The store is TypeScript: transpile each module as it is required (types are checked by tsc, not here).
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  });
  module._compile(outputText, filename);
};

const { openSqliteStore } = require('../../src/receiver/store/sqlite/sqliteStore');

async function claimUntilEmpty({ file, workerId, now, limit, leaseMs, start }) {
  const store = await openSqliteStore({ file });
  // Every thread waits here until all have opened, so that their claims overlap.
  parentPort.postMessage({ ready: true });
  const go = new Int32Array(start);
  while (Atomics.load(go, 0) === 0) Atomics.wait(go, 0, 0);

  const claimed = [];
  for (;;) {
    const batch = await store.claimDue({ workerId, now: new Date(now), limit, leaseMs });
    if (batch.length === 0) break;
    claimed.push(...batch.map((delivery) => delivery.deliveryId));
  }
  await store.close();
  return claimed;
}

claimUntilEmpty(workerData).then((claimed) => parentPort.postMessage({ claimed }));
