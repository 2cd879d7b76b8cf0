import type { AppointmentEntity } from '@superoffice/webapi';
import { findConversationReference } from '../core';
import { searchArchive } from './archiveQuery';
import type { SuperOfficeAgents } from './superOfficeApi';
import type { RecordOwner } from './writeAppointment';

/**
 * The appointment an earlier attempt saved for (conversation, person) but never keyed: SuperOffice stored it and the
 * answer was lost (a timeout, a reset, the receiver killed between SaveAppointmentEntity and AddForeignKey), so
 * GetKeyByValue finds nothing and a retry would write a second appointment.
 *
 * Found through the `DiaryAppointment` archive provider, restricted on the person and on the days around the
 * meeting's start — never on the appointment's text:
 * - [verified: SuperOfficeDocs `docs/en/api/archive-providers/reference/diaryappointment.md`] the provider serves
 *   appointments "of the Diary type (not followup or booking)" — ours are saved with type inDiary — with the columns
 *   `personId` (restriction type listAny), `date` ("start date of a follow-up", restriction type `date`: "only the
 *   date part is used") and `appointmentId`. The generic `Appointment` provider is avoided: the same docs say it
 *   splits appointments into "not done, or done today", and ours are completed meetings of earlier days.
 * - [verified: SuperOfficeDocs `docs/en/api/search/odata/date.md`] a date restriction reads
 *   `date between ('2020-05-11','2020-05-31')`; [inferred] the archive restriction string takes the same syntax
 *   (the docs call both "OData or SQL-ish"), and an integer compared with `=` works on a listAny id column as on the
 *   Person archive's ids.
 * - Not the text: the reference line is the last line of a description of up to 2047 characters, and how much of it
 *   the archive's `text` column holds is undocumented [assumption: possibly cut], so a text search could miss it and
 *   write a duplicate.
 * - The start is written exactly (the meeting's start, wall time in the tenant's zone), but in which zone the archive
 *   takes a date's "date part", and whether `between` includes its last date, is undocumented [assumption]; the
 *   window is therefore the day before to two days after the written date, which holds the start's date in any zone
 *   and with either reading of `between`.
 * Every candidate is read whole (GetAppointmentEntity) and taken only when its reference line names exactly this
 * conversation and it belongs to this person, so a conversation id that is a prefix of another's, or another meeting
 * with the same person those days, is never taken.
 * Not found (so written again): an appointment whose reference line a user removed, or whose start a user moved by
 * more than a day, before the retry.
 *
 * Cost: one archive request; one GetAppointmentEntity per appointment of this person in the window (usually none
 * or one other meeting), and the one found is the entity then updated (the keyed path reads it too).
 */
export async function findUnkeyedAppointment(
  agents: SuperOfficeAgents,
  /**
   * The person, or for a company note the company alone: then restricted on `contactId` (a DiaryAppointment column
   * beside personId [verified: diaryappointment.md lists contactId]) and taken only when it has no person.
   */
  owner: RecordOwner,
  conversationId: string,
  /** The start as written: wall time in the tenant's zone, `YYYY-MM-DDTHH:mm:ss`. */
  startDate: string,
): Promise<AppointmentEntity | undefined> {
  const day = startDate.slice(0, 10);
  const who = owner.personId === undefined ? `contactId = ${owner.contactId}` : `personId = ${owner.personId}`;
  const restriction = `${who} and date between ('${shiftDay(day, -1)}', '${shiftDay(day, 2)}')`;
  const rows = await searchArchive(agents, 'DiaryAppointment', ['appointmentId'], restriction, MAX_CANDIDATES);
  for (const row of rows) {
    if (row.primaryKey <= 0) continue;
    const entity = await agents.appointment.getAppointmentEntityAsync(row.primaryKey);
    if (!entity?.appointmentId || entity.appointmentId <= 0) continue;
    if (owner.personId === undefined) {
      if ((entity.person?.personId ?? 0) > 0 || entity.contact?.contactId !== owner.contactId) continue;
    } else if (entity.person?.personId !== owner.personId) continue;
    if (findConversationReference(entity.description ?? '') === conversationId) return entity;
  }
  return undefined;
}

/** A person has far fewer diary appointments in four days; more would be read in one page anyway. */
const MAX_CANDIDATES = 50;

/** `2026-03-01`, -1 → `2026-02-28`. */
function shiftDay(day: string, days: number): string {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}
