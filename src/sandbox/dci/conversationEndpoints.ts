import { createHmac } from 'node:crypto';
import type { HttpAnswer } from '../shared/writeAnswer';
import { dciError, json } from './dciAnswers';
import { meta, type EndpointContext } from './endpointContext';
import { after, decodeCursor, encodeCursor } from './pageCursor';
import { briefConversation, restConversation } from './serializeConversation';
import type { DciStoredConversation } from './types';

const MAX_PAGE = 25;
/** How long a recording URL stays valid [assumption]. */
const RECORDING_URL_TTL_MS = 60 * 60 * 1000;

/** `GET /conversations?limit=&cursor=`: newest first, the 30-day window, pages of at most 25. */
export function listConversations(context: EndpointContext, query: URLSearchParams): HttpAnswer {
  const limit = pageSize(query.get('limit'));
  if (limit === undefined) return dciError(400, `limit must be an integer from 1 to ${MAX_PAGE}.`);
  let rest = context.store.listInWindow();
  const cursor = query.get('cursor');
  if (cursor !== null) {
    const position = decodeCursor(cursor);
    const known = position === undefined ? undefined : context.store.find(position.id);
    if (position === undefined || known?.date !== position.date) return dciError(400, 'Invalid cursor.');
    rest = after(rest, position);
  }
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  const next = rest.length > limit && last !== undefined ? encodeCursor(last) : null;
  const quota = touch(
    context,
    page.map((conversation) => conversation.id),
  );
  if (quota !== undefined) return quota;
  const items = page.map((conversation) =>
    context.shapes.listItems === 'brief'
      ? briefConversation(conversation)
      : restConversation(conversation, context.shapes.phoneField),
  );
  switch (context.shapes.list) {
    case 'conversations':
      return json(200, { conversations: items, ...cursorFields(context, next), _meta: meta(context) });
    case 'data':
      return json(200, { data: items, ...cursorFields(context, next) });
    case 'bare':
      return json(200, items, next === null ? {} : { 'x-next-cursor': next });
  }
}

/** `GET /conversations/:id`. */
export function getConversation(context: EndpointContext, id: string): HttpAnswer {
  return withConversation(context, id, (conversation) => {
    const body = restConversation(conversation, context.shapes.phoneField);
    return json(200, context.shapes.detail === 'conversation' ? { conversation: body } : body);
  });
}

/** `GET /conversations/:id/summary`: 404 until the conversation is completed. */
export function getSummary(context: EndpointContext, id: string): HttpAnswer {
  return withConversation(context, id, (conversation) =>
    conversation.summary === null
      ? dciError(404, `Conversation ${id} has no summary yet.`)
      : json(200, { summary: conversation.summary }),
  );
}

/** `GET /conversations/:id/transcript`. */
export function getTranscript(context: EndpointContext, id: string): HttpAnswer {
  return withConversation(context, id, (conversation) =>
    conversation.transcript === null
      ? dciError(404, `Conversation ${id} has no transcript.`)
      : json(200, { transcript: { segments: conversation.transcript } }),
  );
}

/** `GET /conversations/:id/recording-url`: a signed, expiring URL; 404 without a recording. */
export function getRecordingUrl(context: EndpointContext, id: string): HttpAnswer {
  return withConversation(context, id, (conversation) => {
    if (!conversation.recording) return dciError(404, `Conversation ${id} has no recording.`);
    const expiresAt = new Date(context.now().getTime() + RECORDING_URL_TTL_MS);
    const expires = Math.floor(expiresAt.getTime() / 1000);
    const sig = createHmac('sha256', context.recordingKey).update(`${id}:${expires}`).digest('hex').slice(0, 32);
    const url = `https://recordings.dci-emulator.test/recordings/${encodeURIComponent(id)}?expires=${expires}&sig=${sig}`;
    return json(200, { [context.shapes.recordingField]: url, expires_at: expiresAt.toISOString() });
  });
}

/** The conversation inside the window (else 404), counted against the daily quota (else 429). */
function withConversation(
  context: EndpointContext,
  id: string,
  answer: (conversation: DciStoredConversation) => HttpAnswer,
): HttpAnswer {
  const conversation = context.store.findInWindow(id);
  if (conversation === undefined) return dciError(404, `Conversation ${id} not found.`);
  return touch(context, [id]) ?? answer(conversation);
}

/** undefined when the ids fit in today's quota; the 429 answer when they do not. */
function touch(context: EndpointContext, ids: readonly string[]): HttpAnswer | undefined {
  const quota = context.settings.dailyQuota ?? 1000;
  const decision = context.quota.touch(context.token, ids, quota, context.now());
  if (decision.allowed) return undefined;
  return json(429, {
    statusCode: 429,
    message: `Daily quota exceeded: ${quota} unique conversations per day. Please try again tomorrow.`,
    retryAfter: decision.retryAfterSec,
  });
}

function pageSize(raw: string | null): number | undefined {
  if (raw === null) return MAX_PAGE;
  if (!/^\d{1,3}$/u.test(raw)) return undefined;
  const limit = Number(raw);
  return limit >= 1 && limit <= MAX_PAGE ? limit : undefined;
}

function cursorFields(context: EndpointContext, next: string | null): Record<string, unknown> {
  const field = context.shapes.cursorField;
  return field === 'pagination.next_cursor' ? { pagination: { next_cursor: next } } : { [field]: next };
}
