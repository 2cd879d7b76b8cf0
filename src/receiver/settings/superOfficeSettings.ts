import type { NoteLanguage } from '../../core';
import type { SuperOfficeCredentialKind } from '../../superoffice-addon';

// The SuperOffice connection as the admin pages show and change it (CRM=superoffice). Lime's lives in
// connectionSettings.ts; the two services share the ConnectionSettingsService port the worker uses.

/** The secrets of a SuperOffice connection: stored sealed with SECRET_KEY, write-only on the page. */
export const SUPEROFFICE_SECRETS = [
  'password',
  'ticket',
  'appToken',
  'clientSecret',
  'privateKey',
  'systemUserToken',
] as const;
export type SuperOfficeSecretName = (typeof SUPEROFFICE_SECRETS)[number];

/** The settings shown in clear (and stored in clear). */
export const SUPEROFFICE_PLAIN = [
  'url',
  'auth',
  'username',
  'clientId',
  'loginUrl',
  'taskType',
  'defaultAssociateId',
  'createMissingContacts',
  'internalDomains',
  'companyNotes',
  'noteLanguage',
  'linkDeal',
  'historyTypeMap',
] as const;
export type SuperOfficePlainName = (typeof SUPEROFFICE_PLAIN)[number];

export type SuperOfficeSettingName = SuperOfficePlainName | SuperOfficeSecretName;

/** Every field the form shows for a way of signing in, in the order shown. */
export const FIELDS_OF: Record<SuperOfficeCredentialKind, readonly SuperOfficeSettingName[]> = {
  basic: ['username', 'password'],
  ticket: ['ticket', 'appToken'],
  system_user: ['clientId', 'clientSecret', 'privateKey', 'systemUserToken', 'loginUrl'],
};

export interface SuperOfficeConnectionSettings {
  url?: string | undefined;
  auth?: SuperOfficeCredentialKind | undefined;
  username?: string | undefined;
  clientId?: string | undefined;
  loginUrl?: string | undefined;
  taskType: string;
  /** Undefined or 0: the WebAPI's default owner. */
  defaultAssociateId?: number | undefined;
  createMissingContacts: boolean;
  internalDomains: string[];
  /** Company notes: an appointment on the company alone when only the company is certain (COMPANY_NOTES). */
  companyNotes: boolean;
  /** The language of the appointments' text (`NOTE_LANGUAGE`); English unless chosen. */
  noteLanguage: NoteLanguage;
  /** LINK_DEAL: link each appointment to its company's only open sale. */
  linkDeal: boolean;
  /** HISTORY_TYPE_MAP as text (`medium:call=Phone, …`), task type names; empty: every appointment gets `taskType`. */
  historyTypeMap: string;
  /**
   * Whether each secret is set, and a masked hint (the last four characters of a long one). Never the secret, and no
   * hint of the Onsite password: a person chose it, so its end is part of what guards it, unlike a generated token.
   */
  secrets: Record<SuperOfficeSecretName, { set: boolean; hint?: string | undefined }>;
}

export interface SuperOfficeSettingsView {
  settings: SuperOfficeConnectionSettings;
  /** Given by SUPEROFFICE_* variables: shown, locked. */
  locked: SuperOfficeSettingName[];
  connected: boolean;
  /** What a connection still needs, in words ("the client secret"); empty once complete. */
  missing: string[];
}

/** What the admin submits; an empty secret keeps the stored one. */
export type SuperOfficeSettingsInput = Partial<Record<SuperOfficeSettingName, string | boolean | string[] | undefined>>;

/** An invalid SuperOffice setting, shown next to its field. */
export class SuperOfficeSettingsError extends Error {
  readonly field: SuperOfficeSettingName;
  constructor(field: SuperOfficeSettingName, message: string) {
    super(message);
    this.name = 'SuperOfficeSettingsError';
    this.field = field;
  }
}

/** The SuperOffice side of the settings service (present when CRM=superoffice). */
export interface SuperOfficeSettingsAccess {
  view(): SuperOfficeSettingsView;
  save(input: SuperOfficeSettingsInput): Promise<void>;
  /** Removes the stored URL and credentials (appointments already in SuperOffice stay; deliveries wait). */
  disconnect(): Promise<void>;
}

/** Each setting in words, for "still needed" lists and errors. */
export const SUPEROFFICE_LABEL: Record<SuperOfficeSettingName, string> = {
  url: 'the WebAPI URL',
  auth: 'how the receiver signs in',
  username: 'the user name',
  password: 'the password',
  ticket: 'the ticket',
  appToken: 'the application token',
  clientId: 'the client id',
  clientSecret: 'the client secret',
  privateKey: 'the private key',
  systemUserToken: 'the system user token',
  loginUrl: 'the login service URL',
  taskType: 'the task type',
  defaultAssociateId: 'the default owner',
  createMissingContacts: 'whether missing contacts are created',
  internalDomains: 'the internal domains',
  companyNotes: 'whether company notes are written',
  noteLanguage: 'the note language',
  linkDeal: "whether appointments are linked to the company's open sale",
  historyTypeMap: 'the task type by meeting type',
};
