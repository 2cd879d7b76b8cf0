import fc from 'fast-check';
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import {
  applyChanges,
  BREAKING_CHARACTERS,
  expectPrototypesUntouched,
  hostileString,
  payloadChanges,
} from '../support/hostileInput';
import { buildPayload } from '../support/payloads';
import { buildSuperOfficeScript, runScript, webApiFor, withConfig, type ScriptRun } from '../support/superOfficeScript';

// Property-based fuzzing of the SuperOffice script as admins install it: the BUILT text, run in node:vm the way
// TypeScript-for-SuperOffice runs it — `context` and `soApi` (a real @superoffice/webapi WebApi, as the vendor's
// global-webapi.d.ts declares it) its only globals — against the SuperOffice emulator. The invariant for every
// request: a 4xx with a JSON error naming a code and what was wrong and nothing written, or a 200 whose every write
// is complete (each appointment reported exists with its foreign key; each person or company created belongs to an
// appointment written); never an unhandled exception, never a 500 while SuperOffice is healthy. fast-check prints
// the seed and path of any counterexample.

const TOKEN = 'fuzz-token';
const RUNS = 150;
jest.setTimeout(300_000);

let plain: string;
let creating: string;
let so: SuperOfficeEmulator;

beforeAll(async () => {
  plain = withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']");
  creating = withConfig(plain, 'createMissingContacts', 'true');
  so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
  seedDemoData(so);
});
afterAll(() => so.close());
afterEach(expectPrototypesUntouched);

/** A meeting with a known customer (matched by e-mail) and a new one (created when the script may create). */
function meeting(): Record<string, unknown> {
  return buildPayload({
    location: 'Microsoft Teams',
    participants: [
      { name: 'Anna Andersson', email: 'anna.andersson@acme.se', role: 'customer' },
      { name: 'Nils Ny', email: 'nils@nykund.se', phone: '070-765 43 21', company: 'Nykund AB', role: 'customer' },
    ],
  });
}

function snapshot() {
  return {
    appointments: so.appointments(),
    persons: so.persons(),
    contacts: so.contacts(),
    foreignKeys: so.foreignKeys(),
    documents: so.documents(),
  };
}
type Snapshot = ReturnType<typeof snapshot>;

async function expectCompleteAnswer(run: () => Promise<ScriptRun>, before: Snapshot = snapshot()): Promise<ScriptRun> {
  const answer = await run();
  const after = snapshot();
  expect([200, 400, 405]).toContain(answer.status);
  if (answer.status !== 200) {
    expect(answer.body).toMatchObject({
      ok: false,
      error: { code: expect.stringMatching(/^[a-z][a-z_]+$/u), message: expect.any(String) },
    });
    const error = answer.body['error'] as { code: string; issues?: unknown };
    if (error.code === 'invalid_payload') {
      expect(error.issues).toEqual(
        expect.arrayContaining([{ path: expect.stringMatching(/^\$/u), message: expect.any(String) }]),
      );
    }
    expect(after).toEqual(before);
    return answer;
  }
  expect(answer.body['ok']).toBe(true);
  const results = (answer.body['results'] ?? []) as Array<{
    outcome: string;
    personId?: number;
    appointmentId?: number;
  }>;
  if (answer.body['test'] === true) expect(after).toEqual(before);

  const isNew = <T>(list: T[], key: keyof T, item: T) => !list.some((known) => known[key] === item[key]);
  const newAppointments = after.appointments.filter((item) => isNew(before.appointments, 'appointmentId', item));
  const newPersons = after.persons.filter((item) => isNew(before.persons, 'personId', item));
  const newContacts = after.contacts.filter((item) => isNew(before.contacts, 'contactId', item));
  const newKeys = after.foreignKeys.filter((item) => isNew(before.foreignKeys, 'foreignKeyId', item));

  expect(newAppointments).toHaveLength(results.filter((result) => result.outcome === 'written').length);
  for (const result of results.filter((r) => r.outcome === 'written' || r.outcome === 'updated')) {
    const appointment = after.appointments.find((item) => item.appointmentId === result.appointmentId);
    expect(appointment?.personId).toBe(result.personId);
    expect(
      after.foreignKeys.some((key) => key.recordId === result.appointmentId && key.tableName === 'appointment'),
    ).toBe(true);
  }
  // Every new key names a record the run wrote: a follow-up, or the document that keeps a long summary whole, on a
  // person who got a follow-up and with its content stored (never half a document).
  for (const key of newKeys) {
    if (key.tableName === 'document') {
      const document = after.documents.find((item) => item.documentId === key.recordId);
      expect(document?.content).toEqual(expect.any(String));
      expect(after.appointments.some((item) => item.personId === document?.personId)).toBe(true);
    } else {
      expect(key.tableName).toBe('appointment');
      expect(after.appointments.some((item) => item.appointmentId === key.recordId)).toBe(true);
    }
  }
  const newDocuments = after.documents.filter((item) => isNew(before.documents, 'documentId', item));
  for (const document of newDocuments) {
    expect(newKeys.some((key) => key.tableName === 'document' && key.recordId === document.documentId)).toBe(true);
  }
  for (const person of newPersons) expect(newAppointments.some((item) => item.personId === person.personId)).toBe(true);
  for (const contact of newContacts) {
    expect(newPersons.some((person) => person.contactId === contact.contactId)).toBe(true);
  }
  return answer;
}

const run =
  (script: string, body: string, cgiVariables: Record<string, string> = {}) =>
  () =>
    runScript(script, webApiFor(so.baseUrl, TOKEN), { body, cgiVariables });

describe('the SuperOffice script under hostile input answers clearly and never writes half a meeting', () => {
  it('any body text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary' }), fc.json(), hostileString),
        fc.boolean(),
        async (body, create) => {
          await expectCompleteAnswer(run(create ? creating : plain, body));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a valid meeting with hostile values (wrong types, control characters, huge strings, prototype keys) in its fields', async () => {
    await fc.assert(
      fc.asyncProperty(payloadChanges, fc.boolean(), async (changes, create) => {
        const body = JSON.stringify(applyChanges(meeting(), changes)) ?? 'null';
        await expectCompleteAnswer(run(create ? creating : plain, body));
      }),
      { numRuns: RUNS },
    );
  });

  it('hostile text in every field SuperOffice stores: names, companies, location, title', async () => {
    // Lengths across the whole range the contract allows, so limits SuperOffice has and the contract has not show.
    const text = fc.oneof(
      hostileString.filter((value) => value.length <= 300),
      fc
        .tuple(
          fc.string({ unit: fc.constantFrom(...BREAKING_CHARACTERS, 'a', 'Ö', ' ', '😀'), minLength: 1, maxLength: 8 }),
          fc.integer({ min: 1, max: 300 }),
        )
        .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({ title: text, location: text, name: text, company: text, firstName: text, lastName: text }),
        async (fields) => {
          const payload = buildPayload({
            title: fields.title,
            location: fields.location,
            participants: [
              {
                name: fields.name,
                first_name: fields.firstName,
                last_name: fields.lastName,
                email: `new.${Math.random().toString(36).slice(2)}@nykund.se`,
                company: fields.company,
                role: 'customer',
              },
              { email: 'anna.andersson@acme.se', role: 'customer' },
            ],
          });
          const answer = await expectCompleteAnswer(run(creating, JSON.stringify(payload)));
          // Titles and locations are one line in SuperOffice's lists, whatever the sender put in them.
          for (const result of (answer.body['results'] ?? []) as Array<{ appointmentId?: number }>) {
            const appointment = so.appointments().find((item) => item.appointmentId === result.appointmentId);
            expect(appointment?.title ?? '').not.toMatch(/[\p{Cc}\u2028\u2029]/u);
            expect(appointment?.location ?? '').not.toMatch(/[\p{Cc}\u2028\u2029]/u);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('hostile CGI variables (method, content type, anything) are a clear answer', async () => {
    const variables = fc.dictionary(
      fc.oneof(
        fc.constantFrom('REQUEST_METHOD', 'request_method', 'method', 'CONTENT_TYPE', 'action', 'key'),
        hostileString,
      ),
      fc.oneof(fc.constantFrom('POST', 'post', 'GET', 'PUT', ' POST ', ''), hostileString),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(variables, fc.boolean(), async (cgiVariables, withBody) => {
        const body = withBody ? JSON.stringify(meeting()) : '';
        await expectCompleteAnswer(run(plain, body, cgiVariables));
      }),
      { numRuns: RUNS },
    );
  });

  it('a location longer than SuperOffice keeps is shortened, and the meeting is written in full', async () => {
    const payload = buildPayload({
      location: `Room ${'x'.repeat(400)}`,
      participants: [{ name: 'Nils Ny', email: 'nils.long@nykund.se', company: 'Nykund AB', role: 'customer' }],
    });
    const answer = await expectCompleteAnswer(run(creating, JSON.stringify(payload)));
    expect(answer.status).toBe(200);
    const [result] = answer.body['results'] as Array<{ appointmentId: number }>;
    const appointment = so.appointments().find((item) => item.appointmentId === result?.appointmentId);
    expect(appointment?.location).toHaveLength(254);
    expect(appointment?.location.endsWith('…')).toBe(true);
  });
});
