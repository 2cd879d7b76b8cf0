import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { parseSummaryPayload, type MeetingSummary } from '../../core';
import type { DeliveryReport } from '../../crm/crmConnector';
import type { Logger } from '../observability/logger';
import { SettingsError, type ConnectionSettingsService, type SettingsInput } from '../settings/connectionSettings';
import {
  DELIVERY_STATUSES,
  type EnrichmentRecord,
  type DeliveryRow,
  type DeliveryStatus,
  type ReceiverStore,
} from '../store/receiverStore';
import { AdminSessions, csrfMatches, SESSION_MAX_MS, type AdminSession } from './adminSessions';
import {
  addDciRoutes,
  dciConnectionSection,
  dciOverviewPanel,
  enrichmentBadge,
  SOURCE_LABEL,
  type DciAdminDeps,
} from './dciAdmin';
import { badgeFor } from './outcomeBadges';
import { SignInLimiter } from './signInLimiter';

export const SESSION_COOKIE = 'dci_admin';
/** Methods that change nothing; every other one needs the CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** views/ at the repository root: the same from src/ (tests) and dist/ (production). */
export const VIEWS_DIR = join(__dirname, '..', '..', '..', 'views');

export interface AdminDeps extends DciAdminDeps {
  store: ReceiverStore;
  settings: ConnectionSettingsService;
  /** Checks the admin password; undefined when none is configured: the pages are off. */
  checkPassword: ((password: string) => Promise<boolean>) | undefined;
  /** How the contact index is kept fresh, in words ('off' when it is off), for the overview. */
  contactIndexMode?: (() => string) | undefined;
  /** Makes the worker look for due work now (after Retry now / requeue). */
  wakeWorker: () => void;
  logger: Logger;
  now?: (() => Date) | undefined;
}

type SessionRequest = Request & { adminSession?: AdminSession | undefined };

/**
 * The admin pages under /admin: server-rendered, usable without JavaScript, behind a password, with a CSRF token
 * on every form, strict security headers and no caching. Every action goes through the same store and settings
 * code the worker and the CLI use.
 */
export function adminApp(deps: AdminDeps): express.Express {
  const app = express();
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.disable('x-powered-by');
  const now = deps.now ?? (() => new Date());
  const sessions = new AdminSessions(() => now().getTime());
  const limiter = new SignInLimiter(() => now().getTime());

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  app.use('/assets', express.static(join(VIEWS_DIR, 'assets'), { index: false, maxAge: '1h' }));
  app.use((_request, response, next) => {
    response.set('Cache-Control', 'no-store');
    next();
  });

  if (!deps.checkPassword) {
    app.use((_request, response) => {
      response.status(404).render('off');
    });
    return app;
  }
  const checkPassword = deps.checkPassword;

  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use((request: SessionRequest, _response, next) => {
    request.adminSession = sessions.get(readCookie(request, SESSION_COOKIE));
    next();
  });
  const setCookie = (request: Request, response: Response, session: AdminSession) => {
    response.cookie(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'strict',
      // Over TLS, directly or through a proxy trusted by TRUST_PROXY (X-Forwarded-Proto): never sent in clear.
      secure: request.secure,
      path: '/admin',
      maxAge: Math.max(0, session.createdAt + SESSION_MAX_MS - now().getTime()),
    });
  };
  // Every state change must carry the session's token: a form on another site cannot read it. Any method but the
  // safe ones, so a route added later with PUT or DELETE is covered too.
  app.use((request: SessionRequest, response, next) => {
    if (SAFE_METHODS.has(request.method)) return next();
    const body = request.body as Record<string, unknown> | undefined;
    if (!request.adminSession || !csrfMatches(request.adminSession, body?.['_csrf'])) {
      response.status(403).render('message', {
        title: 'Form expired',
        message: 'This form has expired or did not come from these pages. Go back, reload and try again.',
        session: undefined,
      });
      return;
    }
    next();
  });

  app.get('/sign-in', (request: SessionRequest, response) => {
    const session = request.adminSession ?? sessions.create();
    if (!request.adminSession) setCookie(request, response, session);
    if (session.signedIn) return response.redirect(303, '/admin');
    return response.render('sign-in', { session, error: undefined });
  });

  app.post('/sign-in', async (request: SessionRequest, response) => {
    const attempt = limiter.begin(request.ip ?? 'unknown');
    if ('waitMs' in attempt) {
      response.set('Retry-After', String(Math.ceil(attempt.waitMs / 1000)));
      return response.status(429).render('sign-in', {
        session: request.adminSession,
        error: `Too many failed attempts. Try again in ${Math.ceil(attempt.waitMs / 60_000)} minute(s).`,
      });
    }
    const password = (request.body as Record<string, unknown>)['password'];
    if (typeof password !== 'string' || !(await checkPassword(password))) {
      deps.logger.warn({ event: 'admin_sign_in_failed' }, 'admin sign-in failed');
      return response.status(401).render('sign-in', { session: request.adminSession, error: 'Wrong password.' });
    }
    attempt.succeeded();
    const session = sessions.signIn(request.adminSession);
    setCookie(request, response, session);
    deps.logger.info({ event: 'admin_signed_in' }, 'admin signed in');
    return response.redirect(303, '/admin');
  });

  // Everything below needs a signed-in session.
  app.use((request: SessionRequest, response, next: NextFunction) => {
    if (request.adminSession?.signedIn) return next();
    return response.redirect(303, '/admin/sign-in');
  });

  app.post('/sign-out', (request: SessionRequest, response) => {
    if (request.adminSession) sessions.destroy(request.adminSession.id);
    response.clearCookie(SESSION_COOKIE, { path: '/admin' });
    response.redirect(303, '/admin/sign-in');
  });

  app.get('/', async (request: SessionRequest, response) => {
    const rows = await deps.store.listDeliveries({ limit: 1000 });
    const counts = await deps.store.counts();
    const at = now().getTime();
    const since = (ms: number) => tally(rows.filter((row) => at - row.createdAt.getTime() <= ms));
    const view = await deps.settings.view();
    const index = await deps.store.contactIndexState('lime');
    response.render('overview', {
      index: {
        ...index,
        age: index.syncedAt ? describeAge(at - index.syncedAt.getTime()) : undefined,
        mode: deps.contactIndexMode?.() ?? 'off',
        duplicates: index.size > 0 ? await deps.store.contactIndexDuplicates('lime', 25) : [],
      },
      session: request.adminSession,
      connected: view.connected,
      check: deps.settings.lastCheck(),
      day: since(24 * 3600 * 1000),
      week: since(7 * 24 * 3600 * 1000),
      counts,
      oldestOpenAge: counts.oldestOpenSince ? describeAge(at - counts.oldestOpenSince.getTime()) : undefined,
      failures: rows.filter((row) => row.status === 'dead' || row.status === 'retrying').slice(0, 10),
      dci: await dciOverviewPanel(deps, now(), request.query['backfill']),
    });
  });

  /** The connection page: Lime's form, then DCI's section (`dci`: its view data, with an error when one is shown). */
  const renderConnection = async (
    request: SessionRequest,
    response: Response,
    status: number,
    dci: unknown,
    lime: { error?: { field: string; message: string } | undefined; saved?: boolean } = {},
  ) => {
    response.status(status).render('connection', {
      session: request.adminSession,
      view: await deps.settings.view(),
      check: deps.settings.lastCheck(),
      error: lime.error,
      saved: lime.saved === true,
      dci,
    });
  };

  app.get('/connection', async (request: SessionRequest, response) => {
    await renderConnection(request, response, 200, dciConnectionSection(deps, { notice: request.query['dci'] }), {
      saved: request.query['saved'] === '1',
    });
  });

  app.post('/connection', async (request: SessionRequest, response) => {
    // Form fields are strings; a field sent twice (an array) or missing counts as not given.
    const body = request.body as Record<string, unknown>;
    const field = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
    const apiKey = field('apiKey');
    const input: SettingsInput = {
      url: field('url'),
      apiKey: apiKey === '' ? undefined : apiKey,
      historyType: field('historyType'),
      createMissingContacts: field('createMissingContacts') === 'on',
      internalDomains: (field('internalDomains') ?? '').split(/[\s,]+/u).filter(Boolean),
    };
    try {
      await deps.settings.save(input);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      await renderConnection(request, response, 400, dciConnectionSection(deps), {
        error: { field: error.field, message: error.message },
      });
      return;
    }
    deps.wakeWorker();
    response.redirect(303, '/admin/connection?saved=1');
  });

  app.post('/connection/test', async (_request, response) => {
    await deps.settings.testConnection();
    response.redirect(303, '/admin/connection#test');
  });

  app.post('/connection/disconnect', async (_request, response) => {
    await deps.settings.disconnect();
    response.redirect(303, '/admin/connection');
  });

  addDciRoutes(app, deps, { now, renderConnection, wakeWorker: () => deps.wakeWorker() });

  app.get('/deliveries', async (request: SessionRequest, response) => {
    const status = DELIVERY_STATUSES.includes(String(request.query['status']) as DeliveryStatus)
      ? (String(request.query['status']) as DeliveryStatus)
      : undefined;
    const search =
      typeof request.query['q'] === 'string' && request.query['q'].trim() !== '' ? request.query['q'] : undefined;
    const from = parseDay(request.query['from']);
    const to = parseDay(request.query['to']);
    const rows = (await deps.store.listDeliveries({ status, search, limit: 200 })).filter(
      (row) =>
        (from === undefined || row.createdAt.getTime() >= from) &&
        (to === undefined || row.createdAt.getTime() < to + 24 * 3600 * 1000),
    );
    const withBadges = await Promise.all(
      rows.slice(0, 100).map(async (row) => {
        const detail = await deps.store.getDelivery(row.id);
        return {
          row,
          badges: (detail?.outcomes ?? []).map((outcome) => badgeFor(outcome)),
        };
      }),
    );
    response.render('deliveries', {
      session: request.adminSession,
      deliveries: withBadges,
      filter: { status, q: search ?? '', from: request.query['from'] ?? '', to: request.query['to'] ?? '' },
      statuses: DELIVERY_STATUSES,
      sourceLabel: SOURCE_LABEL,
    });
  });

  app.get('/deliveries/:id', async (request: SessionRequest, response) => {
    const page = await deliveryPage(deps, String(request.params['id']), request.query['summary'] === '1');
    if (!page) return response.status(404).render('message', notFound(request));
    return response.render('delivery', {
      session: request.adminSession,
      ...page,
      dryRun: undefined,
      notice: request.query['notice'],
    });
  });

  app.post('/deliveries/:id/retry', async (request, response) => {
    const id = String(request.params['id']);
    const done = await deps.store.requeue(id, now());
    deps.wakeWorker();
    response.redirect(303, `/admin/deliveries/${encodeURIComponent(id)}?notice=${done ? 'requeued' : 'busy'}`);
  });

  app.post('/deliveries/:id/rerun', async (request, response) => {
    const id = String(request.params['id']);
    const done = await deps.store.requeue(id, now());
    deps.wakeWorker();
    response.redirect(303, `/admin/deliveries/${encodeURIComponent(id)}?notice=${done ? 'rerun' : 'busy'}`);
  });

  app.post('/deliveries/:id/dry-run', async (request: SessionRequest, response) => {
    const page = await deliveryPage(deps, String(request.params['id']), false);
    if (!page) return response.status(404).render('message', notFound(request));
    const connector = deps.settings.connector();
    let dryRun: { report?: DeliveryReport; error?: string; enrichment?: string; record?: EnrichmentRecord };
    if (!connector || !page.summary || !page.payload) {
      dryRun = {
        error: page.detail.payloadRemoved
          ? 'The payload was removed: there is nothing to match.'
          : connector
            ? 'The stored payload cannot be read.'
            : 'No Lime connection is configured.',
      };
    } else {
      try {
        // What the real delivery sees: the payload completed from DCI's REST API first.
        let summary = page.summary;
        let enrichment: string | undefined;
        let record: EnrichmentRecord | undefined;
        if (deps.enrich) {
          const enriched = await deps.enrich(page.payload, page.summary, { firstReceivedAt: page.detail.createdAt });
          if (enriched.kind === 'wait') {
            enrichment = `DCI could not be read: ${enriched.error.message} This dry run uses the payload as stored.`;
          } else {
            summary = enriched.summary;
            record = enriched.record;
          }
        }
        const report = await connector.deliver(summary, { ...deps.settings.deliverOptions(), dryRun: true });
        dryRun = { report, ...(enrichment === undefined ? {} : { enrichment }), ...(record ? { record } : {}) };
      } catch (error) {
        dryRun = { error: error instanceof Error ? error.message : 'The dry run failed.' };
      }
    }
    return response.render('delivery', { session: request.adminSession, ...page, dryRun, notice: undefined });
  });

  app.get('/dead-letters', async (request: SessionRequest, response) => {
    response.render('dead-letters', {
      session: request.adminSession,
      deliveries: await deps.store.listDeliveries({ status: 'dead', limit: 200 }),
      notice: request.query['notice'],
    });
  });

  app.post('/dead-letters/requeue-all', async (_request, response) => {
    const count = await deps.store.requeueAllDead(now());
    deps.wakeWorker();
    response.redirect(303, `/admin/dead-letters?notice=${count}`);
  });

  app.post('/dead-letters/:id/requeue', async (request, response) => {
    await deps.store.requeue(String(request.params['id']), now());
    deps.wakeWorker();
    response.redirect(303, '/admin/dead-letters?notice=1');
  });

  app.use((request: SessionRequest, response) => {
    response.status(404).render('message', notFound(request));
  });
  app.use((error: unknown, request: SessionRequest, response: Response, _next: NextFunction) => {
    deps.logger.error({ err: error }, 'admin page failed');
    response.status(500).render('message', {
      title: 'Something went wrong',
      message: 'The page failed; the receiver log has the details.',
      session: request.adminSession,
    });
  });
  return app;
}

function notFound(request: SessionRequest) {
  return { title: 'Not found', message: 'There is nothing at this address.', session: request.adminSession };
}

async function deliveryPage(deps: AdminDeps, id: string, showSummary: boolean) {
  const detail = await deps.store.getDelivery(id);
  if (!detail) return undefined;
  const body = await deps.store.getEventBody(detail.eventId);
  let summary: MeetingSummary | undefined;
  let payload: Record<string, unknown> | undefined;
  if (body) {
    try {
      const json = JSON.parse(body.toString('utf8')) as unknown;
      const parsed = parseSummaryPayload(json);
      if (parsed.ok) {
        summary = parsed.summary;
        payload = json as Record<string, unknown>;
      }
    } catch {
      summary = undefined;
    }
  }
  const stored = summary?.participants.length ?? 0;
  const participants = summary
    ? [
        ...summary.participants.map((participant, index) => {
          const outcome = detail.outcomes.find((candidate) => candidate.participantIndex === index);
          return { index, participant, outcome, badge: badgeFor(outcome, detail.status === 'dead'), fromRest: false };
        }),
        // Participants DCI's REST API added (not in the stored payload): their outcomes are all there is to show.
        ...detail.outcomes
          .filter((outcome) => outcome.participantIndex >= stored)
          .map((outcome) => ({
            index: outcome.participantIndex,
            participant: { name: undefined },
            outcome,
            badge: badgeFor(outcome, detail.status === 'dead'),
            fromRest: true,
          })),
      ]
    : // The payload was removed: the outcomes (kinds and Lime ids, no names) are all that is left to show.
      detail.outcomes.map((outcome) => ({
        index: outcome.participantIndex,
        participant: { name: undefined },
        outcome,
        badge: badgeFor(outcome, detail.status === 'dead'),
        fromRest: false,
      }));
  return {
    detail,
    summary,
    payload,
    participants,
    showSummary,
    source: SOURCE_LABEL[detail.source],
    enrichment: detail.enrichment
      ? { record: detail.enrichment, badge: enrichmentBadge(detail.enrichment) }
      : undefined,
  };
}

function tally(rows: readonly DeliveryRow[]): Record<DeliveryStatus, number> & { total: number } {
  const counts = { pending: 0, in_progress: 0, retrying: 0, delivered: 0, dead: 0, total: rows.length };
  for (const row of rows) counts[row.status] += 1;
  return counts;
}

function describeAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

function parseDay(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/u.test(value)) return undefined;
  const time = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(time) ? undefined : time;
}

function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined; // a garbled cookie is no session
    }
  }
  return undefined;
}
