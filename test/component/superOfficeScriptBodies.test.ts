import fc from 'fast-check';
import { FLAT_FIELD_ALIASES, FLAT_PRESENTER_ALIASES } from '../../src/core';
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { applyChanges, expectPrototypesUntouched, hostileValue } from '../support/hostileInput';
import { buildPayload } from '../support/payloads';
import { buildSuperOfficeScript, webApiFor, runScript, withConfig } from '../support/superOfficeScript';

// The bodies DCI may push to the SuperOffice script: the documented webhook envelope, or a flat body with the help
// article's fields (meeting name, summary, start and end, meeting type, presenter and participant e-mails, recording
// URL, location) under names we guess [assumption]. The built script runs in node:vm against the emulator.

const TOKEN = 'bodies-token';
let script: string;
let so: SuperOfficeEmulator;
let ids: ReturnType<typeof seedDemoData>;

beforeAll(() => {
  script = withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']");
});
beforeEach(async () => {
  so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
  ids = seedDemoData(so);
});
afterEach(() => so.close());

/** A second, identical tenant, so two bodies can be compared write for write. */
async function freshTenant(): Promise<void> {
  await so.close();
  so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
  seedDemoData(so);
}

const send = (body: unknown) =>
  runScript(script, webApiFor(so.baseUrl, TOKEN), { body: typeof body === 'string' ? body : JSON.stringify(body) });

const CONVERSATION_ID = '7b0c4e2a-5d1f-4c3b-9a8e-2f6d1c0b9a71';
const RECORDING = `https://app.dci.example/recording/${CONVERSATION_ID}`;

const envelope = () =>
  buildPayload({
    id: CONVERSATION_ID,
    title: 'Offer review — Acme',
    summary: 'Acme wants a three-year term. Sara sends a revised offer by Friday.',
    date: '2026-11-20T09:00:00.000Z',
    end_date: '2026-11-20T09:45:00.000Z',
    duration: undefined,
    medium: 'video',
    user: { email: 'sara@seller.se' },
    participants: [{ email: 'sara@seller.se' }, { email: 'anna.andersson@acme.se' }, { email: 'lars.oberg@acme.se' }],
    recording_url: RECORDING,
    location: 'Microsoft Teams',
  });

const flat = (fields: Record<string, unknown> = {}) => ({
  meeting_name: 'Offer review — Acme',
  summary: 'Acme wants a three-year term. Sara sends a revised offer by Friday.',
  start_date: '2026-11-20T09:00:00.000Z',
  end_date: '2026-11-20T09:45:00.000Z',
  meeting_type: 'video',
  presenter_email: 'sara@seller.se',
  participant_emails: ['sara@seller.se', 'anna.andersson@acme.se', 'lars.oberg@acme.se'],
  recording_url: RECORDING,
  location: 'Microsoft Teams',
  ...fields,
});

/** What a SuperOffice user sees of the written meeting: every appointment field but ids and timestamps. */
function writtenMeeting() {
  const appointments = so
    .appointments()
    .map(({ appointmentId: _id, createdDate: _created, updatedDate: _updated, ...seen }) => seen)
    .sort((a, b) => a.personId - b.personId);
  return {
    appointments,
    keys: so
      .foreignKeys()
      .map((key) => key.value)
      .sort(),
  };
}

describe('the SuperOffice script reads the webhook envelope and a flat summary body alike', () => {
  it('the webhook envelope and the flat body give the same appointments', async () => {
    const fromEnvelope = await send(envelope());
    expect(fromEnvelope.status).toBe(200);
    const written = writtenMeeting();
    expect(written.appointments.map((a) => a.personId)).toEqual([ids.persons.anna, ids.persons.lars].sort());

    await freshTenant();
    const fromFlat = await send(flat());
    expect(fromFlat.status).toBe(200);
    expect(fromFlat.body['results']).toEqual(fromEnvelope.body['results']);
    expect(writtenMeeting()).toEqual(written);
    expect(written.appointments[0]).toMatchObject({
      title: 'Conversation Summary | sara@seller.se | Offer review — Acme | 2026-11-20 10:00',
      location: 'Microsoft Teams',
      associateId: ids.associates.sara,
    });
  });

  it('a flat body with other common names (name, start, end, participants as objects) writes the same', async () => {
    await send(flat());
    const written = writtenMeeting();
    await freshTenant();
    const answer = await send({
      name: 'Offer review — Acme',
      summary: 'Acme wants a three-year term. Sara sends a revised offer by Friday.',
      start: '2026-11-20T10:00:00+01:00',
      end: '2026-11-20T10:45:00+01:00',
      meeting_type: 'video',
      presenter: { email: 'sara@seller.se' },
      participants: [{ email: 'sara@seller.se' }, { email: 'anna.andersson@acme.se' }, { email: 'lars.oberg@acme.se' }],
      recording_url: RECORDING,
      location: 'Microsoft Teams',
    });
    expect(answer.status).toBe(200);
    expect(writtenMeeting()).toEqual(written);
  });

  it('a flat body without an id, sent again, updates its appointments instead of adding new ones', async () => {
    const body = flat({ recording_url: undefined });
    await send(body);
    const again = await send({ ...body, summary: 'Regenerated summary text.' });
    expect((again.body['results'] as Array<{ outcome: string }>).map((r) => r.outcome)).toEqual([
      'internal',
      'updated',
      'updated',
    ]);
    expect(so.appointments()).toHaveLength(2);
    for (const appointment of so.appointments()) expect(appointment.description).toContain('Regenerated summary text.');
  });

  it('a body it cannot read answers 400 with its top-level keys, never a value, and writes nothing', async () => {
    const answer = await send({
      meetingTitle: 'Offer review — Acme',
      summary: 'Secret summary text',
      begins: '2026-11-20T09:00:00Z',
      people: ['anna.andersson@acme.se'],
    });
    expect(answer).toEqual({
      status: 400,
      body: {
        ok: false,
        error: {
          code: 'unreadable_payload',
          message: expect.any(String),
          issues: expect.arrayContaining([
            { path: '$.meeting_name', message: expect.stringContaining('is required') },
            { path: '$.start_date', message: expect.stringContaining('is required') },
          ]),
          keys: ['meetingTitle', 'summary', 'begins', 'people'],
        },
      },
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/Secret|anna\.andersson|Offer review|2026-11-20/u);
    expect(so.appointments()).toEqual([]);
  });

  it.each([
    ['an empty object', {}],
    ['a ping with no summary', { type: 'test', message: 'Hello from DCI' }],
    ['an envelope with sample data but no summary', buildPayload({ summary: undefined })],
    ['a flat body with sample data but no summary', flat({ summary: undefined })],
    ['a list', []],
    ['null', null],
  ])('a request without a summary (%s) is answered as a test and writes nothing', async (_label, body) => {
    const answer = await send(body);
    expect(answer).toEqual({ status: 200, body: expect.objectContaining({ ok: true, test: true }) });
    expect(so.appointments()).toEqual([]);
  });

  it('an envelope that breaks the contract still answers as before: invalid_payload with the issues', async () => {
    const answer = await send(buildPayload({ title: '' }));
    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_payload', issues: [{ path: '$.data.conversation.title' }] } },
    });
  });

  it('a flat body with hostile values under any name it reads answers 200 or a clear 400, never half a meeting', async () => {
    const paths = [
      ...Object.values(FLAT_FIELD_ALIASES).flat(),
      ...Object.values(FLAT_PRESENTER_ALIASES).flat(),
      'participants',
      'participant_emails',
      '__proto__',
    ].map((key) => [key]);
    paths.push(['participant_emails', '1'], ['participant_emails', '__proto__']);
    const changes = fc.array(fc.tuple(fc.constantFrom(...paths), hostileValue), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(changes, async (change) => {
        const before = { appointments: so.appointments(), keys: so.foreignKeys() };
        const answer = await send(applyChanges(flat(), change));
        expect([200, 400]).toContain(answer.status);
        if (answer.status === 400) {
          expect(answer.body).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^[a-z_]+$/u) } });
          expect({ appointments: so.appointments(), keys: so.foreignKeys() }).toEqual(before);
          return;
        }
        for (const result of (answer.body['results'] ?? []) as Array<{ outcome: string; appointmentId?: number }>) {
          if (result.outcome !== 'written' && result.outcome !== 'updated') continue;
          expect(so.appointments().some((a) => a.appointmentId === result.appointmentId)).toBe(true);
          expect(so.foreignKeys().some((key) => key.recordId === result.appointmentId)).toBe(true);
        }
        expectPrototypesUntouched();
      }),
      { numRuns: 80 },
    );
  }, 120_000);
});
