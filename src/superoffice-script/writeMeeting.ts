import {
  deliverMeeting,
  renderNote,
  type CrmId,
  type MeetingCrm,
  type MeetingSummary,
  type ParticipantOutcomeKind,
} from '../core';
import { createSuperOfficeContact } from './createSuperOfficeContact';
import { findPresenterAssociate, findSuperOfficeCandidates } from './findSuperOfficePeople';
import type { ScriptConfig } from './scriptConfig';
import type { SuperOfficeAgents } from './superOfficeApi';
import { writeAppointment } from './writeAppointment';
import { writeSummaryDocument } from './writeSummaryDocument';

/** What happened to one participant, in the script's answer (the seed's outcomes, as on the Lime side). */
export interface ParticipantResult {
  participant: { index: number; name?: string | undefined };
  outcome: ParticipantOutcomeKind;
  personId?: CrmId | undefined;
  contactId?: CrmId | undefined;
  appointmentId?: CrmId | undefined;
  trace: string;
}

/**
 * The meeting into SuperOffice through the shared `deliverMeeting`: one completed appointment per matched person,
 * owned by the presenter's associate (else the configured default).
 */
export async function writeMeeting(
  summary: MeetingSummary,
  agents: SuperOfficeAgents,
  config: ScriptConfig,
  taskListItemId: number,
): Promise<ParticipantResult[]> {
  const crm: MeetingCrm = {
    names: { crm: 'SuperOffice', note: 'appointment' },
    findPresenter: (email) => findPresenterAssociate(agents, email),
    candidates: { per: 'participant', find: (participant) => findSuperOfficeCandidates(agents, participant) },
    createContact: (participant) => createSuperOfficeContact(agents, participant),
    writeNotes: async (targets, presenterAssociateId) => {
      const associateId =
        presenterAssociateId ?? (config.defaultAssociateId > 0 ? config.defaultAssociateId : undefined);
      const noteOptions = { timeZone: config.timeZone, maxLength: config.maxDescriptionLength, titleInText: false };
      const note = renderNote(summary, noteOptions);
      const endsAt = summary.endsAt ?? new Date(Date.parse(summary.startsAt) + 30 * 60 * 1000).toISOString();
      const written: Array<{ noteId: CrmId; action: 'created' | 'updated' }> = [];
      for (const target of targets) {
        const contactId = target.companyId === undefined ? undefined : Number(target.companyId);
        const owner = associateId === undefined ? undefined : Number(associateId);
        let description = note.text;
        if (note.shortened.length > 0) {
          // The whole note does not fit the appointment's text: it goes into a document (writeSummaryDocument.ts),
          // and the appointment's shortened text says where.
          const held = await writeSummaryDocument(agents, {
            conversationId: summary.conversationId,
            personId: Number(target.personId),
            contactId,
            associateId: owner,
            header: note.title,
            text: renderNote(summary, { timeZone: config.timeZone, maxLength: Number.POSITIVE_INFINITY }).text,
          });
          const link = summary.links.session ?? summary.links.transcript ?? summary.links.recording;
          const fullTextAt =
            held.kind === 'written'
              ? `in the document "${held.header}" on this person`
              : `only in DCI${link === undefined ? '' : ` (${link})`}: not kept in SuperOffice, which has no document template (see Test Integration)`;
          description = renderNote(summary, { ...noteOptions, fullTextAt }).text;
        }
        const saved = await writeAppointment(agents, {
          conversationId: summary.conversationId,
          personId: Number(target.personId),
          contactId,
          associateId: owner,
          taskListItemId,
          title: note.title,
          description,
          startsAt: summary.startsAt,
          endsAt,
          timeZone: config.timeZone,
          location: summary.location,
        });
        written.push({ noteId: saved.appointmentId, action: saved.action });
      }
      return written;
    },
  };
  const { outcomes, participants } = await deliverMeeting(summary, crm, {
    internalDomains: config.internalDomains,
    defaultRegion: config.phoneRegion,
    createMissingContacts: config.createMissingContacts,
  });
  const names = new Map(participants.map((participant) => [participant.index, participant.name]));
  return outcomes.map((outcome) => ({
    participant: { index: outcome.participantIndex, name: names.get(outcome.participantIndex) },
    outcome: outcome.outcome,
    personId: outcome.personId,
    contactId: outcome.companyId,
    appointmentId: outcome.noteId,
    trace: outcome.trace,
  }));
}
