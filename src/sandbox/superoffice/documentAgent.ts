import { badRequest, ok } from './apiResponses';
import { ACTIVITY_STATUSES } from './appointmentAgent';
import type { Agent, AgentContext } from './agentMethod';
import {
  isJsonObject,
  nestedId,
  optionalBoolean,
  optionalEnumName,
  optionalInteger,
  optionalString,
  property,
  queryId,
  requestObject,
  type JsonObject,
} from './readRequestFields';
import { refusedRight } from './sentryAgent';
import { associateCarrier, contactCarrier, date, personCarrier, type Carrier } from './serializeCarriers';
import type { DocumentFields } from './documentStore';
import type { DocumentRecord } from './types';

/** `v1/Agents/Document/*`: the document that holds a summary longer than an appointment's text. */
export const documentAgent: Agent = {
  CreateDefaultDocumentEntity(context) {
    const template = context.store.documents.templates().find((row) => !row.deleted);
    const now = context.now().toISOString();
    return ok(
      documentEntityCarrier(context, {
        documentId: 0,
        header: '',
        name: '',
        description: '',
        documentTemplateId: template?.documentTemplateId ?? 0,
        contactId: 0,
        personId: 0,
        associateId: context.store.associates()[0]?.associateId ?? 0,
        completed: 'NotStarted',
        content: undefined,
        createdDate: now,
        updatedDate: now,
      }),
    );
  },

  SaveDocumentEntity(context, call) {
    const entity = requestObject(call.body, 'SaveDocumentEntity');
    const documentId = optionalInteger(entity, 'documentId') ?? 0;
    const refused = refusedRight(context, 'document', documentId === 0 ? 'Insert' : 'Update');
    if (refused) return refused;
    const outcome = context.store.documents.save(documentId, documentFields(entity));
    return outcome.kind === 'written'
      ? ok(documentEntityCarrier(context, outcome.record))
      : badRequest(outcome.message);
  },

  GetDocumentEntity(context, call) {
    const document = context.store.documents.document(queryId(call.rawQuery, 'documentEntityId'));
    return ok(document === undefined ? null : documentEntityCarrier(context, document));
  },

  DeleteDocumentEntity(context, call) {
    const refused = refusedRight(context, 'document', 'Delete');
    if (refused) return refused;
    context.store.documents.delete(queryId(call.rawQuery, 'DocumentEntityId'));
    return ok(null);
  },

  SetDocumentStream(context, call) {
    const request = requestObject(call.body, 'SetDocumentStream');
    const entity = property(request, 'documentEntity');
    if (!isJsonObject(entity)) return badRequest('SetDocumentStream needs a DocumentEntity.');
    const documentId = optionalInteger(entity, 'documentId') ?? 0;
    const refused = refusedRight(context, 'document', 'Update');
    if (refused) return refused;
    const stream = optionalString(request, 'stream');
    if (stream === undefined || !/^[A-Za-z0-9+/]*={0,2}$/u.test(stream))
      return badRequest('SetDocumentStream needs the stream as base64.');
    const content = Buffer.from(stream, 'base64').toString('utf8');
    const overwrite = optionalBoolean(request, 'overwriteExistingData') ?? false;
    const outcome = context.store.documents.setContent(documentId, content, overwrite);
    return outcome.kind === 'written'
      ? ok(documentEntityCarrier(context, outcome.record))
      : badRequest(outcome.message);
  },
};

function documentFields(entity: JsonObject): DocumentFields {
  return {
    header: optionalString(entity, 'header') ?? '',
    name: optionalString(entity, 'name') ?? '',
    description: optionalString(entity, 'description') ?? '',
    documentTemplateId: nestedId(entity, 'documentTemplate', 'documentTemplateId'),
    contactId: nestedId(entity, 'contact', 'contactId'),
    personId: nestedId(entity, 'person', 'personId'),
    associateId: nestedId(entity, 'associate', 'associateId'),
    completed: optionalEnumName(entity, 'completed', ACTIVITY_STATUSES) ?? 'NotStarted',
  };
}

/** The DocumentEntity carrier, in the shape the package's `Create_DocumentEntity_From` reads. */
function documentEntityCarrier(context: AgentContext, document: DocumentRecord): Carrier {
  const { store } = context;
  const associate = store.associate(document.associateId);
  const contact = store.contact(document.contactId);
  const person = store.person(document.personId);
  const template = store.documents.template(document.documentTemplateId);
  return {
    DocumentId: document.documentId,
    Header: document.header,
    Name: document.name,
    Description: document.description,
    DocumentTemplate:
      template === undefined
        ? null
        : { DocumentTemplateId: template.documentTemplateId, Name: template.name, Deleted: template.deleted ? 1 : 0 },
    Associate: associate === undefined ? null : associateCarrier(context, associate),
    Contact: contact === undefined ? null : contactCarrier(contact),
    Person: person === undefined ? null : personCarrier(context, person),
    Completed: document.completed,
    Type: 'Document',
    Links: [],
    CreatedDate: date(context, document.createdDate),
    UpdatedDate: date(context, document.updatedDate),
  };
}
