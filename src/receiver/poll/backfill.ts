import type { MeetingSummary } from '../../core';
import type { DciApi } from '../../dci-api/dciApi';
import type { ParticipantKeyer } from '../ingest/participantKeysIndex';
import type { DeliveryQueue } from '../store/ports/deliveryQueue';
import type { DeliveryReads } from '../store/ports/deliveryReads';
import { DCI_WINDOW_MS } from './dciPoller';
import { walkConversations, type WalkResult } from './walkConversations';

export interface BackfillRequest {
  /** The oldest meeting start to take; DCI lists 30 days, so an older date is raised to that. */
  since: Date;
  /** Dry run: nothing is stored; each conversation that would be delivered is handed to `onFound`. */
  onFound?: ((found: { summary: MeetingSummary; rawBody: Buffer }) => Promise<void>) | undefined;
  /** After each page: false stops the walk (whoever runs it renews its lease here). */
  onPage?: (() => Promise<boolean>) | undefined;
  signal?: AbortSignal | undefined;
}

export interface BackfillResult extends WalkResult {
  /** The date the walk went back to (`since`, or 30 days ago when `since` was older). */
  from: Date;
  /** True when `since` was older than DCI's 30-day window. */
  clipped: boolean;
}

/**
 * Every conversation DCI lists since `since` goes through the normal path: stored as `backfill` and delivered by the
 * worker; a conversation already held unchanged (delivered by webhook or poll) is not written again, a changed one
 * updates its notes. Conversations whose summary is not ready yet are reported, not stored.
 */
export async function runBackfill(
  deps: {
    api: DciApi;
    store: Pick<DeliveryQueue, 'acceptSummary'> & Pick<DeliveryReads, 'heldPayloads'>;
    target: string;
    now: () => Date;
    /** Makes each summary's participant lookup rows; absent: none are stored. */
    participantKeys?: ParticipantKeyer | undefined;
  },
  request: BackfillRequest,
): Promise<BackfillResult> {
  const oldest = deps.now().getTime() - DCI_WINDOW_MS;
  const clipped = request.since.getTime() < oldest;
  const from = new Date(Math.max(request.since.getTime(), oldest));
  const walk = await walkConversations(
    {
      api: deps.api,
      store: deps.store,
      target: deps.target,
      source: 'backfill',
      now: deps.now,
      signal: request.signal,
      onFound: request.onFound,
      onPage: request.onPage,
      participantKeys: deps.participantKeys,
    },
    from,
  );
  return { ...walk, from, clipped };
}
