import {
  CRM_REQUESTS_PER_MEETING,
  deliverMeeting,
  mapWithLimit,
  renderNote,
  type CrmId,
  type MeetingCrm,
  type MeetingResult,
  type MeetingSummary,
} from '../core';
import { createSuperOfficeContact } from './createSuperOfficeContact';
import { findPresenterAssociate, findSuperOfficeCandidates } from './findSuperOfficePeople';
import { sharedDefaults } from './sharedDefaults';
import type { SuperOfficeAgents } from './superOfficeApi';
import { writeAppointment, type RecordOwner } from './writeAppointment';
import { writeSummaryDocument } from './writeSummaryDocument';

/**
 * What differs between the adapter's two hosts (the endpoint script inside SuperOffice, the receiver's connector):
 * the script reads these from its configuration block, the receiver from its settings and `DeliverOptions`.
 */
export interface SuperOfficeDelivery {
  /** The task type's id (found by name with `findTaskType`). */
  taskListItemId: number;
  /** The owner when the presenter is not a SuperOffice user; 0 or undefined: the WebAPI's default owner. */
  defaultAssociateId?: number | undefined;
  /** The tenant's base time zone (IANA): appointment times are its wall time, and the text's dates are shown in it. */
  timeZone: string;
  /** The longest appointment description SuperOffice keeps; a longer summary goes whole into a document. */
  maxDescriptionLength: number;
  internalDomains: readonly string[];
  defaultRegion: string;
  createMissingContacts: boolean;
  /**
   * Company notes: when no person is certain but the company is, one appointment on the company alone (core's
   * MeetingPolicy.companyNotes); the e-mail domain is then searched too (findSuperOfficePeople.ts). Default off.
   */
  companyNotes?: boolean | undefined;
  /** Match (lookups only) but create and write nothing: matched persons get `would_write`. */
  dryRun?: boolean | undefined;
  /**
   * Whether a person without a foreign key is searched for an appointment an earlier attempt saved but never keyed
   * (one archive request per such person; writeAppointment.ts), and for an unkeyed summary document (one more when
   * the meeting needs a document; removeUnkeyedDocuments.ts). Default true: the script cannot know what an earlier
   * run did. The receiver passes false on a first attempt (`knownNotesComplete`), when nothing can have been saved.
   */
  searchUnkeyedAppointments?: boolean | undefined;
}

/** The meeting's outcomes, and the appointment text as written (or, on a dry run, as it would be). */
export interface SuperOfficeDeliveryResult extends MeetingResult {
  note: { title: string; text: string };
}

/**
 * The meeting into SuperOffice through the shared `deliverMeeting`: one completed appointment per matched person,
 * owned by the presenter's associate (else the default owner), exactly once per (conversation, person) through the
 * foreign keys writeAppointment.ts keeps. The one adapter both hosts run: only `agents` (the runtime's `soApi`, or
 * the receiver's per-tenant agents) and `delivery` differ.
 */
export async function deliverToSuperOffice(
  summary: MeetingSummary,
  agents: SuperOfficeAgents,
  delivery: SuperOfficeDelivery,
): Promise<SuperOfficeDeliveryResult> {
  const noteOptions = { timeZone: delivery.timeZone, maxLength: delivery.maxDescriptionLength, titleInText: false };
  const note = renderNote(summary, noteOptions);
  const defaultOwner =
    delivery.defaultAssociateId !== undefined && delivery.defaultAssociateId > 0
      ? delivery.defaultAssociateId
      : undefined;
  const crm: MeetingCrm = {
    names: { crm: 'SuperOffice', note: 'appointment' },
    findPresenter: (email) => findPresenterAssociate(agents, email),
    candidates: {
      per: 'participant',
      find: (participant) =>
        findSuperOfficeCandidates(
          agents,
          participant,
          delivery.companyNotes === true ? { internalDomains: delivery.internalDomains } : undefined,
        ),
    },
    createContact: (participant, companyId) =>
      createSuperOfficeContact(agents, participant, companyId === undefined ? undefined : Number(companyId)),
    writeNotes: async (targets, presenterAssociateId) => {
      const associateId = presenterAssociateId ?? defaultOwner;
      const endsAt = summary.endsAt ?? new Date(Date.parse(summary.startsAt) + 30 * 60 * 1000).toISOString();
      const defaults = sharedDefaults(agents);
      // The persons a few at a time (mapWithLimit.ts says why), each one's requests in order, the results in the
      // targets' order. Exactly once still holds: every person has their own foreign keys
      // (`<conversation>/<person>`), and deliverMeeting hands each person over once however many participants
      // resolved to them.
      return mapWithLimit(targets, CRM_REQUESTS_PER_MEETING, async (target) => {
        // A person (with their company), or a company alone: a company note (core's company notes).
        const recordOwner: RecordOwner =
          target.personId === undefined
            ? { contactId: Number(target.companyId) }
            : {
                personId: Number(target.personId),
                contactId: target.companyId === undefined ? undefined : Number(target.companyId),
              };
        const owner = associateId === undefined ? undefined : Number(associateId);
        let description = note.text;
        if (note.shortened.length > 0) {
          // The whole note does not fit the appointment's text: it goes into a document (writeSummaryDocument.ts),
          // and the appointment's shortened text says where.
          const held = await writeSummaryDocument(
            agents,
            {
              ...recordOwner,
              conversationId: summary.conversationId,
              associateId: owner,
              header: note.title,
              text: renderNote(summary, { timeZone: delivery.timeZone, maxLength: Number.POSITIVE_INFINITY }).text,
              searchUnkeyed: delivery.searchUnkeyedAppointments !== false,
            },
            () => defaults.document(),
          );
          const link = summary.links.session ?? summary.links.transcript ?? summary.links.recording;
          const fullTextAt =
            held.kind === 'written'
              ? `in the document "${held.header}" on this ${target.personId === undefined ? 'company' : 'person'}`
              : `only in DCI${link === undefined ? '' : ` (${link})`}: not kept in SuperOffice, which has no document template (see Test Integration)`;
          description = renderNote(summary, { ...noteOptions, fullTextAt }).text;
        }
        const saved = await writeAppointment(
          agents,
          {
            ...recordOwner,
            conversationId: summary.conversationId,
            associateId: owner,
            taskListItemId: delivery.taskListItemId,
            title: note.title,
            description,
            startsAt: summary.startsAt,
            endsAt,
            timeZone: delivery.timeZone,
            location: summary.location,
            searchUnkeyed: delivery.searchUnkeyedAppointments !== false,
          },
          () => defaults.appointment(),
        );
        return { noteId: saved.appointmentId as CrmId, action: saved.action };
      });
    },
  };
  const result = await deliverMeeting(summary, crm, {
    internalDomains: delivery.internalDomains,
    defaultRegion: delivery.defaultRegion,
    createMissingContacts: delivery.createMissingContacts,
    dryRun: delivery.dryRun,
    companyNotes: delivery.companyNotes,
  });
  return { ...result, note: { title: note.title, text: note.text } };
}
