// The composition root: reads the configuration, builds the Lime connector and starts the receiver. The only
// module that picks the CRM adapter.
import { readFileSync } from 'node:fs';
import { LimeConnector } from '../lime-addon';
import { ConfigError, loadConfig, type ReceiverConfig } from './config/loadConfig';
import { createLogger } from './observability/logger';
import { startReceiver } from './startReceiver';

function limeConnectorFor(config: ReceiverConfig): LimeConnector | undefined {
  const lime = config.lime;
  if (!lime) return undefined;
  return new LimeConnector({
    baseUrl: lime.url,
    apiKey: lime.apiKey,
    historyType: lime.historyType,
    rejectUnauthorized: lime.rejectUnauthorized,
    ca: lime.caFile === undefined ? undefined : readCaFile(lime.caFile),
  });
}

function readCaFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `LIME_CA_FILE: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
}

async function main(): Promise<void> {
  let config: ReceiverConfig;
  let connector: LimeConnector | undefined;
  try {
    config = loadConfig(process.env);
    connector = limeConnectorFor(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const receiver = await startReceiver(config, { logger, connector });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    receiver
      .close()
      .then(() => connector?.close())
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
