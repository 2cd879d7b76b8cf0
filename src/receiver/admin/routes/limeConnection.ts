import type { Router } from 'express';
import { SettingsError, type ConnectionSettingsService, type SettingsInput } from '../../settings/connectionSettings';
import { takeFlash } from '../adminFlash';
import { CONNECTION_PAGE, connectionNotice, renderConnectionPage } from '../connectionPage';
import { dciConnectionSection, type DciSectionDeps } from '../dciAdmin';
import type { SessionRequest } from '../sessionRequest';

/** The connection page (GET) and Lime's actions on it: Save, Test connection, Disconnect (asked first). */
export function addLimeConnectionRoutes(
  router: Router,
  deps: DciSectionDeps & {
    settings: Pick<ConnectionSettingsService, 'view' | 'lastCheck' | 'save' | 'testConnection' | 'disconnect'>;
    wakeWorker: () => void;
  },
): void {
  const { settings } = deps;

  router.get('/connection', async (request: SessionRequest, response) => {
    // What the last Save, Disconnect or Remove did: a one-shot message (never in the URL, so a reload shows none).
    const [side, notice] = (takeFlash(request.adminSession, CONNECTION_PAGE)?.code ?? '').split(':');
    await renderConnectionPage(
      settings,
      request,
      response,
      200,
      dciConnectionSection(deps, { notice: side === 'dci' ? notice : undefined }),
      { notice: side === 'lime' && (notice === 'saved' || notice === 'disconnected') ? notice : undefined },
    );
  });

  router.post('/connection', async (request: SessionRequest, response) => {
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
      await settings.save(input);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      // The page again, with what was typed (the key only as "typed": it is never sent back) and the error at its
      // field: a redirect would lose the input.
      await renderConnectionPage(settings, request, response, 400, dciConnectionSection(deps), {
        error: { field: error.field, message: error.message },
        typed: {
          url: input.url,
          historyType: input.historyType,
          createMissingContacts: input.createMissingContacts,
          internalDomains: field('internalDomains'),
        },
        keyTyped: input.apiKey !== undefined,
      });
      return;
    }
    deps.wakeWorker();
    connectionNotice(request, 'lime:saved');
    response.redirect(303, CONNECTION_PAGE);
  });

  router.post('/connection/test', async (_request, response) => {
    await settings.testConnection();
    response.redirect(303, '/admin/connection#test');
  });

  // Disconnect asks first, without script: the button opens this page, whose form posts with confirm=yes.
  router.get('/connection/disconnect', (request: SessionRequest, response) => {
    response.render('confirm', {
      session: request.adminSession,
      title: 'Disconnect Lime?',
      consequences: [
        'The stored Lime CRM API URL and API key are removed (settings from the environment stay).',
        'New summaries are still received and stored: their deliveries wait until you connect again, then go out.',
        'Nothing is deleted: notes already in Lime stay, and so do the deliveries, their history and the other settings.',
      ],
      action: '/admin/connection/disconnect',
      confirmLabel: 'Yes, disconnect Lime',
      cancelHref: '/admin/connection',
      cancelLabel: 'No, keep the connection',
    });
  });

  router.post('/connection/disconnect', async (request: SessionRequest, response) => {
    if ((request.body as Record<string, unknown>)['confirm'] !== 'yes') {
      return response.redirect(303, '/admin/connection/disconnect');
    }
    await settings.disconnect();
    connectionNotice(request, 'lime:disconnected');
    return response.redirect(303, CONNECTION_PAGE);
  });
}
