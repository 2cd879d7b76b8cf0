import type { Router } from 'express';
import type { Logger } from '../../observability/logger';
import type { BackfillStart } from '../../poll/backfillJob';
import { setFlash } from '../adminFlash';
import type { DciAdminDeps } from '../dciAdmin';
import { dciNotConfigured } from '../messagePages';
import type { SessionRequest } from '../sessionRequest';

/** The overview's Backfill form: fetches DCI's finished conversations since a day (within DCI's window). */
export function addDciBackfillRoute(
  router: Router,
  deps: Pick<DciAdminDeps, 'dci' | 'backfill'> & { logger: Pick<Logger, 'info'>; now: () => Date },
): void {
  router.post('/dci/backfill', async (request: SessionRequest, response) => {
    if (deps.dci === undefined || deps.backfill === undefined) return dciNotConfigured(response);
    const since = (request.body as Record<string, unknown>)['since'];
    const day =
      typeof since === 'string' && /^\d{4}-\d{2}-\d{2}$/u.test(since) ? Date.parse(`${since}T00:00:00Z`) : NaN;
    let outcome: BackfillStart | 'invalid';
    if (Number.isNaN(day) || day > deps.now().getTime()) outcome = 'invalid';
    else outcome = await deps.backfill.start(new Date(day));
    if (outcome === 'started') deps.logger.info({ since }, 'DCI backfill started from the admin pages');
    // A one-shot flash, not a URL parameter: a reload of the overview does not say "started" again.
    setFlash(request.adminSession, { page: '/admin', code: outcome, at: deps.now() });
    return response.redirect(303, '/admin#dci');
  });
}
