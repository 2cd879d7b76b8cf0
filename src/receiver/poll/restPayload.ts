import { createHash } from 'node:crypto';
import { parseSummaryPayload, type MeetingSummary } from '../../core';
import type { DciConversation } from '../../dci-api/dciApi';
import { REST_SOURCE_MARK } from '../enrich/enrichPayload';

// A conversation read from DCI's REST API, stored the way a webhook would have brought it: a `conversation.completed`
// body, held to the same contract, so the worker and the admin pages cannot tell the difference (but for the source).

/**
 * What "the same conversation, unchanged" means when DCI's copy is compared with the one held: the meeting's title,
 * start, summary and who took part. Fields only one side has (REST's phones and links, the webhook's `_meta`) do not
 * count, so a webhook and a poll of the same meeting agree.
 */
export function conversationFingerprint(conversation: Record<string, unknown>): string {
  const participants = Array.isArray(conversation['participants']) ? conversation['participants'] : [];
  const date = typeof conversation['date'] === 'string' ? Date.parse(conversation['date']) : Number.NaN;
  const canonical = JSON.stringify([
    text(conversation['title']),
    Number.isNaN(date) ? text(conversation['date']) : new Date(date).toISOString(),
    text(conversation['summary']),
    participants.map((participant: unknown) => {
      const p = (typeof participant === 'object' && participant !== null ? participant : {}) as Record<string, unknown>;
      return [text(p['name']), text(p['email']).toLowerCase()];
    }),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/** The fingerprint of a stored payload's conversation, or undefined when it cannot be read. */
export function heldFingerprint(rawBody: Buffer): string | undefined {
  try {
    const payload = JSON.parse(rawBody.toString('utf8')) as { data?: { conversation?: unknown } };
    const conversation = payload.data?.conversation;
    return typeof conversation === 'object' && conversation !== null
      ? conversationFingerprint(conversation as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export type RestPayload =
  | { ok: true; rawBody: Buffer; summary: MeetingSummary; deliveryKey: string; eventTimestamp: string }
  /** DCI's copy does not pass the contract (no summary yet is told apart before this). */
  | { ok: false; issues: number };

/** The body a webhook for this conversation would have carried, marked as read from REST (`_meta.source`). */
export function restPayload(conversation: DciConversation, readAt: Date): RestPayload {
  const updated = typeof conversation['updated_at'] === 'string' ? Date.parse(conversation['updated_at']) : Number.NaN;
  const timestamp = new Date(Number.isNaN(updated) ? readAt.getTime() : updated).toISOString();
  const payload = {
    event: 'conversation.completed',
    timestamp,
    data: { conversation },
    _meta: { source: REST_SOURCE_MARK },
  };
  const parsed = parseSummaryPayload(payload);
  if (!parsed.ok) return { ok: false, issues: parsed.issues.length };
  return {
    ok: true,
    rawBody: Buffer.from(JSON.stringify(payload), 'utf8'),
    summary: parsed.summary,
    // One key per content: polling the same conversation again is a duplicate; a changed summary is news.
    deliveryKey: `dci-rest:${parsed.summary.conversationId}:${conversationFingerprint(conversation)}`,
    eventTimestamp: timestamp,
  };
}

/**
 * Whether a list item is the whole conversation: it carries the summary field (set or null) and the participants. One
 * that does not is completed from the conversation detail, or a meeting could go to nobody.
 */
export function isWholeConversation(conversation: DciConversation): boolean {
  return 'summary' in conversation && Array.isArray(conversation['participants']);
}

/** Whether DCI has the conversation's summary yet. */
export function hasSummary(conversation: DciConversation): boolean {
  const summary = conversation['summary'];
  return typeof summary === 'string' && summary.trim() !== '';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : value === undefined || value === null ? '' : String(value);
}
