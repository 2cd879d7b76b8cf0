import * as z from 'zod';
import { isIdentifierText } from '../core/cleanText';
import type { DciAccount, DciConversation } from './dciApi';

/*
 * Readers of DCI's REST answers. DCI documents almost none of its response shapes, so every reader accepts each
 * shape the answer could plausibly take and says "unreadable" only when none fits. Input is `unknown` (parsed JSON);
 * nothing here throws, and no input object is changed.
 *
 * Shape assumptions, in the terms of shared/specs/dci-api.md:
 * - Account: `{ id, name, …, _meta: { token_prefix } }` [verified: ci2.0-api.html, §2.3]. Accepting it wrapped
 *   in `{account:{…}}` or `{data:{…}}` too [assumption].
 * - Users: `{ users: [ … ] }` [verified: ci2.0-api.html, §2.3]; also a bare array or `{data:[…]}` [assumption].
 * - Conversation list: wrapped under a named key like `users` is [inferred: §2.3 wraps users]; the key itself is
 *   not documented, so `{conversations:[…]}`, `{data:[…]}`, `{items:[…]}` and a bare array are all read
 *   [assumption].
 * - The next-page cursor: where it is is [not found] (§1.4). Read from, in this order: `next_cursor`,
 *   `nextCursor`, `pagination.next_cursor`, `pagination.nextCursor`, `cursor`, then the `X-Next-Cursor` header
 *   [assumption]. A string or a number; null, "" or absent means the last page [assumption]. An explicit
 *   `has_more`/`hasMore` (top level or in `pagination`) of `false` also means the last page, whatever cursor is
 *   sent, so a server that echoes its cursor cannot make a reader loop [assumption].
 * - A listed conversation is kept only with a usable `id`: a non-empty string of visible characters (≤ 200) or an
 *   integer, as the webhook contract requires [inferred: ids are UUID strings in 2.0, §2.3; integers in the old
 *   API, §4]. Others are skipped and counted.
 * - Conversation detail: a bare conversation object, `{conversation:{…}}`, `{data:{…}}` or `{data:{conversation:
 *   {…}}}` [assumption: the detail schema is not found, §2.3].
 * - A REST conversation uses the webhook's field names (`id, title, company, date, duration, …, participants[{name,
 *   email, role}]`) [inferred: §2.3]. Fields the webhook example lacks have unknown names [not found: §3.4, §4], so
 *   each is read from several candidates and written under the contract's name (core/summaryPayload.ts)
 *   [assumption for every alias]:
 *     date ← date, start_date, started_at, startedAt, start_time;
 *     end_date ← end_date, ended_at, endedAt, end_time;
 *     notes ← notes, manual_notes, manualNotes (text, or a list of texts / `{text|body|content}` comments, joined);
 *     url ← url, app_url, conversation_url, link (the first http(s) URL);
 *     recording_url ← recording_url, recordingUrl; transcript_url ← transcript_url, transcriptUrl (http(s) only);
 *     participants[].phone ← phone, phone_number, phoneNumber; participants[].mobile_phone ← mobile_phone,
 *     mobilePhone, mobile, mobile_number [inferred: the old API's users carry a numeric `mobile_number`, §4];
 *     user.phone ← the same phone names.
 *   Phones given as numbers become strings [inferred: §4 shows a numeric `mobile_number`]. The other fields stay as
 *   DCI sent them; a value of a type the contract refuses under a contract name (a `notes` object, a `url` number,
 *   a participant that is not an object) is left out, because the contract would refuse the whole meeting for it.
 * - Summary: `{summary:"…"}`, `{text:"…"}`, `{data:{summary|text}}` or a bare JSON string; null or blank means
 *   "no summary yet" [assumption: the summary schema is not found, §2.3; "stored summary text" is verified].
 * - Recording URL: `url`, `recording_url` or `recordingUrl`, at the top level or in `{data:{…}}`; null means no
 *   recording [inferred: §2.3 "Get recording URL if available"; field names are not found]. Only an http(s) URL
 *   counts: anything else is treated as no recording rather than linked from a CRM note [assumption].
 */

/** A conversation id the webhook contract accepts, as a string. */
const conversationId = z
  .union([
    z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine((id) => isIdentifierText(id) && id !== '.' && id !== '..'),
    z.number().int().nonnegative(),
  ])
  .transform(String);

const cursorValue = z.union([z.string().trim().min(1).max(2000), z.number()]).transform(String);

const httpUrl = z
  .string()
  .trim()
  .pipe(z.url({ protocol: /^https?$/u }));

/** A phone as the contract wants it: text, also when DCI sends a number. */
const phoneValue = z.union([z.string().trim().min(1), z.number().int().nonnegative()]).transform(String);

const textValue = z.string();

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first of `keys` in `object` whose value `schema` reads. */
function firstOf<T>(object: JsonObject, keys: readonly string[], schema: z.ZodType<T>): T | undefined {
  for (const key of keys) {
    const parsed = schema.safeParse(object[key]);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

function hasAny(object: JsonObject, keys: readonly string[]): boolean {
  return keys.some((key) => key in object);
}

/** Reading an answer: what it says, or why it cannot be read (for a `dci_bad_response` message). */
export type Reading<T> = { kind: 'read'; value: T } | { kind: 'unreadable'; problem: string };

const read = <T>(value: T): Reading<T> => ({ kind: 'read', value });
const unreadable = <T>(problem: string): Reading<T> => ({ kind: 'unreadable', problem });

/** A shape name for messages: never the value itself, which may hold personal data. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (value === undefined) return 'an empty answer';
  if (isObject(value)) {
    const keys = Object.keys(value).slice(0, 8);
    return keys.length === 0 ? 'an empty object' : `an object with ${keys.join(', ')}`;
  }
  return `a ${typeof value}`;
}

// ─── conversations ────────────────────────────────────────────────────────────────────────────────────────────────

const PHONE_KEYS = ['phone', 'phone_number', 'phoneNumber'] as const;
const MOBILE_KEYS = ['mobile_phone', 'mobilePhone', 'mobile', 'mobile_number'] as const;
const DATE_KEYS = ['date', 'start_date', 'started_at', 'startedAt', 'start_time'] as const;
const END_KEYS = ['end_date', 'ended_at', 'endedAt', 'end_time'] as const;
const NOTES_KEYS = ['notes', 'manual_notes', 'manualNotes'] as const;
const URL_KEYS = ['url', 'app_url', 'conversation_url', 'link'] as const;
const RECORDING_KEYS = ['recording_url', 'recordingUrl'] as const;
const TRANSCRIPT_KEYS = ['transcript_url', 'transcriptUrl'] as const;

/** Manual notes as one text: a string, or comments (strings or `{text|body|content}`) joined by blank lines. */
function notesText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return undefined;
  const texts = value
    .map((item) =>
      typeof item === 'string'
        ? item
        : isObject(item)
          ? firstOf(item, ['text', 'body', 'content'], textValue)
          : undefined,
    )
    .filter((text): text is string => text !== undefined && text.trim() !== '');
  return texts.length === 0 ? undefined : texts.join('\n\n');
}

/** Sets `key` to `value`, or leaves it out when undefined (never writes `undefined` into stored JSON). */
function setOrOmit(object: JsonObject, key: string, value: unknown): void {
  if (value === undefined) delete object[key];
  else object[key] = value;
}

function withPhones(person: JsonObject, mobile: boolean): JsonObject {
  const copy: JsonObject = { ...person };
  setOrOmit(copy, 'phone', firstOf(person, PHONE_KEYS, phoneValue));
  if (mobile) setOrOmit(copy, 'mobile_phone', firstOf(person, MOBILE_KEYS, phoneValue));
  return copy;
}

/** A raw conversation object with an id; see `readConversationObject` for one of unknown shape. */
export type DciRawConversation = { id: string | number } & Record<string, unknown>;

/**
 * A REST conversation in the webhook contract's field names (core/summaryPayload.ts `conversationSchema`): `id`
 * as a string, `date`, `end_date`, `notes`, `url`, `recording_url`, `transcript_url` and the participants'
 * `phone` / `mobile_phone` read from every name DCI might use (see the list at the top). Other fields are kept as
 * sent; `raw` is not changed.
 */
export function toContractConversation(raw: DciRawConversation): DciConversation {
  const conversation: JsonObject = { ...raw };
  conversation['id'] = String(raw.id).trim();
  const date = firstOf(raw, DATE_KEYS, textValue);
  if (date !== undefined) conversation['date'] = date;
  if (hasAny(raw, END_KEYS)) setOrOmit(conversation, 'end_date', firstOf(raw, END_KEYS, textValue));
  if (hasAny(raw, NOTES_KEYS))
    setOrOmit(conversation, 'notes', firstOf(raw, NOTES_KEYS, z.unknown().transform(notesText).pipe(textValue)));
  if (hasAny(raw, URL_KEYS)) setOrOmit(conversation, 'url', firstOf(raw, URL_KEYS, httpUrl));
  if (hasAny(raw, RECORDING_KEYS)) setOrOmit(conversation, 'recording_url', firstOf(raw, RECORDING_KEYS, httpUrl));
  if (hasAny(raw, TRANSCRIPT_KEYS)) {
    setOrOmit(conversation, 'transcript_url', firstOf(raw, TRANSCRIPT_KEYS, httpUrl));
  }
  if ('participants' in raw) {
    const participants = raw['participants'];
    setOrOmit(
      conversation,
      'participants',
      Array.isArray(participants)
        ? participants.filter(isObject).map((participant) => withPhones(participant, true))
        : undefined,
    );
  }
  const user = raw['user'];
  if (isObject(user)) conversation['user'] = withPhones(user, false);
  return conversation as DciConversation;
}

/** One conversation object of unknown shape: in contract names, or undefined without a usable id. */
export function readConversationObject(value: unknown): DciConversation | undefined {
  if (!isObject(value)) return undefined;
  const id = conversationId.safeParse(value['id']);
  return id.success ? toContractConversation({ ...value, id: id.data }) : undefined;
}

const LIST_KEYS = ['conversations', 'data', 'items'] as const;
const CURSOR_PATHS: ReadonlyArray<readonly string[]> = [
  ['next_cursor'],
  ['nextCursor'],
  ['pagination', 'next_cursor'],
  ['pagination', 'nextCursor'],
  ['cursor'],
];
const HAS_MORE_PATHS: ReadonlyArray<readonly string[]> = [
  ['has_more'],
  ['hasMore'],
  ['pagination', 'has_more'],
  ['pagination', 'hasMore'],
];

function at(object: JsonObject, path: readonly string[]): unknown {
  let current: unknown = object;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}

export interface ConversationListReading {
  conversations: DciConversation[];
  /** Undefined on the last page. */
  nextCursor: string | undefined;
  /** Listed items left out for lack of a usable id. */
  skipped: number;
}

/**
 * One page of `GET /conversations`: the items (in contract names; those without a usable id skipped and counted)
 * and the next cursor, from the body or else from the `X-Next-Cursor` header (`cursorHeader`).
 */
export function readConversationList(
  body: unknown,
  cursorHeader?: string | undefined,
): Reading<ConversationListReading> {
  let items: unknown[] | undefined;
  if (Array.isArray(body)) items = body;
  else if (isObject(body)) {
    const key = LIST_KEYS.find((candidate) => Array.isArray(body[candidate]));
    items = key === undefined ? undefined : (body[key] as unknown[]);
  }
  if (items === undefined) {
    return unreadable(
      `a conversation list was expected (an array, or one under conversations, data or items), not ${describe(body)}`,
    );
  }
  const conversations: DciConversation[] = [];
  for (const item of items) {
    const conversation = readConversationObject(item);
    if (conversation !== undefined) conversations.push(conversation);
  }
  return read({
    conversations,
    nextCursor: nextCursorOf(body, cursorHeader),
    skipped: items.length - conversations.length,
  });
}

function nextCursorOf(body: unknown, cursorHeader: string | undefined): string | undefined {
  const header = cursorValue.safeParse(cursorHeader);
  if (!isObject(body)) return header.success ? header.data : undefined;
  if (HAS_MORE_PATHS.some((path) => at(body, path) === false)) return undefined;
  for (const path of CURSOR_PATHS) {
    const cursor = cursorValue.safeParse(at(body, path));
    if (cursor.success) return cursor.data;
  }
  return header.success ? header.data : undefined;
}

/** `GET /conversations/:id`: the conversation in contract names. */
export function readConversationDetail(body: unknown): Reading<DciConversation> {
  const candidates = isObject(body)
    ? [body, body['conversation'], body['data'], isObject(body['data']) ? body['data']['conversation'] : undefined]
    : [];
  for (const candidate of candidates) {
    const conversation = readConversationObject(candidate);
    if (conversation !== undefined) return read(conversation);
  }
  return unreadable(`a conversation with an id was expected, not ${describe(body)}`);
}

// ─── summary, recording, account, users ──────────────────────────────────────────────────────────────────────────

const SUMMARY_KEYS = ['summary', 'text'] as const;

/** `GET /conversations/:id/summary`: the text, or undefined while there is none (null or blank). */
export function readSummary(body: unknown): Reading<string | undefined> {
  const text = (value: string | null) => (value !== null && value.trim() !== '' ? value : undefined);
  if (body === null || typeof body === 'string') return read(text(body));
  if (isObject(body)) {
    if (body['data'] === null || typeof body['data'] === 'string') return read(text(body['data']));
    for (const holder of [body, body['data']]) {
      if (!isObject(holder)) continue;
      const value = firstOf(holder, SUMMARY_KEYS, z.string());
      if (value !== undefined) return read(text(value));
      if (SUMMARY_KEYS.some((key) => holder[key] === null)) return read(undefined);
    }
  }
  return unreadable(`a summary (text, or one under summary, text or data) was expected, not ${describe(body)}`);
}

const RECORDING_URL_KEYS = ['url', 'recording_url', 'recordingUrl'] as const;

/** `GET /conversations/:id/recording-url`: an http(s) URL, or none (null, or not an http(s) URL). */
export function readRecordingUrl(body: unknown): Reading<{ kind: 'url'; url: string } | { kind: 'none' }> {
  if (body === null) return read({ kind: 'none' });
  if (isObject(body)) {
    for (const holder of [body, body['data']]) {
      if (!isObject(holder) || !hasAny(holder, RECORDING_URL_KEYS)) continue;
      const url = firstOf(holder, RECORDING_URL_KEYS, httpUrl);
      return read(url === undefined ? { kind: 'none' } : { kind: 'url', url });
    }
    if (body['data'] === null) return read({ kind: 'none' });
  }
  return unreadable(`a recording URL (under url, recording_url or recordingUrl) was expected, not ${describe(body)}`);
}

const accountSchema = z.looseObject({
  id: z.union([z.string().trim().min(1), z.number()]).transform(String),
  name: z.string().nullish().catch(undefined),
  _meta: z
    .looseObject({ token_prefix: z.string().nullish().catch(undefined) })
    .nullish()
    .catch(undefined),
});

/** `GET /account`: who the token belongs to. */
export function readAccount(body: unknown): Reading<DciAccount> {
  const candidates = isObject(body) ? [body, body['account'], body['data']] : [];
  for (const candidate of candidates) {
    const parsed = accountSchema.safeParse(candidate);
    if (!parsed.success) continue;
    const { id, name, _meta } = parsed.data;
    // The prefix may sit beside the wrapped account rather than in it.
    const outerPrefix = isObject(body) && isObject(body['_meta']) ? body['_meta']['token_prefix'] : undefined;
    const tokenPrefix = _meta?.token_prefix ?? (typeof outerPrefix === 'string' ? outerPrefix : undefined);
    return read({
      id,
      ...(name ? { name } : {}),
      ...(tokenPrefix ? { tokenPrefix } : {}),
    });
  }
  return unreadable(`an account with an id was expected, not ${describe(body)}`);
}

/** `GET /users`: the user objects as sent. */
export function readUserList(body: unknown): Reading<unknown[]> {
  if (Array.isArray(body)) return read(body);
  if (isObject(body)) {
    const key = (['users', 'data', 'items'] as const).find((candidate) => Array.isArray(body[candidate]));
    if (key !== undefined) return read(body[key] as unknown[]);
  }
  return unreadable(`a user list (under users) was expected, not ${describe(body)}`);
}
