import type { SuperOfficeStore, WriteOutcome } from './superOfficeStore';
import type { DocumentRecord, DocumentTemplateRecord } from './types';

/** Header and file name lengths of the `document` table (SuperOfficeDocs `docs/en/database/tables/document.md`). */
const HEADER_MAX_LENGTH = 219;
const NAME_MAX_LENGTH = 511;
/** `text.text`: "max 2047 significant characters" (SuperOfficeDocs `docs/en/database/tables/text.md`). */
export const TEXT_MAX_LENGTH = 2047;

export type DocumentFields = Omit<DocumentRecord, 'documentId' | 'content' | 'createdDate' | 'updatedDate'>;

/** Documents and document templates of one tenant: the rules are in the emulator's header. */
export class DocumentStore {
  private readonly templateRows = new Map<number, DocumentTemplateRecord>();
  private readonly documentRows = new Map<number, DocumentRecord>();
  private nextTemplate = 1;
  private nextDocument = 501;

  constructor(
    private readonly tenant: SuperOfficeStore,
    private readonly now: () => Date,
  ) {}

  addTemplate(name: string, deleted: boolean): WriteOutcome<DocumentTemplateRecord> {
    if (name.trim() === '') return { kind: 'invalid', message: 'A document template needs a name.' };
    const record = { documentTemplateId: this.nextTemplate++, name, deleted };
    this.templateRows.set(record.documentTemplateId, record);
    return { kind: 'written', record };
  }

  templates(): DocumentTemplateRecord[] {
    return [...this.templateRows.values()];
  }

  template(id: number): DocumentTemplateRecord | undefined {
    return this.templateRows.get(id);
  }

  document(id: number): DocumentRecord | undefined {
    return this.documentRows.get(id);
  }

  documents(): DocumentRecord[] {
    return [...this.documentRows.values()];
  }

  save(documentId: number, fields: DocumentFields): WriteOutcome<DocumentRecord> {
    const existing = this.documentRows.get(documentId);
    if (documentId !== 0 && existing === undefined) return invalid(`There is no document with id ${documentId}.`);
    // "The NSDocumentEntity can't be changed if the document is marked as Completed" — only un-completing it is.
    if (existing?.completed === 'Completed' && fields.completed === 'Completed')
      return invalid('A completed document cannot be changed: set Completed to NotStarted first.');
    const problem = this.fieldProblem(fields);
    if (problem !== undefined) return invalid(problem);
    const now = this.now().toISOString();
    const record: DocumentRecord = {
      ...fields,
      documentId: existing?.documentId ?? this.nextDocument++,
      content: existing?.content,
      createdDate: existing?.createdDate ?? now,
      updatedDate: now,
    };
    this.documentRows.set(record.documentId, record);
    return { kind: 'written', record };
  }

  /** SetDocumentStream: `overwrite` only on a document that has content, a new stream only on one that has none. */
  setContent(documentId: number, content: string, overwrite: boolean): WriteOutcome<DocumentRecord> {
    const existing = this.documentRows.get(documentId);
    if (existing === undefined) return invalid(`There is no document with id ${documentId}.`);
    if (existing.completed === 'Completed')
      return invalid('A completed document cannot be uploaded to: set Completed to NotStarted first.');
    if (overwrite && existing.content === undefined)
      return invalid('OverwriteExistingData needs a physical document, and this document has none.');
    if (!overwrite && existing.content !== undefined)
      return invalid('The document already has a physical document: set OverwriteExistingData to replace it.');
    const record = { ...existing, content, updatedDate: this.now().toISOString() };
    this.documentRows.set(documentId, record);
    return { kind: 'written', record };
  }

  delete(documentId: number): boolean {
    return this.documentRows.delete(documentId);
  }

  private fieldProblem(fields: DocumentFields): string | undefined {
    if (fields.header.trim() === '') return 'A document needs a header.';
    if (fields.header.length > HEADER_MAX_LENGTH) return `Header is longer than ${HEADER_MAX_LENGTH} characters.`;
    if (fields.name.trim() === '') return 'A document needs a file name.';
    if (fields.name.length > NAME_MAX_LENGTH) return `Name is longer than ${NAME_MAX_LENGTH} characters.`;
    if (fields.description.length > TEXT_MAX_LENGTH) return `Description is longer than ${TEXT_MAX_LENGTH} characters.`;
    const template = this.templateRows.get(fields.documentTemplateId);
    if (template === undefined || template.deleted)
      return `A document needs an existing document template (DocumentTemplate ${fields.documentTemplateId}).`;
    const associate = this.tenant.associate(fields.associateId);
    if (associate === undefined || associate.deleted) return 'A document needs an owner (associate).';
    if (fields.contactId !== 0 && this.tenant.contact(fields.contactId) === undefined)
      return `There is no contact with id ${fields.contactId}.`;
    if (fields.personId !== 0 && this.tenant.person(fields.personId) === undefined)
      return `There is no person with id ${fields.personId}.`;
    return undefined;
  }
}

function invalid(message: string): { kind: 'invalid'; message: string } {
  return { kind: 'invalid', message };
}
