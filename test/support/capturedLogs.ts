import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/receiver/observability/logger';

/** A receiver logger at `level` whose lines (JSON, one per entry) are appended to `logs`, for tests to read. */
export function loggerInto(logs: string[], level = 'debug'): Logger {
  return createLogger(
    level,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString('utf8'));
        callback();
      },
    }),
  );
}
