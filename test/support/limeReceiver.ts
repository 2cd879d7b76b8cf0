import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { TEST_API_KEY } from './lime';

/**
 * The whole receiver in this process (startReceiver, as `npm start` runs it) on `dataDir`, delivering to the Lime
 * emulator, with a random port and silent logs. `env` adds or overrides environment variables. The caller closes it.
 */
export async function startLimeReceiver(
  lime: LimeEmulator,
  options: { dataDir: string; webhookSecret: string; env?: Record<string, string> },
): Promise<RunningReceiver> {
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: options.dataDir,
    DCI_WEBHOOK_SECRETS: options.webhookSecret,
    LIME_URL: lime.baseUrl,
    LIME_API_KEY: TEST_API_KEY,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    ...options.env,
  });
  return startReceiver(config, {
    logger: createLogger('silent'),
    makeConnector: (connectorOptions) => new LimeConnector(connectorOptions),
    host: '127.0.0.1',
  });
}

/** Posts `payload` to the receiver's DCI webhook, signed with `secret`; returns the HTTP status. */
export async function sendSigned(receiver: RunningReceiver, payload: unknown, secret: string): Promise<number> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, secret),
    body,
  });
  await response.body?.cancel();
  return response.status;
}
