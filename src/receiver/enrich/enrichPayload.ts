import { parseSummaryPayload, type MeetingSummary } from '../../core';
import { DciError, type DciApi, type DciConversation } from '../../dci-api/dciApi';
import type { EnrichmentRecord } from '../store/ports/deliveryQueue';
import { isBlank, mergeConversation } from './mergeConversation';

// Enrichment: DCI's documented webhook carries no links, manual notes, end time or participant phones
// (shared/specs/dci-api.md §3.4), though the help articles promise them in the note and phone matching needs them.
// Before matching, a payload that lacks them is completed from DCI's REST API: the payload's own fields win, REST
// fills the gaps. When DCI cannot be read the delivery waits (retrying) for a bounded time, then goes without.

/** The parts REST can add, in the words the admin pages show. */
export type EnrichablePart =
  'conversation link' | 'recording link' | 'end time' | 'manual notes' | 'participant phones';

/** How a missing part's reason starts when DCI failed to answer (the catch-up asks again for those). */
export const UNREAD_PREFIX = 'DCI could not be read';

/**
 * Failures that a later read may cure: DCI down, slow or rate limited, or a token an admin can fix (revoked, a scope
 * missing). An answer we cannot read, or a request DCI refuses, stays so: asking again would only repeat it.
 */
function curableLater(error: DciError): boolean {
  return error.temporary || error.code === 'dci_unauthorized' || error.code === 'dci_forbidden';
}

/** Marks a payload built from DCI's REST API (poll, backfill): its conversation detail is not asked for again. */
export const REST_SOURCE_MARK = 'dci-rest';

export interface EnrichDeps {
  /** DCI's REST API, or undefined while no token is configured. */
  api: DciApi | undefined;
  /** `DCI_CONVERSATION_URL`: `{id}` is replaced by the conversation id. */
  conversationUrlTemplate?: string | undefined;
  /** How long after the payload arrived a delivery may wait for DCI before it goes without. */
  waitMs: number;
  now: () => Date;
}

export type EnrichResult =
  /** Match and write with this payload (a `conversation.completed` body). */
  | { kind: 'ready'; payload: Record<string, unknown>; summary: MeetingSummary; record: EnrichmentRecord }
  /** DCI could not be read and the delivery may still wait for it: retry the attempt later. */
  | { kind: 'wait'; error: DciError };

/** How the worker and re-matching complete a payload from DCI's REST API before matching (`enrichPayload` bound). */
export type EnrichDelivery = (
  payload: Record<string, unknown>,
  summary: MeetingSummary,
  context: { firstReceivedAt: Date; signal: AbortSignal },
) => Promise<EnrichResult>;

/** What `summary` lacks that DCI's REST API may have. */
export function missingParts(summary: MeetingSummary): EnrichablePart[] {
  const parts: EnrichablePart[] = [];
  if (summary.links.session === undefined) parts.push('conversation link');
  if (summary.links.recording === undefined) parts.push('recording link');
  if (summary.endsAt === undefined) parts.push('end time');
  if (summary.notes === undefined) parts.push('manual notes');
  const phones = summary.participants.some((p) => p.phone !== undefined || p.mobilePhone !== undefined);
  if (summary.participants.length > 0 && !phones) parts.push('participant phones');
  return parts;
}

const NO_TOKEN = 'no DCI API token is configured (DCI_API_TOKEN, or DCI on the admin connection page)';
const DCI_HAS_NONE: Record<EnrichablePart, string> = {
  'conversation link': 'DCI sent none; set DCI_CONVERSATION_URL to link the conversation in DCI',
  'recording link': 'DCI has no recording of this conversation',
  'end time': 'DCI sent none',
  'manual notes': 'none were taken in DCI',
  'participant phones': "DCI's conversation detail carries no participant phone numbers",
};

/**
 * Completes `payload` (a validated `conversation.completed` body whose parsed form is `summary`) from DCI's REST
 * API. Never throws a DciError: a temporary failure inside the wait gives `wait`; after it, and for failures that
 * waiting does not cure (a revoked token), the payload goes as it is with the reason recorded (`partial`).
 */
export async function enrichPayload(
  payload: Record<string, unknown>,
  summary: MeetingSummary,
  context: { firstReceivedAt: Date; signal?: AbortSignal | undefined },
  deps: EnrichDeps,
): Promise<EnrichResult> {
  const gaps = missingParts(summary);
  const now = deps.now();
  const reasons = new Map<EnrichablePart, string>();
  let failed = false;
  const conversation = { ...(payload['data'] as { conversation: Record<string, unknown> }).conversation };
  let rest: DciConversation | undefined;
  let recordingUrl: string | undefined;

  if (gaps.length > 0 && deps.api === undefined) {
    for (const part of gaps) reasons.set(part, NO_TOKEN);
  } else if (gaps.length > 0 && deps.api !== undefined) {
    const api = deps.api;
    const mayWait = now.getTime() - context.firstReceivedAt.getTime() < deps.waitMs;
    /** Runs one REST call; a failure that may pass waits (while it may) or is recorded against `parts`. */
    const ask = async <T>(parts: EnrichablePart[], call: () => Promise<T>): Promise<T | DciError | undefined> => {
      try {
        return await call();
      } catch (error) {
        // Our own shutdown is no failure of DCI's: the worker gives the delivery back.
        if (!(error instanceof DciError) || error.code === 'dci_aborted') throw error;
        if (error.temporary && mayWait) return error;
        if (curableLater(error)) failed = true;
        for (const part of parts) reasons.set(part, `${UNREAD_PREFIX}: ${error.message}`);
        return undefined;
      }
    };
    const fromRest = readMark(payload) === REST_SOURCE_MARK;
    const detailParts = gaps.filter((part) => part !== 'recording link');
    if (!fromRest && detailParts.length > 0) {
      const detail = await ask(detailParts, () => api.getConversation(summary.conversationId, context.signal));
      if (detail instanceof DciError) return { kind: 'wait', error: detail };
      if (detail === undefined && !failed) {
        for (const part of detailParts) reasons.set(part, "DCI's REST API does not know this conversation (404)");
      }
      rest = detail;
    }
    if (gaps.includes('recording link')) {
      const recording = await ask(['recording link'], () =>
        api.getRecordingUrl(summary.conversationId, context.signal),
      );
      if (recording instanceof DciError) return { kind: 'wait', error: recording };
      if (recording?.kind === 'url') recordingUrl = recording.url;
      if (recording?.kind === 'not_allowed') reasons.set('recording link', recording.reason);
    }
  }

  let merged = rest === undefined ? conversation : mergeConversation(conversation, rest);
  if (recordingUrl !== undefined && isBlank(merged['recording_url']))
    merged = { ...merged, recording_url: recordingUrl };
  if (isBlank(merged['url']) && deps.conversationUrlTemplate !== undefined) {
    merged = {
      ...merged,
      url: deps.conversationUrlTemplate.replaceAll('{id}', encodeURIComponent(summary.conversationId)),
    };
  }
  let enriched: Record<string, unknown> = { ...payload, data: { conversation: merged } };
  let parsed = parseSummaryPayload(enriched);
  if (!parsed.ok) {
    // What REST said breaks the contract (a date without a zone …): the payload goes as received. Asking again would
    // bring the same answer, so this is not `partial`.
    for (const part of gaps) reasons.set(part, "DCI's REST answer did not pass the payload contract");
    enriched = payload;
    parsed = { ok: true, summary };
  }
  const left = missingParts(parsed.summary);
  const record: EnrichmentRecord = {
    state: deps.api === undefined && gaps.length > 0 ? 'off' : failed ? 'partial' : 'complete',
    added: gaps.filter((part) => !left.includes(part)),
    missing: left.map((part) => ({ part, reason: reasons.get(part) ?? DCI_HAS_NONE[part] })),
    at: now,
  };
  return { kind: 'ready', payload: enriched, summary: parsed.summary, record };
}

function readMark(payload: Record<string, unknown>): unknown {
  const meta = payload['_meta'];
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['source'] : undefined;
}
