import { parseSummaryPayload, type MeetingSummary } from '../../core';
import type { DeliveryReads } from '../store/ports/deliveryReads';
import { enrichmentBadge, SOURCE_LABEL } from './dciAdmin';
import { badgeFor } from './outcomeBadges';

/** What a delivery's page reads of the store. */
export type DeliveryPageStore = Pick<DeliveryReads, 'getDelivery' | 'getEventBody'>;

/** A delivery's page data: the row, its stored payload (when it still parses) and each participant's outcome. */
export async function deliveryPage(store: DeliveryPageStore, id: string, showSummary: boolean) {
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
  const stored = summary?.participants.length ?? 0;
  const participants = summary
    ? [
        ...summary.participants.map((participant, index) => {
          const outcome = detail.outcomes.find((candidate) => candidate.participantIndex === index);
          return { index, participant, outcome, badge: badgeFor(outcome, detail.status === 'dead'), fromRest: false };
        }),
        // Participants DCI's REST API added (not in the stored payload): their outcomes are all there is to show.
        ...detail.outcomes
          .filter((outcome) => outcome.participantIndex >= stored)
          .map((outcome) => ({
            index: outcome.participantIndex,
            participant: { name: undefined },
            outcome,
            badge: badgeFor(outcome, detail.status === 'dead'),
            fromRest: true,
          })),
      ]
    : // The payload was removed: the outcomes (kinds and Lime ids, no names) are all that is left to show.
      detail.outcomes.map((outcome) => ({
        index: outcome.participantIndex,
        participant: { name: undefined },
        outcome,
        badge: badgeFor(outcome, detail.status === 'dead'),
        fromRest: false,
      }));
  return {
    detail,
    summary,
    payload,
    participants,
    showSummary,
    source: SOURCE_LABEL[detail.source],
    enrichment: detail.enrichment
      ? { record: detail.enrichment, badge: enrichmentBadge(detail.enrichment) }
      : undefined,
  };
}
