import { conversationReference, findConversationReference } from '../core';
import { CrmError } from '../crm/crmError';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { fieldsOf, idOf, textOf } from './limeQuery';
import { queryObjects } from './queryObjects';
import { limeObjectSchema, parseLime } from './limeSchemas';

/** Our notes for one conversation: by person, and the company notes (a company, no person) by company. */
export interface OwnNotes {
  persons: Map<number, number>;
  companies: Map<number, number>;
}

/**
 * Our notes for a conversation, by person and (for company notes, which have no person) by company, in one Query
 * API call (more pages only past 200 notes): history notes whose text carries the conversation's reference line.
 * "Contains" also finds conv-10 when looking for conv-1, and ignores case: only a note whose reference line is
 * exactly ours counts.
 */
export async function findOwnNotes(
  http: LimeHttp,
  fields: LimeFieldMap,
  conversationId: string,
  signal?: AbortSignal,
): Promise<OwnNotes> {
  const { history } = fields;
  const objects = await queryObjects(
    http,
    {
      limetype: history.limetype,
      responseFormat: { object: fieldsOf('_id', history.note, history.person, history.company) },
      where: { key: history.note, op: '?', exp: conversationReference(conversationId) },
    },
    { signal },
  );
  const notes: OwnNotes = { persons: new Map(), companies: new Map() };
  for (const object of objects) {
    const noteId = idOf(object['_id']);
    if (noteId === undefined) continue;
    if (findConversationReference(textOf(object, history.note) ?? '') !== conversationId) continue;
    const personId = idOf(object[history.person]);
    const companyId = idOf(object[history.company]);
    // A note with a person is that person's (its company is only the link); without one, the company's own.
    if (personId !== undefined) {
      if (!notes.persons.has(personId)) notes.persons.set(personId, noteId);
    } else if (companyId !== undefined && !notes.companies.has(companyId)) {
      notes.companies.set(companyId, noteId);
    }
  }
  return notes;
}

export interface HistoryNote {
  /** Absent for a company note: the note is on `companyId` alone. */
  personId?: number | undefined;
  companyId?: number | undefined;
  coworkerId?: number | undefined;
  /** The company's only open deal (LINK_DEAL); undefined: the note's deal is left as it is. */
  dealId?: number | undefined;
  text: string;
  type: string;
  /** ISO date of a new note. */
  date: string;
  /** Whether an update also sets the date (dates that follow the meeting start); else it keeps the first one. */
  updateDate: boolean;
}

/**
 * Writes our note for one person: updates `existingId` in place when given (a re-sent or regenerated summary, or
 * a note an interrupted attempt wrote), else creates it. A note deleted in Lime since is written anew.
 */
export async function writeHistoryNote(
  http: LimeHttp,
  fields: LimeFieldMap,
  note: HistoryNote,
  existingId: number | undefined,
  signal?: AbortSignal,
): Promise<{ noteId: number; action: 'created' | 'updated' }> {
  const { history } = fields;
  const values: Record<string, unknown> = {
    [history.type]: note.type,
    [history.note]: note.text,
    ...(note.personId === undefined ? {} : { [history.person]: note.personId }),
    ...(note.companyId === undefined ? {} : { [history.company]: note.companyId }),
    ...(note.coworkerId === undefined ? {} : { [history.coworker]: note.coworkerId }),
    ...(note.dealId === undefined ? {} : { [history.deal]: note.dealId }),
  };
  if (existingId !== undefined) {
    const body = note.updateDate ? { ...values, [history.date]: note.date } : values;
    try {
      parseLime(
        limeObjectSchema,
        await http.putJson(`limeobject/${history.limetype}/${existingId}/`, body, signal),
        `PUT limeobject/${history.limetype}`,
      );
      return { noteId: existingId, action: 'updated' };
    } catch (error) {
      if (!(error instanceof CrmError && error.code === 'not_found')) throw error;
    }
  }
  const created = parseLime(
    limeObjectSchema,
    await http.postJson(`limeobject/${history.limetype}/`, { ...values, [history.date]: note.date }, signal),
    `POST limeobject/${history.limetype}`,
  );
  return { noteId: created._id, action: 'created' };
}
