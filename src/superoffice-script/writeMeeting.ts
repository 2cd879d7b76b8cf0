import type { CrmId, MeetingSummary, ParticipantOutcomeKind } from '../core';
import { deliverToSuperOffice } from './deliverToSuperOffice';
import { taskTypeMapOf, type ScriptConfig } from './scriptConfig';
import type { SuperOfficeAgents } from './superOfficeApi';
import type { TaskTypes } from './writeAppointment';

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
 * The meeting into SuperOffice through the shared adapter (deliverToSuperOffice.ts), configured by the script's
 * configuration block, answered as the script's results.
 */
export async function writeMeeting(
  summary: MeetingSummary,
  agents: SuperOfficeAgents,
  config: ScriptConfig,
  taskTypes: TaskTypes,
): Promise<ParticipantResult[]> {
  const { outcomes, participants } = await deliverToSuperOffice(summary, agents, {
    taskListItemId: taskTypes.fallbackId,
    taskTypeMap: { map: taskTypeMapOf(config), types: taskTypes },
    linkSale: config.linkSale,
    defaultAssociateId: config.defaultAssociateId,
    timeZone: config.timeZone,
    maxDescriptionLength: config.maxDescriptionLength,
    internalDomains: config.internalDomains,
    defaultRegion: config.phoneRegion,
    createMissingContacts: config.createMissingContacts,
    companyNotes: config.companyNotes,
    noteLanguage: config.noteLanguage,
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
