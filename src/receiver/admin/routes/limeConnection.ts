import type { Router } from 'express';
import { SettingsError, type ConnectionSettingsService, type SettingsInput } from '../../settings/connectionSettings';
import { renderConnectionPage } from '../connectionPage';
import { dciConnectionSection, type DciSectionDeps } from '../dciAdmin';
import type { SessionRequest } from '../sessionRequest';

/** The connection page (GET) and Lime's actions on it: Save, Test connection, Disconnect. */
export function addLimeConnectionRoutes(
  router: Router,
  deps: DciSectionDeps & {
    settings: Pick<ConnectionSettingsService, 'view' | 'lastCheck' | 'save' | 'testConnection' | 'disconnect'>;
    wakeWorker: () => void;
  },
): void {
  const { settings } = deps;

  router.get('/connection', async (request: SessionRequest, response) => {
    await renderConnectionPage(
      settings,
      request,
      response,
      200,
      dciConnectionSection(deps, { notice: request.query['dci'] }),
      { saved: request.query['saved'] === '1' },
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
      await renderConnectionPage(settings, request, response, 400, dciConnectionSection(deps), {
        error: { field: error.field, message: error.message },
      });
      return;
    }
    deps.wakeWorker();
    response.redirect(303, '/admin/connection?saved=1');
  });

  router.post('/connection/test', async (_request, response) => {
    await settings.testConnection();
    response.redirect(303, '/admin/connection#test');
  });

  router.post('/connection/disconnect', async (_request, response) => {
    await settings.disconnect();
    response.redirect(303, '/admin/connection');
  });
}
