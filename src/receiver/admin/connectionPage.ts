import type { Response } from 'express';
import type { ConnectionSettingsService } from '../settings/connectionSettings';
import type { SessionRequest } from './sessionRequest';

/** What the connection page reads of the Lime settings. */
export type ConnectionPageSettings = Pick<ConnectionSettingsService, 'view' | 'lastCheck'>;

/** The connection page: Lime's form, then DCI's section (`dci`: its view data, with an error when one is shown). */
export async function renderConnectionPage(
  settings: ConnectionPageSettings,
  request: SessionRequest,
  response: Response,
  status: number,
  dci: unknown,
  lime: { error?: { field: string; message: string } | undefined; saved?: boolean } = {},
): Promise<void> {
  response.status(status).render('connection', {
    session: request.adminSession,
    view: await settings.view(),
    check: settings.lastCheck(),
    error: lime.error,
    saved: lime.saved === true,
    dci,
  });
}
