import { parseSummaryPayload, type SummaryParseResult } from './summaryPayload';

/**
 * A summary sent as one flat object: the conversation's fields at the top level, under the names DCI's SuperOffice
 * help article suggests (meeting name, summary, start and end dates, meeting type, presenter and participant
 * e-mails, recording URL, location) or the webhook's own names. The field list is from the article
 * (dstny.se/partnerhelp/superoffice-dstny-conversational-intelligence); the names are our guesses [assumption], so
 * each field is read under several common spellings. The first alias present (not null) wins.
 *
 * The body is rewritten into the webhook envelope and read by the same contract (summaryPayload.ts), so a flat body
 * and an envelope with the same data give the same MeetingSummary, the same bounds, cleaning and warnings — and both
 * CRMs agree. Issue and warning paths name the flat key the sender used, never a value.
 */

/** Where each conversation field is looked for, in order. Exported for the docs and the tests. */
export const FLAT_FIELD_ALIASES = {
  id: ['id', 'conversation_id', 'conversationId', 'meeting_id', 'meetingId', 'session_id', 'sessionId'],
  title: ['meeting_name', 'meetingName', 'title', 'name', 'subject'],
  date: ['start_date', 'startDate', 'start', 'start_time', 'startTime', 'date', 'started_at'],
  end_date: ['end_date', 'endDate', 'end', 'end_time', 'endTime', 'ended_at'],
  duration: ['duration'],
  medium: ['meeting_type', 'meetingType', 'medium'],
  conversation_type: ['conversation_type', 'conversationType'],
  sentiment: ['sentiment'],
  department: ['department'],
  company: ['company', 'company_name', 'companyName'],
  summary: ['summary', 'ai_summary', 'aiSummary', 'meeting_summary', 'meetingSummary', 'summary_text'],
  notes: ['notes'],
  location: ['location', 'meeting_location'],
  url: ['url', 'session_url', 'sessionUrl'],
  recording_url: ['recording_url', 'recordingUrl', 'recording_link', 'recording'],
  transcript_url: ['transcript_url', 'transcriptUrl'],
} as const satisfies Record<string, readonly string[]>;

/** The presenter: an object (`user`, `presenter`), or an e-mail string, with e-mail and name also read flat. */
export const FLAT_PRESENTER_ALIASES = {
  object: ['user', 'presenter', 'organizer', 'host'],
  email: ['presenter_email', 'presenterEmail', 'organizer_email', 'organizerEmail', 'host_email'],
  name: ['presenter_name', 'presenterName', 'organizer_name', 'organizerName'],
} as const;

/** The participant list: e-mail strings (`"jane@acme.com"`, `"Jane Doe <jane@acme.com>"`) or objects, or one string. */
export const FLAT_PARTICIPANT_ALIASES = [
  'participants',
  'attendees',
  'participant_emails',
  'participantEmails',
  'attendee_emails',
] as const;

/** A participant object's fields, each under the webhook's name first. */
export const FLAT_PARTICIPANT_FIELD_ALIASES = {
  name: ['name', 'full_name', 'fullName', 'display_name', 'displayName'],
  first_name: ['first_name', 'firstName', 'firstname'],
  last_name: ['last_name', 'lastName', 'lastname'],
  email: ['email', 'email_address', 'emailAddress', 'mail'],
  phone: ['phone', 'phone_number', 'phoneNumber'],
  mobile_phone: ['mobile_phone', 'mobilePhone', 'mobile'],
  company: ['company', 'company_name', 'companyName'],
  role: ['role'],
} as const satisfies Record<string, readonly string[]>;

type Body = Record<string, unknown>;

/** Whether a flat body carries a summary: some summary alias holds something other than null or blank text. */
export function hasFlatSummary(body: Body): boolean {
  const found = pick(body, FLAT_FIELD_ALIASES.summary);
  return found !== undefined && !(typeof found.value === 'string' && found.value.trim() === '');
}

/**
 * Reads a flat summary body (already JSON-parsed, a plain object) into a MeetingSummary. Never throws.
 *
 * Without an id the conversation gets a stable one: the UUID in the recording link if there is one [assumption: DCI's
 * links end in the conversation id, as the old app's `/recording/{conversationId}` did], else a fingerprint of start,
 * meeting name and presenter e-mail — so a re-sent meeting updates its appointments instead of adding new ones.
 */
export function parseFlatSummaryBody(body: Body): SummaryParseResult {
  const conversation: Body = {};
  /** Envelope field → the flat key it was read from, for issue paths. */
  const source = new Map<string, string>();

  for (const [field, aliases] of Object.entries(FLAT_FIELD_ALIASES)) {
    const found = pick(body, aliases);
    if (found === undefined) continue;
    conversation[field] = field === 'date' || field === 'end_date' ? toIsoDate(found.value) : found.value;
    source.set(field, found.key);
  }

  const presenter = readPresenter(body, source);
  if (presenter !== undefined) conversation['user'] = presenter;

  const participants = readParticipants(body);
  if (participants !== undefined) conversation['participants'] = participants.list;

  if (conversation['id'] === undefined) conversation['id'] = derivedId(conversation);

  const meta = body['_meta'];
  const envelope = {
    event: 'conversation.completed',
    data: { conversation },
    ...(isPlainObject(meta) ? { _meta: meta } : {}),
  };
  const result = parseSummaryPayload(envelope);
  const locate = (issue: { path: string; message: string }) =>
    toFlatIssue(issue, source, participants?.key, participants?.fieldKeys ?? []);
  if (!result.ok) return { ok: false, issues: result.issues.map(locate) };
  return { ok: true, summary: { ...result.summary, warnings: result.summary.warnings.map(locate) } };
}

function readPresenter(body: Body, source: Map<string, string>): unknown {
  const found = pick(body, FLAT_PRESENTER_ALIASES.object);
  source.set('user', found?.key ?? 'presenter');
  if (found !== undefined && typeof found.value !== 'string' && !isPlainObject(found.value)) {
    return found.value; // the contract reports the wrong type, at the key it came from
  }
  const presenter: Body = isPlainObject(found?.value) ? { ...found.value } : {};
  if (typeof found?.value === 'string') {
    presenter['email'] = found.value;
    source.set('user.email', found.key);
  }
  for (const field of ['email', 'name'] as const) {
    const flat = pick(body, FLAT_PRESENTER_ALIASES[field]);
    if (flat === undefined) continue;
    presenter[field] = flat.value;
    source.set(`user.${field}`, flat.key);
  }
  return Object.keys(presenter).length > 0 ? presenter : undefined;
}

interface FlatParticipants {
  key: string;
  list: unknown;
  /** Per entry: envelope field → the key it was read from; `undefined` for an entry written as a string. */
  fieldKeys: Array<Map<string, string> | undefined>;
}

function readParticipants(body: Body): FlatParticipants | undefined {
  const found = pick(body, FLAT_PARTICIPANT_ALIASES);
  if (found === undefined) return undefined;
  const entries =
    typeof found.value === 'string' ? found.value.split(/[,;\n]+/u).filter((part) => part.trim() !== '') : found.value;
  if (!Array.isArray(entries)) return { key: found.key, list: entries, fieldKeys: [] };
  const fieldKeys: FlatParticipants['fieldKeys'] = [];
  const list = entries.map((entry: unknown) => {
    if (typeof entry === 'string') {
      fieldKeys.push(undefined);
      return fromAddress(entry);
    }
    if (!isPlainObject(entry)) {
      fieldKeys.push(new Map());
      return entry;
    }
    const keys = new Map<string, string>();
    const participant: Body = {};
    for (const [field, aliases] of Object.entries(FLAT_PARTICIPANT_FIELD_ALIASES)) {
      const value = pick(entry, aliases);
      if (value === undefined) continue;
      participant[field] = value.value;
      keys.set(field, value.key);
    }
    fieldKeys.push(keys);
    return participant;
  });
  return { key: found.key, list, fieldKeys };
}

/**
 * `"jane@acme.com"` or `"Jane Doe <jane@acme.com>"` (the name may be in double quotes). Read by index, not by a
 * regular expression: the one used before (`^\s*"?([^"<]*?)"?\s*<…`) backtracked in cubic time on a long run of
 * spaces, so one participant string of 20,000 spaces held the SuperOffice script (and the receiver) for minutes.
 */
function fromAddress(text: string): Body {
  const trimmed = text.trim();
  const open = trimmed.lastIndexOf('<');
  if (open === -1 || !trimmed.endsWith('>')) return { email: text };
  const email = trimmed.slice(open + 1, -1);
  if (email === '' || email.includes('>')) return { email: text };
  let name = trimmed.slice(0, open).trim();
  if (name.startsWith('"')) name = name.slice(1);
  if (name.endsWith('"')) name = name.slice(0, -1);
  if (name.includes('"') || name.includes('<')) return { email: text };
  name = name.trim();
  return name ? { name, email } : { email };
}

/** The first alias that holds something other than null. */
function pick(body: Body, aliases: readonly string[]): { key: string; value: unknown } | undefined {
  for (const key of aliases) {
    if (!Object.prototype.hasOwnProperty.call(body, key)) continue;
    const value = body[key];
    if (value !== undefined && value !== null) return { key, value };
  }
  return undefined;
}

const UNIX_MILLISECONDS_FROM = 1e11;
const SPACE_FOR_T = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})/u;

/**
 * Dates as the contract wants them. Also read: unix time (seconds or milliseconds) and a space instead of the `T`.
 * A date without a time zone stays as sent, so the contract rejects it: guessing the zone would misplace the meeting.
 */
function toIsoDate(value: unknown): unknown {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    const date = new Date(value >= UNIX_MILLISECONDS_FROM ? value : value * 1000);
    return Number.isNaN(date.getTime()) ? value : date.toISOString();
  }
  if (typeof value === 'string') return value.trim().replace(SPACE_FOR_T, '$1T$2');
  return value;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/iu;

function derivedId(conversation: Body): string {
  const presenter = conversation['user'];
  const recording = conversation['recording_url'];
  const fromLink = typeof recording === 'string' ? UUID.exec(recording)?.[0] : undefined;
  if (fromLink !== undefined) return fromLink.toLowerCase();
  const start = typeof conversation['date'] === 'string' ? Date.parse(conversation['date']) : Number.NaN;
  const parts = [
    Number.isNaN(start) ? String(conversation['date']) : new Date(start).toISOString(),
    String(conversation['title']).trim(),
    String(isPlainObject(presenter) ? (presenter['email'] ?? '') : '')
      .trim()
      .toLowerCase(),
  ];
  return `flat-${fingerprint(parts.join('\n'))}`;
}

/** A 64-bit string hash (cyrb53's mixing, two 32-bit lanes): stable across runtimes, no crypto needed. */
function fingerprint(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

const ENVELOPE_PATH = /^\$\.data\.conversation\.([A-Za-z_]+)(.*)$/u;
const ENTRY_PATH = /^\[(\d+)\](?:\.([A-Za-z_]+))?(.*)$/u;

/** An issue on the envelope built here, told at the flat key the sender used; a missing field names its aliases. */
function toFlatIssue(
  issue: { path: string; message: string },
  source: Map<string, string>,
  participantsKey: string | undefined,
  participantFieldKeys: FlatParticipants['fieldKeys'],
): { path: string; message: string } {
  const match = ENVELOPE_PATH.exec(issue.path);
  if (!match) return { path: issue.path.replace(/^\$\.data\.conversation/u, '$'), message: issue.message };
  const field = match[1] ?? '';
  const rest = match[2] ?? '';
  if (field === 'participants' && participantsKey !== undefined) {
    const entry = ENTRY_PATH.exec(rest);
    const index = Number(entry?.[1]);
    const keys = participantFieldKeys[index];
    if (entry === null || entry[2] === undefined)
      return { path: `$.${participantsKey}${rest}`, message: issue.message };
    if (keys === undefined) return { path: `$.${participantsKey}[${index}]`, message: issue.message };
    return {
      path: `$.${participantsKey}[${index}].${keys.get(entry[2]) ?? entry[2]}${entry[3] ?? ''}`,
      message: issue.message,
    };
  }
  if (field === 'user') {
    const sub = /^\.([A-Za-z_]+)(.*)$/u.exec(rest);
    const flat = sub?.[1] === undefined ? undefined : source.get(`user.${sub[1]}`);
    if (flat !== undefined) return { path: `$.${flat}${sub?.[2] ?? ''}`, message: issue.message };
    return { path: `$.${source.get('user') ?? 'presenter'}${rest}`, message: issue.message };
  }
  const aliases = (FLAT_FIELD_ALIASES as Record<string, readonly string[] | undefined>)[field];
  const used = source.get(field);
  if (used !== undefined) return { path: `$.${used}${rest}`, message: issue.message };
  const named = aliases?.[0] ?? field;
  const others = aliases && aliases.length > 1 ? `; also read from ${aliases.slice(1).join(', ')}` : '';
  return { path: `$.${named}${rest}`, message: `${issue.message}${others}` };
}

/** A JSON object: not null, not an array. */
export function isPlainObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
