import type { DocumentEntity } from '@superoffice/webapi';
import { removeUnkeyedDocuments, summaryDocumentName } from './removeUnkeyedDocuments';
import type { SuperOfficeAgents } from './superOfficeApi';
import { keyedRecordId, recordKey, recordKeyValue, shorten, type RecordOwner } from './writeAppointment';

/**
 * Where the whole note goes when it does not fit the appointment's text: a SuperOffice **document** (a text file in
 * the tenant's document archive) on the same person, company and owner. Why a document:
 * - the appointment's description is a `text` row, "max 2047 significant characters" [verified: SuperOfficeDocs
 *   `docs/en/database/tables/text.md`], and so are its agenda and internal notes (`agenda_text_id`,
 *   `internal_notes_text_id`, `docs/en/database/tables/appointment.md`): three of them hold ~6,100 characters,
 *   not a 12,000-character summary, and they mean other things;
 * - a document's content has no such limit and is stored through the WebAPI with SaveDocumentEntity, then
 *   SetDocumentStream [verified: SuperOfficeDocs `…/howto/document/rest-generate-document.md` "upload some content
 *   directly"; @superoffice/webapi `DocumentAgent.setDocumentStreamAsync`]; it is shown on the person's and the
 *   company's Documents tab [inferred: the document table is an extension of the appointment table, "Documents,
 *   this table is an extension of the Appointment table", `docs/en/database/tables/document.md`].
 * It needs a document template (CreateDefaultDocumentEntity's default is used [assumption: which template NetServer
 * picks is not documented]) and a document archive [assumption: cloud tenants have one].
 * Exactly once, like the appointment: a foreign key `<conversation id>/<person id>` (a company note's
 * `<conversation id>/company-<contact id>`) on table `document`, recorded
 * after the content is stored. A document an earlier attempt saved without its key (an answer lost, a receiver
 * killed) is taken back before a new one is written, when `searchUnkeyed` is set.
 */
export type SummaryDocumentToWrite = RecordOwner & {
  conversationId: string;
  associateId?: number | undefined;
  header: string;
  /** The document's description, in the note's language (noteLabels.ts). */
  description: string;
  text: string;
  /** Take back an unkeyed document an earlier attempt left (removeUnkeyedDocuments.ts) before creating one. */
  searchUnkeyed: boolean;
};

export type SummaryDocumentOutcome =
  { kind: 'written'; documentId: number; header: string; action: 'created' | 'updated' } | { kind: 'no_template' };

/** `document.header` is String(219) (SuperOfficeDocs `docs/en/database/tables/document.md`). */
const HEADER_MAX_LENGTH = 219;
// A byte-order mark: Windows tools then read the .txt as UTF-8 (å, ä, ö) instead of the local code page.
const UTF8_BOM = '\ufeff';

export async function writeSummaryDocument(
  agents: SuperOfficeAgents,
  document: SummaryDocumentToWrite,
  // A meeting's persons share one default (sharedDefaults.ts); alone, ask SuperOffice.
  newEntity: () => Promise<DocumentEntity> = () => agents.document.createDefaultDocumentEntityAsync(),
): Promise<SummaryDocumentOutcome> {
  const keyValue = recordKeyValue(document.conversationId, document);
  const existingId = await keyedRecordId(agents, keyValue, 'document');
  const existing = existingId === undefined ? undefined : await agents.document.getDocumentEntityAsync(existingId);
  // A key whose document was deleted in SuperOffice: write a new one (and a new key below).
  const found = existing?.documentId && existing.documentId > 0 ? existing : undefined;
  if (!found && document.searchUnkeyed) await removeUnkeyedDocuments(agents, document, document.conversationId);
  const entity: DocumentEntity = found ?? (await newEntity());
  if (!found && !(entity.documentTemplate?.documentTemplateId && entity.documentTemplate.documentTemplateId > 0))
    return { kind: 'no_template' };

  const header = shorten(document.header, HEADER_MAX_LENGTH);
  entity.header = header;
  if (!found) entity.name = summaryDocumentName(document.conversationId).name;
  entity.description = document.description;
  if (document.personId !== undefined) entity.person = { personId: document.personId };
  if (document.contactId !== undefined) entity.contact = { contactId: document.contactId };
  if (document.associateId !== undefined) entity.associate = { associateId: document.associateId };
  // "The NSDocumentEntity can't be changed if the document is marked as Completed … Toggle it to 0 to do your
  // edits and then toggle it back" (SuperOfficeDocs `docs/en/document/howto/crmscript/doc-properties.md`).
  const wasCompleted = String(found?.completed) === 'Completed';
  if (wasCompleted) entity.completed = 'NotStarted' as NonNullable<DocumentEntity['completed']>;

  const saved = await agents.document.saveDocumentEntityAsync(entity);
  const documentId = saved.documentId ?? 0;
  try {
    // A document found by its key has content (the key is recorded only after it is stored): overwrite it.
    const stored = await agents.document.setDocumentStreamAsync(saved, UTF8_BOM + document.text, found !== undefined);
    if (wasCompleted) {
      stored.completed = 'Completed' as NonNullable<DocumentEntity['completed']>;
      await agents.document.saveDocumentEntityAsync(stored);
    }
    if (!found) await recordKey(agents, keyValue, 'document', documentId);
  } catch (error) {
    // Without content or key the document would be written again by DCI's retry: take it back, then fail.
    if (!found) await agents.document.deleteDocumentEntityAsync(documentId).catch(() => undefined);
    throw error;
  }
  return { kind: 'written', documentId, header, action: found ? 'updated' : 'created' };
}
