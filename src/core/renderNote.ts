import { referenceLine } from './conversationReference';
import { formatMeetingTime, formatNoteDateTime } from './formatMeetingTime';
import { formatDuration, noteLabels, type NoteLabels, type NoteLanguage } from './noteLabels';
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
  /**
   * The language of the note's labels, dates and times (noteLabels.ts). Default English. The title line and the
   * reference line are the same in every language.
   */
  language?: NoteLanguage | undefined;
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
 * Renders the CRM note for a meeting: title line, meeting line, details line (meeting type, medium, duration,
 * sentiment, department: those DCI sent), participants, links, manual notes, the full AI summary and the reference
 * line that finds the note again. The words, dates and times are in `options.language`; the title and reference
 * lines are the same in every language.
 *
 * When the text would exceed `maxLength`, the summary is shortened at a word boundary with a visible
 * "[summary shortened — full text: <link>]"; the title, meeting, details, participants, links and reference line
 * stay whole.
 * Only if they alone do not fit (a webinar with hundreds of attendees) do the manual notes, then the
 * participant list give way, and as a last resort the text is cut — the result never exceeds the limit.
 */
export function renderNote(summary: MeetingSummary, options: RenderNoteOptions = {}): RenderedNote {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const maxLength = Math.max(options.maxLength ?? DEFAULT_NOTE_MAX_LENGTH, MIN_NOTE_MAX_LENGTH);
  const labels = noteLabels(options.language);
  const title = titleLine(summary, timeZone);
  const link = summary.links.session ?? summary.links.transcript ?? summary.links.recording;
  const where =
    options.fullTextAt !== undefined ? ` ${options.fullTextAt}` : link === undefined ? ` ${labels.inDci}` : `: ${link}`;

  const parts: NoteParts = {
    labels,
    title: options.titleInText === false ? undefined : title,
    meeting: meetingLine(summary, timeZone, labels),
    details: detailsLine(summary, labels),
    participants: participantLines(summary, labels),
    hiddenParticipants: 0,
    links: linkLines(summary, labels),
    notes: plainText(summary.notes),
    summary: plainText(summary.summary) ?? '',
    reference: referenceLine(summary.conversationId),
  };
  const shortened: ShortenedPart[] = [];
  const fits = () => assemble(parts).length <= maxLength;
  const room = (field: 'summary' | 'notes') => maxLength - assemble({ ...parts, [field]: '' }).length;

  if (!fits()) {
    shortened.push('summary');
    parts.summary = shorten(parts.summary, room('summary'), `[${labels.summaryShortened}${where}]`);
  }
  if (!fits() && parts.notes !== undefined) {
    shortened.push('notes');
    parts.notes = shorten(parts.notes, room('notes'), `[${labels.notesShortened}${where}]`);
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
  labels: NoteLabels;
  title: string | undefined;
  meeting: string;
  details: string | undefined;
  participants: string[];
  hiddenParticipants: number;
  links: string[];
  notes: string | undefined;
  summary: string;
  reference: string;
}

function assemble(parts: NoteParts): string {
  const { labels } = parts;
  const blocks: string[] = [];
  if (parts.title !== undefined) blocks.push(parts.title);
  // The details line belongs to the meeting line's block: one block of facts about the meeting.
  blocks.push(parts.details === undefined ? parts.meeting : `${parts.meeting}\n${parts.details}`);
  const participants = [...parts.participants];
  if (parts.hiddenParticipants > 0) participants.push(`- ${labels.moreParticipants(parts.hiddenParticipants)}`);
  if (participants.length > 0) blocks.push([labels.participants, ...participants].join('\n'));
  if (parts.links.length > 0) blocks.push([labels.links, ...parts.links].join('\n'));
  if (parts.notes !== undefined && parts.notes !== '') blocks.push(`${labels.notes}\n${parts.notes}`);
  blocks.push(`${labels.summary}\n${parts.summary}`);
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

/** When and where: `Meeting: 2026-11-20 10:00–10:45 (Europe/Stockholm) · Microsoft Teams`, in the note's language. */
function meetingLine(summary: MeetingSummary, timeZone: string, labels: NoteLabels): string {
  const start = formatNoteDateTime(summary.startsAt, timeZone, labels);
  let when = `${start.date}${labels.dateTimeSeparator}${start.time}`;
  if (summary.endsAt !== undefined) {
    const end = formatNoteDateTime(summary.endsAt, timeZone, labels);
    when += end.date === start.date ? `–${end.time}` : ` – ${end.date}${labels.dateTimeSeparator}${end.time}`;
  }
  const details = [`${when} (${timeZone})`, summary.location].filter((detail) => detail !== undefined);
  return `${labels.meeting} ${details.map(oneLine).join(' · ')}`;
}

/**
 * What DCI says about the meeting, each only when sent, values as sent:
 * `Details: sales · video · 45 min · Sentiment: positive · Department: Sales`. Undefined when DCI sent none.
 */
function detailsLine(summary: MeetingSummary, labels: NoteLabels): string | undefined {
  const sentiment = summary.sentiment === undefined ? undefined : `${labels.sentiment} ${summary.sentiment}`;
  const departmentName = summary.department?.name;
  const department = departmentName === undefined ? undefined : `${labels.department} ${departmentName}`;
  const details = [
    summary.conversationType,
    summary.medium,
    formatDuration(summary.durationSeconds, labels),
    sentiment,
    department,
  ]
    .filter((detail): detail is string => detail !== undefined)
    .map(oneLine)
    .filter((detail) => detail !== '');
  return details.length === 0 ? undefined : `${labels.details} ${details.join(' · ')}`;
}

function participantLines(summary: MeetingSummary, labels: NoteLabels): string[] {
  const lines: string[] = [];
  const presenter = summary.presenter;
  if (presenter?.name !== undefined || presenter?.email !== undefined) {
    lines.push(describeAttendee(presenter.name, undefined, presenter.email, ` ${labels.presenter}`));
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

function linkLines(summary: MeetingSummary, labels: NoteLabels): string[] {
  const { session, recording, transcript } = summary.links;
  return [
    session === undefined ? undefined : `- ${labels.sessionInDci} ${session}`,
    recording === undefined ? undefined : `- ${labels.recording} ${recording}`,
    transcript === undefined ? undefined : `- ${labels.transcript} ${transcript}`,
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
