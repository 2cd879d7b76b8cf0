import type { NoteLanguage } from '../../core';
import type { ConnectionCheck, CrmConnector, DeliverOptions } from '../../crm/crmConnector';
import type { CrmName } from '../config/superOfficeConfig';
import type { SuperOfficeSettingsAccess } from './superOfficeSettings';

/** The Lime connection settings an admin can change on the Lime connection page. */
export interface LimeConnectionSettings {
  /** The Lime application's base URL; undefined while not connected. */
  url?: string | undefined;
  /** Whether an API key is stored (the key itself is write-only: never read back out). */
  apiKeySet: boolean;
  /** The last four characters of the key, for the masked display (`••••••3f9a`). */
  apiKeyHint?: string | undefined;
  historyType: string;
  createMissingContacts: boolean;
  internalDomains: string[];
  /** Company notes: a note on the company alone when only the company is certain (COMPANY_NOTES, default on). */
  companyNotes: boolean;
  /** The language of the notes (`NOTE_LANGUAGE`); English unless chosen. */
  noteLanguage: NoteLanguage;
  /** LINK_DEAL: link each note to its company's only open deal. */
  linkDeal: boolean;
  /** HISTORY_TYPE_MAP as text (`medium:call=talkedto, …`); empty: every note gets `historyType`. */
  historyTypeMap: string;
}

export type SettingName =
  | 'url'
  | 'apiKey'
  | 'historyType'
  | 'createMissingContacts'
  | 'internalDomains'
  | 'companyNotes'
  | 'noteLanguage'
  | 'linkDeal'
  | 'historyTypeMap';

export interface SettingsView {
  settings: LimeConnectionSettings;
  /** Settings given by environment variables: shown, but locked (they take precedence over stored ones). */
  locked: SettingName[];
  /** Whether a URL and key are in effect. */
  connected: boolean;
}

/** What the admin submits; an empty or absent API key keeps the stored one. */
export interface SettingsInput {
  url?: string | undefined;
  apiKey?: string | undefined;
  historyType?: string | undefined;
  createMissingContacts?: boolean | undefined;
  internalDomains?: string[] | undefined;
  companyNotes?: boolean | undefined;
  /** One of the note languages (`en`, `sv`, …); anything else is refused. */
  noteLanguage?: string | undefined;
  linkDeal?: boolean | undefined;
  /** The map's text as typed; empty clears it. */
  historyTypeMap?: string | undefined;
}

/** An invalid setting, with the field and what is wrong: shown next to the field. */
export class SettingsError extends Error {
  readonly field: SettingName;
  constructor(field: SettingName, message: string) {
    super(message);
    this.name = 'SettingsError';
    this.field = field;
  }
}

/**
 * The CRM connection as configured by environment variables and the admin pages together: environment settings
 * win and show as locked; stored settings (the API key encrypted at rest) fill the rest. The worker and the admin
 * pages both go through this, so a change on the page takes effect on the next delivery.
 */
export interface ConnectionSettingsService {
  /** The CRM these settings are for (`CRM`); undefined: Lime (services built before SuperOffice). */
  readonly crm?: CrmName | undefined;
  /**
   * With CRM=superoffice: its settings as its page shows and changes them. `view`/`save` above then speak Lime's
   * shape (`apiKeySet`: the credentials are complete; `historyType`: the task type) and `save` refuses.
   */
  readonly superOffice?: SuperOfficeSettingsAccess | undefined;
  view(): Promise<SettingsView>;
  /** Validates and stores the submitted settings (locked ones are ignored); rebuilds the connector. */
  save(input: SettingsInput): Promise<void>;
  /** Removes the stored URL and key (notes already in Lime stay; pending deliveries wait). */
  disconnect(): Promise<void>;
  /** The connector for the settings in effect, or undefined while not connected. */
  connector(): CrmConnector | undefined;
  /** Delivery options that follow the settings (internal domains, create contacts). */
  deliverOptions(): Omit<DeliverOptions, 'signal'>;
  /** Runs Test connection now and remembers the result. */
  testConnection(): Promise<ConnectionCheck | undefined>;
  /** The last Test connection result (background check or the admin's), if any. */
  lastCheck(): ConnectionCheck | undefined;
}
