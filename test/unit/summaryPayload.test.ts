import fc from 'fast-check';
import { MAX_DURATION_SECONDS, MAX_PARTICIPANTS, MAX_SUMMARY_LENGTH, parseSummaryPayload } from '../../src/core';
import { buildParticipant, buildPayload, loadFixture, summaryOf } from '../support/payloads';

const CONVERSATION = '$.data.conversation';

function issuesOf(payload: unknown) {
  const result = parseSummaryPayload(payload);
  if (result.ok) throw new Error('expected the payload to be rejected');
  return result.issues;
}

describe('parseSummaryPayload: what DCI sends', () => {
  it('a real DCI conversation.completed webhook parses unchanged', () => {
    const summary = summaryOf(loadFixture('dci-conversation-completed'));
    expect(summary).toEqual({
      conversationId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      title: 'Discovery call — Acme',
      startsAt: '2026-02-07T09:00:00.000Z',
      endsAt: '2026-02-07T09:30:00.000Z',
      durationSeconds: 1800,
      medium: 'call',
      conversationType: 'sales',
      sentiment: 'positive',
      department: { id: '11111111-0000-0000-0000-000000000001', name: 'B2B Sales' },
      company: 'Acme',
      summary: 'Summary text...',
      links: {},
      presenter: {
        id: '67c869eb-30b1-4eb3-bd2c-be8c912a9827',
        name: 'Erik Lindström',
        email: 'erik.lindstrom@telco-demo.test',
      },
      participants: [{ name: 'Jane Doe', email: 'jane@acme.com', role: 'customer' }],
      eventTimestamp: '2026-02-08T00:00:00.000Z',
      delivery: { id: 'bbbbbbbb-cccc-dddd-eeee-ffffffffffff', tokenPrefix: 'mt_ab12cd34' },
      warnings: [],
    });
  });

  it('every fixture in test/fixtures is a valid payload', () => {
    for (const name of [
      'dci-conversation-completed',
      'meeting-with-colleagues',
      'phone-only-participant',
      'participant-without-contact-data',
      'long-summary',
      'nordic-meeting',
    ]) {
      expect(parseSummaryPayload(loadFixture(name))).toMatchObject({ ok: true });
    }
  });

  it('the extended fields (end time, location, notes, links, names, phones, companies) are kept', () => {
    const summary = summaryOf(loadFixture('meeting-with-colleagues'));
    expect(summary).toMatchObject({
      endsAt: '2026-11-20T09:45:00.000Z',
      location: 'Microsoft Teams',
      notes: 'Lars is the decision maker; Anna owns the budget.',
      links: {
        session: expect.stringContaining('/conversations/7b0c4e2a'),
        recording: expect.stringContaining('/recording'),
        transcript: expect.stringContaining('/transcript'),
      },
      presenter: { name: 'Sara Säljare', email: 'sara.saljare@seller.se', phone: '+46 8 555 010 17' },
    });
    expect(summary.participants[1]).toEqual({
      name: 'Anna Andersson',
      firstName: 'Anna',
      lastName: 'Andersson',
      email: 'anna.andersson@acme.se',
      phone: '070-123 45 67',
      company: 'Acme AB',
      role: 'customer',
    });
    expect(summary.participants[2]).toMatchObject({ mobilePhone: '+46 (0)76 111 22 33' });
  });

  it('unknown fields anywhere are ignored, never rejected, and never reach the summary', () => {
    const payload = buildPayload(
      { participants: [buildParticipant({ linkedin: 'x', __proto__: { admin: true } })], insights: [1, 2] },
      { extra: { nested: true }, version: 3 },
    );
    const summary = summaryOf(payload);
    expect(summary.participants[0]).not.toHaveProperty('linkedin');
    expect(summary).not.toHaveProperty('insights');
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });

  it('a prototype-pollution key in the JSON text does not pollute anything', () => {
    const payload = JSON.parse(
      JSON.stringify(buildPayload()).replace('"title"', '"__proto__":{"polluted":true},"constructor":{"x":1},"title"'),
    ) as unknown;
    const summary = summaryOf(payload);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(summary)).not.toContain('__proto__');
  });

  it('null, blank and absent optional fields all mean "not given"', () => {
    const summary = summaryOf(
      buildPayload({
        company: null,
        notes: '   ',
        department: null,
        location: '',
        url: null,
        user: null,
        participants: null,
        duration: null,
      }),
    );
    expect(summary).toMatchObject({ participants: [], links: {}, warnings: [] });
    for (const field of ['company', 'notes', 'department', 'location', 'presenter', 'durationSeconds', 'endsAt']) {
      expect(summary[field as keyof typeof summary]).toBeUndefined();
    }
  });

  it('text is trimmed and the event time, start and end are normalized to UTC', () => {
    const summary = summaryOf(
      buildPayload(
        { title: '  Offer review  ', date: '2026-11-20T10:00:00+01:00', end_date: '2026-11-20T11:30:00+01:00' },
        { timestamp: '2026-11-20T12:00:00+01:00' },
      ),
    );
    expect(summary).toMatchObject({
      title: 'Offer review',
      startsAt: '2026-11-20T09:00:00.000Z',
      endsAt: '2026-11-20T10:30:00.000Z',
      eventTimestamp: '2026-11-20T11:00:00.000Z',
    });
  });

  it('without end_date the end is the start plus the duration; without either it is unknown', () => {
    expect(summaryOf(buildPayload({ duration: 90 })).endsAt).toBe('2026-11-20T09:01:30.000Z');
    expect(summaryOf(buildPayload({ duration: undefined })).endsAt).toBeUndefined();
  });

  it('ids sent as integers (the old API) are kept as strings', () => {
    const summary = summaryOf(buildPayload({ id: 4711, user: { id: 17, name: 'Sara' } }));
    expect(summary.conversationId).toBe('4711');
    expect(summary.presenter?.id).toBe('17');
  });
});

describe('parseSummaryPayload: what is rejected, and how the sender is told', () => {
  it.each([
    [
      'the event is another one',
      buildPayload({}, { event: 'conversation.created' }),
      '$.event',
      'must be "conversation.completed"',
    ],
    ['the conversation id is missing', buildPayload({ id: undefined }), `${CONVERSATION}.id`, 'is required'],
    ['the conversation id is blank', buildPayload({ id: '  ' }), `${CONVERSATION}.id`, 'must not be empty'],
    [
      'the conversation id has a space',
      buildPayload({ id: 'conv 1' }),
      `${CONVERSATION}.id`,
      'must not contain spaces',
    ],
    ['the title is missing', buildPayload({ title: undefined }), `${CONVERSATION}.title`, 'is required'],
    ['the title is empty', buildPayload({ title: ' ' }), `${CONVERSATION}.title`, 'must not be empty'],
    ['the summary is missing', buildPayload({ summary: undefined }), `${CONVERSATION}.summary`, 'is required'],
    ['the summary is blank', buildPayload({ summary: ' \n ' }), `${CONVERSATION}.summary`, 'must not be empty'],
    ['the summary is not text', buildPayload({ summary: 42 }), `${CONVERSATION}.summary`, 'must be a text string'],
    ['the date is missing', buildPayload({ date: undefined }), `${CONVERSATION}.date`, 'is required'],
    ['the date has no time zone', buildPayload({ date: '2026-11-20T09:00:00' }), `${CONVERSATION}.date`, 'time zone'],
    ['the date is only a day', buildPayload({ date: '2026-11-20' }), `${CONVERSATION}.date`, 'time zone'],
    ['the date is not a date', buildPayload({ date: 'tomorrow' }), `${CONVERSATION}.date`, 'ISO 8601'],
    [
      'the end is before the start',
      buildPayload({ end_date: '2026-11-20T08:00:00Z' }),
      `${CONVERSATION}.end_date`,
      'must not be before date',
    ],
    ['the duration is negative', buildPayload({ duration: -5 }), `${CONVERSATION}.duration`, '0 or more'],
    [
      'the duration is over a week',
      buildPayload({ duration: MAX_DURATION_SECONDS + 1 }),
      `${CONVERSATION}.duration`,
      'at most',
    ],
    [
      'the duration is text',
      buildPayload({ duration: '45m' }),
      `${CONVERSATION}.duration`,
      'must be a number, not a text string',
    ],
    [
      'participants is not a list',
      buildPayload({ participants: { name: 'x' } }),
      `${CONVERSATION}.participants`,
      'must be an array, not an object',
    ],
    [
      'a participant is not an object',
      buildPayload({ participants: ['anna@acme.se'] }),
      `${CONVERSATION}.participants[0]`,
      'must be an object',
    ],
    [
      'a participant email is a number',
      buildPayload({ participants: [{ email: 5 }] }),
      `${CONVERSATION}.participants[0].email`,
      'must be a text string, not a number',
    ],
    ['data is missing', { event: 'conversation.completed' }, '$.data', 'is required'],
    [
      'the conversation is null',
      { event: 'conversation.completed', data: { conversation: null } },
      `${CONVERSATION}`,
      'must be an object, not null',
    ],
  ])('rejected when %s, with the path and a plain message', (_case, payload, path, message) => {
    expect(issuesOf(payload)).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it.each([null, 42, 'text', [], true])('a body that is not an object (%p) is rejected at the root', (payload) => {
    expect(issuesOf(payload)).toEqual([
      { path: '$', message: expect.stringMatching(/^(must be an object|is required)/) },
    ]);
  });

  it('every problem is reported at once, not only the first', () => {
    const issues = issuesOf(buildPayload({ title: '', summary: '', date: 'x' }));
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      [`${CONVERSATION}.date`, `${CONVERSATION}.summary`, `${CONVERSATION}.title`].sort(),
    );
  });

  it(`more than ${MAX_PARTICIPANTS} participants are rejected`, () => {
    const participants = Array.from({ length: MAX_PARTICIPANTS + 1 }, (_, i) =>
      buildParticipant({ email: `p${i}@acme.se` }),
    );
    expect(issuesOf(buildPayload({ participants }))).toEqual([
      { path: `${CONVERSATION}.participants`, message: `must list at most ${MAX_PARTICIPANTS} participants` },
    ]);
    expect(parseSummaryPayload(buildPayload({ participants: participants.slice(1) })).ok).toBe(true);
  });

  it('over-long text fields are rejected with their limit', () => {
    expect(issuesOf(buildPayload({ title: 'x'.repeat(1001) }))).toEqual([
      { path: `${CONVERSATION}.title`, message: 'must be at most 1000 characters' },
    ]);
  });

  it('issues never quote the value that was sent (they are safe to log)', () => {
    const secret = 'anna.secret@acme.se';
    const issues = issuesOf(
      buildPayload({ title: 7, date: secret, participants: [{ email: 5, phone: secret.length }] }),
    );
    expect(JSON.stringify(issues)).not.toContain(secret);
  });
});

describe('parseSummaryPayload: unusable optional data is left out with a warning, the meeting still goes through', () => {
  it('a malformed participant e-mail is dropped with a warning; the participant stays, matchable by phone', () => {
    const summary = summaryOf(
      buildPayload({ participants: [buildParticipant({ email: 'anna@acme', phone: '0701234567' })] }),
    );
    expect(summary.participants[0]).toMatchObject({ phone: '0701234567' });
    expect(summary.participants[0]?.email).toBeUndefined();
    expect(summary.warnings).toEqual([
      {
        path: `${CONVERSATION}.participants[0].email`,
        message: 'is not a valid e-mail address; the participant can only be matched by phone',
      },
    ]);
  });

  it('e-mails are normalized (trimmed, lower-case)', () => {
    const summary = summaryOf(
      buildPayload({ participants: [buildParticipant({ email: ' Anna.Andersson@ACME.se ' })] }),
    );
    expect(summary.participants[0]?.email).toBe('anna.andersson@acme.se');
  });

  it('a malformed presenter e-mail is dropped with a warning', () => {
    const summary = summaryOf(buildPayload({ user: { name: 'Sara', email: 'sara(at)seller.se' } }));
    expect(summary.presenter).toEqual({ name: 'Sara' });
    expect(summary.warnings).toEqual([
      { path: `${CONVERSATION}.user.email`, message: expect.stringContaining('presenter') },
    ]);
  });

  it.each(['javascript:alert(1)', 'ftp://files.acme.se/x', 'not a link', 'https://'])(
    'a link that is not http(s) (%s) is left out of the note with a warning',
    (url) => {
      const summary = summaryOf(buildPayload({ recording_url: url }));
      expect(summary.links.recording).toBeUndefined();
      expect(summary.warnings).toEqual([
        { path: `${CONVERSATION}.recording_url`, message: 'is not an http(s) link; it is left out of the note' },
      ]);
    },
  );
});

describe('parseSummaryPayload: control characters are cleaned at the contract, so nothing downstream sees them', () => {
  it('one-line fields: every run of line breaks and control characters becomes one space', () => {
    const summary = summaryOf(
      buildPayload({
        title: 'Offer\r\nreview\u0000— Acme\u2028',
        location: 'Room\u00851',
        participants: [buildParticipant({ name: 'Anna\u001b[2J Andersson\n', company: 'Acme\u2029AB' })],
      }),
    );
    expect(summary.title).toBe('Offer review — Acme');
    expect(summary.location).toBe('Room 1');
    expect(summary.participants[0]).toMatchObject({ name: 'Anna [2J Andersson', company: 'Acme AB' });
  });

  it('the summary and notes keep their lines and tabs but lose NUL and other controls', () => {
    const summary = summaryOf(buildPayload({ summary: 'Line 1\r\nLine\t2\u0000\u0007', notes: 'a\u0000\nb' }));
    expect(summary.summary).toBe('Line 1\r\nLine\t2');
    expect(summary.notes).toBe('a\nb');
  });

  it('lone surrogates become U+FFFD, so every store and CRM keeps the same text', () => {
    expect(summaryOf(buildPayload({ title: 'A\ud800B\udfffC 😀' })).title).toBe('A\ufffdB\ufffdC 😀');
  });

  it('a title of nothing but control characters is empty', () => {
    expect(issuesOf(buildPayload({ title: '\u0000\r\n' }))).toEqual([
      { path: `${CONVERSATION}.title`, message: 'must not be empty' },
    ]);
  });

  it.each(['conv\u00001', 'conv\u00851', 'conv\u202e1', 'conv\u200b1', 'conv\ud8001', 'conv 1'])(
    'a conversation id with white space, a control or an invisible character (%j) is rejected',
    (id) => {
      expect(issuesOf(buildPayload({ id }))).toEqual([
        { path: `${CONVERSATION}.id`, message: 'must not contain spaces, line breaks or control characters' },
      ]);
    },
  );

  it(`a summary longer than ${MAX_SUMMARY_LENGTH} characters is rejected with its limit`, () => {
    expect(issuesOf(buildPayload({ summary: 'x'.repeat(MAX_SUMMARY_LENGTH + 1) }))).toEqual([
      { path: `${CONVERSATION}.summary`, message: `must be at most ${MAX_SUMMARY_LENGTH} characters` },
    ]);
  });

  it('no cleaned one-line field of an accepted payload holds a control character or line separator', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), (text) => {
        const result = parseSummaryPayload(buildPayload({ title: `t${text}`, participants: [{ name: text }] }));
        if (!result.ok) return;
        for (const value of [result.summary.title, result.summary.participants[0]?.name ?? '']) {
          expect(value).not.toMatch(/[\p{Cc}\p{Cs}\u2028\u2029]/u);
        }
      }),
    );
  });
});

describe('parseSummaryPayload: never throws', () => {
  it('arbitrary JSON values give a result, never an exception', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseSummaryPayload(value);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });

  it('a valid payload with fields replaced by arbitrary JSON gives a result, never an exception', () => {
    const fields = [
      'id',
      'title',
      'date',
      'end_date',
      'duration',
      'summary',
      'user',
      'participants',
      'url',
      'department',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.jsonValue(), (field, value) => {
        const result = parseSummaryPayload(buildPayload({ [field]: value }));
        if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
      }),
    );
  });
});
