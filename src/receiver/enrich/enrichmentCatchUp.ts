import { DciError, type DciApi } from '../../dci-api/dciApi';
import type { Logger } from '../observability/logger';
import type { DeliveryQueue, EnrichmentRecord } from '../store/ports/deliveryQueue';
import type { DeliveryReads } from '../store/ports/deliveryReads';
import type { PartialEnrichments } from '../store/ports/partialEnrichments';
import { UNREAD_PREFIX } from './enrichPayload';

/** The lease under which one replica at a time runs the catch-up. */
export const CATCH_UP_JOB = 'dci-enrichment-catch-up';

/** How long after a partial enrichment DCI is asked again, and how often the receiver looks. */
export const CATCH_UP_AFTER_MS = 5 * 60 * 1000;
const PER_ROUND = 20;

/**
 * Notes written without DCI's parts (DCI could not be read within the wait) are completed later: when DCI answers the
 * very calls that failed (the conversation detail, the recording URL), the delivery is made due once more and its
 * notes are updated in place with what DCI adds. One or two requests per delivery; a delivery DCI still cannot be read
 * for waits for the next round, and a round stops at the first sign that DCI or the token is not ready (a 429, a
 * refused token), so a down DCI costs one request a round, not one per delivery.
 */
export async function catchUpEnrichment(deps: {
  store: PartialEnrichments & Pick<DeliveryQueue, 'requeue'> & Pick<DeliveryReads, 'getDelivery'>;
  api: DciApi | undefined;
  target: string;
  now: Date;
  /** How long after its last try a partial enrichment is tried again (default CATCH_UP_AFTER_MS). */
  afterMs?: number | undefined;
  logger: Logger;
  signal?: AbortSignal | undefined;
}): Promise<{ requeued: number; stillPartial: number }> {
  const { store, api, now } = deps;
  if (api === undefined) return { requeued: 0, stillPartial: 0 };
  const ids = await store.listPartiallyEnriched({
    target: deps.target,
    before: new Date(now.getTime() - (deps.afterMs ?? CATCH_UP_AFTER_MS)),
    limit: PER_ROUND,
  });
  let requeued = 0;
  let stillPartial = 0;
  for (const id of ids) {
    const delivery = await store.getDelivery(id);
    if (delivery === undefined) continue;
    const failed = unreadParts(delivery.enrichment);
    try {
      if (failed.some((part) => part !== 'recording link')) {
        await api.getConversation(delivery.conversationId, deps.signal);
      }
      if (failed.includes('recording link')) await api.getRecordingUrl(delivery.conversationId, deps.signal);
    } catch (error) {
      if (!(error instanceof DciError)) throw error;
      await store.touchEnrichment(id, now);
      stillPartial += 1;
      if (error.temporary || error.code === 'dci_unauthorized' || error.code === 'dci_aborted') break;
      continue;
    }
    if (await store.requeue(id, now)) requeued += 1;
  }
  if (requeued > 0) deps.logger.info({ requeued }, 'DCI answers again: notes written without its parts are updated');
  return { requeued, stillPartial };
}

/** The parts an enrichment could not read from DCI (a failure, not DCI having none); all of them when unknown. */
function unreadParts(record: EnrichmentRecord | undefined): string[] {
  const parts = (record?.missing ?? []).filter((missing) => missing.reason.startsWith(UNREAD_PREFIX));
  return parts.length > 0 ? parts.map((missing) => missing.part) : ['conversation link', 'recording link'];
}
