import { quote, searchArchive } from './archiveQuery';
import type { SuperOfficeAgents } from './superOfficeApi';
import type { RecordOwner } from './writeAppointment';

/**
 * The summary document's file name for a conversation (writeSummaryDocument.ts names it so), and whether that name
 * tells this conversation apart from every other: only when the id is kept whole (letters, digits and "-", at most
 * 60 characters — DCI's ids are UUIDs [assumption: DCI documents no id format]).
 */
export function summaryDocumentName(conversationId: string): { name: string; distinct: boolean } {
  const kept = conversationId.replace(/[^A-Za-z0-9-]/gu, '').slice(0, 60);
  return { name: `dci-summary-${kept}.txt`, distinct: kept === conversationId };
}

/**
 * Deletes the summary documents an earlier attempt saved for (conversation, person) but never keyed: a save or an
 * upload whose answer was lost, or a receiver killed before AddForeignKey. Such a document is unfinished — it may
 * have no content, and whether it does cannot be read without downloading it — so it is taken back and written
 * afresh rather than updated (SetDocumentStream's OverwriteExistingData must match whether content exists).
 *
 * Found through the `Document` archive provider by `personId` and the file name `name` [verified: SuperOfficeDocs
 * `docs/en/api/archive-providers/reference/document.md`: columns personId (listAny), name ("File name", string),
 * documentId]. SetDocumentStream may amend the file name on a conflict (the package's doc comment of
 * setDocumentStreamAsync), so the name is matched by its beginning, and each candidate is read whole and taken only
 * when it belongs to this person and its name is this conversation's (the id followed by no other id character).
 * Cost: one archive request per person without a key, when the meeting needs a document at all.
 */
export async function removeUnkeyedDocuments(
  agents: SuperOfficeAgents,
  /** The person, or for a company note the company alone (the Document provider's contactId column). */
  owner: RecordOwner,
  conversationId: string,
): Promise<void> {
  const { name, distinct } = summaryDocumentName(conversationId);
  if (!distinct) return;
  const stem = name.slice(0, -'.txt'.length);
  const who = owner.personId === undefined ? `contactId = ${owner.contactId}` : `personId = ${owner.personId}`;
  const restriction = `${who} and name begins ${quote(stem)}`;
  const rows = await searchArchive(agents, 'Document', ['documentId'], restriction, 10);
  for (const row of rows) {
    if (row.primaryKey <= 0) continue;
    const entity = await agents.document.getDocumentEntityAsync(row.primaryKey);
    if (!entity?.documentId || entity.documentId <= 0) continue;
    const ours =
      owner.personId === undefined
        ? (entity.person?.personId ?? 0) <= 0 && entity.contact?.contactId === owner.contactId
        : entity.person?.personId === owner.personId;
    if (!ours) continue;
    const rest = (entity.name ?? '').slice(stem.length);
    if (!(entity.name ?? '').startsWith(stem) || /^[A-Za-z0-9-]/u.test(rest)) continue;
    await agents.document.deleteDocumentEntityAsync(entity.documentId);
  }
}
