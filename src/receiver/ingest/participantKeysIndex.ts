import { parseSummaryPayload, type MeetingSummary } from '../../core';
import type { Logger } from '../observability/logger';
import { participantKeyRows, type ParticipantLookupKey } from '../secrets/participantLookup';
import type { ParticipantKey, ParticipantKeyStore } from '../store/ports/participantKeys';

/** Payloads read per page by the rebuild. */
const REBUILD_PAGE = 200;

/**
 * Makes the participant lookup rows of summaries: what ingest and the poll pass to `acceptSummary`
 * (`participantKeys`), and what the rebuild writes for payloads stored before.
 */
export interface ParticipantKeyer {
  readonly key: ParticipantLookupKey;
  keysOf(summary: MeetingSummary): ParticipantKey[];
}

export function participantKeyer(key: ParticipantLookupKey, defaultRegion: string): ParticipantKeyer {
  return { key, keysOf: (summary) => participantKeyRows(summary, key, defaultRegion) };
}

/** The rows of a stored payload's bytes; none when it is not a summary (it was valid when it was accepted). */
export function keysOfStoredPayload(keyer: ParticipantKeyer, rawBody: Buffer): ParticipantKey[] {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    return [];
  }
  const parsed = parseSummaryPayload(json);
  return parsed.ok ? keyer.keysOf(parsed.summary) : [];
}

export type RebuildResult = { kind: 'current' } | { kind: 'rebuilt'; deliveries: number } | { kind: 'stopped' };

/**
 * Rebuilds every delivery's lookup rows under `keyer`'s key when the rows are under another one (or none: the first
 * start after migration 8, a SECRET_KEY set, removed or rotated): a hash under the old key would never be found again.
 * Pages through the deliveries that hold a payload; a delivery that takes a newer payload meanwhile keeps the rows it
 * came with. The key's id is written last, so a rebuild cut short (a stop, a crash) runs again at the next start.
 * Replicas starting together may both rebuild: each page's rows are the same, whoever writes them.
 */
export async function rebuildParticipantKeys(deps: {
  store: ParticipantKeyStore;
  keyer: ParticipantKeyer;
  logger: Logger;
  signal?: AbortSignal | undefined;
}): Promise<RebuildResult> {
  const { store, keyer, logger } = deps;
  if ((await store.readParticipantKeysId()) === keyer.key.id) return { kind: 'current' };
  logger.info({ keySource: keyer.key.source }, 'rebuilding the participant lookup rows under the current key');
  let deliveries = 0;
  let afterDeliveryId: string | undefined;
  for (;;) {
    if (deps.signal?.aborted === true) return { kind: 'stopped' };
    const page = await store.listKeyablePayloads({ afterDeliveryId, limit: REBUILD_PAGE });
    for (const payload of page) {
      const keys = keysOfStoredPayload(keyer, payload.rawBody);
      await store.replaceParticipantKeys({ deliveryId: payload.deliveryId, eventId: payload.eventId, keys });
      deliveries += 1;
    }
    if (page.length < REBUILD_PAGE) break;
    afterDeliveryId = page.at(-1)?.deliveryId;
  }
  await store.writeParticipantKeysId(keyer.key.id);
  logger.info({ deliveries }, 'participant lookup rows rebuilt');
  return { kind: 'rebuilt', deliveries };
}
