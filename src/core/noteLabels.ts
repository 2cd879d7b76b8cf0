/**
 * The languages a CRM note can be written in (`NOTE_LANGUAGE`, the script's `noteLanguage`). English is the default
 * and the words the notes had before there was a choice.
 */
export const NOTE_LANGUAGES = ['en', 'sv', 'nb', 'da', 'fi'] as const;
export type NoteLanguage = (typeof NOTE_LANGUAGES)[number];
export const DEFAULT_NOTE_LANGUAGE: NoteLanguage = 'en';

/** The languages by name, for the admin pages' select and error messages. */
export const NOTE_LANGUAGE_NAMES: Record<NoteLanguage, string> = {
  en: 'English',
  sv: 'Svenska (Swedish)',
  nb: 'Norsk bokmål (Norwegian)',
  da: 'Dansk (Danish)',
  fi: 'Suomi (Finnish)',
};

export function isNoteLanguage(value: unknown): value is NoteLanguage {
  return typeof value === 'string' && (NOTE_LANGUAGES as readonly string[]).includes(value);
}

/** A wall-clock date and time, as numbers read from `Intl` in the meeting's time zone. */
export interface WallClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
}

/**
 * Every word of a note but its title line and reference line, which stay the same in every language: the title is
 * how users and support recognise our notes (the seed's format), the reference line how we find them again.
 */
export interface NoteLabels {
  meeting: string;
  details: string;
  participants: string;
  links: string;
  notes: string;
  summary: string;
  presenter: string;
  moreParticipants: (count: number) => string;
  sessionInDci: string;
  recording: string;
  transcript: string;
  sentiment: string;
  department: string;
  /** The start of the shortened-markers, before where the full text is: `[summary shortened — full text: <link>]`. */
  summaryShortened: string;
  notesShortened: string;
  /** Where the full text is when there is no link: `[summary shortened — full text in DCI]`. */
  inDci: string;
  /** SuperOffice: the full text went into a document on the person. */
  inDocument: (header: string, on: 'person' | 'company') => string;
  /** SuperOffice: the full text could not be kept (no document template); `link` is the session, when known. */
  onlyInDci: (link: string | undefined) => string;
  /** SuperOffice: the summary document's description. */
  documentDescription: string;
  date: (clock: WallClock) => string;
  time: (clock: WallClock) => string;
  /** Between the date and the time: a space, or the language's word for "at" (Finnish `klo`). */
  dateTimeSeparator: string;
  hours: string;
  minutes: string;
}

const isoDate = (clock: WallClock) => `${clock.year}-${clock.month}-${clock.day}`;
const dottedDate = (clock: WallClock) => `${clock.day}.${clock.month}.${clock.year}`;
const colonTime = (clock: WallClock) => `${clock.hour}:${clock.minute}`;
const dotTime = (clock: WallClock) => `${clock.hour}.${clock.minute}`;

/**
 * The notes' words per language, written as a business user in each country would write them. The date and time
 * forms are each country's everyday business form, checked against Node 20's full ICU (`Intl.DateTimeFormat`) and
 * the language councils' advice [inferred]:
 * - en `2026-03-05 14:30`: the form the notes always had (ISO 8601), so English notes do not change;
 * - sv `2026-03-05 14:30`: ISO dates are the Swedish standard (ICU sv-SE gives exactly this);
 * - nb `05.03.2026 14:30`: ICU nb-NO gives `05.03.2026, 14:30`; Språkrådet accepts the colon in times, and the
 *   comma is left out as in running text;
 * - da `05.03.2026 14.30`: ICU da-DK gives `05.03.2026, 14.30`; Danish writes times with a full stop;
 * - fi `5.3.2026 klo 9.05`: exactly ICU fi-FI; Finnish writes day, month and hour without leading zeros and `klo`
 *   (kello) before a time.
 * Values DCI sends (meeting type, medium, sentiment, department, names) are shown as sent, never translated.
 */
export const NOTE_LABELS: Record<NoteLanguage, NoteLabels> = {
  en: {
    meeting: 'Meeting:',
    details: 'Details:',
    participants: 'Participants:',
    links: 'Links:',
    notes: 'Notes:',
    summary: 'Summary:',
    presenter: '(presenter)',
    moreParticipants: (count) => `… and ${count} more (see the session in DCI)`,
    sessionInDci: 'Session in DCI:',
    recording: 'Recording:',
    transcript: 'Transcript:',
    sentiment: 'Sentiment:',
    department: 'Department:',
    summaryShortened: 'summary shortened — full text',
    notesShortened: 'notes shortened — full text',
    inDci: 'in DCI',
    inDocument: (header, on) => `in the document "${header}" on this ${on}`,
    onlyInDci: (link) =>
      `only in DCI${link === undefined ? '' : ` (${link})`}: not kept in SuperOffice, which has no document template (see Test Integration)`,
    documentDescription: 'The full DCI meeting summary (the follow-up keeps a shortened one).',
    date: isoDate,
    time: colonTime,
    dateTimeSeparator: ' ',
    hours: 'h',
    minutes: 'min',
  },
  sv: {
    meeting: 'Möte:',
    details: 'Detaljer:',
    participants: 'Deltagare:',
    links: 'Länkar:',
    notes: 'Anteckningar:',
    summary: 'Sammanfattning:',
    presenter: '(presentatör)',
    moreParticipants: (count) => `… och ytterligare ${count} (se sessionen i DCI)`,
    sessionInDci: 'Sessionen i DCI:',
    recording: 'Inspelning:',
    transcript: 'Transkription:',
    sentiment: 'Stämning:',
    department: 'Avdelning:',
    summaryShortened: 'sammanfattningen är förkortad — hela texten',
    notesShortened: 'anteckningarna är förkortade — hela texten',
    inDci: 'finns i DCI',
    inDocument: (header, on) =>
      `finns i dokumentet "${header}" ${on === 'person' ? 'på den här personen' : 'på det här företaget'}`,
    onlyInDci: (link) =>
      `finns bara i DCI${link === undefined ? '' : ` (${link})`}: den sparas inte i SuperOffice, som saknar dokumentmall (se Test Integration)`,
    documentDescription: 'Hela mötessammanfattningen från DCI (uppföljningen har en förkortad).',
    date: isoDate,
    time: colonTime,
    dateTimeSeparator: ' ',
    hours: 'tim',
    minutes: 'min',
  },
  nb: {
    meeting: 'Møte:',
    details: 'Detaljer:',
    participants: 'Deltakere:',
    links: 'Lenker:',
    notes: 'Notater:',
    summary: 'Sammendrag:',
    presenter: '(presentatør)',
    moreParticipants: (count) => `… og ${count} til (se økten i DCI)`,
    sessionInDci: 'Økten i DCI:',
    recording: 'Opptak:',
    transcript: 'Transkripsjon:',
    sentiment: 'Stemning:',
    department: 'Avdeling:',
    summaryShortened: 'sammendraget er forkortet — hele teksten',
    notesShortened: 'notatene er forkortet — hele teksten',
    inDci: 'finnes i DCI',
    inDocument: (header, on) =>
      `finnes i dokumentet "${header}" ${on === 'person' ? 'på denne personen' : 'på dette firmaet'}`,
    onlyInDci: (link) =>
      `finnes bare i DCI${link === undefined ? '' : ` (${link})`}: den lagres ikke i SuperOffice, som mangler dokumentmal (se Test Integration)`,
    documentDescription: 'Hele møtesammendraget fra DCI (oppfølgingen har et forkortet).',
    date: dottedDate,
    time: colonTime,
    dateTimeSeparator: ' ',
    hours: 't',
    minutes: 'min',
  },
  da: {
    meeting: 'Møde:',
    details: 'Detaljer:',
    participants: 'Deltagere:',
    // Danish writes "links" (Retskrivningsordbogen has it), like English.
    links: 'Links:',
    notes: 'Noter:',
    summary: 'Resumé:',
    presenter: '(oplægsholder)',
    moreParticipants: (count) => `… og ${count} andre (se sessionen i DCI)`,
    sessionInDci: 'Sessionen i DCI:',
    recording: 'Optagelse:',
    transcript: 'Transskription:',
    sentiment: 'Stemning:',
    department: 'Afdeling:',
    summaryShortened: 'resuméet er forkortet — hele teksten',
    notesShortened: 'noterne er forkortet — hele teksten',
    inDci: 'findes i DCI',
    inDocument: (header, on) =>
      `findes i dokumentet "${header}" ${on === 'person' ? 'på denne person' : 'på denne virksomhed'}`,
    onlyInDci: (link) =>
      `findes kun i DCI${link === undefined ? '' : ` (${link})`}: den gemmes ikke i SuperOffice, som mangler en dokumentskabelon (se Test Integration)`,
    documentDescription: 'Hele mødets resumé fra DCI (opfølgningen har et forkortet).',
    date: dottedDate,
    time: dotTime,
    dateTimeSeparator: ' ',
    hours: 't.',
    minutes: 'min.',
  },
  fi: {
    meeting: 'Kokous:',
    details: 'Lisätiedot:',
    participants: 'Osallistujat:',
    links: 'Linkit:',
    notes: 'Muistiinpanot:',
    summary: 'Yhteenveto:',
    presenter: '(esittäjä)',
    moreParticipants: (count) => `… ja ${count} muuta (katso istunto DCI:ssä)`,
    sessionInDci: 'DCI-istunto:',
    recording: 'Tallenne:',
    transcript: 'Litterointi:',
    sentiment: 'Sävy:',
    department: 'Osasto:',
    summaryShortened: 'yhteenvetoa on lyhennetty — koko teksti',
    notesShortened: 'muistiinpanoja on lyhennetty — koko teksti',
    inDci: 'on DCI:ssä',
    inDocument: (header, on) => `on tämän ${on === 'person' ? 'henkilön' : 'yrityksen'} asiakirjassa "${header}"`,
    onlyInDci: (link) =>
      `on vain DCI:ssä${link === undefined ? '' : ` (${link})`}: sitä ei tallennettu SuperOfficeen, koska asiakirjamallia ei ole (katso Test Integration)`,
    documentDescription: 'Koko DCI-kokousyhteenveto (seurantatehtävässä on lyhennetty versio).',
    date: (clock) => `${Number(clock.day)}.${Number(clock.month)}.${clock.year}`,
    time: (clock) => `${Number(clock.hour)}.${clock.minute}`,
    dateTimeSeparator: ' klo ',
    hours: 'h',
    minutes: 'min',
  },
};

/** The labels of a language; English when none is given. */
export function noteLabels(language: NoteLanguage | undefined): NoteLabels {
  return NOTE_LABELS[language ?? DEFAULT_NOTE_LANGUAGE];
}

/**
 * A duration as the note shows it, rounded to the minute: `32 min`, `1 h 5 min`, `2 h` (Swedish `1 tim 5 min`,
 * Danish `1 t. 5 min.`). Undefined for none, zero or a negative duration: then the details line leaves it out.
 */
export function formatDuration(seconds: number | undefined, labels: NoteLabels): string | undefined {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  const totalMinutes = Math.max(1, Math.round(seconds / 60));
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours === 0) return `${minutes} ${labels.minutes}`;
  return minutes === 0 ? `${hours} ${labels.hours}` : `${hours} ${labels.hours} ${minutes} ${labels.minutes}`;
}
