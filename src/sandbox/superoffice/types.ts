// The programmatic face of the SuperOffice WebAPI emulator: what the demo and the tests use to start it, seed it,
// watch it and make it misbehave. The HTTP face follows shared/specs/superoffice.md §3–§4: the agent calls that
// @superoffice/webapi 12.4 makes, answered in the PascalCase shapes its converters read.

import type { HeldRequestHandle, HoldStage } from '../shared/heldRequest';

export type { HeldRequestHandle, HoldStage } from '../shared/heldRequest';

/** `AppointmentType` names as the WebAPI sends them (package `Enums.ts`). */
export type SoAppointmentType =
  | 'Unknown'
  | 'inDiary'
  | 'inChecklist'
  | 'Note'
  | 'Document'
  | 'SavedReport'
  | 'BookingForDiary'
  | 'BookingForChecklist'
  | 'MergeDraft'
  | 'MergeFinal';

/** `ActivityStatus` names: the appointment's `Completed` field. */
export type SoActivityStatus = 'Unknown' | 'NotStarted' | 'Started' | 'Completed';

/** `UserType` names: an associate's `Type`. */
export type SoUserType =
  | 'Unknown'
  | 'InternalAssociate'
  | 'ResourceAssociate'
  | 'ExternalAssociate'
  | 'AnonymousAssociate'
  | 'SystemAssociate';

/** `TaskType` names: a task list item's `Type`. */
export type SoTaskType =
  | 'Unknown'
  | 'Appointment'
  | 'Document'
  | 'Email'
  | 'Fax'
  | 'Phone'
  | 'ToDo'
  | 'MailMergeDraft'
  | 'MailMergeFinal'
  | 'Report'
  | 'SaintAll'
  | 'Undefined';

/** `TaskDirection` names: a task list item's `Direction`. */
export type SoTaskDirection = 'Unknown' | 'Incoming' | 'Outgoing' | 'SaintAll';

/** A company ("contact" in SuperOffice). */
export interface ContactSeed {
  name: string;
  /** Main phone numbers, as formatted text. */
  phones?: string[];
  emails?: string[];
}

/** A person at a company, or without one (`contactId` absent). */
export interface PersonSeed {
  firstname: string;
  lastname?: string;
  contactId?: number;
  emails?: string[];
  mobilePhones?: string[];
  /** Direct (office) phones: the Person archive's `personDirectPhone`. */
  officePhones?: string[];
  /** A former employee: the Person archive's `retiredPerson` entity. */
  retired?: boolean;
  /** ISO 8601 date-time; default: the emulator's clock at seeding. */
  updatedDate?: string;
}

/** A user: an associate is always a person (usually at the own company). */
export interface AssociateSeed {
  personId: number;
  /** The login name, e.g. `SARA`. */
  name: string;
  /** Default `InternalAssociate`. */
  type?: SoUserType;
  deleted?: boolean;
}

/** An activity type ("task") offered for follow-ups. */
/**
 * A sale's status (SaleStatus: 1 Open, 2 Sold, 3 Lost, 4 Stalled [verified: @superoffice/webapi `Enums.d.ts`
 * `SaleStatus`]).
 */
export type SoSaleStatus = 'Open' | 'Sold' | 'Lost' | 'Stalled';

export const SALE_STATUS_IDS: Readonly<Record<SoSaleStatus, number>> = { Open: 1, Sold: 2, Lost: 3, Stalled: 4 };

/** A sale (opportunity) of a company. */
export interface SaleRecord {
  saleId: number;
  contactId: number;
  heading: string;
  status: SoSaleStatus;
}

export interface SaleSeed {
  contactId: number;
  heading?: string;
  /** Default `Open`. */
  status?: SoSaleStatus;
}

export interface TaskListItemSeed {
  value: string;
  deleted?: boolean;
  /** Default `Appointment`. */
  type?: SoTaskType;
  /** Default `Unknown`. */
  direction?: SoTaskDirection;
}

export interface ContactRecord {
  contactId: number;
  name: string;
  phones: string[];
  emails: string[];
  createdDate: string;
  updatedDate: string;
}

export interface PersonRecord {
  personId: number;
  firstname: string;
  lastname: string;
  /** 0 when the person belongs to no company. */
  contactId: number;
  emails: string[];
  mobilePhones: string[];
  officePhones: string[];
  retired: boolean;
  createdDate: string;
  updatedDate: string;
}

export interface AssociateRecord {
  associateId: number;
  personId: number;
  name: string;
  type: SoUserType;
  deleted: boolean;
}

export interface TaskListItemRecord {
  taskListItemId: number;
  value: string;
  deleted: boolean;
  type: SoTaskType;
  direction: SoTaskDirection;
  /** Order of creation, starting at 1. */
  rank: number;
}

/** A stored follow-up. Dates are ISO 8601 UTC (`2026-01-02T10:00:00.000Z`); ids are 0 when not set. */
export interface AppointmentRecord {
  appointmentId: number;
  title: string;
  description: string;
  location: string;
  startDate: string;
  endDate: string;
  contactId: number;
  personId: number;
  associateId: number;
  taskListItemId: number;
  /** The sale the appointment is linked to; 0: none. */
  saleId: number;
  completed: SoActivityStatus;
  type: SoAppointmentType;
  createdDate: string;
  updatedDate: string;
}

/** A document template (DocTmpl list item). */
export interface DocumentTemplateRecord {
  documentTemplateId: number;
  name: string;
  deleted: boolean;
}

/** A stored document (DocumentEntity) and its physical content; `content` undefined = no physical document yet. */
export interface DocumentRecord {
  documentId: number;
  header: string;
  name: string;
  description: string;
  documentTemplateId: number;
  contactId: number;
  personId: number;
  associateId: number;
  completed: SoActivityStatus;
  content: string | undefined;
  createdDate: string;
  updatedDate: string;
}

/** A stored foreign key. `foreignKeyId` is the emulator's own handle: the WebAPI carrier has no id. */
export interface ForeignAppRecord {
  foreignAppId: number;
  name: string;
  createdDate: string;
  updatedDate: string;
}

export interface ForeignDeviceRecord {
  foreignDeviceId: number;
  foreignAppId: number;
  name: string;
  deviceIdentifier: string;
  createdDate: string;
  updatedDate: string;
}

export interface ForeignKeyRecord {
  foreignKeyId: number;
  applicationName: string;
  deviceName: string;
  deviceIdentifier: string;
  key: string;
  value: string;
  recordId: number;
  tableName: string;
  createdDate: string;
  updatedDate: string;
}

/** One misbehaviour, applied to the next request(s). */
export type SuperOfficeFault =
  /** Answer with this status (and optional body / Retry-After) instead of handling the request. */
  | { kind: 'status'; status: number; body?: unknown; retryAfterSec?: number }
  /** Wait this long before handling the request normally. */
  | { kind: 'delay'; ms: number }
  /** Destroy the socket without answering (a connection reset). */
  | { kind: 'drop' }
  /** Handle the request for real (a save stores its row), then destroy the socket: the work is done, the answer lost. */
  | { kind: 'lose_answer' }
  /** Handle the request for real, then hold its answer this long (a client with a shorter timeout never sees it). */
  | { kind: 'answer_late'; ms: number };

/** What `failWhen` and `hold` match on: the request as the emulator read it (path below the tenant). */
export type SuperOfficeRequestView = Omit<SuperOfficeRequestLogEntry, 'status' | 'token'>;

export interface SuperOfficeRequestLogEntry {
  method: string;
  /** Path below the tenant, e.g. `/api/v1/Agents/Archive/GetArchiveListByColumns2` (the full path if not). */
  path: string;
  /** The raw query string without `?`, e.g. `appointmentEntityId=5`. */
  query: string;
  /** Parsed JSON body, when one was sent and parsed (`null` for the package's `CreateDefault…` calls). */
  body?: unknown;
  /** 0 when the request was dropped. */
  status: number;
  /** The token of the Authorization header (Bearer or SOTicket), when one was sent. */
  token?: string;
}

export interface SuperOfficeEmulatorOptions {
  /** The tenant: the first path segment. Default `Cust12345`. */
  customerId?: string;
  /**
   * Accepted `Authorization: Bearer <token>` / `SOTicket <token>` tokens. Default `['test-token']` without `auth`;
   * with `auth`, default none, and they are accepted as Bearer tokens only (Online).
   */
  tokens?: string[];
  /** How the tenant authenticates, as SuperOffice documents it (tenantAuthentication.ts). */
  auth?: SuperOfficeAuthModel;
  /** Port to listen on; default 0 (any free port). Host is always 127.0.0.1. */
  port?: number;
  /** Clock for created/updated dates and default appointment times; default `() => new Date()`. */
  now?: () => Date;
  /** Document templates the tenant starts with; default `['Letter']`, `[]` for a tenant without any. */
  documentTemplates?: string[];
  /**
   * The tenant's base time zone (IANA): appointment dates sent without `SO-Timezone` are wall time in it, and come
   * back so. Default `Europe/Stockholm` (a Nordic tenant, like the script's default `timeZone`).
   */
  baseTimeZone?: string;
  /** Latency added to every request (tenant and login host), in ms. Default 0. */
  latencyMs?: number;
}

/** An application registered in SuperOffice's Developer Portal, with its key pair's public half. */
export interface OnlineApplication {
  clientId: string;
  clientSecret: string;
  publicKeyPem: string;
}

export type SuperOfficeAuthModel =
  | {
      kind: 'online';
      applications: OnlineApplication[];
      /** System user tokens an administrator's consent gave, each for one application. */
      systemUsers: Array<{ systemUserToken: string; clientId: string }>;
      /** The tenant database's serial (the JWT's audience is `spn:<serial>`). Default `1801550193`. */
      serial?: string;
    }
  | {
      kind: 'onsite';
      users?: Array<{ username: string; password: string }>;
      /** Fixed SOTickets (as an Onsite login gave them). */
      tickets?: string[];
    };

/** The tables SentryAgent.GetNewTableRight answers for in the emulator; any other name is a 400. */
export const SENTRY_TABLES = [
  'appointment',
  'associate',
  'contact',
  'document',
  'foreignkey',
  'person',
  'sale',
] as const;
export type SentryTableName = (typeof SENTRY_TABLES)[number];

export interface SuperOfficeEmulator {
  /** `http://127.0.0.1:<port>/<customerId>`: the package's `baseUrl` (it appends `api/`). */
  readonly baseUrl: string;
  readonly port: number;
  readonly customerId: string;
  /** The tenant's base time zone (IANA). */
  readonly baseTimeZone: string;

  /** Seeding: stores directly (no HTTP, not logged) and returns the new id; throws on invalid input. */
  addContact(seed: ContactSeed): number;
  addPerson(seed: PersonSeed): number;
  addAssociate(seed: AssociateSeed): number;
  addTaskListItem(seed: TaskListItemSeed): number;
  /** A sale of a company (the `Sale` archive lists it; an appointment may link to it). */
  addSale(seed: SaleSeed): number;
  /** A document template (DocTmpl list item); the first one not deleted is CreateDefaultDocumentEntity's default. */
  addDocumentTemplate(seed: { name: string; deleted?: boolean }): number;

  /** Reading: copies of the stored rows, in id order. */
  contacts(): ContactRecord[];
  persons(): PersonRecord[];
  associates(): AssociateRecord[];
  taskListItems(): TaskListItemRecord[];
  appointments(): AppointmentRecord[];
  sales(): SaleRecord[];
  foreignKeys(): ForeignKeyRecord[];
  /** Foreign applications (ForeignAppEntity), created through SaveForeignAppEntity. */
  foreignApps(): ForeignAppRecord[];
  /** Foreign devices, created through SaveForeignDevice. */
  foreignDevices(): ForeignDeviceRecord[];
  /** Documents (DocumentEntity) with their stored content (`content`: the UTF-8 text of the last stream stored). */
  documents(): DocumentRecord[];

  /** Every request handled (or failed by a fault), oldest first. */
  readonly requests: readonly SuperOfficeRequestLogEntry[];
  clearRequests(): void;

  /** The next `count` requests get `fault` (queued after faults already pending). */
  failNext(count: number, fault: SuperOfficeFault): void;
  /**
   * The next `count` requests that `match` get `fault` (default 1); checked before `failNext`'s queue, so a test can
   * fail the one call it is about (the appointment's save) whatever lookups come first.
   */
  failWhen(match: (request: SuperOfficeRequestView) => boolean, fault: SuperOfficeFault, count?: number): void;
  /**
   * Holds the next request that `match` until the test answers or drops it (a closing emulator drops it): with
   * `after_handling` the save is stored before the hold, so a test can kill the client between SuperOffice's save
   * and its answer — the gap the adapter's recovery search closes.
   */
  hold(match: (request: SuperOfficeRequestView) => boolean, stage?: HoldStage): HeldRequestHandle;
  /**
   * The script user's rights on new rows of a table, as SentryAgent.GetNewTableRight reports them (flag names of
   * `ETableRight`: Select, Update, Insert, Delete; [] = none). Every table has all four until set.
   */
  setNewTableRight(tableName: SentryTableName, rights: Array<'Select' | 'Update' | 'Insert' | 'Delete'>): void;
  /** Changes the latency added to every request from the next one on. */
  setLatency(ms: number): void;
  /** Replaces the accepted tokens (a revoked ticket → 401 from the next request on). */
  setTokens(tokens: string[]): void;

  /**
   * With `auth: online`: the PartnerSystemUser service (on the unnumbered listener, as SuperOffice serves it from
   * `online.superoffice.com`), and the tenant's path on that listener, which answers 421. Undefined otherwise.
   */
  readonly loginUrl: string | undefined;
  readonly unnumberedBaseUrl: string | undefined;
  /** With `auth`: a ticket as an exchange (Online, for the application `clientId`) or an Onsite login gives it. */
  issueTicketFor(clientId?: string): string;
  /** With `auth`: every ticket issued so far (the fixed Onsite ones too) expires, as 6 hours after its issue. */
  expireTickets(): void;
  /** With `auth: online`: the administrator withdraws the consent of a system user token. */
  revokeSystemUserToken(systemUserToken: string): void;
  /** PartnerSystemUser exchanges answered so far (with `auth: online`). */
  readonly exchangeCount: number;
  /** Moves the emulator's clock forward (tickets' 6-hour expiry, created/updated dates). */
  advanceClock(ms: number): void;

  close(): Promise<void>;
}
