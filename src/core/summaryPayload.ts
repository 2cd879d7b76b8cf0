import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { isIdentifierText, toSingleLine, withoutControlCharacters } from './cleanText';
import { normalizeEmail } from './normalizeEmail';
import { formatIssuePath, type PayloadIssue } from './payloadIssue';

/**
 * The inbound contract: DCI 2.0's documented `conversation.completed` webhook (shared/specs/dci-api.md §3.3),
 * extended with the optional fields DCI's CRM integrations use (end time, location, manual notes, links,
 * participant names, phones and companies). A real DCI webhook parses unchanged; unknown fields are ignored.
 *
 * Two kinds of problem are told apart:
 * - the payload cannot be used (a required field missing, a wrong type, a date without a time zone): it is
 *   rejected with issues, which become the 400 body;
 * - an optional piece of contact data or a link is unusable (a malformed e-mail, a `javascript:` link): the
 *   meeting still goes to the CRM without it, and a warning with the same shape says what was left out. One
 *   typo in a calendar invite must not cost the whole meeting its notes.
 */

/** More participants than this is not a meeting but a broadcast; bounded so one payload cannot flood the CRM. */
export const MAX_PARTICIPANTS = 1000;

/** A recorded conversation lasts hours, not weeks; the bound also keeps start + duration a valid date. */
export const MAX_DURATION_SECONDS = 7 * 24 * 3600;

/** A summary is a few paragraphs; the bound keeps a runaway sender from filling the store with one field. */
export const MAX_SUMMARY_LENGTH = 200_000;

/** One wording for every date field, so the 400 body tells a sender exactly what form is expected. */
const DATE_HELP =
  'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-20T09:00:00Z or 2026-11-20T10:00:00+01:00';

const blankToUndefined = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

/**
 * Text of at most `maxLength` characters, cleaned (see cleanText.ts): one line unless `lines` is `'multi'`, where
 * line ends stay. The length is checked on the text as sent.
 */
const text = (maxLength: number, lines: 'single' | 'multi' = 'single') =>
  z
    .string()
    .check(
      z.maxLength(maxLength, { error: `must be at most ${maxLength} characters` }),
      z.overwrite(lines === 'single' ? toSingleLine : withoutControlCharacters),
    );

/** Optional free text: absent, `null` and blank all mean "not given". */
const optionalText = (maxLength: number, lines: 'single' | 'multi' = 'single') =>
  z.pipe(z.nullish(text(maxLength, lines)), z.transform(blankToUndefined));

const requiredText = (maxLength: number, lines: 'single' | 'multi' = 'single') =>
  text(maxLength, lines).check(z.trim(), z.minLength(1, { error: 'must not be empty' }));

/** Ids are UUID strings in DCI 2.0 and integers in the old API; both are kept as strings. */
const idValue = z.pipe(
  z.union(
    [z.string().check(z.maxLength(200, { error: 'must be at most 200 characters' })), z.number().check(z.int())],
    {
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be a text string or an integer'),
    },
  ),
  z.transform((value: string | number) => String(value).trim()),
);

const optionalId = z.pipe(
  z.nullish(idValue),
  z.transform((value: string | null | undefined) => (value ? toSingleLine(value).trim() || undefined : undefined)),
);

const zonedDateTime = z.iso.datetime({
  offset: true,
  error: (issue) => (issue.input === undefined ? 'is required' : DATE_HELP),
});

const participantSchema = z.object({
  name: optionalText(300),
  first_name: optionalText(200),
  last_name: optionalText(200),
  email: optionalText(320),
  phone: optionalText(100),
  mobile_phone: optionalText(100),
  company: optionalText(300),
  role: z.pipe(
    optionalText(100),
    z.transform((role: string | undefined) => role?.toLowerCase()),
  ),
});

const presenterSchema = z.object({
  id: optionalId,
  name: optionalText(300),
  email: optionalText(320),
  phone: optionalText(100),
});

const conversationSchema = z
  .object({
    id: idValue.check(
      z.refine((id) => id !== '', { error: 'must not be empty' }),
      // It becomes the note's reference token (`dci-conversation:<id>`), which must be one word, and the key of
      // the delivery in the store and in the CRM: control and invisible characters would make it unfindable.
      z.refine(isIdentifierText, { error: 'must not contain spaces, line breaks or control characters' }),
    ),
    title: requiredText(1000),
    date: zonedDateTime,
    end_date: z.nullish(zonedDateTime),
    duration: z.nullish(
      z
        .number()
        .check(
          z.nonnegative({ error: 'must be a number of seconds, 0 or more' }),
          z.maximum(MAX_DURATION_SECONDS, { error: `must be at most ${MAX_DURATION_SECONDS} seconds (a week)` }),
        ),
    ),
    medium: optionalText(100),
    conversation_type: optionalText(200),
    sentiment: optionalText(100),
    department: z.nullish(z.object({ id: optionalId, name: optionalText(300) })),
    company: optionalText(300),
    summary: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a text string') })
      .check(
        z.maxLength(MAX_SUMMARY_LENGTH, { error: `must be at most ${MAX_SUMMARY_LENGTH} characters` }),
        z.overwrite(withoutControlCharacters),
        z.trim(),
        z.minLength(1, { error: 'must not be empty: DCI sends no summary for a meeting without one' }),
      ),
    notes: optionalText(100_000, 'multi'),
    location: optionalText(1000),
    url: optionalText(2048),
    recording_url: optionalText(2048),
    transcript_url: optionalText(2048),
    user: z.nullish(presenterSchema),
    participants: z.nullish(
      z
        .array(participantSchema)
        .check(z.maxLength(MAX_PARTICIPANTS, { error: `must list at most ${MAX_PARTICIPANTS} participants` })),
    ),
  })
  .check(
    z.superRefine((conversation, ctx) => {
      if (conversation.end_date && Date.parse(conversation.end_date) < Date.parse(conversation.date)) {
        ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'must not be before date' });
      }
    }),
  );

/**
 * The wire format, exactly as accepted. `z.toJSONSchema(summaryPayloadSchema, { io: 'input' })` publishes it
 * (see summaryPayloadJsonSchema.ts).
 */
export const summaryPayloadSchema = z.object({
  event: z.literal('conversation.completed', {
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be "conversation.completed"'),
  }),
  timestamp: z.nullish(zonedDateTime),
  data: z.object({ conversation: conversationSchema }),
  _meta: z.nullish(
    z.object({
      token_prefix: optionalText(200),
      delivery_id: optionalText(200),
    }),
  ),
});

type WirePayload = z.output<typeof summaryPayloadSchema>;
type WireConversation = WirePayload['data']['conversation'];

/** A person as DCI names them: the presenter, or an attendee. */
export interface SummaryPerson {
  name?: string | undefined;
  /** Normalized (trimmed, lower-case) and valid; a malformed address is dropped with a warning. */
  email?: string | undefined;
  /** As written; phones are read per CRM region when matching (see classifyParticipants). */
  phone?: string | undefined;
}

export interface SummaryParticipant extends SummaryPerson {
  firstName?: string | undefined;
  lastName?: string | undefined;
  mobilePhone?: string | undefined;
  company?: string | undefined;
  /** Lower-cased; DCI documents only `customer`. */
  role?: string | undefined;
}

export interface SummaryPresenter extends SummaryPerson {
  id?: string | undefined;
}

/** A meeting summary as the rest of the product sees it: validated, trimmed, dates in UTC ISO form. */
export interface MeetingSummary {
  /** Stable across re-sends of the same meeting: the key that makes CRM writes exactly-once. */
  conversationId: string;
  title: string;
  /** Start, ISO 8601 in UTC. */
  startsAt: string;
  /** End, ISO 8601 in UTC: `end_date`, else `date` + `duration`, else unknown. */
  endsAt?: string | undefined;
  durationSeconds?: number | undefined;
  /** The meeting type: call, video, meeting, … */
  medium?: string | undefined;
  conversationType?: string | undefined;
  sentiment?: string | undefined;
  department?: { id?: string | undefined; name?: string | undefined } | undefined;
  /** The meeting's customer company as DCI names it. */
  company?: string | undefined;
  summary: string;
  /** Manual notes taken during the meeting. */
  notes?: string | undefined;
  location?: string | undefined;
  links: { session?: string | undefined; recording?: string | undefined; transcript?: string | undefined };
  presenter?: SummaryPresenter | undefined;
  participants: SummaryParticipant[];
  /** When DCI says the event happened, ISO 8601 in UTC. */
  eventTimestamp?: string | undefined;
  delivery: { id?: string | undefined; tokenPrefix?: string | undefined };
  /** Optional data that was present but unusable and left out; never the reason to reject. */
  warnings: PayloadIssue[];
}

export type SummaryParseResult = { ok: true; summary: MeetingSummary } | { ok: false; issues: PayloadIssue[] };

/**
 * Validates an inbound payload (already JSON-parsed) against the contract and normalizes it.
 * Never throws: anything that is not a usable summary gives `{ ok: false, issues }`.
 */
export function parseSummaryPayload(input: unknown): SummaryParseResult {
  const parsed = summaryPayloadSchema.safeParse(input, {
    error: (issue) => describeIssue(issue) ?? englishMessage(issue),
  });
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message })),
    };
  }
  return { ok: true, summary: toMeetingSummary(parsed.data) };
}

const CONVERSATION_PATH = ['data', 'conversation'] as const;
const HTTP_LINK = /^https?:\/\/[^\s/?#]+[^\s]*$/iu;

function toMeetingSummary(payload: WirePayload): MeetingSummary {
  const conversation = payload.data.conversation;
  const warnings: PayloadIssue[] = [];
  const warn = (path: PropertyKey[], message: string) =>
    warnings.push({ path: formatIssuePath([...CONVERSATION_PATH, ...path]), message });

  const email = (raw: string | undefined, path: PropertyKey[], consequence: string): string | undefined => {
    if (raw === undefined) return undefined;
    const normalized = normalizeEmail(raw);
    if (normalized === undefined) warn(path, `is not a valid e-mail address; ${consequence}`);
    return normalized;
  };
  const link = (raw: string | undefined, field: string): string | undefined => {
    if (raw === undefined) return undefined;
    if (HTTP_LINK.test(raw)) return raw;
    warn([field], 'is not an http(s) link; it is left out of the note');
    return undefined;
  };

  const user = conversation.user;
  const presenter: SummaryPresenter | undefined = user
    ? {
        id: user.id,
        name: user.name,
        email: email(user.email, ['user', 'email'], 'the presenter cannot be linked to a CRM user by e-mail'),
        phone: user.phone,
      }
    : undefined;

  const participants = (conversation.participants ?? []).map((participant, index): SummaryParticipant => ({
    name: participant.name,
    firstName: participant.first_name,
    lastName: participant.last_name,
    email: email(participant.email, ['participants', index, 'email'], 'the participant can only be matched by phone'),
    phone: participant.phone,
    mobilePhone: participant.mobile_phone,
    company: participant.company,
    role: participant.role,
  }));

  return {
    conversationId: conversation.id,
    title: conversation.title,
    startsAt: toUtc(conversation.date),
    endsAt: endOf(conversation),
    durationSeconds: conversation.duration ?? undefined,
    medium: conversation.medium,
    conversationType: conversation.conversation_type,
    sentiment: conversation.sentiment,
    department: conversation.department ?? undefined,
    company: conversation.company,
    summary: conversation.summary,
    notes: conversation.notes,
    location: conversation.location,
    links: {
      session: link(conversation.url, 'url'),
      recording: link(conversation.recording_url, 'recording_url'),
      transcript: link(conversation.transcript_url, 'transcript_url'),
    },
    presenter,
    participants,
    eventTimestamp: payload.timestamp ? toUtc(payload.timestamp) : undefined,
    delivery: { id: payload._meta?.delivery_id, tokenPrefix: payload._meta?.token_prefix },
    warnings,
  };
}

function endOf(conversation: WireConversation): string | undefined {
  if (conversation.end_date) return toUtc(conversation.end_date);
  if (conversation.duration === null || conversation.duration === undefined) return undefined;
  return new Date(Date.parse(conversation.date) + conversation.duration * 1000).toISOString();
}

function toUtc(isoWithZone: string): string {
  return new Date(isoWithZone).toISOString();
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a text string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

/**
 * zod's own English wording for what neither the schema nor describeIssue words: `zod/mini` (kept small for the
 * SuperOffice script) loads no locale by itself, and the messages must not depend on who else imported zod.
 */
const englishMessage = en().localeError;

/** Plain-language messages for the structural problems zod reports with its own wording. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
  return `must be ${expected}, not ${describeValue(issue.input)}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return TYPE_NAMES[typeof value] ?? typeof value;
}
