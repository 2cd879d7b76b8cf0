import type { AppointmentEntity } from '@superoffice/webapi';
import type { SuperOfficeAgents } from './superOfficeApi';

/**
 * Exactly once per (conversation, person): the appointment written for it is recorded as a SuperOffice foreign key
 * (ForeignSystemAgent: application → device → key, value `<conversationId>/<personId>`, pointing at the appointment
 * record). Chosen over searching appointment texts because the foreign key is an exact, indexed lookup the WebAPI
 * offers on every tenant, survives edits of the appointment text by users, and needs no custom field set up by
 * the admin. A re-sent conversation finds its appointment through it and updates it in place.
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

export interface AppointmentToWrite {
  conversationId: string;
  personId: number;
  contactId?: number | undefined;
  associateId?: number | undefined;
  taskListItemId: number;
  title: string;
  description: string;
  startsAt: string;
  endsAt: string;
  location?: string | undefined;
}

/** Creates or updates the completed follow-up for one person; returns its id and what happened. */
export async function writeAppointment(
  agents: SuperOfficeAgents,
  appointment: AppointmentToWrite,
): Promise<{ appointmentId: number; action: 'created' | 'updated' }> {
  const keyValue = `${appointment.conversationId}/${appointment.personId}`;
  const key = await agents.foreignSystem.getKeyByValueAsync(
    FOREIGN_APP,
    FOREIGN_DEVICE,
    FOREIGN_KEY_NAME,
    keyValue,
    'appointment',
  );
  const existingId = key?.recordId && key.recordId > 0 ? key.recordId : undefined;
  const existing =
    existingId === undefined ? undefined : await agents.appointment.getAppointmentEntityAsync(existingId);
  // A key whose appointment was deleted in SuperOffice: write a new one (and a new key below).
  const found = existing && existing.appointmentId && existing.appointmentId > 0 ? existing : undefined;
  const entity: AppointmentEntity = found ?? (await agents.appointment.createDefaultAppointmentEntityAsync());

  entity.title = appointment.title;
  entity.description = appointment.description;
  entity.startDate = new Date(appointment.startsAt);
  entity.endDate = new Date(appointment.endsAt);
  if (appointment.location !== undefined) entity.location = shorten(appointment.location, LOCATION_MAX_LENGTH);
  entity.person = { personId: appointment.personId };
  if (appointment.contactId !== undefined) entity.contact = { contactId: appointment.contactId };
  if (appointment.associateId !== undefined) entity.associate = { associateId: appointment.associateId };
  entity.task = { taskListItemId: appointment.taskListItemId };
  // A meeting that happened: a completed follow-up in the diary (the package's enums are these strings).
  entity.completed = 'Completed' as NonNullable<AppointmentEntity['completed']>;
  entity.type = 'inDiary' as NonNullable<AppointmentEntity['type']>;

  const saved = await agents.appointment.saveAppointmentEntityAsync(entity);
  const appointmentId = saved.appointmentId ?? 0;
  if (!found) {
    try {
      await agents.foreignSystem.addForeignKeyAsync(
        { key: FOREIGN_KEY_NAME, value: keyValue, recordId: appointmentId, tableName: 'appointment' },
        FOREIGN_APP,
        FOREIGN_DEVICE,
        FOREIGN_DEVICE_ID,
      );
    } catch (error) {
      // Without its key the appointment would be written again by DCI's retry: take it back, then fail. (If the
      // key was stored but its answer lost, the retry finds it; a lost answer to the delete leaves one duplicate.)
      await agents.appointment.deleteAppointmentEntityAsync(appointmentId).catch(() => undefined);
      throw error;
    }
  }
  return { appointmentId, action: found ? 'updated' : 'created' };
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

/** `text` in at most `max` UTF-16 units, ending in "…" when shortened, never cutting a character in half. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\ud800-\udbff]$/u.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}
