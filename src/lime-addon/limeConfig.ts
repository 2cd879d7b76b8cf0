import type { Dispatcher } from 'undici';
import type { HistoryTypeMap } from '../core';
import type { RequestBudget } from '../crm/requestBudget';

/**
 * Which limetypes and properties hold what. Lime applications differ (fields renamed, limetypes relabelled), so
 * every name is configurable; the defaults are Lime CRM core's (shared/specs/lime-rest-api.md §5).
 */
export interface LimeFieldMap {
  person: {
    limetype: string;
    firstname: string;
    lastname: string;
    email: string;
    phone: string;
    mobilephone: string;
    company: string;
    inactive: string;
  };
  company: { limetype: string; name: string; phone: string };
  coworker: { limetype: string; email: string; inactive: string };
  history: {
    limetype: string;
    date: string;
    type: string;
    note: string;
    person: string;
    company: string;
    coworker: string;
    /** The note's deal (`LINK_DEAL`): Lime core's `history.deal`, belongsto → deal. */
    deal: string;
  };
  /** The deals a note may be linked to (`LINK_DEAL`): Lime core's `deal`, its status and company. */
  deal: { limetype: string; status: string; company: string };
}

export const DEFAULT_FIELD_MAP: LimeFieldMap = {
  person: {
    limetype: 'person',
    firstname: 'firstname',
    lastname: 'lastname',
    email: 'email',
    phone: 'phone',
    mobilephone: 'mobilephone',
    company: 'company',
    inactive: 'inactive',
  },
  company: { limetype: 'company', name: 'name', phone: 'phone' },
  coworker: { limetype: 'coworker', email: 'email', inactive: 'inactive' },
  history: {
    limetype: 'history',
    date: 'date',
    type: 'type',
    note: 'note',
    person: 'person',
    company: 'company',
    coworker: 'coworker',
    deal: 'deal',
  },
  deal: { limetype: 'deal', status: 'dealstatus', company: 'company' },
};

export type LimeFieldOverrides = { [K in keyof LimeFieldMap]?: Partial<LimeFieldMap[K]> };

/** The field map with overrides applied per limetype. */
export function resolveFieldMap(overrides: LimeFieldOverrides = {}): LimeFieldMap {
  return {
    person: { ...DEFAULT_FIELD_MAP.person, ...overrides.person },
    company: { ...DEFAULT_FIELD_MAP.company, ...overrides.company },
    coworker: { ...DEFAULT_FIELD_MAP.coworker, ...overrides.coworker },
    history: { ...DEFAULT_FIELD_MAP.history, ...overrides.history },
    deal: { ...DEFAULT_FIELD_MAP.deal, ...overrides.deal },
  };
}

export interface LimeTimeouts {
  /** TCP + TLS connect. Default 5 s. */
  connectMs: number;
  /** From request sent to response headers. Default 15 s. */
  headersMs: number;
  /** Between body chunks. Default 15 s. */
  bodyMs: number;
}

export const DEFAULT_TIMEOUTS: LimeTimeouts = { connectMs: 5_000, headersMs: 15_000, bodyMs: 15_000 };

export interface LimeConnectionOptions {
  /**
   * The Lime application's base URL as the admin copies it, app segment included (it may contain spaces):
   * `https://lime.example.com/Lime CRM`, `https://acme.lime-crm.com/acme`.
   */
  baseUrl: string;
  /** The API key of a Lime user of type "API". Sent as `x-api-key`; never logged. */
  apiKey: string;
  timeouts?: Partial<LimeTimeouts> | undefined;
  /** PEM certificate(s) of the CA that signed an on-prem server's certificate (added to Node's trusted CAs). */
  ca?: string | undefined;
  /** TLS certificate verification; default true. Turning it off is for tests against self-signed servers only. */
  rejectUnauthorized?: boolean | undefined;
  /** An undici dispatcher to use instead of the connector's own keep-alive pool. */
  dispatcher?: Dispatcher | undefined;
  /** Asked before every request (Lime's rate limit); undefined: requests are sent as they come. */
  budget?: RequestBudget | undefined;
}

export interface LimeConnectorOptions extends LimeConnectionOptions {
  /**
   * The history type (option key of `history.type`) our notes get. The caller chooses: the receiver's default is
   * `comment`, as the seed maps it (`DEFAULT_HISTORY_TYPE` in its config).
   */
  historyType: string;
  /**
   * `HISTORY_TYPE_MAP`: the history type by the meeting's medium or conversation type, `historyType` where no entry
   * fits. Every type in it must be an active option of `history.type` (checked with the data model).
   */
  historyTypeMap?: HistoryTypeMap | undefined;
  /**
   * `LINK_DEAL`: the data model is checked for `history.deal` and the deal limetype (a schema problem when missing),
   * so a delivery asked to link deals (`DeliverOptions.linkDeal`) finds them. Default false: neither is read.
   */
  linkDeal?: boolean | undefined;
  fields?: LimeFieldOverrides | undefined;
}
