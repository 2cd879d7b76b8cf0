import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceiverConfig } from './config/loadConfig';
import type { ConnectionCheck } from './crmConnector';
import { DeliveryWorker } from './deliver/deliveryWorker';
import { syncContactIndex, updateContactIndex } from './contactIndex/syncContactIndex';
import { CrmError } from './crmError';
import { createApp } from './http/createApp';
import { verifyAdminPassword } from './settings/adminPassword';
import type { Logger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import type { ConnectionSettingsService } from './settings/connectionSettings';
import {
  createConnectionSettingsService,
  type MakeConnector,
  type OwnedConnectionSettingsService,
} from './settings/connectionSettingsService';
import type { ReceiverStore } from './store/receiverStore';
import { describeStore, openStore } from './store/openStore';

/** How often the CRM connection is checked in the background (the result answers `integration.test` and /readyz). */
const CONNECTION_CHECK_INTERVAL_MS = 5 * 60 * 1000;

export interface RunningReceiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  store: ReceiverStore;
  worker: DeliveryWorker;
  /** The Lime connection settings (environment and admin pages), and the connector they make. */
  settings: ConnectionSettingsService;
  /** The last connection check, if any. */
  connection(): ConnectionCheck | undefined;
  /** Graceful shutdown: stop accepting, let in-flight deliveries finish or give them back, close the database. */
  close(): Promise<void>;
}

/**
 * Assembles and starts the receiver: the store (PostgreSQL or SQLite, as configured), the HTTP app, the delivery worker and the background connection
 * check. The connection comes from the settings service (environment variables, then what the admin pages saved);
 * the connector factory is passed in (main.ts and the demo build Lime's), so nothing here knows which CRM it is.
 * A saved API key that SECRET_KEY does not open fails the start with a ConfigError.
 */
export async function startReceiver(
  config: ReceiverConfig,
  deps: { logger: Logger; makeConnector: MakeConnector; host?: string | undefined },
): Promise<RunningReceiver> {
  const { logger } = deps;
  const store = await openStore(config.store, {
    onConnectionError: (error) => logger.warn({ err: error }, 'a database connection broke; the pool replaces it'),
  });
  logger.info(describeStore(config.store), 'store opened');
  let onSettingsChange = () => {};
  let settings: OwnedConnectionSettingsService;
  try {
    settings = await createConnectionSettingsService({
      store,
      config,
      secretKey: config.secretKey,
      makeConnector: deps.makeConnector,
      logger,
      onChange: () => onSettingsChange(),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = createMetrics(store);

  const worker = new DeliveryWorker({
    store,
    getConnector: () => settings.connector(),
    deliverOptions: () => settings.deliverOptions(),
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
    connectionState: () => settings.lastCheck(),
    onQueued: () => worker.wake(),
    admin: {
      store,
      settings,
      checkPassword: adminPasswordCheck(config),
      wakeWorker: () => worker.wake(),
      contactIndexMode: () => indexMode(),
      logger,
    },
  });

  const checkConnection = async () => {
    try {
      const check = await settings.testConnection();
      if (check) logger.info({ ok: check.ok, code: check.code }, 'CRM connection checked');
    } catch (error) {
      logger.error({ err: error }, 'CRM connection check failed unexpectedly');
    }
  };
  // The local contact index: synced at start, after the connection changes and on a schedule; one sync at a time.
  let syncing: Promise<void> | undefined;
  const syncIndex = () => {
    const connector = settings.connector();
    if (config.contactIndexSyncMs === 0 || syncing || !connector) return;
    syncing = (async () => {
      const started = Date.now();
      try {
        const size = await syncContactIndex(store, connector, {
          target: 'lime',
          defaultRegion: config.defaultRegion,
          now: () => new Date(),
        });
        if (size !== undefined) {
          logger.info({ size, ms: Date.now() - started }, 'contact index synced');
          // Probe the incremental pass right away, so the admin page can say which mode is active.
          setImmediate(() => updateIndex());
        }
      } catch (error) {
        logger.warn({ err: error }, 'contact index sync failed; matching stays live until the next sync');
      } finally {
        syncing = undefined;
      }
    })();
  };
  // Between full syncs, the persons Lime changed since the newest change the index holds (its `_timestamp`).
  let incremental: boolean | undefined;
  const updateIndex = () => {
    const connector = settings.connector();
    if (config.contactIndexIncrementalMs === 0 || incremental === false || syncing || !connector) return;
    syncing = (async () => {
      try {
        const changed = await updateContactIndex(store, connector, {
          target: 'lime',
          defaultRegion: config.defaultRegion,
        });
        if (changed !== undefined) {
          incremental = true;
          if (changed > 0) logger.info({ changed }, 'contact index updated');
        }
      } catch (error) {
        if (error instanceof CrmError && error.code === 'bad_request') {
          incremental = false;
          logger.warn('Lime cannot filter on _timestamp: the contact index is refreshed by full syncs only');
        } else {
          logger.warn({ err: error }, 'contact index update failed; the next pass tries again');
        }
      } finally {
        syncing = undefined;
      }
    })();
  };
  const indexMode = (): string => {
    const hours = Math.round(config.contactIndexSyncMs / 3600_000);
    if (config.contactIndexSyncMs === 0) return 'off';
    const full = `a full sync at start and every ${hours} h`;
    const minutes = Math.round(config.contactIndexIncrementalMs / 60_000);
    if (config.contactIndexIncrementalMs === 0) return `${full} (incremental passes off); Lime webhooks are not used`;
    if (incremental === false) return `${full} only: this Lime cannot filter on _timestamp; Lime webhooks are not used`;
    return `${full}, and every ${minutes} min the persons Lime changed (its _timestamp)${
      incremental === undefined ? ' — not run yet' : ''
    }; Lime webhooks are not used`;
  };
  onSettingsChange = () => {
    worker.wake();
    void checkConnection();
    incremental = undefined;
    syncIndex();
  };
  void checkConnection();
  syncIndex();
  const checkTimer = setInterval(() => void checkConnection(), CONNECTION_CHECK_INTERVAL_MS);
  checkTimer.unref();
  const syncTimer = config.contactIndexSyncMs > 0 ? setInterval(syncIndex, config.contactIndexSyncMs) : undefined;
  syncTimer?.unref();
  const updateTimer =
    config.contactIndexSyncMs > 0 && config.contactIndexIncrementalMs > 0
      ? setInterval(updateIndex, config.contactIndexIncrementalMs)
      : undefined;
  updateTimer?.unref();

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(config.port, deps.host ?? '0.0.0.0', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  worker.start();
  const connected = settings.connector() !== undefined;
  logger.info({ port, crmConfigured: connected }, 'receiver listening');
  if (!connected) logger.warn('no CRM connection configured: summaries are stored and wait for one');

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    worker,
    settings,
    connection: () => settings.lastCheck(),
    close: () =>
      (closing ??= (async () => {
        clearInterval(checkTimer);
        clearInterval(syncTimer);
        clearInterval(updateTimer);
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await worker.stop();
        await syncing;
        await settings.close();
        await store.close();
        logger.info('receiver stopped');
      })()),
  };
}

/** The admin pages' password check, or undefined (pages off) when no admin password is configured. */
function adminPasswordCheck(config: ReceiverConfig): ((password: string) => Promise<boolean>) | undefined {
  const configured = config.admin?.passwordHash ?? config.admin?.password;
  return configured === undefined || configured === ''
    ? undefined
    : (password) => verifyAdminPassword(password, configured);
}
