// The composition root: reads the configuration, tells the receiver how to build the Lime connector, and starts
// it. The only module that picks the CRM adapter.
import { LimeConnector } from '../lime-addon';
import { ConfigError, loadConfig, type ReceiverConfig } from './config/loadConfig';
import { createLogger } from './observability/logger';
import { startReceiver, type RunningReceiver } from './startReceiver';

function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

/** A start that fails for another reason (a database it cannot write): one line that says so, then exit 1. */
function exitOnStartError(error: unknown): never {
  if (error instanceof ConfigError) exitOnConfigError(error);
  process.stderr.write(`The receiver could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: ReceiverConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    exitOnConfigError(error);
  }
  const logger = createLogger(config.logLevel);
  let receiver: RunningReceiver;
  try {
    // Settings saved on the admin pages are read here: a SECRET_KEY that does not open the saved API key stops us.
    receiver = await startReceiver(config, { logger, makeConnector: (options) => new LimeConnector(options) });
  } catch (error) {
    exitOnStartError(error);
  }

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    receiver
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main();
