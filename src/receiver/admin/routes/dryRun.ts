import type { Router } from 'express';
import type { DeliveryReport } from '../../../crm/crmConnector';
import type { ConnectionSettingsService } from '../../settings/connectionSettings';
import type { EnrichmentRecord } from '../../store/ports/deliveryQueue';
import type { DciAdminDeps } from '../dciAdmin';
import { deliveryPage, type DeliveryPageStore } from '../deliveryPage';
import { notFound } from '../messagePages';
import { badgeFor, badgeForTarget, crmNameOf, type Badge } from '../outcomeBadges';
import type { SessionRequest } from '../sessionRequest';

/** Dry run on a delivery's page: matches its participants in Lime now and shows what it would write, writing nothing. */
export function addDryRunRoute(
  router: Router,
  deps: Pick<DciAdminDeps, 'enrich'> & {
    store: DeliveryPageStore;
    settings: Pick<ConnectionSettingsService, 'connector' | 'deliverOptions' | 'crm'>;
  },
): void {
  router.post('/deliveries/:id/dry-run', async (request: SessionRequest, response) => {
    const page = await deliveryPage(deps.store, String(request.params['id']), false);
    if (!page) return response.status(404).render('message', notFound(request));
    const connector = deps.settings.connector();
    // A dry run matches in the CRM in effect: its outcomes are worded for it.
    const crm = deps.settings.crm ?? 'lime';
    let dryRun: {
      report?: DeliveryReport;
      /** Each participant's outcome in words: `would get the note`, never the raw `would_write`. */
      outcomes?: Array<{ name: string; badge: Badge; outcome: DeliveryReport['outcomes'][number] }>;
      error?: string;
      enrichment?: string;
      record?: EnrichmentRecord;
    };
    if (!connector || !page.summary || !page.payload) {
      dryRun = {
        error: page.detail.payloadRemoved
          ? 'The payload was removed: there is nothing to match.'
          : connector
            ? 'The stored payload cannot be read.'
            : `No ${crmNameOf(crm)} connection is configured.`,
      };
    } else {
      try {
        // What the real delivery sees: the payload completed from DCI's REST API first.
        let summary = page.summary;
        let enrichment: string | undefined;
        let record: EnrichmentRecord | undefined;
        if (deps.enrich) {
          const enriched = await deps.enrich(page.payload, page.summary, { firstReceivedAt: page.detail.createdAt });
          if (enriched.kind === 'wait') {
            enrichment = `DCI could not be read: ${enriched.error.message} This dry run uses the payload as stored.`;
          } else {
            summary = enriched.summary;
            record = enriched.record;
          }
        }
        const report = await connector.deliver(summary, { ...deps.settings.deliverOptions(), dryRun: true });
        const outcomes = report.outcomes.map((outcome) => ({
          name: summary.participants[outcome.participantIndex]?.name ?? `Participant ${outcome.participantIndex + 1}`,
          badge: badgeForTarget(badgeFor(outcome), crm),
          outcome,
        }));
        dryRun = {
          report,
          outcomes,
          ...(enrichment === undefined ? {} : { enrichment }),
          ...(record ? { record } : {}),
        };
      } catch (error) {
        dryRun = { error: error instanceof Error ? error.message : 'The dry run failed.' };
      }
    }
    return response.render('delivery', { session: request.adminSession, ...page, dryRun, flash: undefined });
  });
}
