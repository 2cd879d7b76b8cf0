import type { Router } from 'express';
import type { ConnectionSettingsService } from '../../settings/connectionSettings';
import {
  SUPEROFFICE_SECRETS,
  SuperOfficeSettingsError,
  type SuperOfficeSettingsAccess,
  type SuperOfficeSettingsInput,
} from '../../settings/superOfficeSettings';
import { takeFlash } from '../adminFlash';
import { CONNECTION_PAGE, connectionNotice } from '../connectionPage';
import { dciConnectionSection, type DciSectionDeps } from '../dciAdmin';
import type { SessionRequest } from '../sessionRequest';
import { renderSuperOfficeConnectionPage } from '../superOfficeConnectionPage';

/** The connection page with CRM=superoffice (GET) and SuperOffice's actions: Save, Test connection, Disconnect. */
export function addSuperOfficeConnectionRoutes(
  router: Router,
  deps: DciSectionDeps & {
    settings: Pick<ConnectionSettingsService, 'lastCheck' | 'testConnection'>;
    superOffice: SuperOfficeSettingsAccess;
    wakeWorker: () => void;
  },
): void {
  const { settings, superOffice } = deps;

  router.get('/connection', (request: SessionRequest, response) => {
    const [side, notice] = (takeFlash(request.adminSession, CONNECTION_PAGE)?.code ?? '').split(':');
    renderSuperOfficeConnectionPage(
      superOffice,
      settings.lastCheck(),
      request,
      response,
      200,
      dciConnectionSection(deps, { notice: side === 'dci' ? notice : undefined }),
      {
        notice: side === 'superoffice' && (notice === 'saved' || notice === 'disconnected') ? notice : undefined,
      },
    );
  });

  router.post('/connection', async (request: SessionRequest, response) => {
    // Form fields are strings; a field sent twice (an array) or missing counts as not given.
    const body = request.body as Record<string, unknown>;
    const field = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
    const input: SuperOfficeSettingsInput = {
      url: field('url'),
      auth: field('auth'),
      username: field('username'),
      clientId: field('clientId'),
      loginUrl: field('loginUrl'),
      taskType: field('taskType'),
      defaultAssociateId: field('defaultAssociateId'),
      createMissingContacts: field('createMissingContacts') === 'on',
      internalDomains: (field('internalDomains') ?? '').split(/[\s,]+/u).filter(Boolean),
    };
    for (const name of SUPEROFFICE_SECRETS) {
      const secret = field(name);
      if (secret !== undefined && secret !== '') input[name] = secret;
    }
    try {
      await superOffice.save(input);
    } catch (error) {
      if (!(error instanceof SuperOfficeSettingsError)) throw error;
      renderSuperOfficeConnectionPage(
        superOffice,
        settings.lastCheck(),
        request,
        response,
        400,
        dciConnectionSection(deps),
        {
          error: { field: error.field, message: error.message },
          typed: {
            url: field('url'),
            auth: field('auth'),
            username: field('username'),
            clientId: field('clientId'),
            loginUrl: field('loginUrl'),
            taskType: field('taskType'),
            defaultAssociateId: field('defaultAssociateId'),
            createMissingContacts: field('createMissingContacts') === 'on',
            internalDomains: field('internalDomains'),
          },
          secretsTyped: SUPEROFFICE_SECRETS.some((name) => input[name] !== undefined),
        },
      );
      return;
    }
    deps.wakeWorker();
    connectionNotice(request, 'superoffice:saved');
    response.redirect(303, CONNECTION_PAGE);
  });

  router.post('/connection/test', async (_request, response) => {
    await settings.testConnection();
    response.redirect(303, '/admin/connection#test');
  });

  router.get('/connection/disconnect', (request: SessionRequest, response) => {
    response.render('confirm', {
      session: request.adminSession,
      title: 'Disconnect SuperOffice?',
      consequences: [
        'The stored WebAPI URL and credentials are removed (settings from the environment stay).',
        'New summaries are still received and stored: their deliveries wait until you connect again, then go out.',
        'Nothing is deleted: appointments already in SuperOffice stay, and so do the deliveries, their history and the other settings.',
      ],
      action: '/admin/connection/disconnect',
      confirmLabel: 'Yes, disconnect SuperOffice',
      cancelHref: '/admin/connection',
      cancelLabel: 'No, keep the connection',
    });
  });

  router.post('/connection/disconnect', async (request: SessionRequest, response) => {
    if ((request.body as Record<string, unknown>)['confirm'] !== 'yes') {
      return response.redirect(303, '/admin/connection/disconnect');
    }
    await superOffice.disconnect();
    connectionNotice(request, 'superoffice:disconnected');
    return response.redirect(303, CONNECTION_PAGE);
  });
}
