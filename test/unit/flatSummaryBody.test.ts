import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  FLAT_FIELD_ALIASES,
  FLAT_PARTICIPANT_ALIASES,
  FLAT_PRESENTER_ALIASES,
  parseFlatSummaryBody,
  readSummaryBody,
  type MeetingSummary,
} from '../../src/core';
import { buildPayload, summaryOf } from '../support/payloads';

/** The flat body our guess says DCI's SuperOffice push may be: the help article's fields, at the top level. */
function flatBody(fields: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    conversation_id: '7b0c4e2a-5d1f-4c3b-9a8e-2f6d1c0b9a71',
    meeting_name: 'Offer review — Acme',
    summary: 'Acme wants a three-year term.',
    start_date: '2026-11-20T09:00:00.000Z',
    end_date: '2026-11-20T09:45:00.000Z',
    meeting_type: 'video',
    presenter_email: 'sara@seller.se',
    participant_emails: ['anna.andersson@acme.se', 'sara@seller.se'],
    recording_url: 'https://app.dci.example/recording/7b0c4e2a',
    location: 'Microsoft Teams',
    ...fields,
  };
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body;
}

function flatSummary(body: Record<string, unknown>): MeetingSummary {
  const result = parseFlatSummaryBody(body);
  if (!result.ok) throw new Error(`expected a readable body, got ${JSON.stringify(result.issues)}`);
  return result.summary;
}

function flatIssues(body: Record<string, unknown>) {
  const result = parseFlatSummaryBody(body);
  if (result.ok) throw new Error('expected the body to be refused');
  return result.issues;
}

/** What matters for the CRM: everything but the delivery metadata, which only the envelope has. */
const meetingOf = ({ delivery: _delivery, eventTimestamp: _timestamp, ...meeting }: MeetingSummary) => meeting;

describe('a flat summary body reads into the same meeting as the webhook envelope', () => {
  it('the help article’s fields under their likely names give the envelope’s summary', () => {
    const envelope = summaryOf(
      buildPayload({
        id: '7b0c4e2a-5d1f-4c3b-9a8e-2f6d1c0b9a71',
        title: 'Offer review — Acme',
        summary: 'Acme wants a three-year term.',
        date: '2026-11-20T09:00:00.000Z',
        end_date: '2026-11-20T09:45:00.000Z',
        duration: undefined,
        medium: 'video',
        user: { email: 'sara@seller.se' },
        participants: [{ email: 'anna.andersson@acme.se' }, { email: 'sara@seller.se' }],
        recording_url: 'https://app.dci.example/recording/7b0c4e2a',
        location: 'Microsoft Teams',
      }),
    );
    expect(meetingOf(flatSummary(flatBody()))).toEqual(meetingOf(envelope));
  });

  it.each([
    ['name', { meeting_name: undefined, name: 'Offer review — Acme' }],
    [
      'start/end',
      { start_date: undefined, end_date: undefined, start: '2026-11-20T09:00:00Z', end: '2026-11-20T09:45:00Z' },
    ],
    [
      'participants as strings',
      { participant_emails: undefined, participants: ['anna.andersson@acme.se', 'sara@seller.se'] },
    ],
    [
      'participants as objects',
      {
        participant_emails: undefined,
        participants: [{ email: 'anna.andersson@acme.se' }, { email: 'sara@seller.se' }],
      },
    ],
    ['participants in one string', { participant_emails: 'anna.andersson@acme.se; sara@seller.se' }],
    ['a presenter object', { presenter_email: undefined, presenter: { email: 'sara@seller.se' } }],
    [
      'the webhook’s own names',
      {
        meeting_name: undefined,
        title: 'Offer review — Acme',
        start_date: undefined,
        date: '2026-11-20T10:00:00+01:00',
        meeting_type: undefined,
        medium: 'video',
      },
    ],
    ['unix seconds', { start_date: 1795165200, end_date: 1795167900 }],
  ])('aliases: %s', (_label, fields) => {
    expect(meetingOf(flatSummary(flatBody(fields)))).toEqual(meetingOf(flatSummary(flatBody())));
  });

  it('"Name <address>" participants keep the name, and a bad address is a warning at the flat key', () => {
    const summary = flatSummary(
      flatBody({ participant_emails: ['Anna Andersson <anna.andersson@acme.se>', 'not-an-address'] }),
    );
    expect(summary.participants[0]).toMatchObject({ name: 'Anna Andersson', email: 'anna.andersson@acme.se' });
    expect(summary.warnings).toEqual([{ path: '$.participant_emails[1]', message: expect.stringContaining('e-mail') }]);
  });

  it.each([
    ['Anna Andersson <anna@acme.se>', { name: 'Anna Andersson', email: 'anna@acme.se' }],
    ['  "Anna Andersson"  <anna@acme.se>  ', { name: 'Anna Andersson', email: 'anna@acme.se' }],
    ['<anna@acme.se>', { email: 'anna@acme.se' }],
    ['"" <anna@acme.se>', { email: 'anna@acme.se' }],
  ])('the participant string %j reads as %j', (text, participant) => {
    expect(flatSummary(flatBody({ participant_emails: [text] })).participants[0]).toMatchObject(participant);
  });

  it.each([['"Anna" Andersson <anna@acme.se>'], ['Anna <Andersson> <anna@acme.se>'], ['Anna <>'], ['Anna <a>b>']])(
    'the participant string %j is not a "Name <address>": kept whole as the address (a warning)',
    (text) => {
      const summary = flatSummary(flatBody({ participant_emails: [text, 'sara@seller.se'] }));
      expect(summary.warnings).toEqual([
        { path: '$.participant_emails[0]', message: expect.stringContaining('e-mail') },
      ]);
    },
  );

  // Found by the SuperOffice script's fuzz test in CI: a long run of spaces made the old regular expression backtrack
  // for minutes. Each of these reads at once; with the old expression this test does not finish (a synchronous
  // expression cannot be stopped by jest's time limit), so a regression shows as a hung suite, named by --verbose.
  it.each([
    ['spaces', ' '.repeat(20_000)],
    ['a quote and spaces', `"${' '.repeat(20_000)}`],
    ['spaces and a bracket', `${' '.repeat(20_000)}<`],
    ['a name of spaces before an address', `${' '.repeat(20_000)}<anna@acme.se>`],
  ])('a participant string of %s reads without backtracking', (_what, text) => {
    const result = parseFlatSummaryBody(flatBody({ participant_emails: [text, 'sara@seller.se'] }));
    // Read (the other participant kept) or refused at that string's path: either way an answer, not a hang.
    const answer = result.ok
      ? result.summary.participants.map((participant) => participant.email)
      : result.issues.map((issue) => issue.path);
    expect(answer).toContainEqual(expect.stringMatching(/^(?:sara@seller\.se|\$\.participant_emails\[0\])$/u));
  });

  it('without an id, the same meeting re-sent gets the same conversation id, and another meeting another one', () => {
    const first = flatSummary(flatBody({ conversation_id: undefined, recording_url: undefined }));
    const again = flatSummary(
      flatBody({ conversation_id: undefined, recording_url: undefined, summary: 'Regenerated.' }),
    );
    const other = flatSummary(
      flatBody({
        conversation_id: undefined,
        recording_url: undefined,
        start_date: '2026-11-21T09:00:00Z',
        end_date: undefined,
      }),
    );
    expect(first.conversationId).toMatch(/^flat-[0-9a-f]{16}$/u);
    expect(again.conversationId).toBe(first.conversationId);
    expect(other.conversationId).not.toBe(first.conversationId);
  });

  it('without an id, a UUID in the recording link is the conversation id', () => {
    const summary = flatSummary(
      flatBody({
        conversation_id: undefined,
        recording_url: 'https://app.dci.example/recording/AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee',
      }),
    );
    expect(summary.conversationId).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
  });

  it('a missing or wrong field is named at the flat key, with the other names it is read from, and no value', () => {
    const issues = flatIssues(
      flatBody({ meeting_name: undefined, start_date: '2026-11-20 09:00', presenter_email: 42 }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '$.meeting_name', message: expect.stringMatching(/is required; also read from .*\bname\b/u) },
        { path: '$.start_date', message: expect.stringContaining('time zone') },
        { path: '$.presenter_email', message: expect.any(String) },
      ]),
    );
    expect(JSON.stringify(issues)).not.toContain('2026-11-20 09:00');
  });
});

describe('readSummaryBody tells a meeting from a test and from a body it cannot read', () => {
  it.each([
    ['an envelope', buildPayload(), 'envelope'],
    ['a flat body', flatBody(), 'flat'],
  ])('%s is a summary', (_label, body, shape) => {
    expect(readSummaryBody(body)).toMatchObject({ kind: 'summary', shape });
  });

  it.each([
    ['an empty object', {}],
    ['a test event', { event: 'integration.test' }],
    ['an envelope without a summary', buildPayload({ summary: undefined })],
    ['a flat body with a blank summary', flatBody({ summary: '  ' })],
    ['null', null],
    ['a number', 42],
    ['a list of strings', ['ping']],
    ['a ping', { type: 'ping', message: 'hello', timestamp: 1 }],
  ])('%s is no summary (answered as a test)', (_label, body) => {
    expect(readSummaryBody(body)).toEqual({ kind: 'no_summary' });
  });

  it('a flat body it cannot read lists the issues and the top-level keys, never a value', () => {
    const read = readSummaryBody({ ai_summary: 'Secret summary text', when: 'tomorrow', who: 'anna@acme.se' });
    expect(read).toEqual({
      kind: 'invalid',
      shape: 'flat',
      issues: expect.arrayContaining([expect.objectContaining({ path: '$.meeting_name' })]),
      keys: ['ai_summary', 'when', 'who'],
    });
    expect(JSON.stringify(read)).not.toMatch(/Secret|tomorrow|anna@/u);
  });

  it('a summary under an unknown wrapper is refused, not taken for a test', () => {
    expect(readSummaryBody({ meeting: { summary: 'Text' } })).toMatchObject({
      kind: 'invalid',
      issues: [{ path: '$.meeting' }],
      keys: ['meeting'],
    });
  });

  it('keys that look like contact data are not repeated', () => {
    const read = readSummaryBody({ summary: 'x', 'anna@acme.se': 1, '+46701234567': 2 });
    expect(JSON.stringify(read)).not.toMatch(/anna@|46701234567/u);
  });

  it('never throws, and every invalid body names its keys', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.object()), (body) => {
        const read = readSummaryBody(body);
        if (read.kind === 'invalid') expect(read.keys.length).toBeLessThanOrEqual(50);
      }),
    );
  });
});

describe('the accepted names are documented', () => {
  it('docs/summary-payload.md names every alias the reader accepts', () => {
    const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'summary-payload.md'), 'utf8');
    const aliases = [
      ...Object.values(FLAT_FIELD_ALIASES).flat(),
      ...Object.values(FLAT_PRESENTER_ALIASES).flat(),
      ...FLAT_PARTICIPANT_ALIASES,
    ];
    expect(aliases.filter((alias) => !docs.includes(`\`${alias}\``))).toEqual([]);
  });
});
