import type { AppointmentEntity } from '@superoffice/webapi';
import { conversationReference, findConversationReference } from '../core';
import { quote, searchArchive } from './archiveQuery';
import type { SuperOfficeAgents } from './superOfficeApi';

/**
 * The appointment an earlier attempt saved for (conversation, person) but never keyed: SuperOffice stored it and the
 * answer was lost (a timeout, a reset, the receiver killed between SaveAppointmentEntity and AddForeignKey), so
 * GetKeyByValue finds nothing and a retry would write a second appointment.
 *
 * Found through the `DiaryAppointment` archive provider, restricted on the person and on our reference token in the
 * appointment's text:
 * - [verified: SuperOfficeDocs `docs/en/api/archive-providers/reference/diaryappointment.md`] the provider serves
 *   appointments "of the Diary type (not followup or booking)" — ours are saved with type inDiary — with the columns
 *   `personId` (restriction type listAny), `text` ("a descriptive text for the item", restriction type
 *   positiveString) and `appointmentId`. The generic `Appointment` provider is avoided: the same docs say it splits
 *   appointments into "not done, or done today", and ours are completed meetings of earlier days.
 * - [inferred] `text` is the appointment's description (text.text) and `contains` is one of positiveString's
 *   operators; an integer compared with `=` works on a listAny id column as on the Person archive's ids.
 * - [assumption] the archive may show or match a cut text; every candidate is therefore read whole
 *   (GetAppointmentEntity) and taken only when its reference line names exactly this conversation and it belongs to
 *   this person, so a conversation id that is a prefix of another's, or a loose match, is never taken.
 * Not found (so written again): an appointment whose reference line a user removed before the retry.
 *
 * Cost: one archive request when nothing is found (the usual case); one GetAppointmentEntity per candidate, and the
 * one found is the entity then updated (the keyed path reads it too).
 */
export async function findUnkeyedAppointment(
  agents: SuperOfficeAgents,
  personId: number,
  conversationId: string,
): Promise<AppointmentEntity | undefined> {
  const restriction = `personId = ${personId} and text contains ${quote(conversationReference(conversationId))}`;
  const rows = await searchArchive(agents, 'DiaryAppointment', ['appointmentId'], restriction, 10);
  for (const row of rows) {
    if (row.primaryKey <= 0) continue;
    const entity = await agents.appointment.getAppointmentEntityAsync(row.primaryKey);
    if (!entity?.appointmentId || entity.appointmentId <= 0) continue;
    if (entity.person?.personId !== personId) continue;
    if (findConversationReference(entity.description ?? '') === conversationId) return entity;
  }
  return undefined;
}
