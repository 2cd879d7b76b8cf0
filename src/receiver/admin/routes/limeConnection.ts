import type { Router } from 'express';
import { SettingsError, type ConnectionSettingsService, type SettingsInput } from '../../settings/connectionSettings';
import { CONNECTION_PAGE, connectionNotice, renderConnectionPage } from '../connectionPage';
import { dciConnectionSection, type DciSectionDeps } from '../dciAdmin';
import { formFields } from '../formFields';
import type { SessionRequest } from '../sessionRequest';
import { addTestAndDisconnectRoutes, takeConnectionNotices } from './crmConnectionActions';

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
    const notices = takeConnectionNotices(request, 'lime');
    await renderConnectionPage(settings, request, response, 200, dciConnectionSection(deps, { notice: notices.dci }), {
      notice: notices.crm,
    });
  });

  router.post('/connection', async (request: SessionRequest, response) => {
    const field = formFields(request);
    const apiKey = field('apiKey');
    const input: SettingsInput = {
      url: field('url'),
      apiKey: apiKey === '' ? undefined : apiKey,
      historyType: field('historyType'),
      createMissingContacts: field('createMissingContacts') === 'on',
      internalDomains: (field('internalDomains') ?? '').split(/[\s,]+/u).filter(Boolean),
      companyNotes: field('companyNotes') === 'on',
      noteLanguage: field('noteLanguage'),
      linkDeal: field('linkDeal') === 'on',
      historyTypeMap: field('historyTypeMap'),
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
          companyNotes: input.companyNotes,
          noteLanguage: input.noteLanguage,
          linkDeal: input.linkDeal,
          historyTypeMap: input.historyTypeMap,
        },
        keyTyped: input.apiKey !== undefined,
      });
      return;
    }
    deps.wakeWorker();
    connectionNotice(request, 'lime:saved');
    response.redirect(303, CONNECTION_PAGE);
  });

  addTestAndDisconnectRoutes(
    router,
    {
      side: 'lime',
      name: 'Lime',
      removed: 'The stored Lime CRM API URL and API key are removed (settings from the environment stay).',
      kept: 'Nothing is deleted: notes already in Lime stay, and so do the deliveries, their history and the other settings.',
    },
    settings,
  );
}
