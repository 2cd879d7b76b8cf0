import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AcceptedSummary } from '../ports/deliveryQueue';
import { applyAccepts } from './sqliteAccept';
import { preparedOnce, synchronousOf } from './sqliteConnection';
import type { AcceptThreadReply, AcceptThreadRequest, AcceptWorkerData, ThreadError } from './sqliteAcceptThread';

// The accept thread's entry (a worker thread started by SqliteStore, see sqliteAcceptThread.ts): its own connection
// to the receiver's database, on which it stores bursts of accepted summaries, each in one FULL-synchronous commit.
// It loads the accept statements and the row readers they use, nothing else of the receiver.

const port = parentPort;
if (port === null) throw new Error('sqliteAcceptWorker.js runs as a worker thread, started by the SQLite store');
const { file, busyTimeoutMs } = workerData as AcceptWorkerData;

let db: Database.Database;
try {
  db = new Database(file, { timeout: busyTimeoutMs, fileMustExist: true });
  // The store's own connection made the file WAL (a persistent setting) and migrated it before starting this thread.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
} catch (error) {
  port.postMessage({ type: 'failed', error: threadError(error) } satisfies AcceptThreadReply);
  process.exit(1);
}
const sql = preparedOnce(db);
// What accepts' durability rests on, as SQLite reports it on this connection, and the heap this thread was given.
port.postMessage({
  type: 'ready',
  settings: {
    synchronous: synchronousOf(db),
    heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / (1024 * 1024)),
  },
} satisfies AcceptThreadReply);

// A burst that could not be read here: its accepts get no outcome, so the store refuses them (503, DCI retries).
port.on('messageerror', () => port.postMessage({ type: 'accepted', outcomes: [] } satisfies AcceptThreadReply));

port.on('message', (request: AcceptThreadRequest) => {
  switch (request.type) {
    case 'accept': {
      let outcomes: Extract<AcceptThreadReply, { type: 'accepted' }>['outcomes'];
      try {
        outcomes = applyAccepts(db, sql, request.summaries.map(asBuffers)).map((outcome) =>
          outcome.ok ? outcome : { ok: false as const, error: threadError(outcome.error) },
        );
      } catch (error) {
        const refused = threadError(error);
        outcomes = request.summaries.map(() => ({ ok: false as const, error: refused }));
      }
      port.postMessage({ type: 'accepted', outcomes } satisfies AcceptThreadReply);
      return;
    }
    case 'close':
      db.close();
      port.close();
      return;
  }
});

/** A Buffer arrives as a plain Uint8Array: the same bytes, viewed as a Buffer again (SQLite stores it as a BLOB). */
function asBuffers(summary: AcceptedSummary): AcceptedSummary {
  const body: unknown = summary.rawBody;
  if (!(body instanceof Uint8Array) || Buffer.isBuffer(body)) return summary;
  return { ...summary, rawBody: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
}

function threadError(error: unknown): ThreadError {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
  };
}
