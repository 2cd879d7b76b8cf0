// The composition root: reads the configuration, tells the receiver how to build the CRM connector (Lime's or
// SuperOffice's, as CRM says: makeCrmConnector.ts, shared with the operator CLI) and DCI's REST client, and starts it.
import { DciClient } from '../dci-api';
import { ConfigError, loadConfig, type ReceiverConfig } from './config/loadConfig';
import { makeCrmConnector } from './makeCrmConnector';
import { createLogger, readableLogsHint, type Logger } from './observability/logger';
import { startReceiver, type RunningReceiver } from './startReceiver';

/**
 * A start that cannot go on ends here: exit 1 with a message that says what is wrong (a ConfigError says what to
 * set), never a stack trace on the console. Other failures (the store cannot be opened …) say so in one line; the
 * log has the details.
 */
function exitOnStartError(error: unknown, logger?: Logger): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    logger?.fatal({ err: error }, 'the receiver could not start');
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`The receiver could not start: ${reason}\n`);
  }
  process.exit(1);
}

async function main(): Promise<void> {
  let config: ReceiverConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    exitOnStartError(error);
  }
  const logger = createLogger(config.logLevel);
  // On stderr: stdout stays JSON lines only, whatever reads it.
  const hint = readableLogsHint({ nodeEnv: config.nodeEnv, stdoutIsTerminal: process.stdout.isTTY === true });
  if (hint !== undefined) process.stderr.write(`${hint}\n`);
  let receiver: RunningReceiver;
  try {
    // Settings saved on the admin pages are read here: a SECRET_KEY that does not open the saved API key stops us.
    receiver = await startReceiver(config, {
      logger,
      makeCrmConnector,
      makeDciApi: (options) => new DciClient(options),
    });
  } catch (error) {
    exitOnStartError(error, logger);
  }

  // Once: a second signal while closing is ignored (npm start passes SIGTERM/SIGINT on, so a terminal's Ctrl-C or a
  // signal to the process group arrives twice); with `process.once` the second would have ended the process mid-close.
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    receiver
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
