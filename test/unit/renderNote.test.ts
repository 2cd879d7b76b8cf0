import fc from 'fast-check';
import {
  DEFAULT_NOTE_MAX_LENGTH,
  findConversationReference,
  NOTE_LABELS,
  NOTE_LANGUAGES,
  formatMeetingTime,
  isValidTimeZone,
  referenceLine,
  renderNote,
} from '../../src/core';
import { buildParticipant, buildSummary, loadFixture, summaryOf } from '../support/payloads';

describe('renderNote: what the CRM note says', () => {
  const summary = summaryOf(loadFixture('meeting-with-colleagues'));

  it('the title line is exactly the seed format, in Stockholm time by default', () => {
    expect(renderNote(summary).title).toBe(
      'Conversation Summary | Sara Säljare | Offer review — Acme | 2026-11-20 10:00',
    );
  });

  it('the title line follows the configured time zone, daylight saving included', () => {
    const summer = buildSummary({ date: '2026-07-01T09:00:00Z' });
    expect(renderNote(summer).title).toMatch(/\| 2026-07-01 11:00$/);
    expect(renderNote(summer, { timeZone: 'Europe/London' }).title).toMatch(/\| 2026-07-01 10:00$/);
    expect(renderNote(summer, { timeZone: 'UTC' }).title).toMatch(/\| 2026-07-01 09:00$/);
  });

  it('the whole note: title, meeting, details, participants, links, manual notes, full summary, reference', () => {
    expect(renderNote(summary)).toEqual({
      title: 'Conversation Summary | Sara Säljare | Offer review — Acme | 2026-11-20 10:00',
      shortened: [],
      text: [
        'Conversation Summary | Sara Säljare | Offer review — Acme | 2026-11-20 10:00',
        '',
        'Meeting: 2026-11-20 10:00–10:45 (Europe/Stockholm) · Microsoft Teams',
        'Details: sales · video · 45 min · Sentiment: positive · Department: Enterprise Sales',
        '',
        'Participants:',
        '- Sara Säljare, sara.saljare@seller.se (presenter)',
        '- Anna Andersson, Acme AB, anna.andersson@acme.se',
        '- Lars Öberg, Acme AB, lars.oberg@acme.se',
        '- Johan Teknik, johan@sales.seller.se',
        '- Maja Kollega, maja@seller-partner.se',
        '',
        'Links:',
        '- Session in DCI: https://app.dstny.example/conversations/7b0c4e2a-5d1f-4c3b-9a8e-2f6d1c0b9a71',
        '- Recording: https://app.dstny.example/conversations/7b0c4e2a-5d1f-4c3b-9a8e-2f6d1c0b9a71/recording',
        '- Transcript: https://app.dstny.example/conversations/7b0c4e2a-5d1f-4c3b-9a8e-2f6d1c0b9a71/transcript',
        '',
        'Notes:',
        'Lars is the decision maker; Anna owns the budget.',
        '',
        'Summary:',
        summary.summary,
        '',
        'DCI reference: dci-conversation:7b0c4e2a-5d1f-4c3b-9a8e-2f6d1c0b9a71',
      ].join('\n'),
    });
  });

  it('a meeting without optional data renders only what it has', () => {
    const minimal = buildSummary({ user: undefined, participants: [], duration: undefined, medium: undefined });
    expect(renderNote(minimal).text).toBe(
      [
        `Conversation Summary | Unknown presenter | Offer review — Acme | 2026-11-20 10:00`,
        '',
        'Meeting: 2026-11-20 10:00 (Europe/Stockholm)',
        '',
        'Summary:',
        minimal.summary,
        '',
        referenceLine(minimal.conversationId),
      ].join('\n'),
    );
  });

  it('the presenter falls back to their e-mail; a meeting over midnight shows both dates', () => {
    const late = buildSummary({
      user: { email: 'sara@seller.se' },
      date: '2026-11-20T22:30:00Z',
      end_date: '2026-11-21T00:15:00Z',
    });
    const note = renderNote(late);
    expect(note.title).toBe('Conversation Summary | sara@seller.se | Offer review — Acme | 2026-11-20 23:30');
    expect(note.text).toContain('Meeting: 2026-11-20 23:30 – 2026-11-21 01:15 (Europe/Stockholm)\n');
  });

  it('line breaks in names and titles cannot break the one-line title or add lines to the list', () => {
    const note = renderNote(
      buildSummary({
        title: 'Offer\r\nreview',
        user: { name: 'Sara\nSäljare' },
        participants: [buildParticipant({ name: 'Anna\n- Fake Person' })],
      }),
    );
    expect(note.title).toBe('Conversation Summary | Sara Säljare | Offer review | 2026-11-20 10:00');
    expect(note.text).toContain('- Anna - Fake Person, Acme AB, anna@acme.se\n');
  });

  it('the summary is plain text: line ends unified, control characters removed', () => {
    const note = renderNote(buildSummary({ summary: 'Line one\r\nLine two\rLine three\u0007\u0000 end\ttab' }));
    expect(note.text).toContain('Summary:\nLine one\nLine two\nLine three end\ttab\n');
  });

  it('the same participant e-mail is listed once, the presenter first', () => {
    const note = renderNote(
      buildSummary({
        participants: [
          buildParticipant({ email: 'sara@seller.se', name: 'Sara' }),
          buildParticipant(),
          buildParticipant({ email: 'ANNA@acme.se' }),
          { role: 'customer' },
        ],
      }),
    );
    expect(note.text.match(/^- /gmu)).toHaveLength(2);
  });

  it('the title can be left out of the text, for CRMs with a title field of their own', () => {
    const note = renderNote(summary, { titleInText: false });
    expect(note.text.startsWith('Meeting: ')).toBe(true);
    expect(note.text).not.toContain('Conversation Summary |');
  });

  it('the reference line finds the conversation again, and only in our own notes', () => {
    expect(findConversationReference(renderNote(summary).text)).toBe(summary.conversationId);
    expect(findConversationReference('A note a person wrote about dci-conversation:x')).toBeUndefined();
  });
});

describe('renderNote: long summaries', () => {
  const long = summaryOf(loadFixture('long-summary'));

  it('a 12,000-character summary is shortened to fit 4000 characters, with a visible marker and link', () => {
    const note = renderNote(long);
    expect(long.summary).toHaveLength(12_000);
    expect(note.text.length).toBeLessThanOrEqual(DEFAULT_NOTE_MAX_LENGTH);
    expect(note.text.length).toBeGreaterThan(DEFAULT_NOTE_MAX_LENGTH - 120);
    expect(note.shortened).toEqual(['summary']);
    expect(note.text).toContain(
      `…\n[summary shortened — full text: ${long.links.session}]\n\n${referenceLine(long.conversationId)}`,
    );
  });

  it('only the summary is shortened: title, participants, links, notes and reference are whole', () => {
    const full = renderNote(long, { maxLength: 100_000 }).text;
    const short = renderNote(long).text;
    const beforeSummary = full.slice(0, full.indexOf('Summary:\n'));
    expect(short.startsWith(beforeSummary)).toBe(true);
    expect(short.endsWith(referenceLine(long.conversationId))).toBe(true);
  });

  it('the summary is cut at a word boundary', () => {
    const note = renderNote(long);
    const kept = note.text.slice(
      note.text.indexOf('Summary:\n') + 'Summary:\n'.length,
      note.text.indexOf(' …\n[summary'),
    );
    expect(long.summary.startsWith(kept)).toBe(true);
    expect(long.summary.charAt(kept.length)).toMatch(/\s/);
  });

  it('without a session link the marker points at the transcript, else says "in DCI"', () => {
    const noSession = { ...long, links: { transcript: 'https://dci.example/t/1' } };
    expect(renderNote(noSession).text).toContain('[summary shortened — full text: https://dci.example/t/1]');
    expect(renderNote({ ...long, links: {} }).text).toContain('[summary shortened — full text in DCI]');
  });

  it('a summary that fits exactly is not shortened', () => {
    const text = renderNote(long, { maxLength: 100_000 }).text;
    expect(renderNote(long, { maxLength: text.length }).shortened).toEqual([]);
    expect(renderNote(long, { maxLength: text.length - 1 }).shortened).toEqual(['summary']);
  });

  it('never splits an emoji (a surrogate pair) in half', () => {
    const emoji = buildSummary({ summary: '😀'.repeat(5000) });
    const note = renderNote(emoji, { maxLength: 1000 });
    expect(note.text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/u);
    expect(note.text.length).toBeLessThanOrEqual(1000);
  });

  it('when the fixed parts alone do not fit, notes and then participants give way, and the limit still holds', () => {
    const participants = Array.from({ length: 120 }, (_, i) =>
      buildParticipant({ name: `Participant ${i}`, email: `participant.${i}@acme.se` }),
    );
    const webinar = buildSummary({ participants, notes: 'n '.repeat(3000) });
    const note = renderNote(webinar);
    expect(note.text.length).toBeLessThanOrEqual(DEFAULT_NOTE_MAX_LENGTH);
    expect(note.shortened).toEqual(['summary', 'notes', 'participants']);
    expect(note.text).toMatch(/- … and \d+ more \(see the session in DCI\)/u);
    expect(note.text.endsWith(referenceLine(webinar.conversationId))).toBe(true);
  });

  it('the note never exceeds the limit, whatever the content, in every language, details line and all', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20_000 }),
        fc.option(fc.string({ maxLength: 5000 }), { nil: undefined }),
        fc.array(fc.string({ maxLength: 80 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 6000 }),
        fc.constantFrom(...NOTE_LANGUAGES),
        fc.boolean(),
        (text, notes, names, maxLength, language, withDetails) => {
          const details = withDetails
            ? {
                conversation_type: `c${text.slice(0, 100)}`,
                medium: `m${text.slice(0, 100)}`,
                duration: 3_600 * 24,
                sentiment: `s${text.slice(0, 100)}`,
                department: { id: '1', name: `d${text.slice(0, 300)}` },
              }
            : {};
          const summary = buildSummary({
            summary: `x${text}`,
            notes,
            title: `t${text.slice(0, 900)}`,
            participants: names.map((name) => ({ name })),
            ...details,
          });
          const note = renderNote(summary, { maxLength, language });
          expect(note.text.length).toBeLessThanOrEqual(Math.max(maxLength, 200));
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each(NOTE_LANGUAGES)(
    'in %s, a long summary is shortened with the marker in that language and the details line kept whole',
    (language) => {
      const labels = NOTE_LABELS[language];
      const note = renderNote(long, { language });
      expect(note.text.length).toBeLessThanOrEqual(DEFAULT_NOTE_MAX_LENGTH);
      expect(note.shortened).toEqual(['summary']);
      expect(note.text).toContain(`…\n[${labels.summaryShortened}: ${long.links.session}]\n\n`);
      const whole = renderNote(long, { language, maxLength: 100_000 }).text;
      const detailsLine = whole.split('\n').find((line) => line.startsWith(labels.details));
      expect(detailsLine).toBeDefined();
      expect(note.text).toContain(`${String(detailsLine)}\n`);
      expect(note.text.endsWith(referenceLine(long.conversationId))).toBe(true);
    },
  );
});

describe('formatMeetingTime', () => {
  it.each([
    ['2026-03-29T00:59:00Z', 'Europe/Stockholm', '2026-03-29 01:59'],
    ['2026-03-29T01:00:00Z', 'Europe/Stockholm', '2026-03-29 03:00'],
    ['2026-10-25T00:30:00Z', 'Europe/Stockholm', '2026-10-25 02:30'],
    ['2026-10-25T01:30:00Z', 'Europe/Stockholm', '2026-10-25 02:30'],
    ['2026-11-20T23:30:00Z', 'Europe/Helsinki', '2026-11-21 01:30'],
    ['2026-11-20T00:05:00Z', 'UTC', '2026-11-20 00:05'],
  ])('%s in %s is %s', (instant, zone, expected) => {
    expect(formatMeetingTime(instant, zone)).toBe(expected);
  });

  it('unknown time zones are detected, so configuration can reject them', () => {
    expect(isValidTimeZone('Europe/Stockholm')).toBe(true);
    expect(isValidTimeZone('Europe/Gothenburg')).toBe(false);
    expect(() => renderNote(buildSummary(), { timeZone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});
