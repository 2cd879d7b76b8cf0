import type { Response } from 'express';
import { NOTE_LANGUAGE_NAMES, NOTE_LANGUAGES } from '../../core';
import type { ConnectionSettingsService, SettingName, SettingsView } from '../settings/connectionSettings';
import { setFlash } from './adminFlash';
import type { SessionRequest } from './sessionRequest';
import { renderSuperOfficeConnectionPage } from './superOfficeConnectionPage';

/** What the connection page reads of the Lime settings. */
export type ConnectionPageSettings = Pick<ConnectionSettingsService, 'view' | 'lastCheck' | 'superOffice'>;

/** The Lime form as the admin typed it, shown again after a validation error (never the API key). */
export interface LimeTyped {
  url?: string | undefined;
  historyType?: string | undefined;
  createMissingContacts?: boolean | undefined;
  /** The text of the domains field as typed. */
  internalDomains?: string | undefined;
  companyNotes?: boolean | undefined;
  noteLanguage?: string | undefined;
  linkDeal?: boolean | undefined;
  historyTypeMap?: string | undefined;
}

/** The notice after a Lime action, from the redirect's query. */
export type LimeNotice = 'saved' | 'disconnected' | undefined;

/** What Test connection still needs before it can run, in words: empty once a URL and a key are in effect. */
export function limeMissing(view: SettingsView): string[] {
  const missing: string[] = [];
  if (view.settings.url === undefined) missing.push('the Lime CRM API URL');
  if (!view.settings.apiKeySet) missing.push('the API key');
  return missing;
}

/** `a`, `a and b`, `a, b and c`. */
export function listInWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The input id of each Lime setting, for the error summary's links and aria-describedby. */
export const LIME_FIELD_ID: Record<SettingName, string> = {
  url: 'url',
  apiKey: 'apiKey',
  historyType: 'historyType',
  createMissingContacts: 'createMissingContacts',
  internalDomains: 'internalDomains',
  companyNotes: 'companyNotes',
  noteLanguage: 'noteLanguage',
  linkDeal: 'linkDeal',
  historyTypeMap: 'historyTypeMap',
};

/** The note languages as both connection pages' select offers them, in the order of NOTE_LANGUAGES. */
export const NOTE_LANGUAGE_OPTIONS = NOTE_LANGUAGES.map((code) => ({ code, name: NOTE_LANGUAGE_NAMES[code] }));

/**
 * The connection page: Lime's form, then DCI's section (`dci`: its view data, with an error when one is shown).
 * After a validation error the page comes back with what was typed (`typed`; a typed key only as `keyTyped`: it
 * is never sent back, the page asks for it again) and the error beside its field and in a summary at the top.
 */
export async function renderConnectionPage(
  settings: ConnectionPageSettings,
  request: SessionRequest,
  response: Response,
  status: number,
  dci: unknown,
  lime: {
    error?: { field: SettingName; message: string } | undefined;
    notice?: LimeNotice;
    typed?: LimeTyped | undefined;
    keyTyped?: boolean | undefined;
  } = {},
): Promise<void> {
  if (settings.superOffice !== undefined) {
    // CRM=superoffice: its card instead of Lime's (DCI's section re-rendered after a DCI error lands here too).
    renderSuperOfficeConnectionPage(settings.superOffice, settings.lastCheck(), request, response, status, dci);
    return;
  }
  const view = await settings.view();
  const missing = limeMissing(view);
  response.status(status).render('connection', {
    session: request.adminSession,
    view,
    check: settings.lastCheck(),
    error: lime.error,
    errorId: lime.error === undefined ? undefined : LIME_FIELD_ID[lime.error.field],
    notice: lime.notice,
    typed: lime.typed ?? {},
    keyTyped: lime.keyTyped === true,
    missing,
    missingInWords: listInWords(missing),
    // Disconnect removes the stored URL and key; with neither stored (or both from the environment) there is nothing.
    canDisconnect:
      (view.settings.url !== undefined && !view.locked.includes('url')) ||
      (view.settings.apiKeySet && !view.locked.includes('apiKey')),
    noteLanguages: NOTE_LANGUAGE_OPTIONS,
    dci,
  });
}

export const CONNECTION_PAGE = '/admin/connection';

/** The connection page's one-shot notice: `lime:saved`, `lime:disconnected`, `dci:saved`, `dci:tested` … */
export function connectionNotice(request: SessionRequest, code: string): void {
  setFlash(request.adminSession, { page: CONNECTION_PAGE, code, at: new Date() });
}
