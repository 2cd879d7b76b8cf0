import type { Response } from 'express';
import { NOTE_LANGUAGE_NAMES, NOTE_LANGUAGES } from '../../core';
import type { ConnectionCheck } from '../../crm/crmConnector';
import {
  FIELDS_OF,
  type SuperOfficeSettingName,
  type SuperOfficeSettingsAccess,
} from '../settings/superOfficeSettings';
import type { SessionRequest } from './sessionRequest';

/** The SuperOffice form as the admin typed it, shown again after a validation error (never a secret). */
export type SuperOfficeTyped = Partial<Record<SuperOfficeSettingName, string | boolean | undefined>>;

/** The environment variable that sets each setting (shown when it is locked). */
export const SUPEROFFICE_VARIABLE: Record<SuperOfficeSettingName, string> = {
  url: 'SUPEROFFICE_URL',
  auth: 'SUPEROFFICE_AUTH',
  username: 'SUPEROFFICE_USERNAME',
  password: 'SUPEROFFICE_PASSWORD',
  ticket: 'SUPEROFFICE_TICKET',
  appToken: 'SUPEROFFICE_APP_TOKEN',
  clientId: 'SUPEROFFICE_CLIENT_ID',
  clientSecret: 'SUPEROFFICE_CLIENT_SECRET',
  privateKey: 'SUPEROFFICE_PRIVATE_KEY_FILE',
  systemUserToken: 'SUPEROFFICE_SYSTEM_USER_TOKEN',
  loginUrl: 'SUPEROFFICE_LOGIN_URL',
  taskType: 'SUPEROFFICE_TASK_TYPE',
  defaultAssociateId: 'SUPEROFFICE_DEFAULT_ASSOCIATE_ID',
  createMissingContacts: 'SUPEROFFICE_CREATE_MISSING_CONTACTS',
  internalDomains: 'INTERNAL_EMAIL_DOMAINS',
  companyNotes: 'COMPANY_NOTES',
  noteLanguage: 'NOTE_LANGUAGE',
  linkDeal: 'LINK_DEAL',
  historyTypeMap: 'HISTORY_TYPE_MAP',
};

/**
 * Where an admin finds each credential (shared/specs/superoffice.md §3.6). Online: the application registered with
 * "Server to server" gives the client id and secret; an administrator's consent yields the system user token; the
 * ticket goes with `SO-AppToken: <client secret>` [verified: docs.superoffice.com …/authentication/online/auth-application].
 * That the registration is made on SuperOffice's developer portal, and holds the public half of the RSA key pair,
 * is [inferred] from the same page's signed-token exchange. Basic authentication "Will not work in CRM Online"
 * [verified: PKG `src/WebApi.ts`]. The rights named for an Onsite user are what the appointments need [inferred].
 */
export const SUPEROFFICE_HINT: Partial<Record<SuperOfficeSettingName, string>> = {
  username:
    'Onsite only: a SuperOffice user with the rights the appointments need (read contacts and persons, create and edit follow-ups).',
  password: "That user's password.",
  ticket:
    'A SOTicket credential obtained elsewhere (it expires: a system user renews its own). Onsite, or Online with the application token.',
  appToken: "Online only: the application's client secret, sent as SO-AppToken beside the ticket.",
  clientId: 'From the application registration on the SuperOffice developer portal (Online).',
  clientSecret: 'From the same application registration; kept encrypted.',
  privateKey:
    'The private half of the RSA key pair registered with the application (PEM, from -----BEGIN to END-----); kept encrypted.',
  systemUserToken:
    "Given when the tenant's administrator approved the app (the consent); ask them to approve it again if it was revoked.",
  loginUrl:
    "Optional: SuperOffice's login service of the tenant's environment, such as https://online.superoffice.com/login (the full …/api/PartnerSystemUser/Authenticate works too). Empty: derived from the WebAPI URL.",
};

/** The field groups the form shows, one per way of signing in. */
export const AUTH_GROUPS = [
  { kind: 'system_user', legend: 'SuperOffice Online: system user (server to server)', fields: FIELDS_OF.system_user },
  { kind: 'ticket', legend: 'A fixed ticket (SOTicket)', fields: FIELDS_OF.ticket },
  { kind: 'basic', legend: 'SuperOffice Onsite: user name and password', fields: FIELDS_OF.basic },
] as const;

/** The SuperOffice card of the connection page (CRM=superoffice), with DCI's section below it. */
export function renderSuperOfficeConnectionPage(
  superOffice: SuperOfficeSettingsAccess,
  check: ConnectionCheck | undefined,
  request: SessionRequest,
  response: Response,
  status: number,
  dci: unknown,
  page: {
    error?: { field: SuperOfficeSettingName; message: string } | undefined;
    notice?: 'saved' | 'disconnected' | undefined;
    typed?: SuperOfficeTyped | undefined;
    /** Secrets typed but not saved (another field needs a change): asked for again. */
    secretsTyped?: boolean | undefined;
  } = {},
): void {
  const view = superOffice.view();
  const lockedStored = (['url', 'auth'] as const).every((name) => view.locked.includes(name));
  response.status(status).render('superoffice-connection', {
    session: request.adminSession,
    view,
    check,
    error: page.error,
    notice: page.notice,
    typed: page.typed ?? {},
    secretsTyped: page.secretsTyped === true,
    missingInWords: listInWords(view.missing),
    groups: AUTH_GROUPS,
    hints: SUPEROFFICE_HINT,
    variables: SUPEROFFICE_VARIABLE,
    canDisconnect:
      !lockedStored &&
      (view.settings.url !== undefined || Object.values(view.settings.secrets).some((secret) => secret.set)),
    noteLanguages: NOTE_LANGUAGES.map((code) => ({ code, name: NOTE_LANGUAGE_NAMES[code] })),
    dci,
  });
}

function listInWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
