import { crmDisplayName } from '../config/crmInEffect';
import { join } from 'node:path';
import express, { type NextFunction, type Response } from 'express';
import helmet from 'helmet';
import type { AlertSender } from '../alerts/alertSender';
import type { CrmAvailabilityState } from '../deliver/crmAvailability';
import type { Logger } from '../observability/logger';
import type { ConnectionSettingsService } from '../settings/connectionSettings';
import type { ContactIndexStore } from '../store/ports/contactIndexStore';
import type { DeliveryQueue } from '../store/ports/deliveryQueue';
import type { DeliveryReads } from '../store/ports/deliveryReads';
import { countNoun } from '../../core/countNoun';
import type { DeliveryStats } from '../store/ports/deliveryStats';
import { AdminSessions, csrfMatches } from './adminSessions';
import { adminTime } from './adminTime';
import type { DciAdminDeps } from './dciAdmin';
import { messageHtml } from './messageHtml';
import { notFound } from './messagePages';
import { navLinks } from './navigation';
import { addDciBackfillRoute } from './routes/dciBackfill';
import { addDciConnectionRoutes } from './routes/dciConnection';
import { addDeadLetterRoutes } from './routes/deadLetters';
import type { CrmWebUrls } from './crmWebLinks';
import type { ParticipantQuery } from '../secrets/participantLookup';
import { addDeliveriesRoute } from './routes/deliveries';
import type { PersonSearch } from './personSearch';
import { addAssignParticipantRoute, type AssignParticipant } from './routes/assignParticipant';
import { addDeliveryRoutes } from './routes/delivery';
import { addDryRunRoute } from './routes/dryRun';
import { addLimeConnectionRoutes } from './routes/limeConnection';
import { addOverviewRoute } from './routes/overview';
import { addSuperOfficeConnectionRoutes } from './routes/superOfficeConnection';
import { addSignInRoutes } from './routes/signIn';
import { addSignOutRoute } from './routes/signOut';
import { readSessionCookie } from './sessionCookie';
import type { SessionRequest } from './sessionRequest';

/** Methods that change nothing; every other one needs the CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** views/ at the repository root: the same from src/ (tests) and dist/ (production). */
export const VIEWS_DIR = join(__dirname, '..', '..', '..', 'views');

/** What the admin pages read and change in the store: the delivery log, requeues, the contact index's state. */
export type AdminStore = DeliveryReads &
  DeliveryStats &
  Pick<DeliveryQueue, 'requeue' | 'requeueAllDead'> &
  Pick<ContactIndexStore, 'contactIndexState' | 'contactIndexDuplicates'>;

export interface AdminDeps extends DciAdminDeps {
  store: AdminStore;
  settings: ConnectionSettingsService;
  /** Checks the admin password; undefined when none is configured: the pages are off. */
  checkPassword: ((password: string) => Promise<boolean>) | undefined;
  /** How the contact index is kept fresh, in words ('off' when it is off), for the overview. */
  contactIndexMode?: (() => string) | undefined;
  /** The Lime outage circuit, for the overview; absent: not shown. */
  crmAvailability?: (() => CrmAvailabilityState) | undefined;
  /** Alerting (whether it is configured, the recent alerts), for the overview; absent: not shown. */
  alerts?: Pick<AlertSender, 'configured' | 'format' | 'recent'> | undefined;
  /** An admin's "this participant is that person" (issue 19); absent: the delivery page offers no assignment. */
  assignParticipant?: AssignParticipant | undefined;
  /** The delivery page's search for that person (Lime's contact index); absent: the page offers the id field only. */
  searchPersons?: PersonSearch | undefined;
  /** Makes the worker look for due work now (after Retry now / requeue). */
  wakeWorker: () => void;
  logger: Logger;
  now?: (() => Date) | undefined;
  /**
   * TIME_ZONE: every time on the pages is shown in it (the zone the notes use), and the overview's pictures count days
   * in it; UTC when not given.
   */
  timeZone?: string | undefined;
  /**
   * Reads a search as a participant's e-mail or phone number, hashed as the lookup rows are; absent: the deliveries
   * are searched by title and conversation id only.
   */
  participantQuery?: ((text: string) => ParticipantQuery | undefined) | undefined;
  /** LIME_WEB_URL, SUPEROFFICE_WEB_URL: the delivery page links the CRM ids of its outcomes to the web client. */
  crmWebUrls?: CrmWebUrls | undefined;
}

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
  // What every view may use: times in the one configured zone, messages with `code` rendered, counted nouns.
  const time = adminTime(deps.timeZone ?? 'UTC');
  Object.assign(app.locals, {
    timeHtml: time.html,
    timeText: time.text,
    timeZone: time.zone,
    messageHtml,
    countNoun,
  });

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
  app.use((request, response, next) => {
    response.set('Cache-Control', 'no-store');
    // The header's nav, with this page's section marked (res.locals reach every view and its partials).
    response.locals['nav'] = navLinks(request.path);
    // The CRM in effect, named where a page speaks of it (the overview's connection, its help texts).
    response.locals['crmName'] = crmDisplayName(deps.settings.crm);
    next();
  });

  if (!deps.checkPassword) {
    app.use((_request, response) => {
      response.status(404).render('off');
    });
    return app;
  }

  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use((request: SessionRequest, _response, next) => {
    request.adminSession = sessions.get(readSessionCookie(request));
    next();
  });
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

  addSignInRoutes(app, { sessions, checkPassword: deps.checkPassword, logger: deps.logger, now });

  // Everything below needs a signed-in session.
  app.use((request: SessionRequest, response, next: NextFunction) => {
    if (request.adminSession?.signedIn) return next();
    return response.redirect(303, '/admin/sign-in');
  });

  const { store, settings, logger } = deps;
  // The CRM in effect's queue target: its deliveries are the ones this receiver claims, counts as open and requeues.
  const target = settings.crm ?? 'lime';
  const wakeWorker = () => deps.wakeWorker();
  addSignOutRoute(app, { sessions });
  addOverviewRoute(app, { ...deps, now });
  // The connection page of the CRM in effect (CRM): SuperOffice's settings service carries `superOffice`.
  const { superOffice } = settings;
  if (superOffice === undefined) addLimeConnectionRoutes(app, { ...deps, wakeWorker });
  else addSuperOfficeConnectionRoutes(app, { ...deps, superOffice, wakeWorker });
  addDciConnectionRoutes(app, { ...deps, wakeWorker });
  addDciBackfillRoute(app, { dci: deps.dci, backfill: deps.backfill, logger, now });
  addDeliveriesRoute(app, { store, target, timeZone: deps.timeZone, participantQuery: deps.participantQuery });
  addDeliveryRoutes(app, {
    store,
    target,
    wakeWorker,
    now,
    crmWebUrls: deps.crmWebUrls,
    searchPersons: deps.searchPersons,
  });
  addAssignParticipantRoute(app, { assign: deps.assignParticipant, now });
  addDryRunRoute(app, { store, settings, enrich: deps.enrich });
  addDeadLetterRoutes(app, { store, target, wakeWorker, now });

  app.use((request: SessionRequest, response) => {
    response.status(404).render('message', notFound(request));
  });
  app.use((error: unknown, request: SessionRequest, response: Response, _next: NextFunction) => {
    logger.error({ err: error }, 'admin page failed');
    response.status(500).render('message', {
      title: 'Something went wrong',
      message: 'The page failed; the receiver log has the details.',
      session: request.adminSession,
    });
  });
  return app;
}
