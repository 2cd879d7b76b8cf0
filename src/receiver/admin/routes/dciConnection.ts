import type { Router } from 'express';
import { DciSettingsError } from '../../settings/dciSettings';
import {
  CONNECTION_PAGE,
  connectionNotice,
  renderConnectionPage,
  type ConnectionPageSettings,
} from '../connectionPage';
import { dciConnectionSection, type DciSectionDeps } from '../dciAdmin';
import { dciNotConfigured } from '../messagePages';
import { formFields } from '../formFields';
import type { SessionRequest } from '../sessionRequest';

/** DCI's actions on the connection page: Save, Test connection and Remove (asked first). */
export function addDciConnectionRoutes(
  router: Router,
  deps: DciSectionDeps & { settings: ConnectionPageSettings; wakeWorker: () => void },
): void {
  router.post('/connection/dci', async (request: SessionRequest, response) => {
    if (deps.dci === undefined) return dciNotConfigured(response);
    const field = formFields(request);
    const url = field('dciUrl');
    const token = field('dciToken');
    try {
      await deps.dci.save({ url, token: token === '' ? undefined : token });
    } catch (error) {
      if (!(error instanceof DciSettingsError)) throw error;
      // The URL as typed is kept; a typed token is never sent back.
      return renderConnectionPage(
        deps.settings,
        request,
        response,
        400,
        dciConnectionSection(deps, {
          error: { field: error.field, message: error.message },
          typedUrl: url,
          tokenTyped: token !== undefined && token !== '',
        }),
      );
    }
    deps.wakeWorker();
    connectionNotice(request, 'dci:saved');
    return response.redirect(303, `${CONNECTION_PAGE}#dci`);
  });

  router.post('/connection/dci/test', async (request: SessionRequest, response) => {
    if (deps.dci === undefined) return dciNotConfigured(response);
    const check = await deps.dci.testConnection();
    connectionNotice(request, check === undefined ? 'dci:off' : 'dci:tested');
    return response.redirect(303, `${CONNECTION_PAGE}#dci-test`);
  });

  // Remove asks first, without script: the button opens this page, whose form posts with confirm=yes.
  router.get('/connection/dci/remove', (request: SessionRequest, response) => {
    if (deps.dci === undefined) return dciNotConfigured(response);
    return response.render('confirm', {
      session: request.adminSession,
      title: 'Remove the DCI settings?',
      consequences: [
        'The DCI API URL and token saved here are removed (those set in the environment stay).',
        "Polling DCI's REST API and enrichment stop; webhooks from DCI still arrive when webhook secrets are set.",
        'Nothing is deleted: deliveries, their history and the notes already written stay.',
      ],
      action: '/admin/connection/dci/remove',
      confirmLabel: 'Yes, remove the DCI settings',
      cancelHref: '/admin/connection#dci',
      cancelLabel: 'No, keep them',
    });
  });

  router.post('/connection/dci/remove', async (request: SessionRequest, response) => {
    if (deps.dci === undefined) return dciNotConfigured(response);
    if ((request.body as Record<string, unknown>)['confirm'] !== 'yes') {
      return response.redirect(303, '/admin/connection/dci/remove');
    }
    await deps.dci.clear();
    connectionNotice(request, 'dci:removed');
    return response.redirect(303, `${CONNECTION_PAGE}#dci`);
  });
}
