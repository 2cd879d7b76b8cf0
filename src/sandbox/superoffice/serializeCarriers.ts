// Stored rows → the simple PascalCase carriers the WebAPI nests in its entities (spec §4; package fixture
// Appointment63.json): Contact, Person, Associate, TaskListItem, plus what every carrier shares. Values the emulator
// does not model are the CRM's empty values ("", 0, false, null, [], {}, the null date, "00:00:00").

import { formatDateTime, formatWallTime, type WireZone } from './soDates';
import type { SuperOfficeStore } from './superOfficeStore';
import type { AssociateRecord, ContactRecord, PersonRecord, TaskListItemRecord } from './types';

export interface SerializeContext {
  store: SuperOfficeStore;
  /** How appointment date-times travel in this request (`SO-Timezone`, the tenant's base time zone). */
  zone: WireZone;
}

export type Carrier = Record<string, unknown>;

export const ENTITY_RIGHTS = { Mask: 'Select, Update, Insert, Delete', Reason: '' };

/** A created/updated date: always UTC, tagged `Z` with `includeTZOffset` (SO-Timezone.md "Created and Updated Date"). */
export function date(context: SerializeContext, iso: string | undefined): string {
  return formatDateTime(iso, context.zone.includeOffset);
}

/** An appointment date: wall time in the request's zone (SO-Timezone.md). */
export function wallTime(context: SerializeContext, iso: string | undefined): string {
  return formatWallTime(iso, context.zone);
}

/** `EntityElement[]`: emails and phone numbers with their search form. */
export function entityElements(values: readonly string[], kind: 'email' | 'phone'): Carrier[] {
  return values.map((value) => ({
    Value: value,
    StrippedValue: kind === 'phone' ? stripPhone(value) : value,
    Description: '',
    TableRight: null,
    FieldProperties: {},
  }));
}

/** "00 44 78 1791 3882" → "00447817913882" (Person210.json); a leading "+" is kept. */
export function stripPhone(value: string): string {
  const trimmed = value.trim();
  return `${trimmed.startsWith('+') ? '+' : ''}${trimmed.replace(/\D/gu, '')}`;
}

export function fullName(person: Pick<PersonRecord, 'firstname' | 'lastname'>): string {
  return `${person.firstname} ${person.lastname}`.trim();
}

/** The simple `Contact` carrier (nested in entities, e.g. `AppointmentEntity.Contact`). */
export function contactCarrier(contact: ContactRecord): Carrier {
  return {
    ContactId: contact.contactId,
    Name: contact.name,
    OrgNr: '',
    Department: '',
    URL: '',
    City: '',
    DirectPhone: contact.phones[0] ?? '',
    AssociateId: 0,
    CountryId: 0,
    EmailAddress: contact.emails[0] ?? '',
    Kananame: '',
    EmailAddressName: '',
    URLName: '',
    AssociateFullName: '',
    BusinessName: '',
    CategoryName: '',
    CountryName: '',
    Address: null,
    FormattedAddress: '',
    FullName: contact.name,
    IsOwnerContact: false,
    ActiveErpLinks: 0,
    Number1: '',
    Number2: '',
    TableRight: ENTITY_RIGHTS,
    FieldProperties: {},
  };
}

/** The simple `Person` carrier (nested, e.g. `AppointmentEntity.Person`). `Retired` is 0/1 here. */
export function personCarrier(context: SerializeContext, person: PersonRecord): Carrier {
  const contact = context.store.contact(person.contactId);
  const associate = context.store.associateOfPerson(person.personId);
  return {
    Position: '',
    PersonId: person.personId,
    Mrmrs: '',
    Firstname: person.firstname,
    Lastname: person.lastname,
    MiddleName: '',
    Title: '',
    Description: '',
    Email: person.emails[0] ?? '',
    FullName: fullName(person),
    DirectPhone: person.officePhones[0] ?? '',
    FormalName: fullName(person),
    CountryId: 0,
    ContactId: person.contactId,
    ContactName: contact?.name ?? '',
    Retired: person.retired ? 1 : 0,
    Rank: 0,
    ActiveInterests: 0,
    ContactDepartment: '',
    ContactCountryId: 0,
    ContactOrgNr: '',
    FaxPhone: '',
    MobilePhone: person.mobilePhones[0] ?? '',
    ContactPhone: contact?.phones[0] ?? '',
    AssociateName: associate?.name ?? '',
    AssociateId: associate?.associateId ?? 0,
    UsePersonAddress: false,
    ContactFax: '',
    Kanafname: '',
    Kanalname: '',
    Post1: '',
    Post2: '',
    Post3: '',
    EmailName: '',
    ContactFullName: contact?.name ?? '',
    ActiveErpLinks: 0,
    TicketPriorityId: 0,
    SupportLanguageId: 0,
    SupportAssociateId: 0,
    CategoryName: '',
    PersonNumber: '',
    TableRight: ENTITY_RIGHTS,
    FieldProperties: {},
  };
}

/** `Associate` (a user). `FullName` is the associate's person's name. */
export function associateCarrier(context: SerializeContext, associate: AssociateRecord): Carrier {
  const person = context.store.person(associate.personId);
  const name = person === undefined ? associate.name : fullName(person);
  return {
    AssociateId: associate.associateId,
    Name: associate.name,
    PersonId: associate.personId,
    Rank: 0,
    Tooltip: '',
    Type: associate.type,
    GroupIdx: 1,
    FullName: name,
    FormalName: name,
    Deleted: associate.deleted,
    EjUserId: 0,
    UserName: null,
    ExtraFields: {},
    CustomFields: {},
    TableRight: { Mask: 'Select, Update, Delete', Reason: '' },
    FieldProperties: {},
  };
}

export function taskListItemCarrier(task: TaskListItemRecord): Carrier {
  return {
    TaskListItemId: task.taskListItemId,
    Value: task.value,
    Direction: task.direction,
    Type: task.type,
    Tooltip: task.value,
    Deleted: task.deleted,
    IntentId: 0,
    Rank: task.rank,
    IsDefaultAlldayEvent: false,
    IsDefaultFree: false,
    IsDefaultPublished: false,
    ColorIndex: 'LightBlue',
    DefaultVideomeetingStatus: 'NoChange',
    TableRight: null,
    FieldProperties: {},
  };
}
