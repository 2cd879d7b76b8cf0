import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceiverConfig } from './config/loadConfig';
import type { ConnectionCheck } from '../crm/crmConnector';
import { DeliveryWorker } from './deliver/deliveryWorker';
import { WorkerHeartbeat } from './deliver/workerHeartbeat';
import { ParticipantResolver, REMATCH_SWEEP_MS, type ChangedKeys } from './deliver/resolveParticipants';
import { CrmAvailability } from './deliver/crmAvailability';
import { AlertSender } from './alerts/alertSender';
import { AlertWatch } from './alerts/alertWatch';
import { enrichPayload, type EnrichResult } from './enrich/enrichPayload';
import type { MeetingSummary } from '../core';
import { catchUpEnrichment, CATCH_UP_AFTER_MS, CATCH_UP_JOB } from './enrich/enrichmentCatchUp';
import { BackfillJob } from './poll/backfillJob';
import { DciPoller } from './poll/dciPoller';
import { createDciSettings, type DciSettings, type MakeDciApi } from './settings/dciSettings';
import { ContactIndexKeeper, type ContactNotifications } from './contactIndex/contactIndexKeeper';
import { LIME_WEBHOOK_PATH } from './contactIndex/limeWebhookRoute';
import { deriveSubscriptionSecret } from './secrets/subscriptionSecret';
import { createApp, type AppDeps } from './http/createApp';
import { verifyAdminPassword } from './secrets/adminPassword';
import type { Logger } from './observability/logger';
import { addCrmAvailabilityGauges, createMetrics } from './observability/metrics';
import { RetentionPurge } from './privacy/retentionPurge';
import { metricsObserver, RateBudgets, spendingBudget } from './rateBudget/rateBudgets';
import type { ConnectionSettingsService } from './settings/connectionSettings';
import type { CrmName } from './config/superOfficeConfig';
import { createSuperOfficeSettingsService } from './settings/superOfficeSettingsService';
import {
  createConnectionSettingsService,
  type MakeCrmConnector,
  type MakeConnector,
  type OwnedConnectionSettingsService,
} from './settings/connectionSettingsService';
import type { ReceiverStore } from './store/receiverStore';
import { describeStore, openStore } from './store/openStore';
import { alertAdminUrl } from './alerts/alertAdminUrl';
import { COMPILED_ACCEPT_WORKER } from './store/sqlite/sqliteAcceptThread';
import { SqliteStore } from './store/sqlite/sqliteStore';
import { participantQuery, resolveLookupKey } from './secrets/participantLookup';
import { personSearch } from './admin/personSearch';
import {
  participantKeyer,
  rebuildParticipantKeys,
  type ParticipantKeyer,
  type RebuildResult,
} from './ingest/participantKeysIndex';

/** How often the CRM connection is checked in the background (the result answers `integration.test` and /readyz). */
const CONNECTION_CHECK_INTERVAL_MS = 5 * 60 * 1000;

export interface RunningReceiver {
  /** `http://127.0.0.1:<port>`: the public listener (DCI's and Lime's webhooks; everything when there is one). */
  url: string;
  /** The admin listener (admin pages, /metrics, /readyz) when ADMIN_PORT sets one apart; else the same as `url`. */
  adminUrl: string;
  store: ReceiverStore;
  worker: DeliveryWorker;
  /** The Lime connection settings (environment and admin pages), and the connector they make. */
  settings: ConnectionSettingsService;
  /** DCI's REST API connection (environment and admin pages) and the mode in effect. */
  dci: DciSettings;
  poller: DciPoller;
  /** The backfill started from the admin pages (one at a time across replicas). */
  backfill: BackfillJob;
  /** Makes the participant lookup rows (search by e-mail or phone, re-matching) under the key in effect. */
  participantKeys: ParticipantKeyer;
  /** The rebuild of the lookup rows started with the receiver (undefined when it failed; it runs again next start). */
  participantKeysRebuilt: Promise<RebuildResult | undefined>;
  /** Re-matching and admins' assignments of participants left without a person (issue 19). */
  participants: ParticipantResolver;
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
  deps: {
    logger: Logger;
    /** Builds Lime's connector (the tests and the demo); used with CRM=lime when `makeCrmConnector` is not given. */
    makeConnector?: MakeConnector | undefined;
    /** Builds the connector of the CRM in effect (main.ts: LimeConnector or SuperOfficeConnector). */
    makeCrmConnector?: MakeCrmConnector | undefined;
    /** Builds DCI's REST client; without it the receiver never calls DCI (webhooks only, no enrichment). */
    makeDciApi?: MakeDciApi | undefined;
    /** Binds both listeners to this host instead of HOST and ADMIN_HOST (the tests: 127.0.0.1). */
    host?: string | undefined;
    /** SQLite's accept thread entry; by default the compiled one when the receiver runs compiled (none from sources). */
    sqliteAcceptWorker?: string | undefined;
  },
): Promise<RunningReceiver> {
  const { logger } = deps;
  // The queue's target: one delivery per (conversation, CRM), so switching CRM never mixes their deliveries.
  const target: CrmName = config.crm ?? 'lime';
  const store = await openStore(config.store, {
    sqliteAcceptWorker: deps.sqliteAcceptWorker ?? COMPILED_ACCEPT_WORKER,
    onConnectionError: (error) => logger.warn({ err: error }, 'a database connection broke; the pool replaces it'),
  });
  // SQLite's durability settings (and its accept thread's) as the connections report them, for the operator to see.
  const durability = store instanceof SqliteStore ? { sqlite: store.settings() } : {};
  logger.info({ ...describeStore(config.store), ...durability }, 'store opened');
  const metrics = createMetrics(store, undefined, () => budgets?.state() ?? Promise.resolve(undefined), target);
  // Lime's request budget, shared through the store by every replica on it; the connector of each origin spends it.
  const budgets =
    config.limeRateLimit === undefined
      ? undefined
      : new RateBudgets({ store, limit: config.limeRateLimit, logger, observer: metricsObserver(metrics) });
  const makeConnector: MakeCrmConnector = spendingBudget(crmConnectorFactory(deps), budgets);
  if (config.ignoredCrmVariables !== undefined && config.ignoredCrmVariables.length > 0) {
    // Names only: their values may be secrets.
    logger.warn(
      { crm: target, variables: config.ignoredCrmVariables },
      `variables of the other CRM are set and ignored (CRM=${target})`,
    );
  }
  let onSettingsChange = () => {};
  let settings: OwnedConnectionSettingsService;
  let participantKeys: ParticipantKeyer;
  try {
    // Derived from SECRET_KEY, else a random seed kept in the settings table (secrets/participantLookup.ts says why).
    participantKeys = participantKeyer(
      await resolveLookupKey(config.secretKey, (candidate) => store.claimLookupSeed(candidate)),
      config.defaultRegion,
    );
    const settingsDeps = {
      store,
      config,
      secretKey: config.secretKey,
      logger,
      onChange: () => onSettingsChange(),
    };
    settings =
      target === 'superoffice'
        ? await createSuperOfficeSettingsService({ ...settingsDeps, makeConnector })
        : await createConnectionSettingsService({
            ...settingsDeps,
            makeConnector: (options) => makeConnector({ crm: 'lime', ...options }),
          });
  } catch (error) {
    await store.close();
    throw error;
  }
  let dci: DciSettings;
  try {
    dci = await createDciSettings({
      store,
      config,
      secretKey: config.secretKey,
      makeApi: deps.makeDciApi,
      logger,
      onChange: () => onSettingsChange(),
    });
  } catch (error) {
    await settings.close();
    await store.close();
    throw error;
  }
  const dciApi = () => dci.api();
  // The worker and the admin pages' Dry run enrich the same way.
  const enrich = (
    payload: Record<string, unknown>,
    summary: MeetingSummary,
    context: { firstReceivedAt: Date; signal?: AbortSignal | undefined },
  ): Promise<EnrichResult> =>
    enrichPayload(payload, summary, context, {
      api: dciApi(),
      conversationUrlTemplate: config.dci.conversationUrlTemplate,
      waitMs: config.dci.enrichWaitMs,
      now: () => new Date(),
    });

  const availability = new CrmAvailability({ getConnector: () => settings.connector(), logger });
  addCrmAvailabilityGauges(metrics, () => availability.state());
  const alerts = new AlertSender({
    crm: target,
    webhookUrl: config.alerts.webhookUrl,
    format: config.alerts.format,
    adminUrl: alertAdminUrl(config),
    logger,
  });
  let alertWatch: AlertWatch | undefined;
  const worker = new DeliveryWorker({
    store,
    getConnector: () => settings.connector(),
    deliverOptions: () => settings.deliverOptions(),
    target,
    failureContext: () => ({ crm: target, auth: settings.superOffice?.view().settings.auth }),
    logger,
    metrics,
    enrich,
    concurrency: config.workerConcurrency,
    maxAttempts: config.maxAttempts,
    maxAgeMs: config.maxAgeMs,
    leaseMs: config.leaseMs,
    participantKeys: { keyer: participantKeys, store },
    budgetRoom: budgets === undefined ? undefined : () => budgets.deliveryRoom(),
    availability,
    onSettled: (settled) => {
      if (settled.apiCalls !== undefined) budgets?.delivered(settled.apiCalls);
      alertWatch?.settled(settled);
    },
  });
  // Registers the worker, and takes back the deliveries of workers that died (a killed predecessor, a lost replica).
  const heartbeat = new WorkerHeartbeat({
    store,
    workerId: worker.workerId,
    intervalMs: config.workerHeartbeatMs,
    logger,
    onTakenBack: () => worker.wake(),
    onSilent: () => worker.abortInFlight(),
    onClaimsPaused: (paused) => worker.pauseClaims(paused),
  });

  // Issue 19: participants left without a person are matched again when the contact index changes for their e-mail or
  // number (Lime's webhooks and incremental passes), and once a day for every one of them (SuperOffice has no index;
  // for Lime it catches what a full sync changed), for REMATCH_DAYS; and an admin can say who one is.
  const resolver = new ParticipantResolver({
    store,
    getConnector: () => settings.connector(),
    deliverOptions: () => settings.deliverOptions(),
    target,
    rematchDays: config.rematchDays,
    lookupKey: () => participantKeys.key,
    enrich,
    logger,
  });
  const rematch = (keys: ChangedKeys) => {
    resolver.rematch(keys).catch((error: unknown) => logger.warn({ err: error }, 're-matching failed'));
  };
  const rematchTimer = setInterval(() => rematch('all'), REMATCH_SWEEP_MS);
  rematchTimer.unref();

  const contactIndex = new ContactIndexKeeper({
    store,
    connector: () => settings.connector(),
    target,
    defaultRegion: config.defaultRegion,
    // Lime only: SuperOffice is matched live through its archive searches (the connector exports no contacts).
    syncMs: target === 'lime' ? config.contactIndexSyncMs : 0,
    incrementalMs: target === 'lime' ? config.contactIndexIncrementalMs : 0,
    notifications: contactNotifications(config, target),
    logger,
    onKeysChanged: config.rematchDays > 0 ? rematch : undefined,
  });

  const retention = new RetentionPurge({ store, retentionDays: config.retentionDays, logger });

  const poller = new DciPoller({
    store,
    api: dciApi,
    polling: () => dci.mode() !== 'webhook',
    target,
    intervalMs: config.dci.pollIntervalMs,
    logger,
    onQueued: () => worker.wake(),
    participantKeys,
  });
  alertWatch = new AlertWatch({
    send: (event) => alerts.send(event),
    availability,
    pollStatus: deps.makeDciApi === undefined ? undefined : () => poller.status(),
    // The poll's state changes once per poll: look at it as often.
    dciCheckMs: config.dci.pollIntervalMs,
    afterMs: config.alerts.afterMs,
    logger,
  });
  const backfill = new BackfillJob({
    store,
    api: dciApi,
    target,
    logger,
    onQueued: () => worker.wake(),
    participantKeys,
  });
  // Completing partially enriched notes: one round at a time, stopped (and waited for) on shutdown.
  const catchUpAbort = new AbortController();
  let catchUpRound: Promise<unknown> | undefined;
  // One replica at a time asks DCI for them (a lease like the poller's), so the requests are not spent twice.
  const catchUpHolder = poller.holder;
  const catchUp = () =>
    (catchUpRound ??= store
      .takeLease({ name: CATCH_UP_JOB, holder: catchUpHolder, now: new Date(), leaseMs: 2 * CATCH_UP_AFTER_MS })
      .then((held) =>
        held
          ? catchUpEnrichment({
              store,
              api: dciApi(),
              target,
              now: new Date(),
              logger,
              signal: catchUpAbort.signal,
            })
          : undefined,
      )
      .catch((error: unknown) => logger.error({ err: error }, 'completing partially enriched notes failed'))
      .finally(() => (catchUpRound = undefined)));
  const catchUpTimer = setInterval(() => void catchUp(), CATCH_UP_AFTER_MS);
  catchUpTimer.unref();

  const appDeps: AppDeps = {
    store,
    logger,
    metrics,
    webhookSecrets: config.webhookSecrets,
    maxBodyBytes: config.maxBodyBytes,
    target,
    connectionState: () => settings.lastCheck(),
    crmAvailability: () => availability.state(),
    onQueued: () => worker.wake(),
    participantKeys,
    contactNotifications: contactIndex,
    trustProxy: config.trustProxy,
    admin: {
      store,
      settings,
      checkPassword: adminPasswordCheck(config),
      wakeWorker: () => worker.wake(),
      assignParticipant: (request) => resolver.assign(request),
      // Lime's contact index only (SuperOffice keeps none: the page offers the person id field there).
      searchPersons:
        target === 'lime' && config.contactIndexSyncMs > 0
          ? personSearch(store, { target, defaultRegion: config.defaultRegion })
          : undefined,
      crmAvailability: () => availability.state(),
      alerts,
      contactIndexMode: () => contactIndex.mode(),
      timeZone: config.timeZone,
      participantQuery: (text) => participantQuery(text, participantKeys.key, config.defaultRegion),
      crmWebUrls: config.crmWebUrls,
      logger,
      // Without a DCI client factory the receiver never calls DCI: no DCI section to show.
      ...(deps.makeDciApi === undefined
        ? {}
        : {
            dci,
            dciModeReason: () => describeModeReason(config, dci),
            pollState: () => poller.status(),
            backfill,
            enrich,
          }),
      publicUrl: config.publicUrl,
    },
  };

  const checkConnection = async () => {
    try {
      const check = await settings.testConnection();
      if (check) logger.info({ ok: check.ok, code: check.code }, 'CRM connection checked');
    } catch (error) {
      logger.error({ err: error }, 'CRM connection check failed unexpectedly');
    }
    try {
      const check = dciApi() === undefined ? undefined : await dci.testConnection();
      if (check) logger.info({ ok: check.ok, code: check.code }, 'DCI connection checked');
    } catch (error) {
      logger.error({ err: error }, 'DCI connection check failed unexpectedly');
    }
  };
  onSettingsChange = () => {
    worker.wake();
    void checkConnection();
    contactIndex.onConnectionChanged();
  };
  const { adminListener } = config;
  const servers: Server[] = [];
  let closing: Promise<void> | undefined;
  // Everything started below stops here, on close and when the start fails (a listener cannot be bound: the port is
  // taken …).
  const close = () =>
    (closing ??= (async () => {
      clearInterval(checkTimer);
      clearInterval(catchUpTimer);
      rebuildAbort.abort();
      await participantKeysRebuilt;
      catchUpAbort.abort();
      await catchUpRound;
      await store.releaseLease({ name: CATCH_UP_JOB, holder: catchUpHolder }).catch(() => undefined);
      await Promise.all(servers.map(closeServer));
      await poller.stop();
      await backfill.stop();
      await worker.stop();
      await heartbeat.stop();
      availability.stop();
      await alertWatch?.stop();
      await alerts.settled({ graceMs: 2000 });
      await contactIndex.stop();
      clearInterval(rematchTimer);
      await resolver.settled();
      await retention.stop();
      await settings.close();
      await store.close();
      logger.info('receiver stopped');
    })());
  let checkTimer: NodeJS.Timeout | undefined;
  // Rows under another key (SECRET_KEY set, removed or rotated) or none (the first start with migration 8) are
  // rebuilt in the background: searches by e-mail or phone find older deliveries once it is done.
  const rebuildAbort = new AbortController();
  let participantKeysRebuilt: Promise<RebuildResult | undefined> = Promise.resolve(undefined);
  try {
    // The worker's heartbeat takes the worker lock (SQLite: receiver.sqlite.workers/) before anything can store a
    // summary (the poll, the listeners): `dci-companion restore` refuses while it is held, so it cannot swap the
    // database under a receiver that is starting. The worker itself starts once the listeners are bound.
    await heartbeat.start();
  } catch (error) {
    await close();
    throw error;
  }
  void checkConnection();
  participantKeysRebuilt = rebuildParticipantKeys({
    store,
    keyer: participantKeys,
    logger,
    signal: rebuildAbort.signal,
  }).catch((error: unknown) => {
    logger.error({ err: error }, 'rebuilding the participant lookup rows failed; the next start tries again');
    return undefined;
  });
  contactIndex.start();
  retention.start();
  poller.start();
  alertWatch.start();
  checkTimer = setInterval(() => void checkConnection(), CONNECTION_CHECK_INTERVAL_MS);
  checkTimer.unref();

  try {
    servers.push(
      await listen(
        createApp({ ...appDeps, serve: adminListener === undefined ? 'all' : 'public' }),
        config.port,
        deps.host ?? config.host,
      ),
    );
    if (adminListener !== undefined) {
      // The admin pages, /metrics and /readyz apart from the webhooks, for an internal address (ADMIN_HOST).
      servers.push(
        await listen(createApp({ ...appDeps, serve: 'admin' }), adminListener.port, deps.host ?? adminListener.host),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  const [port, adminPort] = servers.map((listening) => (listening.address() as AddressInfo).port);
  worker.start();
  const connected = settings.connector() !== undefined;
  logger.info(
    { port, ...(adminListener === undefined ? {} : { adminPort }), crmConfigured: connected },
    'receiver listening',
  );
  if (config.unusedAdminHost !== undefined) {
    logger.info(
      { adminHost: config.unusedAdminHost },
      'ADMIN_HOST is unused without ADMIN_PORT: one listener on HOST:PORT serves the admin pages too',
    );
  }
  if (!connected) logger.warn('no CRM connection configured: summaries are stored and wait for one');

  return {
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${adminPort ?? port}`,
    store,
    worker,
    settings,
    dci,
    poller,
    backfill,
    participantKeys,
    participantKeysRebuilt,
    participants: resolver,
    connection: () => settings.lastCheck(),
    close,
  };
}

/** A server on `port` at `host`, once it listens; rejects when it cannot (the port is taken …). */
function listen(app: RequestListener, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Why the DCI mode in effect is the one it is, in words, for the admin pages. */
function describeModeReason(config: ReceiverConfig, dci: DciSettings): string {
  if (config.dci.mode !== undefined) return 'set by DCI_MODE';
  const secrets = config.webhookSecrets.length > 0;
  const token = dci.view().tokenSet;
  if (secrets && token) return 'webhook secrets and a DCI API token are both set; DCI_MODE is not set';
  if (token) return 'a DCI API token is set and no webhook secrets; DCI_MODE is not set';
  return 'webhook secrets are set and no DCI API token; DCI_MODE is not set';
}

/**
 * Lime's webhooks for the contact index: on when Lime can reach the receiver (`RECEIVER_PUBLIC_URL`) and SECRET_KEY
 * is set, which the subscription's signing secret is derived from.
 */
function contactNotifications(config: ReceiverConfig, crm: CrmName): ContactNotifications {
  if (crm !== 'lime') return { kind: 'off', reason: 'not available for SuperOffice (Lime webhooks only)' };
  if (config.publicUrl === undefined) return { kind: 'off', reason: 'RECEIVER_PUBLIC_URL is not set' };
  if (config.secretKey === undefined) {
    return { kind: 'off', reason: "SECRET_KEY is not set (the subscription's signing secret is derived from it)" };
  }
  const targetUrl = `${config.publicUrl.replace(/\/+$/u, '')}${LIME_WEBHOOK_PATH}`;
  return { kind: 'on', targetUrl, secret: deriveSubscriptionSecret(config.secretKey, targetUrl) };
}

/** The factory of the CRM in effect: main.ts gives one for both CRMs; tests and the demo give Lime's. */
function crmConnectorFactory(deps: {
  makeConnector?: MakeConnector | undefined;
  makeCrmConnector?: MakeCrmConnector | undefined;
}): MakeCrmConnector {
  const { makeConnector, makeCrmConnector } = deps;
  if (makeCrmConnector !== undefined) return makeCrmConnector;
  return (options) => {
    if (options.crm !== 'lime' || makeConnector === undefined) {
      throw new Error(`no connector factory for CRM=${options.crm}: pass makeCrmConnector`);
    }
    const { crm: _crm, ...lime } = options;
    return makeConnector(lime);
  };
}

/** The admin pages' password check, or undefined (pages off) when no admin password is configured. */
function adminPasswordCheck(config: ReceiverConfig): ((password: string) => Promise<boolean>) | undefined {
  const configured = config.admin?.passwordHash ?? config.admin?.password;
  return configured === undefined || configured === ''
    ? undefined
    : (password) => verifyAdminPassword(password, configured);
}
