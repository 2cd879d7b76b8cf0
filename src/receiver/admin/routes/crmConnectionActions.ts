import type { Router } from 'express';
import { takeFlash } from '../adminFlash';
import { CONNECTION_PAGE, connectionNotice } from '../connectionPage';
import type { SessionRequest } from '../sessionRequest';

/** Which CRM's actions: its flash prefix (`lime:saved`), its name on the page, and what Disconnect removes and keeps. */
export interface CrmConnectionWords {
  side: 'lime' | 'superoffice';
  name: string;
  /** "The stored … are removed (settings from the environment stay)." */
  removed: string;
  /** "Nothing is deleted: … already in the CRM stay, …" */
  kept: string;
}

/**
 * What the last Save, Disconnect or Remove did, for the connection page: a one-shot message (never in the URL, so
 * a reload shows none), split into DCI's notice and the CRM's.
 */
export function takeConnectionNotices(
  request: SessionRequest,
  side: CrmConnectionWords['side'],
): { dci: string | undefined; crm: 'saved' | 'disconnected' | undefined } {
  const [from, notice] = (takeFlash(request.adminSession, CONNECTION_PAGE)?.code ?? '').split(':');
  return {
    dci: from === 'dci' ? notice : undefined,
    crm: from === side && (notice === 'saved' || notice === 'disconnected') ? notice : undefined,
  };
}

/** Test connection, and Disconnect (asked first, without script: the button opens a page whose form confirms). */
export function addTestAndDisconnectRoutes(
  router: Router,
  words: CrmConnectionWords,
  actions: { testConnection(): Promise<unknown>; disconnect(): Promise<void> },
): void {
  router.post('/connection/test', async (_request, response) => {
    await actions.testConnection();
    response.redirect(303, '/admin/connection#test');
  });

  router.get('/connection/disconnect', (request: SessionRequest, response) => {
    response.render('confirm', {
      session: request.adminSession,
      title: `Disconnect ${words.name}?`,
      consequences: [
        words.removed,
        'New summaries are still received and stored: their deliveries wait until you connect again, then go out.',
        words.kept,
      ],
      action: '/admin/connection/disconnect',
      confirmLabel: `Yes, disconnect ${words.name}`,
      cancelHref: '/admin/connection',
      cancelLabel: 'No, keep the connection',
    });
  });

  router.post('/connection/disconnect', async (request: SessionRequest, response) => {
    if ((request.body as Record<string, unknown>)['confirm'] !== 'yes') {
      return response.redirect(303, '/admin/connection/disconnect');
    }
    await actions.disconnect();
    connectionNotice(request, `${words.side}:disconnected`);
    return response.redirect(303, CONNECTION_PAGE);
  });
}
