import { referenceLine } from './conversationReference';
import { formatMeetingTime } from './formatMeetingTime';
import type { MeetingSummary, SummaryParticipant } from './summaryPayload';

/** Lime's core `history.note` holds 4000 characters (shared/specs/lime-rest-api.md §5.4). */
export const DEFAULT_NOTE_MAX_LENGTH = 4000;
export const DEFAULT_TIME_ZONE = 'Europe/Stockholm';

export interface RenderNoteOptions {
  /** IANA zone for the dates in the note. Default Europe/Stockholm. */
  timeZone?: string | undefined;
  /** Longest text the CRM field keeps, in UTF-16 code units (what Lime and SQL Server count). Default 4000. */
  maxLength?: number | undefined;
  /**
   * Whether the text starts with the title line. Lime's history has only the note field, so the title line is
   * its first line (default); SuperOffice has a title field of its own.
   */
  titleInText?: boolean | undefined;
  /**
   * Where the shortened-markers say the full text is, e.g. `in the document "…"`. Default: the session link in DCI
   * (Lime). SuperOffice keeps the full text in a document of its own and says so.
   */
  fullTextAt?: string | undefined;
}

/** Which parts had to give way so the note fits, in the order they gave way. */
export type ShortenedPart = 'summary' | 'notes' | 'participants' | 'hard_cut';

export interface RenderedNote {
  /** `Conversation Summary | <presenter> | <meeting name> | <YYYY-MM-DD HH:mm>` */
  title: string;
  /** Plain text, never longer than `maxLength`. */
  text: string;
  shortened: ShortenedPart[];
}

/** The smallest note length that still holds a title, the reference line and a shortened-marker. */
export const MIN_NOTE_MAX_LENGTH = 200;

/**
 * Renders the CRM note for a meeting: title line, meeting line, participants, links, manual notes, the full AI
 * summary and the reference line that finds the note again.
 *
 * When the text would exceed `maxLength`, the summary is shortened at a word boundary with a visible
 * "[summary shortened — full text: <link>]"; the title, participants, links and reference line stay whole.
 * Only if they alone do not fit (a webinar with hundreds of attendees) do the manual notes, then the
 * participant list give way, and as a last resort the text is cut — the result never exceeds the limit.
 */
export function renderNote(summary: MeetingSummary, options: RenderNoteOptions = {}): RenderedNote {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const maxLength = Math.max(options.maxLength ?? DEFAULT_NOTE_MAX_LENGTH, MIN_NOTE_MAX_LENGTH);
  const title = titleLine(summary, timeZone);
  const link = summary.links.session ?? summary.links.transcript ?? summary.links.recording;
  const where =
    options.fullTextAt !== undefined ? ` ${options.fullTextAt}` : link === undefined ? ' in DCI' : `: ${link}`;

  const parts: NoteParts = {
    title: options.titleInText === false ? undefined : title,
    meeting: meetingLine(summary, timeZone),
    participants: participantLines(summary),
    hiddenParticipants: 0,
    links: linkLines(summary),
    notes: plainText(summary.notes),
    summary: plainText(summary.summary) ?? '',
    reference: referenceLine(summary.conversationId),
  };
  const shortened: ShortenedPart[] = [];
  const fits = () => assemble(parts).length <= maxLength;
  const room = (field: 'summary' | 'notes') => maxLength - assemble({ ...parts, [field]: '' }).length;

  if (!fits()) {
    shortened.push('summary');
    parts.summary = shorten(parts.summary, room('summary'), `[summary shortened — full text${where}]`);
  }
  if (!fits() && parts.notes !== undefined) {
    shortened.push('notes');
    parts.notes = shorten(parts.notes, room('notes'), `[notes shortened — full text${where}]`);
  }
  if (!fits() && parts.participants.length > 0) {
    shortened.push('participants');
    while (!fits() && parts.participants.length > 0) {
      parts.participants.pop();
      parts.hiddenParticipants += 1;
    }
  }
  let text = assemble(parts);
  if (text.length > maxLength) {
    shortened.push('hard_cut');
    text = `${cutAt(text, maxLength - 1)}…`;
  }
  return { title, text, shortened };
}

interface NoteParts {
  title: string | undefined;
  meeting: string;
  participants: string[];
  hiddenParticipants: number;
  links: string[];
  notes: string | undefined;
  summary: string;
  reference: string;
}

function assemble(parts: NoteParts): string {
  const blocks: string[] = [];
  if (parts.title !== undefined) blocks.push(parts.title);
  blocks.push(parts.meeting);
  const participants = [...parts.participants];
  if (parts.hiddenParticipants > 0)
    participants.push(`- … and ${parts.hiddenParticipants} more (see the session in DCI)`);
  if (participants.length > 0) blocks.push(['Participants:', ...participants].join('\n'));
  if (parts.links.length > 0) blocks.push(['Links:', ...parts.links].join('\n'));
  if (parts.notes !== undefined && parts.notes !== '') blocks.push(`Notes:\n${parts.notes}`);
  blocks.push(`Summary:\n${parts.summary}`);
  blocks.push(parts.reference);
  return blocks.join('\n\n');
}

/** The seed's title line: `Conversation Summary | presenter | meeting name | date/time`, on one line. */
function titleLine(summary: MeetingSummary, timeZone: string): string {
  const presenter = summary.presenter?.name ?? summary.presenter?.email ?? 'Unknown presenter';
  return [
    'Conversation Summary',
    oneLine(presenter),
    oneLine(summary.title),
    formatMeetingTime(summary.startsAt, timeZone),
  ].join(' | ');
}

function meetingLine(summary: MeetingSummary, timeZone: string): string {
  const start = formatMeetingTime(summary.startsAt, timeZone);
  let when = start;
  if (summary.endsAt !== undefined) {
    const end = formatMeetingTime(summary.endsAt, timeZone);
    when += end.slice(0, 10) === start.slice(0, 10) ? `–${end.slice(11)}` : ` – ${end}`;
  }
  const details = [`${when} (${timeZone})`, summary.medium, summary.location].filter((detail) => detail !== undefined);
  return `Meeting: ${details.map(oneLine).join(' · ')}`;
}

function participantLines(summary: MeetingSummary): string[] {
  const lines: string[] = [];
  const presenter = summary.presenter;
  if (presenter?.name !== undefined || presenter?.email !== undefined) {
    lines.push(describeAttendee(presenter.name, undefined, presenter.email, ' (presenter)'));
  }
  const seen = new Set<string>(presenter?.email === undefined ? [] : [presenter.email]);
  for (const participant of summary.participants) {
    if (participant.email !== undefined) {
      if (seen.has(participant.email)) continue;
      seen.add(participant.email);
    }
    const line = describeParticipant(participant);
    if (line !== undefined) lines.push(line);
  }
  return lines;
}

function describeParticipant(participant: SummaryParticipant): string | undefined {
  const name =
    participant.name ?? ([participant.firstName, participant.lastName].filter(Boolean).join(' ') || undefined);
  if (name === undefined && participant.email === undefined && participant.company === undefined) return undefined;
  return describeAttendee(name, participant.company, participant.email, '');
}

function describeAttendee(
  name: string | undefined,
  company: string | undefined,
  email: string | undefined,
  suffix: string,
): string {
  const fields = [name, company, email].filter((field): field is string => field !== undefined).map(oneLine);
  return `- ${fields.join(', ')}${suffix}`;
}

function linkLines(summary: MeetingSummary): string[] {
  const { session, recording, transcript } = summary.links;
  return [
    session === undefined ? undefined : `- Session in DCI: ${session}`,
    recording === undefined ? undefined : `- Recording: ${recording}`,
    transcript === undefined ? undefined : `- Transcript: ${transcript}`,
  ].filter((line): line is string => line !== undefined);
}

/** Text for a plain-text field: unified line ends, no control characters but tab and newline. */
function plainText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value
    .replace(/\r\n?/gu, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/gu, '')
    .trim();
}

function oneLine(value: string): string {
  return value.replace(/\s+/gu, ' ').trim();
}

/**
 * `text` cut to at most `room` characters including `marker`, at a word boundary when one is near; the
 * marker stands on its own line. With no room at all only the marker is left.
 */
function shorten(text: string, room: number, marker: string): string {
  const budget = room - marker.length - ' …\n'.length;
  if (budget <= 0) return marker;
  return `${cutAt(text, budget).trimEnd()} …\n${marker}`;
}

/** The first `length` characters, ending at whitespace if one is in the last fifth, never inside a surrogate pair. */
function cutAt(text: string, length: number): string {
  if (text.length <= length) return text;
  let cut = text.slice(0, length);
  const lastSpace = cut.search(/\s\S*$/u);
  if (lastSpace >= length * 0.8) cut = cut.slice(0, lastSpace);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}
