import type { Router } from 'express';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../store/ports/deliveryQueue';
import type { DeliveryReads } from '../../store/ports/deliveryReads';
import { SOURCE_LABEL } from '../dciAdmin';
import { badgeFor } from '../outcomeBadges';
import type { SessionRequest } from '../sessionRequest';

/** The deliveries list, filtered by status, search text and a range of days. */
export function addDeliveriesRoute(
  router: Router,
  deps: { store: Pick<DeliveryReads, 'listDeliveries' | 'getDelivery'> },
): void {
  router.get('/deliveries', async (request: SessionRequest, response) => {
    const status = DELIVERY_STATUSES.includes(String(request.query['status']) as DeliveryStatus)
      ? (String(request.query['status']) as DeliveryStatus)
      : undefined;
    const search =
      typeof request.query['q'] === 'string' && request.query['q'].trim() !== '' ? request.query['q'] : undefined;
    const from = parseDay(request.query['from']);
    const to = parseDay(request.query['to']);
    const rows = (await deps.store.listDeliveries({ status, search, limit: 200 })).filter(
      (row) =>
        (from === undefined || row.createdAt.getTime() >= from) &&
        (to === undefined || row.createdAt.getTime() < to + 24 * 3600 * 1000),
    );
    const withBadges = await Promise.all(
      rows.slice(0, 100).map(async (row) => {
        const detail = await deps.store.getDelivery(row.id);
        return {
          row,
          badges: (detail?.outcomes ?? []).map((outcome) => badgeFor(outcome)),
        };
      }),
    );
    response.render('deliveries', {
      session: request.adminSession,
      deliveries: withBadges,
      filter: { status, q: search ?? '', from: request.query['from'] ?? '', to: request.query['to'] ?? '' },
      statuses: DELIVERY_STATUSES,
      sourceLabel: SOURCE_LABEL,
    });
  });
}

function parseDay(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/u.test(value)) return undefined;
  const time = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(time) ? undefined : time;
}
