import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import type { TrustProxy } from '../config/loadConfig';
import type { ConnectionCheck } from '../../crm/crmConnector';
import type { CrmAvailabilityState } from '../deliver/crmAvailability';
import type { Logger } from '../observability/logger';
import type { ReceiverMetrics } from '../observability/metrics';
import type { DeliveryQueue } from '../store/ports/deliveryQueue';
import type { StoreHealth } from '../store/ports/storeHealth';
import { adminApp, type AdminDeps, type AdminStore } from '../admin/adminApp';
import { errorHandler } from './errorHandler';
import type { ContactNotificationReceiver } from '../contactIndex/contactIndexKeeper';
import { limeWebhookRoute } from '../contactIndex/limeWebhookRoute';
import type { ParticipantKeyer } from '../ingest/participantKeysIndex';
import { ingestHandler, INGEST_PATH, isIngestRequest } from '../ingest/webhookRoute';

export interface AppDeps {
  store: AdminStore & DeliveryQueue & StoreHealth;
  logger: Logger;
  metrics: ReceiverMetrics;
  webhookSecrets: readonly string[];
  maxBodyBytes: number;
  target: string;
  connectionState: () => ConnectionCheck | undefined;
  /** The CRM's outage circuit, for the /readyz detail; absent: not shown. */
  crmAvailability?: (() => CrmAvailabilityState) | undefined;
  onQueued: () => void;
  /** Makes each accepted summary's participant lookup rows; absent: none are stored. */
  participantKeys?: ParticipantKeyer | undefined;
  /** Lime's change notifications for the contact index (`POST /api/v1/lime/webhook`); absent: no such route. */
  contactNotifications?: ContactNotificationReceiver | undefined;
  /** The admin pages under /admin; absent: no admin pages at all (tests of the webhook alone). */
  admin?: AdminDeps | undefined;
  now?: (() => Date) | undefined;
  /** TRUST_PROXY: the proxies whose X-Forwarded-For/-Proto are believed; default none. */
  trustProxy?: TrustProxy | undefined;
  /**
   * Which routes this listener answers (`/healthz` on each); the others get 404. `public`: DCI's and Lime's webhooks;
   * `admin`: the admin pages, `/metrics` and `/readyz`; `all` (default): both, on one listener.
   */
  serve?: AppRoutes | undefined;
}

/** The routes a listener serves: all on one, or split between a public and an admin listener (ADMIN_PORT). */
export type AppRoutes = 'all' | 'public' | 'admin';

/**
 * Node's request listener: what `http.createServer` serves and what supertest drives in the tests. For inspection
 * (the security tests list every route), it names the routes it answers itself and the Express app behind it.
 */
export type ReceiverApp = ((request: IncomingMessage, response: ServerResponse) => void) & {
  readonly directRoutes: ReadonlyArray<{ method: string; path: string }>;
  readonly express: Express;
};

/**
 * The receiver's HTTP app, built without listening: startReceiver listens, tests use the same app through
 * supertest. DCI's ingest route is answered on Node's own request and response (see `ingestHandler`); everything
 * else goes through Express.
 */
export function createApp(deps: AppDeps): ReceiverApp {
  const app = express();
  app.disable('x-powered-by');
  // No ETags: nothing here is cacheable (API answers, and admin pages are no-store), and hashing every body costs.
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? false);
  const now = deps.now ?? (() => new Date());
  const serve = deps.serve ?? 'all';
  const publicRoutes = serve !== 'admin';
  const adminRoutes = serve !== 'public';

  const ingest = ingestHandler({
    store: deps.store,
    secrets: deps.webhookSecrets,
    maxBodyBytes: deps.maxBodyBytes,
    target: deps.target,
    connectionState: deps.connectionState,
    onQueued: deps.onQueued,
    logger: deps.logger,
    metrics: deps.metrics,
    now,
    participantKeys: deps.participantKeys,
  });

  if (publicRoutes && deps.contactNotifications) {
    app.use(
      limeWebhookRoute({
        receiver: deps.contactNotifications,
        maxBodyBytes: deps.maxBodyBytes,
        logger: deps.logger,
      }),
    );
  }

  if (adminRoutes && deps.admin) app.use('/admin', adminApp({ now, ...deps.admin }));

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });

  if (adminRoutes) addOperatorRoutes(app, deps);

  app.use((_request, response) => {
    response.status(404).json({ error: { code: 'not_found', message: 'No such route.' } });
  });
  app.use(errorHandler(deps.logger));
  // DCI's ingest route on the admin listener falls through to Express, which answers 404 like any unknown route.
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    if (publicRoutes && isIngestRequest(request)) ingest(request, response);
    else app(request, response);
  };
  const directRoutes = publicRoutes ? [{ method: 'POST', path: INGEST_PATH }] : [];
  return Object.assign(listener, { directRoutes, express: app });
}

/** `/readyz` and `/metrics`: for the operator's probes and scraper, on the admin listener when there are two. */
function addOperatorRoutes(app: Express, deps: AppDeps): void {
  app.get('/readyz', async (_request, response) => {
    const connection = deps.connectionState();
    const crm = connection === undefined ? 'unchecked' : connection.ok ? 'ok' : (connection.code ?? 'failing');
    const store = await storeReadiness(deps);
    // Detail only: a Lime outage leaves the receiver ready, since it still stores what DCI sends (and delivers later).
    const availability = deps.crmAvailability?.();
    const detail = availability === undefined ? {} : { crmAvailability: describeAvailability(availability) };
    if (store !== 'ok') {
      response.status(503).json({ status: 'unavailable', store, crm, ...detail });
      return;
    }
    response.json({ status: 'ready', store, crm, ...detail });
  });

  app.get('/metrics', async (_request, response) => {
    response.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}

/**
 * Whether the store can keep what ingest acknowledges: `not_writable` when a write fails now (read-only, lost
 * connection, disk full), `full` when it has less room than two summaries at the body limit (a write may still fit,
 * but the next larger ones will not: the operator should act before DCI's deliveries are refused).
 */
async function storeReadiness(deps: AppDeps): Promise<'ok' | 'not_writable' | 'full'> {
  try {
    await deps.store.checkWritable();
  } catch (error) {
    deps.logger.error({ err: error }, 'readiness: the store cannot write');
    return 'not_writable';
  }
  const room = await deps.store.roomLeft?.().catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'readiness: the room left in the store could not be read');
    return undefined;
  });
  if (room !== undefined && room < 2 * deps.maxBodyBytes) {
    deps.logger.error({ roomLeftBytes: room }, 'readiness: the store is (nearly) full');
    return 'full';
  }
  return 'ok';
}

/** The outage circuit for /readyz: `available`, or since when it is out, why, and when the next probe goes. */
function describeAvailability(state: CrmAvailabilityState) {
  if (state.kind === 'available') return { state: 'available' };
  return {
    state: 'unavailable',
    since: state.since.toISOString(),
    code: state.code,
    nextProbeAt: state.nextProbeAt?.toISOString() ?? 'probing now',
  };
}
