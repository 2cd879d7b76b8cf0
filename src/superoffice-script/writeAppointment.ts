import type { AppointmentEntity, ForeignAppEntity } from '@superoffice/webapi';
import { localDateTime, unknownHistoryTypes, type HistoryTypeMap } from '../core';
import { findUnkeyedAppointment } from './findUnkeyedAppointment';
import type { SuperOfficeAgents } from './superOfficeApi';

/**
 * Exactly once per (conversation, person): the appointment written for it is recorded as a SuperOffice foreign key
 * (ForeignSystemAgent: application → device → key, value `<conversationId>/<personId>`, pointing at the appointment
 * record). Chosen over searching appointment texts because the foreign key is an exact, indexed lookup the WebAPI
 * offers on every tenant, survives edits of the appointment text by users, and needs no custom field set up by
 * the admin. A re-sent conversation finds its appointment through it and updates it in place. The application and
 * the device are created when missing, before any key is read or written (ensureForeignDevice).
 *
 * The key is recorded after SaveAppointmentEntity answers: a save whose answer is lost leaves an appointment without
 * a key. The archive search (findUnkeyedAppointment.ts) closes that gap when `searchUnkeyed` is set; the key stays the
 * fast path for every later delivery.
 */
export const FOREIGN_APP = 'DCI CRM Companion';
export const FOREIGN_DEVICE = 'summary-script';
export const FOREIGN_DEVICE_ID = 'default';
export const FOREIGN_KEY_NAME = 'dci-conversation-person';

/**
 * SuperOffice keeps at most 254 characters of an appointment's location (DB `appointment.location` String(254),
 * shared/specs/superoffice.md); the contract allows longer, so a longer one is shortened rather than refused by
 * SuperOffice after contacts may already have been created for the meeting.
 */
export const LOCATION_MAX_LENGTH = 254;

/**
 * Whom one of our records (appointment, summary document) is for: a person, or a company (contact) alone for a
 * company note. Each has its own foreign key value: `<conversation>/<person>` as before, `<conversation>/company-<contact>`
 * for a company note (a person id is an integer, so the two never collide), and the lost-answer searches restrict on
 * the person or on the contact.
 */
export type RecordOwner =
  { personId: number; contactId?: number | undefined } | { personId?: undefined; contactId: number };

/** The foreign key value that finds the record of (conversation, person) or (conversation, company alone) again. */
export function recordKeyValue(conversationId: string, owner: RecordOwner): string {
  return owner.personId === undefined
    ? `${conversationId}/company-${owner.contactId}`
    : `${conversationId}/${owner.personId}`;
}

export type AppointmentToWrite = RecordOwner & {
  conversationId: string;
  associateId?: number | undefined;
  taskListItemId: number;
  /** The company's only open sale (`linkSale`); undefined: the appointment's sale is left as it is. */
  saleId?: number | undefined;
  title: string;
  description: string;
  startsAt: string;
  endsAt: string;
  /** The tenant's base time zone (IANA): the appointment's times are written as its wall-clock time. */
  timeZone: string;
  location?: string | undefined;
  /**
   * When no foreign key is found, search the person's appointments for one an earlier attempt saved without its key
   * (findUnkeyedAppointment.ts) before creating one. The script cannot know whether an earlier run got that far, so
   * it always searches; the receiver skips it on a first attempt, when nothing can have been written.
   */
  searchUnkeyed: boolean;
};

/** Creates or updates the completed follow-up for one person, or for a company alone; returns its id and what happened. */
export async function writeAppointment(
  agents: SuperOfficeAgents,
  appointment: AppointmentToWrite,
  // A meeting's persons share one default (sharedDefaults.ts); alone, ask SuperOffice.
  newEntity: () => Promise<AppointmentEntity> = () => agents.appointment.createDefaultAppointmentEntityAsync(),
): Promise<{ appointmentId: number; action: 'created' | 'updated' }> {
  const keyValue = recordKeyValue(appointment.conversationId, appointment);
  const existingId = await keyedRecordId(agents, keyValue, 'appointment');
  const existing =
    existingId === undefined ? undefined : await agents.appointment.getAppointmentEntityAsync(existingId);
  // A key whose appointment was deleted in SuperOffice: write a new one (and a new key below).
  const keyed = existing && existing.appointmentId && existing.appointmentId > 0 ? existing : undefined;
  // No key: an earlier attempt may have saved the appointment and lost the answer before keying it.
  const startDate = localDateTime(appointment.startsAt, appointment.timeZone);
  const unkeyed =
    keyed === undefined && appointment.searchUnkeyed
      ? await findUnkeyedAppointment(agents, appointment, appointment.conversationId, startDate)
      : undefined;
  const found = keyed ?? unkeyed;
  const entity: AppointmentEntity = found ?? (await newEntity());

  entity.title = appointment.title;
  entity.description = appointment.description;
  // Wall time in the tenant's base zone, without an offset and without SO-Timezone: NetServer then "stores the
  // date+time unchanged" in the base time zone (SuperOffice/SDK-Doc `Reference/WebAPI/Headers/SO-Timezone.md`).
  // A Date would travel as a UTC instant (`…Z`), shown one or two hours off on a Nordic tenant. The package posts
  // the entity as JSON as it is, so a string goes through unchanged.
  entity.startDate = startDate as unknown as Date;
  entity.endDate = localDateTime(appointment.endsAt, appointment.timeZone) as unknown as Date;
  if (appointment.location !== undefined) entity.location = shorten(appointment.location, LOCATION_MAX_LENGTH);
  if (appointment.personId !== undefined) entity.person = { personId: appointment.personId };
  if (appointment.contactId !== undefined) entity.contact = { contactId: appointment.contactId };
  if (appointment.associateId !== undefined) entity.associate = { associateId: appointment.associateId };
  entity.task = { taskListItemId: appointment.taskListItemId };
  // "An appointment may also be connected to a sale" [verified: PKG `Carriers.d.ts` `AppointmentEntity.sale`].
  if (appointment.saleId !== undefined) entity.sale = { saleId: appointment.saleId };
  // A meeting that happened: a completed follow-up in the diary (the package's enums are these strings).
  entity.completed = 'Completed' as NonNullable<AppointmentEntity['completed']>;
  entity.type = 'inDiary' as NonNullable<AppointmentEntity['type']>;

  const saved = await agents.appointment.saveAppointmentEntityAsync(entity);
  const appointmentId = saved.appointmentId ?? 0;
  if (unkeyed) {
    // Found by the search: key it now, so later deliveries find it in one lookup. A failure here leaves it as it
    // was (unkeyed, updated): the next attempt finds it again the same way.
    await recordKey(agents, keyValue, 'appointment', appointmentId);
  } else if (!found) {
    try {
      await recordKey(agents, keyValue, 'appointment', appointmentId);
    } catch (error) {
      // An appointment without its key is found again only by the search: take it back, then fail, so the retry
      // writes it afresh and later deliveries keep the one-lookup path. Should the delete's answer be lost too, the
      // retry (never a first attempt, so it searches) finds the appointment by its reference line.
      await agents.appointment.deleteAppointmentEntityAsync(appointmentId).catch(() => undefined);
      throw error;
    }
  }
  return { appointmentId, action: found ? 'updated' : 'created' };
}

/**
 * The record id a foreign key `<conversation id>/<person id>` on `table` points at, if any (after making sure the
 * application and device exist).
 */
export async function keyedRecordId(
  agents: SuperOfficeAgents,
  keyValue: string,
  table: 'appointment' | 'document',
): Promise<number | undefined> {
  await ensureForeignDevice(agents);
  const key = await agents.foreignSystem.getKeyByValueAsync(
    FOREIGN_APP,
    FOREIGN_DEVICE,
    FOREIGN_KEY_NAME,
    keyValue,
    table,
  );
  return key?.recordId && key.recordId > 0 ? key.recordId : undefined;
}

/** Records the foreign key that finds this record again when the same conversation is sent again. */
export async function recordKey(
  agents: SuperOfficeAgents,
  keyValue: string,
  table: 'appointment' | 'document',
  recordId: number,
): Promise<void> {
  await agents.foreignSystem.addForeignKeyAsync(
    { key: FOREIGN_KEY_NAME, value: keyValue, recordId, tableName: table },
    FOREIGN_APP,
    FOREIGN_DEVICE,
    FOREIGN_DEVICE_ID,
  );
}

// One check per script run (the agents are built once per run): every meeting's writes wait on the same promise.
const foreignDeviceReady = new WeakMap<SuperOfficeAgents, Promise<void>>();

/**
 * Creates the foreign application and device the keys live under when they are missing. SuperOffice's only
 * example creates them before adding a key (SuperOfficeDocs `docs/api/netserver/foreign-keys/index.md`:
 * SaveForeignAppEntity, SaveForeignDevice, then the key); whether AddForeignKey would create them is not documented.
 */
export function ensureForeignDevice(agents: SuperOfficeAgents): Promise<void> {
  let ready = foreignDeviceReady.get(agents);
  if (ready === undefined) {
    ready = createForeignDeviceIfMissing(agents);
    foreignDeviceReady.set(agents, ready);
  }
  return ready;
}

/**
 * Skips the check for these agents: the receiver builds agents per delivery and has seen the application and
 * device exist (it checks again after any failure), so it does not pay two lookups per meeting.
 */
export function trustForeignDevice(agents: SuperOfficeAgents): void {
  foreignDeviceReady.set(agents, Promise.resolve());
}

async function createForeignDeviceIfMissing(agents: SuperOfficeAgents): Promise<void> {
  const foreign = agents.foreignSystem;
  const appId = await createIfMissing(
    async () => (await foreign.getAppByNameAsync(FOREIGN_APP))?.foreignAppId,
    async () =>
      (await foreign.saveForeignAppEntityAsync({ foreignAppId: 0, name: FOREIGN_APP } as ForeignAppEntity))
        ?.foreignAppId,
  );
  await createIfMissing(
    async () =>
      (await foreign.getDeviceByIdentifierAsync(FOREIGN_APP, FOREIGN_DEVICE, FOREIGN_DEVICE_ID))?.foreignDeviceId,
    async () =>
      (
        await foreign.saveForeignDeviceAsync(
          { foreignDeviceId: 0, name: FOREIGN_DEVICE, deviceIdentifier: FOREIGN_DEVICE_ID, foreignAppId: appId },
          FOREIGN_APP,
        )
      )?.foreignDeviceId,
  );
}

/**
 * The id `find` gives (a missing row may come back as null or with id 0), else the row `create` saves. When the
 * save fails, another run may have created it meanwhile: the id found then wins, else the save's error.
 */
async function createIfMissing(
  find: () => Promise<number | undefined>,
  create: () => Promise<number | undefined>,
): Promise<number> {
  const existing = await find();
  if (existing !== undefined && existing > 0) return existing;
  let created: number | undefined;
  try {
    created = await create();
  } catch (error) {
    created = await find();
    if (created === undefined || created <= 0) throw error;
  }
  // A save that answers without an id: trust only what a read shows.
  if (created === undefined || created <= 0) created = await find();
  if (created === undefined || created <= 0)
    throw new Error('SuperOffice did not keep the foreign application or device.');
  return created;
}

/** The id of the active task type (follow-up type) with this name, case-insensitively; with the names offered. */
export async function findTaskType(
  agents: SuperOfficeAgents,
  name: string,
): Promise<{ id: number } | { id: undefined; offered: string[] }> {
  const items = (await agents.appointment.getTaskListItemsAsync(false)) ?? [];
  const active = items.filter((item) => !item.deleted);
  const match = active.find((item) => (item.value ?? '').trim().toLowerCase() === name.trim().toLowerCase());
  return match?.taskListItemId
    ? { id: match.taskListItemId }
    : { id: undefined, offered: active.map((item) => item.value ?? '').filter(Boolean) };
}

/** The task types a delivery may use: the configured one's id, and each mapped name's (lower-cased) id. */
export interface TaskTypes {
  fallbackId: number;
  byName: ReadonlyMap<string, number>;
}

/**
 * The configured task type and every type the task type map names, from one GetTaskListItems call; each name not
 * an active task type is a problem naming it (and the map's entry) with the types SuperOffice offers.
 */
export async function resolveTaskTypes(
  agents: SuperOfficeAgents,
  name: string,
  map: HistoryTypeMap = [],
): Promise<
  { ok: true; types: TaskTypes } | { ok: false; problems: string[]; offered: string[]; fallbackMissing: boolean }
> {
  const items = (await agents.appointment.getTaskListItemsAsync(false)) ?? [];
  const active = items.filter((item) => !item.deleted && item.taskListItemId && (item.value ?? '').trim() !== '');
  const key = (text: string) => text.trim().toLowerCase();
  const byName = new Map(active.map((item) => [key(item.value ?? ''), item.taskListItemId ?? 0]));
  const offered = active.map((item) => item.value ?? '');
  const problems: string[] = [];
  const fallbackId = byName.get(key(name));
  if (fallbackId === undefined) problems.push(`There is no active task type named "${name}".`);
  const words = { type: 'task type', crm: 'SuperOffice' };
  for (const message of unknownHistoryTypes(map, offered, words, (a, b) => key(a) === key(b))) {
    problems.push(`Task type map ${message}.`);
  }
  if (fallbackId === undefined || problems.length > 0)
    return { ok: false, problems, offered, fallbackMissing: fallbackId === undefined };
  return { ok: true, types: { fallbackId, byName } };
}

/** `text` in at most `max` UTF-16 units, ending in "…" when shortened, never cutting a character in half. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\ud800-\udbff]$/u.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}
