import type { Router } from 'express';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../store/ports/deliveryQueue';
import type { DeliveryReads } from '../../store/ports/deliveryReads';
import { adminTime, type AdminTime } from '../adminTime';
import { SOURCE_LABEL } from '../dciAdmin';
import { otherCrmWaitingText } from '../otherCrmDeliveries';
import { badgeFor, badgeForTarget, crmNameOf, type Badge } from '../outcomeBadges';
import type { SessionRequest } from '../sessionRequest';
import type { ParticipantQuery } from '../../secrets/participantLookup';

/** The deliveries list, filtered by status, search text and a range of days. */
export function addDeliveriesRoute(
  router: Router,
  deps: {
    store: Pick<DeliveryReads, 'listDeliveries' | 'getDelivery' | 'counts'>;
    /** The CRM in effect (`CRM`): the other CRM's open deliveries are shown as waiting for it, not as open. */
    target: string;
    timeZone?: string | undefined;
    /**
     * Reads what the admin typed as a participant's e-mail or phone number and hashes it as the lookup rows are
     * (undefined for other text); absent: the search covers titles and conversation ids only.
     */
    participantQuery?: ((text: string) => ParticipantQuery | undefined) | undefined;
  },
): void {
  // From and To are days in the zone the pages show times in.
  const time = adminTime(deps.timeZone ?? 'UTC');
  router.get('/deliveries', async (request: SessionRequest, response) => {
    const status = DELIVERY_STATUSES.includes(String(request.query['status']) as DeliveryStatus)
      ? (String(request.query['status']) as DeliveryStatus)
      : undefined;
    const search =
      typeof request.query['q'] === 'string' && request.query['q'].trim() !== '' ? request.query['q'] : undefined;
    const from = parseDay(time, request.query['from']);
    const to = parseDay(time, request.query['to'], true);
    const participant = search === undefined ? undefined : deps.participantQuery?.(search);
    const rows = (
      await deps.store.listDeliveries({ status, search, participantKeyHash: participant?.hash, limit: 200 })
    ).filter(
      (row) =>
        (from === undefined || row.createdAt.getTime() >= from) && (to === undefined || row.createdAt.getTime() < to),
    );
    const withBadges = await Promise.all(
      rows.slice(0, 100).map(async (row) => {
        const detail = await deps.store.getDelivery(row.id);
        // Outcomes are the last completed attempt's: on a delivery that is not delivered now they are an earlier
        // delivery's, shown as such (muted, "earlier: …"), never as the current match.
        const current = row.status === 'delivered';
        const badges: Badge[] = (detail?.outcomes ?? []).map((outcome) => {
          const badge = badgeForTarget(badgeFor(outcome), row.target);
          return current
            ? badge
            : { label: `earlier: ${badge.label}`, tone: 'muted', help: `An earlier delivery's outcome. ${badge.help}` };
        });
        return { row, badges };
      }),
    );
    const { waitingForOtherCrm } = await deps.store.counts(deps.target);
    response.render('deliveries', {
      session: request.adminSession,
      deliveries: withBadges,
      target: deps.target,
      otherCrmWaiting: (waitingForOtherCrm ?? []).map(otherCrmWaitingText),
      filter: { status, q: search ?? '', from: request.query['from'] ?? '', to: request.query['to'] ?? '' },
      // What the search was read as, for the line that says what was searched (never the value itself).
      searchedParticipant: participant?.kind,
      participantSearch: deps.participantQuery !== undefined,
      statuses: DELIVERY_STATUSES,
      sourceLabel: SOURCE_LABEL,
      crmNameOf,
    });
  });
}

/** The start (epoch ms) of a `YYYY-MM-DD` day in the pages' zone; with `end`, of the day after (its end). */
function parseDay(time: AdminTime, value: unknown, end = false): number | undefined {
  if (typeof value !== 'string') return undefined;
  const start = time.startOfDay(value);
  if (start === undefined || !end) return start?.getTime();
  // 36 hours on is always inside the next day (a day lasts 23 to 25 hours around daylight-saving changes).
  return time.startOfDay(time.day(new Date(start.getTime() + 36 * 3600 * 1000)))?.getTime();
}
