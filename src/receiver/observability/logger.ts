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

/**
 * The receiver's JSON logger. Messages are constant; data goes in fields (`deliveryId`, `attempt`, `code`). Levels
 * are written as words (`"level":"warn"`), for people reading the lines and for log tools that filter on them.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      formatters: { level: (label) => ({ level: label }) },
      base: { service: 'dci-crm-companion' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * A line for a person starting the receiver by hand (a terminal, or NODE_ENV=development) on how to read its JSON
 * lines; undefined in production (NODE_ENV=production) and when the output goes to a file or a log collector.
 */
export function readableLogsHint(context: {
  nodeEnv: 'development' | 'production' | undefined;
  stdoutIsTerminal: boolean;
}): string | undefined {
  if (context.nodeEnv === 'production') return undefined;
  if (context.nodeEnv !== 'development' && !context.stdoutIsTerminal) return undefined;
  return (
    'The log is JSON lines, one per event. To read it as text in a development checkout: npm start | npx pino-pretty' +
    ` (or, offline: | jq -r '.time + " " + .level + " " + .msg')`
  );
}

export type { Logger };
