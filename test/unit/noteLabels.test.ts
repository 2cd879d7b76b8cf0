import {
  findConversationReference,
  formatDuration,
  formatNoteDateTime,
  isNoteLanguage,
  NOTE_LABELS,
  NOTE_LANGUAGES,
  referenceLine,
  renderNote,
  type NoteLabels,
  type NoteLanguage,
  type WallClock,
} from '../../src/core';
import { buildPayload, buildSummary, loadFixture, summaryOf } from '../support/payloads';

/**
 * Labels that are rightly the same word as in English, per language. Anything else equal to the English label is a
 * translation forgotten.
 */
const SAME_AS_ENGLISH: Record<Exclude<NoteLanguage, 'en'>, ReadonlyArray<keyof NoteLabels>> = {
  sv: ['minutes', 'date', 'time', 'dateTimeSeparator'],
  nb: ['minutes', 'time', 'dateTimeSeparator'],
  da: ['links', 'dateTimeSeparator'],
  fi: ['hours', 'minutes'],
};

const clock: WallClock = { year: '2026', month: '03', day: '05', hour: '09', minute: '05' };

/** A label's words: the string itself, or what the function says for sample arguments. */
function sample(labels: NoteLabels, key: keyof NoteLabels): string {
  const label = labels[key];
  if (typeof label === 'string') return label;
  switch (key) {
    case 'moreParticipants':
      return labels.moreParticipants(7);
    case 'inDocument':
      return `${labels.inDocument('Header', 'person')} ${labels.inDocument('Header', 'company')}`;
    case 'onlyInDci':
      return `${labels.onlyInDci(undefined)} ${labels.onlyInDci('https://dci.example/s/1')}`;
    case 'date':
      return labels.date(clock);
    case 'time':
      return labels.time(clock);
    default:
      throw new Error(`no sample for the label ${key}`);
  }
}

describe('note labels: every language says everything, in its own words', () => {
  const englishKeys = Object.keys(NOTE_LABELS.en).sort();

  it.each(NOTE_LANGUAGES)('%s has every label, none of them empty', (language) => {
    const labels = NOTE_LABELS[language];
    expect(Object.keys(labels).sort()).toEqual(englishKeys);
    for (const key of englishKeys as Array<keyof NoteLabels>) {
      // The separator between date and time may be a bare space; every other label has words.
      const words = key === 'dateTimeSeparator' ? sample(labels, key) : sample(labels, key).trim();
      expect({ key, words }).not.toEqual({ key, words: '' });
    }
  });

  it.each(NOTE_LANGUAGES.filter((language) => language !== 'en'))(
    '%s keeps no English label by mistake',
    (language) => {
      const labels = NOTE_LABELS[language];
      const same = (englishKeys as Array<keyof NoteLabels>).filter(
        (key) => sample(labels, key) === sample(NOTE_LABELS.en, key),
      );
      expect(same.sort()).toEqual([...SAME_AS_ENGLISH[language as Exclude<NoteLanguage, 'en'>]].sort());
    },
  );

  it('a note in each language has no English label line left', () => {
    const summary = summaryOf(loadFixture('meeting-with-colleagues'));
    const englishHeadings = ['Meeting:', 'Details:', 'Participants:', 'Notes:', 'Summary:', '(presenter)'];
    for (const language of NOTE_LANGUAGES.filter((one) => one !== 'en')) {
      const text = renderNote(summary, { language }).text;
      for (const heading of englishHeadings)
        expect({ language, heading, found: text.includes(heading) }).toEqual({
          language,
          heading,
          found: false,
        });
    }
  });

  it('only the five languages are accepted', () => {
    expect(NOTE_LANGUAGES.every((language) => isNoteLanguage(language))).toBe(true);
    expect(isNoteLanguage('se')).toBe(false);
    expect(isNoteLanguage('no')).toBe(false);
    expect(isNoteLanguage('EN')).toBe(false);
    expect(isNoteLanguage(undefined)).toBe(false);
  });
});

describe("note dates and times: each country's business form", () => {
  it.each([
    ['en', '2026-03-05 14:30'],
    ['sv', '2026-03-05 14:30'],
    ['nb', '05.03.2026 14:30'],
    ['da', '05.03.2026 14.30'],
    ['fi', '5.3.2026 klo 14.30'],
  ] as const)('%s writes 14:30 on 5 March 2026 (Stockholm) as %s', (language, expected) => {
    const labels = NOTE_LABELS[language];
    const { date, time } = formatNoteDateTime('2026-03-05T13:30:00Z', 'Europe/Stockholm', labels);
    expect(`${date}${labels.dateTimeSeparator}${time}`).toBe(expected);
  });

  it.each([
    ['en', 'Meeting: 2026-11-20 23:30 – 2026-11-21 01:15 (Europe/Stockholm)'],
    ['sv', 'Möte: 2026-11-20 23:30 – 2026-11-21 01:15 (Europe/Stockholm)'],
    ['nb', 'Møte: 20.11.2026 23:30 – 21.11.2026 01:15 (Europe/Stockholm)'],
    ['da', 'Møde: 20.11.2026 23.30 – 21.11.2026 01.15 (Europe/Stockholm)'],
    ['fi', 'Kokous: 20.11.2026 klo 23.30 – 21.11.2026 klo 1.15 (Europe/Stockholm)'],
  ] as const)('%s: a meeting over midnight shows both dates: %s', (language, expected) => {
    const late = buildSummary({ date: '2026-11-20T22:30:00Z', end_date: '2026-11-21T00:15:00Z' });
    expect(renderNote(late, { language }).text.split('\n')).toContain(expected);
  });

  it.each([
    ['en', 'Meeting: 2026-03-05 09:05–09:50 (Europe/Stockholm)'],
    ['fi', 'Kokous: 5.3.2026 klo 9.05–9.50 (Europe/Stockholm)'],
    ['da', 'Møde: 05.03.2026 09.05–09.50 (Europe/Stockholm)'],
  ] as const)('%s: a meeting within a day shows the date once: %s', (language, expected) => {
    const morning = buildSummary({ date: '2026-03-05T08:05:00Z', end_date: '2026-03-05T08:50:00Z' });
    expect(renderNote(morning, { language }).text.split('\n')).toContain(expected);
  });

  it('the title line keeps the seed format, and the reference line is the same, in every language', () => {
    const summary = summaryOf(loadFixture('meeting-with-colleagues'));
    for (const language of NOTE_LANGUAGES) {
      const note = renderNote(summary, { language });
      expect(note.title).toBe('Conversation Summary | Sara Säljare | Offer review — Acme | 2026-11-20 10:00');
      expect(note.text.split('\n')[0]).toBe(note.title);
      expect(note.text.endsWith(`\n${referenceLine(summary.conversationId)}`)).toBe(true);
      expect(findConversationReference(note.text)).toBe(summary.conversationId);
    }
  });
});

describe('the details line: what DCI says about the meeting', () => {
  const details = (conversation: Record<string, unknown>, language: NoteLanguage = 'en') =>
    renderNote(buildSummary({ medium: undefined, duration: undefined, ...conversation }), { language })
      .text.split('\n')
      .filter((line) => line.startsWith(NOTE_LABELS[language].details));

  it('with every field: type, medium, duration, sentiment and department, values as DCI sent them', () => {
    expect(
      details({
        conversation_type: 'Sales call',
        medium: 'Phone',
        duration: 1920,
        sentiment: 'positive',
        department: { id: '7', name: 'Sales' },
      }),
    ).toEqual(['Details: Sales call · Phone · 32 min · Sentiment: positive · Department: Sales']);
  });

  it('in Swedish, the labels and units are Swedish and the values still as sent', () => {
    expect(
      details(
        {
          conversation_type: 'Sales call',
          medium: 'Phone',
          duration: 3900,
          sentiment: 'positive',
          department: { name: 'Sälj' },
        },
        'sv',
      ),
    ).toEqual(['Detaljer: Sales call · Phone · 1 tim 5 min · Stämning: positive · Avdelning: Sälj']);
  });

  it('with some fields, only those', () => {
    expect(details({ duration: 300, sentiment: 'neutral' })).toEqual(['Details: 5 min · Sentiment: neutral']);
    expect(details({ department: { id: '3' } })).toEqual([]);
    expect(details({ medium: 'video' }, 'fi')).toEqual(['Lisätiedot: video']);
  });

  it('with none, no line at all', () => {
    const text = renderNote(buildSummary({ medium: undefined, duration: undefined })).text;
    expect(text).not.toContain('Details');
    expect(text.split('\n')[2]).toMatch(/^Meeting: /u);
    expect(text.split('\n')[3]).toBe('');
  });

  it('a details value with line breaks stays on the one line', () => {
    expect(details({ conversation_type: 'Sales\ncall', medium: ' ' })).toEqual(['Details: Sales call']);
  });

  it('the details line sits under the meeting line', () => {
    const payload = buildPayload({ medium: 'video', duration: 2700 });
    const lines = renderNote(summaryOf(payload), { language: 'nb' }).text.split('\n');
    const meeting = lines.findIndex((line) => line.startsWith('Møte: '));
    expect(lines[meeting + 1]).toBe('Detaljer: video · 45 min');
  });
});

describe('durations, rounded to the minute', () => {
  it.each([
    [1920, 'en', '32 min'],
    [3900, 'en', '1 h 5 min'],
    [7200, 'en', '2 h'],
    [20, 'en', '1 min'],
    [3900, 'sv', '1 tim 5 min'],
    [3900, 'nb', '1 t 5 min'],
    [3900, 'da', '1 t. 5 min.'],
    [3900, 'fi', '1 h 5 min'],
    [3599, 'en', '1 h'],
  ] as const)('%i seconds in %s: %s', (seconds, language, expected) => {
    expect(formatDuration(seconds, NOTE_LABELS[language])).toBe(expected);
  });

  it('no, zero or a nonsensical duration is left out', () => {
    for (const seconds of [undefined, 0, -5, Number.NaN])
      expect(formatDuration(seconds, NOTE_LABELS.en)).toBeUndefined();
  });
});
