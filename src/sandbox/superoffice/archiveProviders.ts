// The archive providers GetArchiveListByColumns2 serves, with the subset of their documented columns
// (SuperOfficeDocs archive-providers/reference/person.md, contact.md, diaryappointment.md, document.md) that the adapter needs.

import { searchPhoneNumber } from './searchPhoneNumber';
import { fullName } from './serializeCarriers';
import type { SuperOfficeStore } from './superOfficeStore';
import { SALE_STATUS_IDS } from './types';

export type ColumnType = 'integer' | 'string' | 'boolean' | 'date';

/**
 * A cell's values: one for integer, boolean and date (ISO string) columns; any number for multi-valued string
 * columns such as a person's emails.
 */
export type CellValues = ReadonlyArray<string | number | boolean>;

export interface ArchiveColumn {
  name: string;
  type: ColumnType;
  /** What the cell shows. */
  values(row: ArchiveRow): CellValues;
  /**
   * What a restriction on the column is compared with, one per shown value, when that differs from what is shown
   * (`searchPhone/formattedNumber`: the stripped number, see searchPhoneNumber.ts).
   */
  searchValues?: (row: ArchiveRow) => CellValues;
}

export interface ArchiveRow {
  entityName: string;
  primaryKey: number;
  personId: number;
  contactId: number;
}

export interface ArchiveProvider {
  name: string;
  entities: readonly string[];
  columns: readonly ArchiveColumn[];
  /** Undocumented column names a caller may guess, lower-cased, with the documented column to use instead. */
  misnamed: Readonly<Record<string, string>>;
  rows(store: SuperOfficeStore): ArchiveRow[];
}

function column(name: string, type: ColumnType, values: (row: ArchiveRow) => CellValues): ArchiveColumn {
  return { name, type, values };
}

/** `searchPhone/formattedNumber`: shows the phones as written, restricts on their stripped search form. */
function searchPhoneColumn(phones: (row: ArchiveRow) => readonly string[]): ArchiveColumn {
  return {
    name: 'searchPhone/formattedNumber',
    type: 'string',
    values: phones,
    searchValues: (row) => phones(row).map(searchPhoneNumber),
  };
}

function personProvider(store: SuperOfficeStore): ArchiveProvider {
  const person = (row: ArchiveRow) => {
    const found = store.person(row.personId);
    if (found === undefined) throw new Error(`person ${row.personId} vanished during an archive query`);
    return found;
  };
  const text = (value: string | undefined): readonly string[] => (value === undefined ? [] : [value]);
  return {
    name: 'Person',
    entities: ['person', 'retiredPerson'],
    columns: [
      column('personId', 'integer', (row) => [row.personId]),
      column('contactId', 'integer', (row) => [row.contactId]),
      column('fullName', 'string', (row) => [fullName(person(row))]),
      column('firstName', 'string', (row) => [person(row).firstname]),
      column('lastName', 'string', (row) => [person(row).lastname]),
      column('personContact/name', 'string', (row) => text(store.contact(row.contactId)?.name)),
      column('email/emailAddress', 'string', (row) => person(row).emails),
      column('personMobilePhone/formattedNumber', 'string', (row) => person(row).mobilePhones),
      column('personDirectPhone/formattedNumber', 'string', (row) => person(row).officePhones),
      searchPhoneColumn((row) => [...person(row).mobilePhones, ...person(row).officePhones]),
      column('retired', 'boolean', (row) => [person(row).retired]),
      column('personUpdatedDate', 'date', (row) => [person(row).updatedDate]),
    ],
    misnamed: { contactname: 'personContact/name', updateddate: 'personUpdatedDate', email: 'email/emailAddress' },
    rows: () =>
      store.persons().map((row) => ({
        entityName: row.retired ? 'retiredPerson' : 'person',
        primaryKey: row.personId,
        personId: row.personId,
        contactId: row.contactId,
      })),
  };
}

function contactProvider(store: SuperOfficeStore): ArchiveProvider {
  const contact = (row: ArchiveRow) => {
    const found = store.contact(row.contactId);
    if (found === undefined) throw new Error(`company ${row.contactId} vanished during an archive query`);
    return found;
  };
  return {
    name: 'Contact',
    entities: ['contact'],
    columns: [
      column('contactId', 'integer', (row) => [row.contactId]),
      column('name', 'string', (row) => [contact(row).name]),
      column('phone/formattedNumber', 'string', (row) => contact(row).phones),
      column('contactPhone/formattedNumber', 'string', (row) => contact(row).phones),
      searchPhoneColumn((row) => contact(row).phones),
      column('email/emailAddress', 'string', (row) => contact(row).emails),
      column('updatedDate', 'date', (row) => [contact(row).updatedDate]),
    ],
    misnamed: { email: 'email/emailAddress', phone: 'phone/formattedNumber' },
    rows: () =>
      store
        .contacts()
        .map((row) => ({ entityName: 'contact', primaryKey: row.contactId, personId: 0, contactId: row.contactId })),
  };
}

/**
 * `DiaryAppointment`: appointments of the diary type (not follow-up tasks or bookings) — the adapter's search for an
 * appointment it saved but whose answer it lost (SuperOfficeDocs `docs/en/api/archive-providers/reference/
 * diaryappointment.md`, entity `appointment`). `text` is the appointment's description, restricted on with string
 * operators (the docs' restriction type `positiveString` [inferred: a string without negated operators]); `date` is
 * the start ("Displays start date of a follow-up", restriction type `date`), restricted on with the date operators
 * (runArchiveQuery.ts). Only diary appointments are rows: the generic `Appointment` provider splits done/not done and
 * may leave out a completed appointment of an earlier day (appointment.md), so it is not served.
 *
 * `text` shows and matches only the first TEXT_COLUMN_LENGTH characters of the description [assumption, stricter:
 * the docs do not say how much of the up-to-2047-character text the column holds; a list column cut at 255 is
 * usual], so a search that depends on text near the end of a long description — our reference line is its last
 * line — finds nothing here, as it may in SuperOffice.
 */
export const TEXT_COLUMN_LENGTH = 255;

function diaryAppointmentProvider(store: SuperOfficeStore): ArchiveProvider {
  const appointment = (row: ArchiveRow) => {
    const found = store.appointment(row.primaryKey);
    if (found === undefined) throw new Error(`appointment ${row.primaryKey} vanished during an archive query`);
    return found;
  };
  return {
    name: 'DiaryAppointment',
    entities: ['appointment'],
    columns: [
      column('appointmentId', 'integer', (row) => [row.primaryKey]),
      column('personId', 'integer', (row) => [row.personId]),
      column('contactId', 'integer', (row) => [row.contactId]),
      column('associateId', 'integer', (row) => [appointment(row).associateId]),
      column('completed', 'boolean', (row) => [appointment(row).completed === 'Completed']),
      column('date', 'date', (row) => [appointment(row).startDate]),
      column('endDate', 'date', (row) => [appointment(row).endDate]),
      column('text', 'string', (row) => [appointment(row).description.slice(0, TEXT_COLUMN_LENGTH)]),
    ],
    misnamed: { description: 'text', startdate: 'date', id: 'appointmentId' },
    rows: () =>
      store
        .appointments()
        .filter((row) => row.type === 'inDiary')
        .map((row) => ({
          entityName: 'appointment',
          primaryKey: row.appointmentId,
          personId: row.personId,
          contactId: row.contactId,
        })),
  };
}

/**
 * `Document` (SuperOfficeDocs `docs/en/api/archive-providers/reference/document.md`, entity `document`): the
 * adapter's search for a summary document an earlier attempt saved but never keyed, by person and file name.
 */
function documentProvider(store: SuperOfficeStore): ArchiveProvider {
  const document = (row: ArchiveRow) => {
    const found = store.documents.document(row.primaryKey);
    if (found === undefined) throw new Error(`document ${row.primaryKey} vanished during an archive query`);
    return found;
  };
  return {
    name: 'Document',
    entities: ['document'],
    columns: [
      column('documentId', 'integer', (row) => [row.primaryKey]),
      column('personId', 'integer', (row) => [row.personId]),
      column('contactId', 'integer', (row) => [row.contactId]),
      column('name', 'string', (row) => [document(row).name]),
    ],
    misnamed: { filename: 'name', id: 'documentId' },
    rows: () =>
      store.documents.documents().map((row) => ({
        entityName: 'document',
        primaryKey: row.documentId,
        personId: row.personId,
        contactId: row.contactId,
      })),
  };
}

/**
 * `Sale` (SuperOfficeDocs `docs/en/api/archive-providers/reference/sale.md`, entity `sale`): the adapter's lookup of a
 * company's open sales (LINK_DEAL). `saleStatus` is documented as a `listAny` column, "the status of the sale -
 * open, lost or sold"; the emulator shows and restricts it as the status's list id (1 Open, 2 Sold, 3 Lost,
 * 4 Stalled) [assumption: how a listAny cell reads is not documented; the adapter reads an id or the status name].
 */
function saleProvider(store: SuperOfficeStore): ArchiveProvider {
  const sale = (row: ArchiveRow) => {
    const found = store.sale(row.primaryKey);
    if (found === undefined) throw new Error(`sale ${row.primaryKey} vanished during an archive query`);
    return found;
  };
  return {
    name: 'Sale',
    entities: ['sale'],
    columns: [
      column('saleId', 'integer', (row) => [row.primaryKey]),
      column('contactId', 'integer', (row) => [row.contactId]),
      column('heading', 'string', (row) => [sale(row).heading]),
      column('saleStatus', 'integer', (row) => [SALE_STATUS_IDS[sale(row).status]]),
    ],
    misnamed: { status: 'saleStatus', id: 'saleId', title: 'heading' },
    rows: () =>
      store
        .sales()
        .map((row) => ({ entityName: 'sale', primaryKey: row.saleId, personId: 0, contactId: row.contactId })),
  };
}

/** The provider named `name` (case-insensitive), bound to the store. */
export function findArchiveProvider(store: SuperOfficeStore, name: string): ArchiveProvider | undefined {
  const providers = [
    personProvider(store),
    contactProvider(store),
    diaryAppointmentProvider(store),
    documentProvider(store),
    saleProvider(store),
  ];
  return providers.find((provider) => provider.name.toLowerCase() === name.trim().toLowerCase());
}

export function findColumn(provider: ArchiveProvider, name: string): ArchiveColumn | undefined {
  return provider.columns.find((candidate) => candidate.name.toLowerCase() === name.trim().toLowerCase());
}
