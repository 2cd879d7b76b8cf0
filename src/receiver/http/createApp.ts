import express, { type Express } from 'express';
import type { TrustProxy } from '../config/loadConfig';
import type { ConnectionCheck } from '../crmConnector';
import type { Logger } from '../observability/logger';
import type { ReceiverMetrics } from '../observability/metrics';
import type { ReceiverStore } from '../store/receiverStore';
import { adminApp, type AdminDeps } from '../admin/adminApp';
import { errorHandler } from './errorHandler';
import { webhookRoute } from './webhookRoute';

export interface AppDeps {
  store: ReceiverStore;
  logger: Logger;
  metrics: ReceiverMetrics;
  webhookSecrets: readonly string[];
  maxBodyBytes: number;
  target: string;
  connectionState: () => ConnectionCheck | undefined;
  onQueued: () => void;
  /** The admin pages under /admin; absent: no admin pages at all (tests of the webhook alone). */
  admin?: AdminDeps | undefined;
  now?: (() => Date) | undefined;
  /** TRUST_PROXY: the proxies whose X-Forwarded-For/-Proto are believed; default none. */
  trustProxy?: TrustProxy | undefined;
}

/** The receiver's HTTP app, built without listening: main.ts listens, tests use the same app through supertest. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  const now = deps.now ?? (() => new Date());

  app.use(
    webhookRoute({
      store: deps.store,
      secrets: deps.webhookSecrets,
      maxBodyBytes: deps.maxBodyBytes,
      target: deps.target,
      connectionState: deps.connectionState,
      onQueued: deps.onQueued,
      logger: deps.logger,
      metrics: deps.metrics,
      now,
    }),
  );

  if (deps.admin) app.use('/admin', adminApp({ now, ...deps.admin }));

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });

  app.get('/readyz', async (_request, response) => {
    const connection = deps.connectionState();
    const crm = connection === undefined ? 'unchecked' : connection.ok ? 'ok' : (connection.code ?? 'failing');
    try {
      await deps.store.checkWritable();
    } catch (error) {
      deps.logger.error({ err: error }, 'readiness: the store cannot write');
      response.status(503).json({ status: 'unavailable', store: 'not_writable', crm });
      return;
    }
    response.json({ status: 'ready', store: 'ok', crm });
  });

  app.get('/metrics', async (_request, response) => {
    response.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.use((_request, response) => {
    response.status(404).json({ error: { code: 'not_found', message: 'No such route.' } });
  });
  app.use(errorHandler(deps.logger));
  return app;
}
