import { parseSummaryPayload, type MeetingSummary } from '../../core';
import type { ParticipantOutcome } from '../../crm/crmConnector';
import type { DeliveryReads, ResolvedLater, StoredParticipantOutcome } from '../store/ports/deliveryReads';
import { UNRESOLVED_OUTCOMES } from '../store/ports/participantResolutions';
import { deliveryActions } from './deliveryActions';
import { attemptLines, durationText } from './deliveryAttempts';
import { crmWebLinks, type CrmWebLink, type CrmWebUrls } from './crmWebLinks';
import { enrichmentBadge, SOURCE_LABEL } from './dciAdmin';
import { badgeFor, badgeForTarget, crmNameOf, earlierBadge, type Badge } from './outcomeBadges';

/** What a delivery's page reads of the store. */
export type DeliveryPageStore = Pick<DeliveryReads, 'getDelivery' | 'getEventBody'>;

/** One participant on a delivery's page. */
export interface ParticipantView {
  index: number;
  participant: { name?: string | undefined };
  outcome: ParticipantOutcome | undefined;
  badge: Badge;
  /** What the CRM holds for the participant, in words (`person 1001 at company 1003, history note 55`). */
  crmIds: string | undefined;
  /** The person, company and note as links to the CRM's web client (empty without LIME_WEB_URL/SUPEROFFICE_WEB_URL). */
  crmLinks: CrmWebLink[];
  /**
   * Set when the outcome is an earlier delivery's (the delivery is not delivered now): shown as what was matched
   * then, never as the current match. `badge` is then the current state's.
   */
  earlier?: { badge: Badge; at?: Date | undefined } | undefined;
  fromRest: boolean;
  /** Set when the participant got a person after the delivery: re-matched ("matched later") or assigned by an admin. */
  resolvedLater?: ResolvedLater | undefined;
  /**
   * Set when an admin may say who the participant is (delivered, the payload held, no person yet): the persons the
   * matching trace named as candidates (a shared number's holders), to pick from, besides a person id field.
   */
  assignable?: { candidates: string[] } | undefined;
}

/**
 * The person ids a trace names as candidates, in order: a shared number's holders (`held by 2 persons (1001, 1002)`)
 * and an e-mail's several hits (`2 hits (1001, 1002)`; only an unresolved participant's trace is read, so these are
 * the e-mail nothing told apart).
 */
export function traceCandidates(trace: string): string[] {
  const ids = new Set<string>();
  for (const match of trace.matchAll(/(?:held by \d+ persons|\d+ hits) \(([^)]*)\)/gu)) {
    for (const id of (match[1] ?? '').split(',')) if (id.trim() !== '') ids.add(id.trim());
  }
  return [...ids];
}

/** A delivery's page data: the row, its stored payload (when it still parses) and each participant's outcome. */
export async function deliveryPage(
  store: DeliveryPageStore,
  id: string,
  showSummary: boolean,
  webUrls: CrmWebUrls = {},
) {
  const detail = await store.getDelivery(id);
  if (!detail) return undefined;
  const body = await store.getEventBody(detail.eventId);
  let summary: MeetingSummary | undefined;
  let payload: Record<string, unknown> | undefined;
  if (body) {
    try {
      const json = JSON.parse(body.toString('utf8')) as unknown;
      const parsed = parseSummaryPayload(json);
      if (parsed.ok) {
        summary = parsed.summary;
        payload = json as Record<string, unknown>;
      }
    } catch {
      summary = undefined;
    }
  }
  const { status, target } = detail;
  const badgeOf = (outcome: ParticipantOutcome | undefined, dead = false) =>
    badgeForTarget(badgeFor(outcome, dead), target);
  // The outcomes are those of the last completed attempt. While the delivery is not delivered (requeued, matched
  // again, a newer payload, or dead since), they describe an earlier delivery, not the current state.
  const view = (
    index: number,
    name: string | undefined,
    outcome: StoredParticipantOutcome | undefined,
    fromRest: boolean,
  ) => {
    const waiting =
      outcome !== undefined &&
      status === 'delivered' &&
      !detail.payloadRemoved &&
      (UNRESOLVED_OUTCOMES as readonly string[]).includes(outcome.outcome);
    const base = {
      index,
      participant: { name },
      outcome,
      crmIds: outcome ? crmIdsText(outcome, target) : undefined,
      crmLinks: outcome ? crmWebLinks(outcome, target, webUrls) : [],
      fromRest,
      resolvedLater: status === 'delivered' ? outcome?.resolvedLater : undefined,
      assignable: waiting ? { candidates: traceCandidates(outcome.trace) } : undefined,
    };
    if (outcome === undefined || status === 'delivered') {
      return { ...base, badge: badgeOf(outcome, status === 'dead') } satisfies ParticipantView;
    }
    return {
      ...base,
      badge: earlierBadge(status),
      earlier: { badge: badgeOf(outcome), at: detail.deliveredAt },
    } satisfies ParticipantView;
  };
  const stored = summary?.participants.length ?? 0;
  const participants: ParticipantView[] = summary
    ? [
        ...summary.participants.map((participant, index) =>
          view(
            index,
            participant.name,
            detail.outcomes.find((candidate) => candidate.participantIndex === index),
            false,
          ),
        ),
        // Participants DCI's REST API added (not in the stored payload): their outcomes are all there is to show.
        ...detail.outcomes
          .filter((outcome) => outcome.participantIndex >= stored)
          .map((outcome) => view(outcome.participantIndex, undefined, outcome, true)),
      ]
    : // The payload was removed: the outcomes (kinds and Lime ids, no names) are all that is left to show.
      detail.outcomes.map((outcome) => view(outcome.participantIndex, undefined, outcome, false));
  return {
    detail,
    /** The CRM the delivery is for (its queue target), as the page names it. */
    crmName: crmNameOf(target),
    summary,
    payload,
    participants,
    attempts: attemptLines(detail.attemptLog),
    durationText,
    // With the payload removed the view shows them disabled: there is nothing left to deliver or match.
    actions: deliveryActions(status, detail.nextAttemptAt),
    showSummary,
    source: SOURCE_LABEL[detail.source],
    enrichment: detail.enrichment
      ? { record: detail.enrichment, badge: enrichmentBadge(detail.enrichment) }
      : undefined,
  };
}

/**
 * What the CRM holds for a participant, in words: `person 1001 at company 1003, history note 55` (Lime),
 * `person 12 at company 3, appointment 44` (SuperOffice: the note is an appointment), `company 1003 only, no person`,
 * `nothing written`.
 */
export function crmIdsText(
  outcome: Pick<ParticipantOutcome, 'personId' | 'companyId' | 'noteId'>,
  target = 'lime',
): string {
  const { personId, companyId, noteId } = outcome;
  const note = target === 'superoffice' ? 'appointment' : 'history note';
  const who =
    personId !== undefined
      ? `person ${String(personId)}${companyId === undefined ? '' : ` at company ${String(companyId)}`}`
      : companyId !== undefined
        ? `company ${String(companyId)} only, no person`
        : undefined;
  if (noteId !== undefined) return `${who ?? 'no person'}, ${note} ${String(noteId)}`;
  return who === undefined
    ? 'nothing written'
    : `${who}; no ${target === 'superoffice' ? 'appointment' : 'note'} written`;
}
