import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ReceiverConfig } from './config/loadConfig';
import type { ConnectionCheck, CrmConnector } from './crmConnector';
import { DeliveryWorker } from './deliver/deliveryWorker';
import { createApp } from './http/createApp';
import type { Logger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import type { ReceiverStore } from './store/receiverStore';
import { openSqliteStore } from './store/sqliteStore';

/** How often the CRM connection is checked in the background (the result answers `integration.test` and /readyz). */
const CONNECTION_CHECK_INTERVAL_MS = 5 * 60 * 1000;

export interface RunningReceiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  store: ReceiverStore;
  worker: DeliveryWorker;
  /** The last connection check, if any. */
  connection(): ConnectionCheck | undefined;
  /** Graceful shutdown: stop accepting, let in-flight deliveries finish or give them back, close the database. */
  close(): Promise<void>;
}

/**
 * Assembles and starts the receiver: the store, the HTTP app, the delivery worker and the background connection
 * check. The CRM connector is passed in (main.ts builds it from the configuration; the demo points it at the
 * emulator), so nothing here knows which CRM it is.
 */
export async function startReceiver(
  config: ReceiverConfig,
  deps: { logger: Logger; connector: CrmConnector | undefined; host?: string | undefined },
): Promise<RunningReceiver> {
  const { logger, connector } = deps;
  const store = await openSqliteStore({ file: join(config.dataDir, 'receiver.sqlite') });
  const metrics = createMetrics(store);
  let lastCheck: ConnectionCheck | undefined;

  const worker = new DeliveryWorker({
    store,
    getConnector: () => connector,
    deliverOptions: {
      internalDomains: config.internalDomains,
      defaultRegion: config.defaultRegion,
      timeZone: config.timeZone,
      createMissingContacts: config.lime?.createMissingContacts ?? false,
      noteDate: config.noteDate,
    },
    logger,
    metrics,
    concurrency: config.workerConcurrency,
    maxAttempts: config.maxAttempts,
    maxAgeMs: config.maxAgeMs,
    leaseMs: config.leaseMs,
  });

  const app = createApp({
    store,
    logger,
    metrics,
    webhookSecrets: config.webhookSecrets,
    maxBodyBytes: config.maxBodyBytes,
    target: 'lime',
    connectionState: () => lastCheck,
    onQueued: () => worker.wake(),
  });

  const checkConnection = async () => {
    if (!connector) return;
    try {
      lastCheck = await connector.testConnection();
      logger.info({ ok: lastCheck.ok, code: lastCheck.code }, 'CRM connection checked');
    } catch (error) {
      logger.error({ err: error }, 'CRM connection check failed unexpectedly');
    }
  };
  void checkConnection();
  const checkTimer = setInterval(() => void checkConnection(), CONNECTION_CHECK_INTERVAL_MS);
  checkTimer.unref();

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(config.port, deps.host ?? '0.0.0.0', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  worker.start();
  logger.info({ port, crmConfigured: connector !== undefined }, 'receiver listening');
  if (!connector) logger.warn('no CRM connection configured: summaries are stored and wait for one');

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    worker,
    connection: () => lastCheck,
    close: () =>
      (closing ??= (async () => {
        clearInterval(checkTimer);
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await worker.stop();
        await store.close();
        logger.info('receiver stopped');
      })()),
  };
}
