import { conversationReference, findConversationReference } from '../core';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { fieldsOf, idOf, runQuery, textOf } from './limeQuery';
import { limeObjectSchema, parseLime } from './limeSchemas';

export interface HistoryNote {
  conversationId: string;
  personId: number;
  companyId?: number | undefined;
  coworkerId?: number | undefined;
  text: string;
  type: string;
  /** ISO date of a new note. */
  date: string;
  /** Whether an update also sets the date (dates that follow the meeting start); else it keeps the first one. */
  updateDate: boolean;
}

/**
 * Writes our note for (conversation, person) exactly once: look for the note that carries this conversation's
 * reference on this person; if it exists, update it in place, else create it. A crash between Lime's create and
 * our record, a retry, or DCI re-sending the meeting all end with one note.
 */
export async function upsertHistoryNote(
  http: LimeHttp,
  fields: LimeFieldMap,
  note: HistoryNote,
  signal?: AbortSignal,
): Promise<{ noteId: number; action: 'created' | 'updated' }> {
  const { history } = fields;
  const existing = await runQuery(
    http,
    {
      limetype: history.limetype,
      responseFormat: { object: fieldsOf('_id', history.note) },
      filter: {
        op: 'AND',
        exp: [
          { key: history.note, op: '?', exp: conversationReference(note.conversationId) },
          { key: history.person, op: '=', exp: note.personId },
        ],
      },
      orderBy: [{ _id: 'ASC' }],
      limit: 100,
    },
    signal,
  );
  // "Contains" also finds conv-10 when looking for conv-1, and ignores case: only our exact reference line counts.
  const ours = existing.find(
    (object) => findConversationReference(textOf(object, history.note) ?? '') === note.conversationId,
  );
  const values: Record<string, unknown> = {
    [history.type]: note.type,
    [history.note]: note.text,
    [history.person]: note.personId,
    ...(note.companyId === undefined ? {} : { [history.company]: note.companyId }),
    ...(note.coworkerId === undefined ? {} : { [history.coworker]: note.coworkerId }),
  };

  const existingId = ours ? idOf(ours['_id']) : undefined;
  if (existingId !== undefined) {
    const path = `limeobject/${history.limetype}/${existingId}/`;
    const body = note.updateDate ? { ...values, [history.date]: note.date } : values;
    parseLime(limeObjectSchema, await http.putJson(path, body, signal), `PUT limeobject/${history.limetype}`);
    return { noteId: existingId, action: 'updated' };
  }
  const created = parseLime(
    limeObjectSchema,
    await http.postJson(`limeobject/${history.limetype}/`, { ...values, [history.date]: note.date }, signal),
    `POST limeobject/${history.limetype}`,
  );
  return { noteId: created._id, action: 'created' };
}
