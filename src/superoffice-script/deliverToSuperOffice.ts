import {
  CRM_REQUESTS_PER_MEETING,
  deliverMeeting,
  mapWithLimit,
  noteLabels,
  pickHistoryType,
  renderNote,
  type HistoryTypeMap,
  type CrmId,
  type MeetingCrm,
  type MeetingResult,
  type MeetingSummary,
  type NoteLanguage,
  type PersonAssignment,
} from '../core';
import { createSuperOfficeContact } from './createSuperOfficeContact';
import { findOpenSales } from './findOpenSales';
import { findPresenterAssociate, findSuperOfficeCandidates } from './findSuperOfficePeople';
import { readSuperOfficePerson } from './readSuperOfficePerson';
import { sharedDefaults } from './sharedDefaults';
import type { SuperOfficeAgents } from './superOfficeApi';
import { writeAppointment, type RecordOwner, type TaskTypes } from './writeAppointment';
import { writeSummaryDocument } from './writeSummaryDocument';

/**
 * What differs between the adapter's two hosts (the endpoint script inside SuperOffice, the receiver's connector):
 * the script reads these from its configuration block, the receiver from its settings and `DeliverOptions`.
 */
export interface SuperOfficeDelivery {
  /** The task type's id (found by name with `findTaskType`). */
  taskListItemId: number;
  /**
   * The task type by the meeting's medium or conversation type (`taskTypeMap`, HISTORY_TYPE_MAP), with the ids of
   * its names (`resolveTaskTypes`); `taskListItemId` where no entry fits.
   */
  taskTypeMap?: { map: HistoryTypeMap; types: TaskTypes } | undefined;
  /** Link each appointment to its company's only open sale (one archive request per company). Default false. */
  linkSale?: boolean | undefined;
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
  /** The language of the appointment's text and of the summary document's description; default English. */
  noteLanguage?: NoteLanguage | undefined;
  /** Match (lookups only) but create and write nothing: matched persons get `would_write`. */
  dryRun?: boolean | undefined;
  /**
   * Whether a person without a foreign key is searched for an appointment an earlier attempt saved but never keyed
   * (one archive request per such person; writeAppointment.ts), and for an unkeyed summary document (one more when
   * the meeting needs a document; removeUnkeyedDocuments.ts). Default true: the script cannot know what an earlier
   * run did. The receiver passes false on a first attempt (`knownNotesComplete`), when nothing can have been saved.
   */
  searchUnkeyedAppointments?: boolean | undefined;
  /** Re-matching and an admin's resolution: only these participants (see core `MeetingPolicy`). */
  onlyParticipants?: ReadonlySet<number> | undefined;
  /** An admin's choice per participant index (see core `MeetingPolicy`). */
  assignments?: ReadonlyMap<number, PersonAssignment> | undefined;
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
  const language = delivery.noteLanguage;
  const labels = noteLabels(language);
  const noteOptions = {
    timeZone: delivery.timeZone,
    maxLength: delivery.maxDescriptionLength,
    titleInText: false,
    language,
  };
  const note = renderNote(summary, noteOptions);
  const defaultOwner =
    delivery.defaultAssociateId !== undefined && delivery.defaultAssociateId > 0
      ? delivery.defaultAssociateId
      : undefined;
  const taskListItemId = meetingTaskType(summary, delivery);
  const crm: MeetingCrm = {
    names: { crm: 'SuperOffice', note: 'appointment', deal: 'sale' },
    ...(delivery.linkSale === true ? { findOpenDeals: (companyIds) => findOpenSales(agents, companyIds) } : {}),
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
    readPerson: (personId) => readSuperOfficePerson(agents, Number(personId)),
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
              description: labels.documentDescription,
              text: renderNote(summary, { timeZone: delivery.timeZone, maxLength: Number.POSITIVE_INFINITY, language })
                .text,
              searchUnkeyed: delivery.searchUnkeyedAppointments !== false,
            },
            () => defaults.document(),
          );
          const link = summary.links.session ?? summary.links.transcript ?? summary.links.recording;
          const fullTextAt =
            held.kind === 'written'
              ? labels.inDocument(held.header, target.personId === undefined ? 'company' : 'person')
              : labels.onlyInDci(link);
          description = renderNote(summary, { ...noteOptions, fullTextAt }).text;
        }
        const saved = await writeAppointment(
          agents,
          {
            ...recordOwner,
            conversationId: summary.conversationId,
            associateId: owner,
            taskListItemId,
            saleId: target.dealId === undefined ? undefined : Number(target.dealId),
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
    linkDeal: delivery.linkSale === true,
    onlyParticipants: delivery.onlyParticipants,
    assignments: delivery.assignments,
  });
  return { ...result, note: { title: note.title, text: note.text } };
}

/** The meeting's task type id: its map entry's, else the configured one. */
function meetingTaskType(summary: MeetingSummary, delivery: SuperOfficeDelivery): number {
  const mapped = delivery.taskTypeMap;
  if (mapped === undefined) return delivery.taskListItemId;
  const { entry } = pickHistoryType(mapped.map, summary, '');
  if (entry === undefined) return delivery.taskListItemId;
  const id = mapped.types.byName.get(entry.type.trim().toLowerCase());
  // Resolved with the map before the delivery; a name missing here is a caller's bug, not the tenant's.
  if (id === undefined) throw new Error(`The task type "${entry.type}" of the task type map was not resolved.`);
  return id;
}
