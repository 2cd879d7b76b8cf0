// Stored rows → the PascalCase entities the agents answer (spec §4; package fixtures Appointment63.json,
// Person210.json, ContactDefault.json). Every field the package's converters read is present; values the emulator
// does not model are the CRM's empty values ("", 0, false, null, [], {}, the null date, "00:00:00").

import { NULL_DATE } from './soDates';
import {
  associateCarrier,
  contactCarrier,
  date,
  ENTITY_RIGHTS,
  entityElements,
  fullName,
  personCarrier,
  taskListItemCarrier,
  type Carrier,
  type SerializeContext,
  wallTime,
} from './serializeCarriers';
import type {
  AppointmentRecord,
  ContactRecord,
  ForeignAppRecord,
  ForeignDeviceRecord,
  ForeignKeyRecord,
  PersonRecord,
} from './types';

const NO_DURATION = '00:00:00';

/** `ContactEntity`; without a record, the default entity of `CreateDefaultContactEntity` (`ContactId` 0). */
export function contactEntityCarrier(context: SerializeContext, contact: ContactRecord | undefined): Carrier {
  const persons = contact === undefined ? [] : context.store.persons().filter((p) => p.contactId === contact.contactId);
  return {
    ContactId: contact?.contactId ?? 0,
    Name: contact?.name ?? '',
    Department: '',
    OrgNr: '',
    Number1: '',
    Number2: '',
    UpdatedDate: date(context, contact?.updatedDate),
    CreatedDate: date(context, contact?.createdDate),
    Emails: entityElements(contact?.emails ?? [], 'email'),
    Interests: [],
    Urls: [],
    Phones: entityElements(contact?.phones ?? [], 'phone'),
    Faxes: [],
    Description: '',
    UpdatedBy: null,
    CreatedBy: null,
    Associate: null,
    Business: null,
    Category: null,
    Country: null,
    Persons: persons.map((person) => personCarrier(context, person)),
    NoMailing: false,
    Kananame: '',
    Xstop: false,
    ActiveInterests: 0,
    GroupId: 0,
    ActiveStatusMonitorId: 0,
    SupportAssociate: null,
    TicketPriority: null,
    CustomerLanguage: null,
    Deleted: 0,
    DbiAgentId: 0,
    DbiLastSyncronized: NULL_DATE,
    DbiKey: '',
    DbiLastModified: NULL_DATE,
    SupportPerson: null,
    Address: null,
    Source: 0,
    ActiveErpLinks: 0,
    BounceEmails: [],
    Domains: [],
    UtmParameters: null,
    UserDefinedFields: {},
    ExtraFields: {},
    CustomFields: {},
    TableRight: ENTITY_RIGHTS,
    FieldProperties: {},
  };
}

/** `PersonEntity`; without a record, the default entity of `CreateDefaultPersonEntity` (`PersonId` 0). */
export function personEntityCarrier(context: SerializeContext, person: PersonRecord | undefined): Carrier {
  const contact = person === undefined ? undefined : context.store.contact(person.contactId);
  const associate = person === undefined ? undefined : context.store.associateOfPerson(person.personId);
  const name = person === undefined ? '' : fullName(person);
  return {
    PersonId: person?.personId ?? 0,
    Firstname: person?.firstname ?? '',
    MiddleName: '',
    Lastname: person?.lastname ?? '',
    Mrmrs: '',
    Title: '',
    UpdatedDate: date(context, person?.updatedDate),
    CreatedDate: date(context, person?.createdDate),
    BirthDate: null,
    CreatedBy: null,
    Emails: entityElements(person?.emails ?? [], 'email'),
    Description: '',
    IsAssociate: associate !== undefined,
    PrivatePhones: [],
    Faxes: [],
    MobilePhones: entityElements(person?.mobilePhones ?? [], 'phone'),
    OfficePhones: entityElements(person?.officePhones ?? [], 'phone'),
    OtherPhones: [],
    Position: null,
    UpdatedBy: null,
    Contact: contact === undefined ? null : contactCarrier(contact),
    Country: null,
    Interests: [],
    PersonNumber: '',
    FullName: name,
    NoMailing: false,
    UsePersonAddress: false,
    Retired: person?.retired ?? false,
    Urls: [],
    FormalName: name,
    Address: null,
    Post3: '',
    Post2: '',
    Post1: '',
    Kanalname: '',
    Kanafname: '',
    CorrespondingAssociate: associate === undefined ? null : associateCarrier(context, associate),
    Category: null,
    Business: null,
    Associate: null,
    Salutation: '',
    ActiveInterests: 0,
    SupportAssociate: null,
    TicketPriority: null,
    CustomerLanguage: null,
    DbiAgentId: 0,
    DbiKey: '',
    DbiLastModified: NULL_DATE,
    DbiLastSyncronized: NULL_DATE,
    SentInfo: 0,
    ShowContactTickets: 0,
    UserInfo: null,
    ChatEmails: [],
    InternetPhones: [],
    Source: 0,
    ActiveErpLinks: 0,
    ShipmentTypes: [],
    Consents: [],
    BounceEmails: [],
    ActiveStatusMonitorId: 0,
    CreatedByFormId: 0,
    UtmParameters: null,
    LeadstatusId: 0,
    Leadstatus: '',
    UserDefinedFields: {},
    ExtraFields: {},
    CustomFields: {},
    TableRight: ENTITY_RIGHTS,
    FieldProperties: {},
  };
}

/** The fields of an appointment the carrier shows: a stored row, or the defaults of a new one. */
export type AppointmentView = Omit<AppointmentRecord, 'createdDate' | 'updatedDate'> &
  Partial<Pick<AppointmentRecord, 'createdDate' | 'updatedDate'>>;

export function appointmentEntityCarrier(context: SerializeContext, appointment: AppointmentView): Carrier {
  const { store } = context;
  const associate = store.associate(appointment.associateId);
  const contact = store.contact(appointment.contactId);
  const person = store.person(appointment.personId);
  const task = store.taskListItem(appointment.taskListItemId);
  const sale = appointment.saleId === 0 ? undefined : store.sale(appointment.saleId);
  const associateEntity = associate === undefined ? null : associateCarrier(context, associate);
  return {
    Associate: associateEntity,
    Contact: contact === undefined ? null : contactCarrier(contact),
    CreatedBy: null,
    UpdatedBy: null,
    CreatedDate: date(context, appointment.createdDate),
    AppointmentId: appointment.appointmentId,
    Description: appointment.description,
    StartDate: wallTime(context, appointment.startDate),
    EndDate: wallTime(context, appointment.endDate),
    InvitedPerson: null,
    Person: person === undefined ? null : personCarrier(context, person),
    MotherId: 0,
    Priority: null,
    Private: 'Public',
    Project: null,
    Type: appointment.type,
    UpdatedDate: date(context, appointment.updatedDate),
    Completed: appointment.completed,
    ActiveLinks: 0,
    Links: [],
    AlarmLeadTime: NO_DURATION,
    HasAlarm: false,
    ColorIndex: 0,
    IsFree: false,
    IsAlldayEvent: false,
    LagTime: NO_DURATION,
    LeadTime: NO_DURATION,
    Location: appointment.location,
    RejectCounter: 0,
    RejectReason: '',
    Recurrence: null,
    Participants: [],
    AssignmentStatus: 'None',
    InvitationStatus: 'None',
    BookingType: 'None',
    ActiveDate: wallTime(context, appointment.startDate),
    HasConflict: false,
    AssignedBy: null,
    MotherAssociate: associateEntity,
    Task: task === undefined ? null : taskListItemCarrier(task),
    PreferredTZLocation: 0,
    PreferredTZLocationData: null,
    // The package's `Sale` carrier, cut to what identifies the sale [verified field names: PKG `Carriers.d.ts` `Sale`].
    Sale:
      sale === undefined
        ? null
        : { SaleId: sale.saleId, ContactId: sale.contactId, Heading: sale.heading, Status: sale.status },
    SuggestedAppointmentId: 0,
    IsMileStone: false,
    CautionWarning: 'OK',
    OwnedExternally: 'None',
    JoinVideomeetUrl: '',
    CentralserviceVideomeetId: '',
    Title: appointment.title,
    Agenda: '',
    InternalNotes: '',
    UserDefinedFields: {},
    ExtraFields: {},
    CustomFields: {},
    PublishEventDate: NULL_DATE,
    PublishTo: NULL_DATE,
    PublishFrom: NULL_DATE,
    IsPublished: false,
    VisibleFor: [],
    TableRight: ENTITY_RIGHTS,
    FieldProperties: {},
  };
}

/** `ForeignKey`: the carrier has no id of its own (package `Carriers.ts`). */
export function foreignKeyCarrier(context: SerializeContext, key: ForeignKeyRecord): Carrier {
  return {
    Key: key.key,
    Value: key.value,
    RecordId: key.recordId,
    CreatedDate: date(context, key.createdDate),
    UpdatedDate: date(context, key.updatedDate),
    UpdatedBy: '',
    CreatedBy: '',
    TableName: key.tableName,
    TableRight: null,
    FieldProperties: {},
  };
}

/** `ForeignDevice` (package `Carriers.ts`). */
export function foreignDeviceCarrier(context: SerializeContext, device: ForeignDeviceRecord): Carrier {
  return {
    ForeignDeviceId: device.foreignDeviceId,
    Name: device.name,
    CreatedDate: date(context, device.createdDate),
    UpdatedDate: date(context, device.updatedDate),
    AssociateFullName: '',
    CreatedBy: '',
    UpdatedBy: '',
    DeviceIdentifier: device.deviceIdentifier,
    ForeignAppId: device.foreignAppId,
    TableRight: null,
    FieldProperties: {},
  };
}

/** `ForeignAppEntity` with its devices (package `Carriers.ts`). */
export function foreignAppCarrier(
  context: SerializeContext,
  app: ForeignAppRecord,
  devices: readonly ForeignDeviceRecord[],
): Carrier {
  return {
    ForeignAppId: app.foreignAppId,
    Name: app.name,
    CreatedDate: date(context, app.createdDate),
    UpdatedDate: date(context, app.updatedDate),
    CreatedBy: null,
    UpdatedBy: null,
    Devices: devices.map((device) => foreignDeviceCarrier(context, device)),
    TableRight: ENTITY_RIGHTS,
    FieldProperties: {},
  };
}
