import type { AppointmentEntity, DocumentEntity } from '@superoffice/webapi';
import type { SuperOfficeAgents } from './superOfficeApi';

/**
 * One CreateDefaultAppointmentEntity and one CreateDefaultDocumentEntity per meeting instead of one per person (a
 * 20-person meeting saves 38 requests), each person getting a copy. What this relies on: both calls take no
 * argument [verified: @superoffice/webapi `AppointmentAgent.createDefaultAppointmentEntityAsync()`,
 * `DocumentAgent.createDefaultDocumentEntityAsync()`], so what they answer cannot depend on the person; it depends
 * on the signed-in user and the clock (owner, task type, start = now, the default document template
 * [inferred: shared/specs/superoffice.md, the emulator's header]), and writeAppointment.ts / writeSummaryDocument.ts
 * overwrite every field that differs per person (person, contact when known, owner when known, dates, texts). The
 * copies are made before any field is set, so the persons never share an object. Asked only when a person needs a
 * new record (an update starts from the record found), and at most once per meeting.
 */
export interface SharedDefaults {
  appointment(): Promise<AppointmentEntity>;
  document(): Promise<DocumentEntity>;
}

export function sharedDefaults(agents: SuperOfficeAgents): SharedDefaults {
  let appointment: Promise<AppointmentEntity> | undefined;
  let document: Promise<DocumentEntity> | undefined;
  return {
    async appointment() {
      appointment ??= agents.appointment.createDefaultAppointmentEntityAsync();
      return copyOf(await appointment);
    },
    async document() {
      document ??= agents.document.createDefaultDocumentEntityAsync();
      return copyOf(await document);
    },
  };
}

// A JSON copy: the entity travels to SaveAppointmentEntity / SaveDocumentEntity as JSON anyway (a Date the package
// may have made becomes the same ISO string it would have been sent as).
function copyOf<T>(entity: T): T {
  return JSON.parse(JSON.stringify(entity)) as T;
}
