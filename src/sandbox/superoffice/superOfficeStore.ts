import { DocumentStore, TEXT_MAX_LENGTH } from './documentStore';
import type {
  AppointmentRecord,
  AssociateRecord,
  ContactRecord,
  ForeignAppRecord,
  ForeignDeviceRecord,
  ForeignKeyRecord,
  PersonRecord,
  SaleRecord,
  TaskListItemRecord,
} from './types';

/** A write that the CRM accepts, or refuses with a message (a 400 over HTTP, a thrown error when seeding). */
export type WriteOutcome<T> = { kind: 'written'; record: T } | { kind: 'invalid'; message: string };

// What a write gives: the stored row without what the store itself sets (the id, the created/updated dates, a rank).

export type ContactFields = Omit<ContactRecord, 'contactId' | 'createdDate' | 'updatedDate'>;

export type PersonFields = Omit<PersonRecord, 'personId' | 'createdDate' | 'updatedDate'> & {
  /** Default: now. */
  updatedDate?: string;
};

export type AssociateFields = Omit<AssociateRecord, 'associateId'>;

export type TaskListItemFields = Omit<TaskListItemRecord, 'taskListItemId' | 'rank'>;

/** The dates may be missing: a follow-up without them is refused. */
export type AppointmentFields = Omit<
  AppointmentRecord,
  'appointmentId' | 'startDate' | 'endDate' | 'createdDate' | 'updatedDate'
> & {
  startDate: string | undefined;
  endDate: string | undefined;
};

export type ForeignKeyFields = Omit<ForeignKeyRecord, 'foreignKeyId' | 'createdDate' | 'updatedDate'>;

/** Table names a foreign key may point at ("" = bound to no table). */
const FOREIGN_KEY_TABLES = ['', 'appointment', 'associate', 'contact', 'document', 'person', 'project', 'sale'];

/** appointment.location is String(254) in the database (spec §3.5). */
const LOCATION_MAX_LENGTH = 254;

/**
 * The tenant's data, in memory. Each table has its own id sequence, started at a different number so that an id
 * of one kind passed as another (a personId as contactId) misses instead of hitting a row by chance.
 */
export class SuperOfficeStore {
  private readonly contactRows = new Map<number, ContactRecord>();
  private readonly personRows = new Map<number, PersonRecord>();
  private readonly associateRows = new Map<number, AssociateRecord>();
  private readonly taskRows = new Map<number, TaskListItemRecord>();
  private readonly appointmentRows = new Map<number, AppointmentRecord>();
  private readonly foreignKeyRows = new Map<number, ForeignKeyRecord>();
  private readonly saleRows = new Map<number, SaleRecord>();
  private readonly foreignAppRows = new Map<number, ForeignAppRecord>();
  private readonly foreignDeviceRows = new Map<number, ForeignDeviceRecord>();
  private readonly next = {
    contact: 101,
    person: 201,
    associate: 11,
    task: 1,
    appointment: 301,
    sale: 401,
    foreignKey: 1,
    foreignApp: 1,
    foreignDevice: 1,
  };

  /** Table name (lower-case) → the script user's rights on a new row, as SentryAgent.GetNewTableRight spells them. */
  private readonly tableRightMasks = new Map<string, string>();

  /** Documents and document templates (DocumentAgent). */
  readonly documents: DocumentStore;

  constructor(private readonly now: () => Date) {
    this.documents = new DocumentStore(this, now);
  }

  /** The script user's rights on a new row of a table: all of them until a test restricts them. */
  newTableRight(tableName: string): string {
    return this.tableRightMasks.get(tableName.toLowerCase()) ?? 'Select, Update, Insert, Delete';
  }

  setNewTableRight(tableName: string, mask: string): void {
    this.tableRightMasks.set(tableName.toLowerCase(), mask);
  }

  contact(id: number): ContactRecord | undefined {
    return this.contactRows.get(id);
  }

  person(id: number): PersonRecord | undefined {
    return this.personRows.get(id);
  }

  associate(id: number): AssociateRecord | undefined {
    return this.associateRows.get(id);
  }

  associateOfPerson(personId: number): AssociateRecord | undefined {
    return this.associates().find((associate) => associate.personId === personId);
  }

  taskListItem(id: number): TaskListItemRecord | undefined {
    return this.taskRows.get(id);
  }

  appointment(id: number): AppointmentRecord | undefined {
    return this.appointmentRows.get(id);
  }

  contacts(): ContactRecord[] {
    return [...this.contactRows.values()];
  }

  persons(): PersonRecord[] {
    return [...this.personRows.values()];
  }

  associates(): AssociateRecord[] {
    return [...this.associateRows.values()];
  }

  taskListItems(): TaskListItemRecord[] {
    return [...this.taskRows.values()];
  }

  appointments(): AppointmentRecord[] {
    return [...this.appointmentRows.values()];
  }

  sale(id: number): SaleRecord | undefined {
    return this.saleRows.get(id);
  }

  sales(): SaleRecord[] {
    return [...this.saleRows.values()];
  }

  /** A sale of an existing company. */
  addSale(fields: Omit<SaleRecord, 'saleId'>): WriteOutcome<SaleRecord> {
    if (!this.contactRows.has(fields.contactId)) return invalid(`There is no company with id ${fields.contactId}.`);
    const record: SaleRecord = { saleId: this.next.sale++, ...fields };
    this.saleRows.set(record.saleId, record);
    return { kind: 'written', record };
  }

  foreignKeys(): ForeignKeyRecord[] {
    return [...this.foreignKeyRows.values()];
  }

  /** Creates (`contactId` 0) or replaces a company. */
  saveContact(contactId: number, fields: ContactFields): WriteOutcome<ContactRecord> {
    const name = fields.name.trim();
    if (name === '') return invalid('A company needs a name.');
    const existing = this.contactRows.get(contactId);
    if (contactId !== 0 && existing === undefined) return invalid(`There is no company with id ${contactId}.`);
    const now = this.timestamp();
    const record: ContactRecord = {
      contactId: existing?.contactId ?? this.next.contact++,
      name,
      phones: [...fields.phones],
      emails: [...fields.emails],
      createdDate: existing?.createdDate ?? now,
      updatedDate: now,
    };
    this.contactRows.set(record.contactId, record);
    return { kind: 'written', record };
  }

  /** Creates (`personId` 0) or replaces a person. */
  savePerson(personId: number, fields: PersonFields): WriteOutcome<PersonRecord> {
    const firstname = fields.firstname.trim();
    const lastname = fields.lastname.trim();
    if (firstname === '' && lastname === '') return invalid('A person needs a first or last name.');
    if (fields.contactId !== 0 && !this.contactRows.has(fields.contactId)) {
      return invalid(`There is no company with id ${fields.contactId}.`);
    }
    const existing = this.personRows.get(personId);
    if (personId !== 0 && existing === undefined) return invalid(`There is no person with id ${personId}.`);
    const now = this.timestamp();
    const record: PersonRecord = {
      personId: existing?.personId ?? this.next.person++,
      firstname,
      lastname,
      contactId: fields.contactId,
      emails: [...fields.emails],
      mobilePhones: [...fields.mobilePhones],
      officePhones: [...fields.officePhones],
      retired: fields.retired,
      createdDate: existing?.createdDate ?? now,
      updatedDate: fields.updatedDate ?? now,
    };
    this.personRows.set(record.personId, record);
    return { kind: 'written', record };
  }

  addAssociate(fields: AssociateFields): WriteOutcome<AssociateRecord> {
    if (!this.personRows.has(fields.personId)) return invalid(`There is no person with id ${fields.personId}.`);
    if (this.associateOfPerson(fields.personId) !== undefined) {
      return invalid(`Person ${fields.personId} is already an associate.`);
    }
    if (fields.name.trim() === '') return invalid('An associate needs a name.');
    const record: AssociateRecord = { associateId: this.next.associate++, ...fields, name: fields.name.trim() };
    this.associateRows.set(record.associateId, record);
    return { kind: 'written', record };
  }

  addTaskListItem(fields: TaskListItemFields): WriteOutcome<TaskListItemRecord> {
    if (fields.value.trim() === '') return invalid('A task list item needs a value.');
    const record: TaskListItemRecord = {
      taskListItemId: this.next.task++,
      ...fields,
      value: fields.value.trim(),
      rank: this.taskRows.size + 1,
    };
    this.taskRows.set(record.taskListItemId, record);
    return { kind: 'written', record };
  }

  /** Deletes a follow-up (and the foreign keys pointing at it); false when there is none. */
  deleteAppointment(appointmentId: number): boolean {
    if (!this.appointmentRows.delete(appointmentId)) return false;
    for (const [id, key] of this.foreignKeyRows) {
      if (key.tableName === 'appointment' && key.recordId === appointmentId) this.foreignKeyRows.delete(id);
    }
    return true;
  }

  /** Creates (`appointmentId` 0) or replaces a follow-up; every id it refers to must exist. */
  saveAppointment(appointmentId: number, fields: AppointmentFields): WriteOutcome<AppointmentRecord> {
    const existing = this.appointmentRows.get(appointmentId);
    if (appointmentId !== 0 && existing === undefined) {
      return invalid(`There is no appointment with id ${appointmentId}.`);
    }
    const { startDate, endDate } = fields;
    if (startDate === undefined || endDate === undefined)
      return invalid('An appointment needs a start and an end date.');
    if (endDate < startDate) return invalid('An appointment cannot end before it starts.');
    const problem = this.appointmentFieldProblem(fields);
    if (problem !== undefined) return invalid(problem);
    const now = this.timestamp();
    const record: AppointmentRecord = {
      appointmentId: existing?.appointmentId ?? this.next.appointment++,
      title: fields.title,
      description: fields.description,
      location: fields.location,
      startDate,
      endDate,
      contactId: fields.contactId,
      personId: fields.personId,
      associateId: fields.associateId,
      taskListItemId: fields.taskListItemId,
      saleId: fields.saleId,
      completed: fields.completed,
      type: fields.type,
      createdDate: existing?.createdDate ?? now,
      updatedDate: now,
    };
    this.appointmentRows.set(record.appointmentId, record);
    return { kind: 'written', record };
  }

  private appointmentFieldProblem(fields: AppointmentFields): string | undefined {
    if (fields.description.length > TEXT_MAX_LENGTH) {
      return `Description is longer than ${TEXT_MAX_LENGTH} characters.`;
    }
    if (fields.location.length > LOCATION_MAX_LENGTH) {
      return `Location is longer than ${LOCATION_MAX_LENGTH} characters.`;
    }
    if (fields.associateId === 0) return 'An appointment needs an owner (associate).';
    const associate = this.associateRows.get(fields.associateId);
    if (associate === undefined) return `There is no associate with id ${fields.associateId}.`;
    if (associate.deleted) return `Associate ${fields.associateId} is deleted.`;
    if (fields.taskListItemId === 0) return 'An appointment needs a task (activity type).';
    const task = this.taskRows.get(fields.taskListItemId);
    if (task === undefined) return `There is no task list item with id ${fields.taskListItemId}.`;
    if (task.deleted) return `Task list item ${fields.taskListItemId} is deleted.`;
    if (fields.contactId !== 0 && !this.contactRows.has(fields.contactId)) {
      return `There is no company with id ${fields.contactId}.`;
    }
    if (fields.personId !== 0 && !this.personRows.has(fields.personId)) {
      return `There is no person with id ${fields.personId}.`;
    }
    if (fields.saleId !== 0) {
      // A closed sale may be linked (as in Lime: only the adapter's policy leaves closed ones out). A sale of another
      // company than the appointment's is refused [assumption, stricter: SuperOffice's GUI offers only the
      // company's own sales].
      const sale = this.saleRows.get(fields.saleId);
      if (sale === undefined) return `There is no sale with id ${fields.saleId}.`;
      if (fields.contactId !== 0 && sale.contactId !== fields.contactId) {
        return `Sale ${fields.saleId} belongs to company ${sale.contactId}, not to company ${fields.contactId}.`;
      }
    }
    return undefined;
  }

  foreignApps(): ForeignAppRecord[] {
    return [...this.foreignAppRows.values()];
  }

  foreignDevices(): ForeignDeviceRecord[] {
    return [...this.foreignDeviceRows.values()];
  }

  /** The application with this name (case-insensitive). */
  foreignApp(name: string): ForeignAppRecord | undefined {
    return this.foreignApps().find((app) => sameText(app.name, name));
  }

  /** The device of this application with this name, and this identifier when one is given. */
  foreignDevice(applicationName: string, name: string, deviceIdentifier?: string): ForeignDeviceRecord | undefined {
    const app = this.foreignApp(applicationName);
    return this.foreignDevices().find(
      (device) =>
        device.foreignAppId === app?.foreignAppId &&
        sameText(device.name, name) &&
        (deviceIdentifier === undefined || sameText(device.deviceIdentifier, deviceIdentifier)),
    );
  }

  /** Creates (id 0) or renames an application; a second application with the same name is refused [assumption]. */
  saveForeignApp(foreignAppId: number, name: string): WriteOutcome<ForeignAppRecord> {
    if (name.trim() === '') return invalid('A foreign application needs a name.');
    const existing = this.foreignAppRows.get(foreignAppId);
    if (foreignAppId !== 0 && existing === undefined)
      return invalid(`There is no foreign application ${foreignAppId}.`);
    const clash = this.foreignApp(name);
    if (clash !== undefined && clash.foreignAppId !== foreignAppId) {
      return invalid('A foreign application with that name exists.');
    }
    const now = this.timestamp();
    const record: ForeignAppRecord = {
      foreignAppId: existing?.foreignAppId ?? this.next.foreignApp++,
      name,
      createdDate: existing?.createdDate ?? now,
      updatedDate: now,
    };
    this.foreignAppRows.set(record.foreignAppId, record);
    return { kind: 'written', record };
  }

  /**
   * Creates (id 0) or updates a device of an existing application (the vendor's example saves the application
   * first); a second device with the same name and identifier is refused [assumption].
   */
  saveForeignDevice(
    applicationName: string,
    fields: Pick<ForeignDeviceRecord, 'foreignDeviceId' | 'name' | 'deviceIdentifier'>,
  ): WriteOutcome<ForeignDeviceRecord> {
    const app = this.foreignApp(applicationName);
    if (app === undefined) return invalid('There is no foreign application with that name.');
    if (fields.name.trim() === '') return invalid('A foreign device needs a name.');
    const existing = this.foreignDeviceRows.get(fields.foreignDeviceId);
    if (fields.foreignDeviceId !== 0 && existing === undefined) {
      return invalid(`There is no foreign device ${fields.foreignDeviceId}.`);
    }
    const clash = this.foreignDevice(applicationName, fields.name, fields.deviceIdentifier);
    if (clash !== undefined && clash.foreignDeviceId !== fields.foreignDeviceId) {
      return invalid('A foreign device with that name and identifier exists.');
    }
    const now = this.timestamp();
    const record: ForeignDeviceRecord = {
      foreignDeviceId: existing?.foreignDeviceId ?? this.next.foreignDevice++,
      foreignAppId: app.foreignAppId,
      name: fields.name,
      deviceIdentifier: fields.deviceIdentifier,
      createdDate: existing?.createdDate ?? now,
      updatedDate: now,
    };
    this.foreignDeviceRows.set(record.foreignDeviceId, record);
    return { kind: 'written', record };
  }

  /**
   * Adds a key, or updates the value of the key with the same application, device, device identifier, key name,
   * table and record ("Returns the new or updated ForeignKey").
   */
  addForeignKey(fields: ForeignKeyFields): WriteOutcome<ForeignKeyRecord> {
    if (fields.applicationName.trim() === '') return invalid('A foreign key needs an application name.');
    if (fields.deviceName.trim() === '') return invalid('A foreign key needs a device name.');
    if (fields.key.trim() === '') return invalid('A foreign key needs a key name.');
    // Not created on demand: the vendor's only example saves the application and the device first [assumption].
    if (this.foreignApp(fields.applicationName) === undefined) {
      return invalid('There is no foreign application with that name.');
    }
    if (this.foreignDevice(fields.applicationName, fields.deviceName, fields.deviceIdentifier) === undefined) {
      return invalid('There is no foreign device with that name and identifier in the application.');
    }
    const tableName = fields.tableName.trim().toLowerCase();
    if (!FOREIGN_KEY_TABLES.includes(tableName)) return invalid(`Unknown table name "${fields.tableName}".`);
    const existing = this.foreignKeys().find(
      (row) =>
        sameText(row.applicationName, fields.applicationName) &&
        sameText(row.deviceName, fields.deviceName) &&
        sameText(row.deviceIdentifier, fields.deviceIdentifier) &&
        sameText(row.key, fields.key) &&
        row.tableName === tableName &&
        row.recordId === fields.recordId,
    );
    const now = this.timestamp();
    const record: ForeignKeyRecord = {
      foreignKeyId: existing?.foreignKeyId ?? this.next.foreignKey++,
      ...fields,
      tableName,
      createdDate: existing?.createdDate ?? now,
      updatedDate: now,
    };
    this.foreignKeyRows.set(record.foreignKeyId, record);
    return { kind: 'written', record };
  }

  /** The first key (by id) of this application, device, key name, value and table. */
  keyByValue(query: Omit<ForeignKeyFields, 'deviceIdentifier' | 'recordId'>): ForeignKeyRecord | undefined {
    return this.foreignKeys().find(
      (row) =>
        sameText(row.applicationName, query.applicationName) &&
        sameText(row.deviceName, query.deviceName) &&
        sameText(row.key, query.key) &&
        sameText(row.value, query.value) &&
        row.tableName === query.tableName.trim().toLowerCase(),
    );
  }

  private timestamp(): string {
    return this.now().toISOString();
  }
}

function invalid(message: string): { kind: 'invalid'; message: string } {
  return { kind: 'invalid', message };
}

/** Text equality under the tenant's collation: case-insensitive, accent-sensitive. */
export function sameText(left: string, right: string): boolean {
  return left.toLowerCase() === right.toLowerCase();
}
