import type { Router } from 'express';
import type { AlertSender } from '../../alerts/alertSender';
import type { CrmAvailabilityState } from '../../deliver/crmAvailability';
import type { ConnectionSettingsService } from '../../settings/connectionSettings';
import type { ContactIndexStore } from '../../store/ports/contactIndexStore';
import type { DeliveryStatus } from '../../store/ports/deliveryQueue';
import type { DeliveryReads, DeliveryRow } from '../../store/ports/deliveryReads';
import { takeFlash } from '../adminFlash';
import type { DeliveryStats } from '../../store/ports/deliveryStats';
import { dciOverviewPanel, type DciOverviewDeps } from '../dciAdmin';
import { otherCrmWaitingText } from '../otherCrmDeliveries';
import { overviewCharts } from '../overviewCharts';
import { dayStarts, lastLocalDates, overviewFigures } from '../overviewFigures';
import type { SessionRequest } from '../sessionRequest';

/**
 * The overview (`/admin`): counts of the last day and week, pictures of the last 30 days, failures, the contact index,
 * DCI's panel.
 */
export function addOverviewRoute(
  router: Router,
  deps: DciOverviewDeps & {
    store: Pick<DeliveryReads, 'listDeliveries' | 'counts'> &
      DeliveryStats &
      Pick<ContactIndexStore, 'contactIndexState' | 'contactIndexDuplicates'>;
    settings: Pick<ConnectionSettingsService, 'view' | 'lastCheck' | 'crm'>;
    /** How the contact index is kept fresh, in words ('off' when it is off). */
    contactIndexMode?: (() => string) | undefined;
    crmAvailability?: (() => CrmAvailabilityState) | undefined;
    alerts?: Pick<AlertSender, 'configured' | 'format' | 'recent'> | undefined;
    /** The zone whose days the pictures count in (TIME_ZONE); default UTC. */
    timeZone?: string | undefined;
    now: () => Date;
  },
): void {
  const { now } = deps;
  router.get('/', async (request: SessionRequest, response) => {
    // The CRM in effect's deliveries only: the other CRM's wait for it to be set again, and are named apart.
    const target = deps.settings.crm ?? 'lime';
    const rows = (await deps.store.listDeliveries({ limit: 1000 })).filter((row) => row.target === target);
    const counts = await deps.store.counts(target);
    const at = now().getTime();
    const since = (ms: number) => tally(rows.filter((row) => at - row.createdAt.getTime() <= ms));
    const view = await deps.settings.view();
    const index = await deps.store.contactIndexState('lime');
    const timeZone = deps.timeZone ?? 'UTC';
    const dates = lastLocalDates(now(), timeZone, CHART_DAYS);
    const counted = await deps.store.deliveryDays(dayStarts(dates, timeZone));
    response.render('overview', {
      index: {
        ...index,
        age: index.syncedAt ? `${describeAge(at - index.syncedAt.getTime())} ago` : undefined,
        mode: deps.contactIndexMode?.() ?? 'off',
        duplicates: index.size > 0 ? await deps.store.contactIndexDuplicates('lime', 25) : [],
      },
      session: request.adminSession,
      connected: view.connected,
      check: deps.settings.lastCheck(),
      day: since(24 * 3600 * 1000),
      week: since(7 * 24 * 3600 * 1000),
      counts,
      charts: overviewCharts(overviewFigures(counted, dates, timeZone)),
      chartDays: CHART_DAYS,
      oldestOpenAge: counts.oldestOpenSince ? describeAge(at - counts.oldestOpenSince.getTime()) : undefined,
      otherCrmWaiting: (counts.waitingForOtherCrm ?? []).map(otherCrmWaitingText),
      failures: rows.filter((row) => row.status === 'dead' || row.status === 'retrying').slice(0, 10),
      dci: await dciOverviewPanel(deps, now(), takeFlash(request.adminSession, '/admin')?.code),
      outage: describeOutage(deps.crmAvailability?.(), at),
      alerts:
        deps.alerts === undefined
          ? undefined
          : {
              configured: deps.alerts.configured,
              format: deps.alerts.format,
              recent: deps.alerts.recent().slice(0, 10),
            },
    });
  });
}

/** How many days the overview's pictures show, today included. */
const CHART_DAYS = 30;

function tally(rows: readonly DeliveryRow[]): Record<DeliveryStatus, number> & { total: number } {
  const counts = { pending: 0, in_progress: 0, retrying: 0, delivered: 0, dead: 0, total: rows.length };
  for (const row of rows) counts[row.status] += 1;
  return counts;
}

function describeAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

/** "Lime unavailable since …, next probe …" for the overview; undefined while Lime answers. */
function describeOutage(state: CrmAvailabilityState | undefined, at: number) {
  if (state?.kind !== 'unavailable') return undefined;
  return {
    since: state.since,
    age:
      at - state.since.getTime() < 120_000
        ? `${Math.round((at - state.since.getTime()) / 1000)} s`
        : describeAge(at - state.since.getTime()),
    code: state.code,
    status: state.status,
    nextProbeAt: state.nextProbeAt,
    failedProbes: state.failedProbes,
  };
}
