import type { Router } from 'express';
import type { ConnectionSettingsService } from '../../settings/connectionSettings';
import {
  SUPEROFFICE_SECRETS,
  SuperOfficeSettingsError,
  type SuperOfficeSettingsAccess,
  type SuperOfficeSettingsInput,
} from '../../settings/superOfficeSettings';
import { CONNECTION_PAGE, connectionNotice } from '../connectionPage';
import { dciConnectionSection, type DciSectionDeps } from '../dciAdmin';
import { formFields } from '../formFields';
import type { SessionRequest } from '../sessionRequest';
import { renderSuperOfficeConnectionPage } from '../superOfficeConnectionPage';
import { addTestAndDisconnectRoutes, takeConnectionNotices } from './crmConnectionActions';

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
    const notices = takeConnectionNotices(request, 'superoffice');
    renderSuperOfficeConnectionPage(
      superOffice,
      settings.lastCheck(),
      request,
      response,
      200,
      dciConnectionSection(deps, { notice: notices.dci }),
      { notice: notices.crm },
    );
  });

  router.post('/connection', async (request: SessionRequest, response) => {
    const field = formFields(request);
    // The plain fields as typed: saved (the domains as a list), or shown again with an error (the domains as typed).
    const plain = {
      url: field('url'),
      auth: field('auth'),
      username: field('username'),
      clientId: field('clientId'),
      loginUrl: field('loginUrl'),
      taskType: field('taskType'),
      defaultAssociateId: field('defaultAssociateId'),
      createMissingContacts: field('createMissingContacts') === 'on',
      companyNotes: field('companyNotes') === 'on',
      noteLanguage: field('noteLanguage'),
      linkDeal: field('linkDeal') === 'on',
      historyTypeMap: field('historyTypeMap'),
    };
    const input: SuperOfficeSettingsInput = {
      ...plain,
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
          typed: { ...plain, internalDomains: field('internalDomains') },
          secretsTyped: SUPEROFFICE_SECRETS.some((name) => input[name] !== undefined),
        },
      );
      return;
    }
    deps.wakeWorker();
    connectionNotice(request, 'superoffice:saved');
    response.redirect(303, CONNECTION_PAGE);
  });

  addTestAndDisconnectRoutes(
    router,
    {
      side: 'superoffice',
      name: 'SuperOffice',
      removed: 'The stored WebAPI URL and credentials are removed (settings from the environment stay).',
      kept: 'Nothing is deleted: appointments already in SuperOffice stay, and so do the deliveries, their history and the other settings.',
    },
    { testConnection: () => settings.testConnection(), disconnect: () => superOffice.disconnect() },
  );
}
