import { DciError, type DciApi } from '../../dci-api/dciApi';
import type { Logger } from '../observability/logger';
import type { ReceiverStore } from '../store/receiverStore';

/** How long after a partial enrichment DCI is asked again, and how often the receiver looks. */
export const CATCH_UP_AFTER_MS = 5 * 60 * 1000;
const PER_ROUND = 20;

/**
 * Notes written without DCI's parts (DCI could not be read within the wait) are completed later: when DCI answers for
 * the conversation again, the delivery is made due once more and its notes are updated in place with what DCI adds.
 * Asks one request per delivery; a delivery DCI still cannot be read for waits for the next round.
 */
export async function catchUpEnrichment(deps: {
  store: Pick<ReceiverStore, 'listPartiallyEnriched' | 'touchEnrichment' | 'requeue' | 'getDelivery'>;
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
    try {
      await api.getConversation(delivery.conversationId, deps.signal);
    } catch (error) {
      if (!(error instanceof DciError)) throw error;
      await store.touchEnrichment(id, now);
      stillPartial += 1;
      if (error.code === 'dci_rate_limited' || error.code === 'dci_budget_spent') break;
      continue;
    }
    if (await store.requeue(id, now)) requeued += 1;
  }
  if (requeued > 0) deps.logger.info({ requeued }, 'DCI answers again: notes written without its parts are updated');
  return { requeued, stillPartial };
}
