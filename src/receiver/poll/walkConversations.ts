import type { MeetingSummary } from '../../core';
import { DciError, type DciApi, type DciConversation } from '../../dci-api/dciApi';
import type { ParticipantKeyer } from '../ingest/participantKeysIndex';
import type { DeliveryQueue, SummarySource } from '../store/ports/deliveryQueue';
import type { DeliveryReads } from '../store/ports/deliveryReads';
import { conversationFingerprint, hasSummary, heldFingerprint, isWholeConversation, restPayload } from './restPayload';

/** A conversation listed before DCI had its summary: asked for again until it has one or leaves the 30-day window. */
export interface NotReady {
  id: string;
  date: string;
}

export interface WalkResult {
  pages: number;
  listed: number;
  /** New or changed conversations stored for delivery (or, in a dry run, found). */
  queued: number;
  /** Already held, unchanged. */
  unchanged: number;
  notReady: NotReady[];
  /** Conversations whose REST copy does not pass the payload contract (logged by count, never by content). */
  invalid: number;
  /** The newest conversation listed (by date), for the poll position. */
  newest?: NotReady | undefined;
  /** Every conversation this walk listed (within the window): the poller need not ask for these one by one. */
  seen: Set<string>;
}

export interface WalkDeps {
  api: DciApi;
  store: Pick<DeliveryQueue, 'acceptSummary'> & Pick<DeliveryReads, 'heldPayloads'>;
  target: string;
  source: SummarySource;
  now: () => Date;
  signal?: AbortSignal | undefined;
  /** Dry run: nothing is stored; each new or changed conversation is handed here instead. */
  onFound?: ((found: { summary: MeetingSummary; rawBody: Buffer }) => Promise<void>) | undefined;
  /** Called after each page: false stops the walk (the poller renews its lease here, and stops when it lost it). */
  onPage?: (() => Promise<boolean>) | undefined;
  /** Makes each summary's participant lookup rows; absent: none are stored. */
  participantKeys?: ParticipantKeyer | undefined;
}

/**
 * More pages than 30 days at DCI's default limit could give (60 a minute, 25 a page): a walk this long is a list that
 * does not end, and is stopped.
 */
export const MAX_PAGES_PER_WALK = 2000;

/** A list that does not move on: its cursor, or every conversation of a page, was seen before in this walk. */
function notAdvancing(what: string): DciError {
  return new DciError(
    'dci_bad_response',
    `DCI's conversation list does not move on (${what}): the walk is stopped so it does not go round forever.`,
  );
}

/**
 * Walks DCI's conversation list newest first, page by page, down to the first conversation older than `stopBefore`
 * (or the end of the list: DCI lists 30 days), and stores each new or changed conversation that has its summary through
 * the same accept path as a webhook: one delivery per conversation; an unchanged one is left alone, a changed one
 * updates the notes. A list item without the summary field is completed from the conversation detail (one request);
 * one whose summary is not ready yet is returned in `notReady`.
 */
export async function walkConversations(deps: WalkDeps, stopBefore: Date): Promise<WalkResult> {
  const result: WalkResult = {
    pages: 0,
    listed: 0,
    queued: 0,
    unchanged: 0,
    notReady: [],
    invalid: 0,
    seen: new Set(),
  };
  let cursor: string | undefined;
  const cursors = new Set<string>();
  const ids = new Set<string>();
  do {
    const page = await deps.api.listConversations({ cursor, signal: deps.signal });
    result.pages += 1;
    // DCI's cursor parameter and fields are not documented: a server that ignores ours, or echoes it back, would send
    // the same page for ever. Such a list is refused rather than walked.
    if (page.conversations.length > 0 && page.conversations.every((item) => ids.has(item.id))) {
      throw notAdvancing('a page brought only conversations already listed');
    }
    for (const item of page.conversations) ids.add(item.id);
    const inWindow: DciConversation[] = [];
    let reachedEnd = false;
    for (const item of page.conversations) {
      const date = dateOf(item);
      if (date !== undefined && date < stopBefore.getTime()) {
        reachedEnd = true;
        break;
      }
      inWindow.push(item);
      result.seen.add(item.id);
      if (date !== undefined && (result.newest === undefined || date > Date.parse(result.newest.date))) {
        result.newest = { id: item.id, date: new Date(date).toISOString() };
      }
    }
    result.listed += inWindow.length;
    await storeConversations(deps, inWindow, result);
    cursor = reachedEnd ? undefined : page.nextCursor;
    if (cursor !== undefined) {
      if (cursors.has(cursor)) throw notAdvancing('its next cursor repeats one already followed');
      if (result.pages >= MAX_PAGES_PER_WALK) throw notAdvancing(`more than ${MAX_PAGES_PER_WALK} pages`);
      cursors.add(cursor);
      if (deps.onPage !== undefined && !(await deps.onPage())) break;
    }
  } while (cursor !== undefined);
  return result;
}

/** Stores the conversations that are new or changed; counts the rest. Also used for conversations asked one by one. */
export async function storeConversations(
  deps: WalkDeps,
  conversations: readonly DciConversation[],
  result: Pick<WalkResult, 'queued' | 'unchanged' | 'notReady' | 'invalid'>,
): Promise<void> {
  if (conversations.length === 0) return;
  const held = new Map(
    (
      await deps.store.heldPayloads(
        deps.target,
        conversations.map((conversation) => conversation.id),
      )
    ).map((row) => [row.conversationId, row]),
  );
  for (const listed of conversations) {
    const already = held.get(listed.id);
    let conversation: DciConversation | undefined = listed;
    if (!isWholeConversation(listed)) {
      // A brief list item: whether it changed cannot be told without its detail, so only new ones are asked for.
      if (already !== undefined) {
        result.unchanged += 1;
        continue;
      }
      conversation = await deps.api.getConversation(listed.id, deps.signal);
      if (conversation === undefined) continue;
    }
    if (!hasSummary(conversation)) {
      const date = dateOf(conversation) ?? deps.now().getTime();
      result.notReady.push({ id: conversation.id, date: new Date(date).toISOString() });
      continue;
    }
    // A payload removed by retention after delivery cannot be compared: it was delivered, so it is not written again.
    const unchanged =
      already !== undefined &&
      (already.rawBody === undefined || heldFingerprint(already.rawBody) === conversationFingerprint(conversation));
    if (unchanged) {
      result.unchanged += 1;
      continue;
    }
    const payload = restPayload(conversation, deps.now());
    if (!payload.ok) {
      result.invalid += 1;
      continue;
    }
    if (deps.onFound) {
      await deps.onFound({ summary: payload.summary, rawBody: payload.rawBody });
      result.queued += 1;
      continue;
    }
    const accepted = await deps.store.acceptSummary({
      deliveryKey: payload.deliveryKey,
      scheme: 'dci',
      source: deps.source,
      receivedAt: deps.now(),
      rawBody: payload.rawBody,
      conversationId: payload.summary.conversationId,
      eventTimestamp: payload.eventTimestamp,
      title: payload.summary.title,
      target: deps.target,
      participantKeys: deps.participantKeys?.keysOf(payload.summary),
    });
    if (accepted.kind === 'queued') result.queued += 1;
    else result.unchanged += 1;
  }
}

function dateOf(conversation: DciConversation): number | undefined {
  const date = conversation['date'];
  const parsed = typeof date === 'string' ? Date.parse(date) : Number.NaN;
  return Number.isNaN(parsed) ? undefined : parsed;
}
