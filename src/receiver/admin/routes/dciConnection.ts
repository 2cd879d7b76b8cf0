import type { Router } from 'express';
import { DciSettingsError } from '../../settings/dciSettings';
import { renderConnectionPage, type ConnectionPageSettings } from '../connectionPage';
import { dciConnectionSection, type DciSectionDeps } from '../dciAdmin';
import { dciNotConfigured } from '../messagePages';

/** DCI's actions on the connection page: Save, Test connection and Remove. */
export function addDciConnectionRoutes(
  router: Router,
  deps: DciSectionDeps & { settings: ConnectionPageSettings; wakeWorker: () => void },
): void {
  router.post('/connection/dci', async (request, response) => {
    if (deps.dci === undefined) return dciNotConfigured(response);
    const body = request.body as Record<string, unknown>;
    const field = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
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
        dciConnectionSection(deps, { error: { field: error.field, message: error.message }, typedUrl: url }),
      );
    }
    deps.wakeWorker();
    return response.redirect(303, '/admin/connection?dci=saved#dci');
  });

  router.post('/connection/dci/test', async (_request, response) => {
    if (deps.dci === undefined) return dciNotConfigured(response);
    const check = await deps.dci.testConnection();
    return response.redirect(303, `/admin/connection?dci=${check === undefined ? 'off' : 'tested'}#dci-test`);
  });

  router.post('/connection/dci/remove', async (_request, response) => {
    if (deps.dci === undefined) return dciNotConfigured(response);
    await deps.dci.clear();
    return response.redirect(303, '/admin/connection?dci=removed#dci');
  });
}
