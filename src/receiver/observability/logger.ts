import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Fields that may carry personal data or secrets, wherever they appear in a log call's data: censored by pino
 * before a line is written. Log calls pass ids, codes and counts only; this list is the safety net.
 */
export const REDACTED_PATHS = [
  'email',
  'phone',
  'summary',
  'note',
  'text',
  'trace',
  'body',
  'headers',
  'apiKey',
  'secret',
  'secrets',
  'signature',
  'detail',
  '*.email',
  '*.phone',
  '*.summary',
  '*.note',
  '*.text',
  '*.trace',
  '*.body',
  '*.headers',
  '*.apiKey',
  '*.secret',
  '*.secrets',
  '*.signature',
  '*.detail',
  'err.cause',
];

/** The receiver's JSON logger. Messages are constant; data goes in fields (`deliveryId`, `attempt`, `code`). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'dci-crm-companion' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
