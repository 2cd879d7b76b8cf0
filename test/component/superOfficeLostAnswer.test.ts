// A save SuperOffice completed whose answer never reached us (a reset, a timeout, a client killed mid-request):
// the retry must find that appointment (findUnkeyedAppointment.ts) instead of writing a second one. Real
// @superoffice/webapi agents over HTTP against the emulator, which stores the save and then loses the answer.
import type { DemoDataIds, SuperOfficeEmulator, SuperOfficeRequestView } from '../../src/sandbox/superoffice';
import type { SuperOfficeConnector } from '../../src/superoffice-addon';
import type { MeetingSummary } from '../../src/core';
import { buildSummary, loadFixture, summaryOf } from '../support/payloads';
import { startSeededSuperOffice, superOfficeConnectorFor, superOfficeDeliverOptions } from '../support/superOffice';

let so: SuperOfficeEmulator;
let ids: DemoDataIds;
let connector: SuperOfficeConnector;

beforeEach(async () => {
  ({ so, ids } = await startSeededSuperOffice());
  connector = superOfficeConnectorFor(so, { timeoutMs: 1_000 });
});
afterEach(async () => {
  await connector.close();
  await so.close();
});

const meeting = (): MeetingSummary => summaryOf(loadFixture('meeting-with-colleagues'));
const isSave = (request: SuperOfficeRequestView) => request.path.endsWith('/Appointment/SaveAppointmentEntity');
const isAddKey = (request: SuperOfficeRequestView) => request.path.endsWith('/ForeignSystem/AddForeignKey');
const searches = () => so.requests.filter((request) => JSON.stringify(request.body ?? '').includes('DiaryAppointment'));

/** The second request that `match` accepts (the first one passes untouched). */
function second(match: (request: SuperOfficeRequestView) => boolean) {
  let seen = 0;
  return (request: SuperOfficeRequestView) => match(request) && ++seen === 2;
}

async function failed(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the delivery to fail');
    },
    (error: unknown) => error,
  );
}

/** One appointment and one foreign key per written person, each key pointing at that person's appointment. */
function expectExactlyOncePerPerson(persons: number[]): void {
  const appointments = so.appointments();
  expect(appointments.map((appointment) => appointment.personId).sort()).toEqual([...persons].sort());
  const keys = so.foreignKeys().filter((key) => key.tableName === 'appointment');
  expect(keys).toHaveLength(persons.length);
  for (const appointment of appointments) {
    const key = keys.find((candidate) => candidate.value.endsWith(`/${appointment.personId}`));
    expect(key?.recordId).toBe(appointment.appointmentId);
  }
}

describe('a save whose answer was lost: the retry finds the appointment instead of writing a second', () => {
  it('the second save is stored but its connection reset → the retry updates it: one appointment and one key each', async () => {
    so.failWhen(second(isSave), { kind: 'lose_answer' });
    expect(
      await failed(connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: true }))),
    ).toMatchObject({ code: 'connection_reset' });
    expect(so.appointments()).toHaveLength(2);
    expect(so.foreignKeys().filter((key) => key.tableName === 'appointment')).toHaveLength(1);

    const report = await connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: false }));
    expect(report.outcomes.filter((outcome) => outcome.noteId !== undefined).map((outcome) => outcome.outcome)).toEqual(
      ['updated', 'updated'],
    );
    expectExactlyOncePerPerson([ids.persons.anna, ids.persons.lars]);
  });

  it('the save is stored but answered after the client timed out → the retry updates it', async () => {
    so.failWhen(isSave, { kind: 'answer_late', ms: 3_000 });
    expect(
      await failed(connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: true }))),
    ).toMatchObject({ code: 'timeout' });
    // The persons are written at the same time: the other one's save was answered, and keyed.
    expect(so.appointments()).toHaveLength(2);
    expect(so.foreignKeys().filter((key) => key.tableName === 'appointment')).toHaveLength(1);

    await connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: false }));
    expectExactlyOncePerPerson([ids.persons.anna, ids.persons.lars]);
  });

  it('a save held after SuperOffice stored it, then dropped (the client killed there) → the retry updates it', async () => {
    const held = so.hold(second(isSave), 'after_handling');
    const first = failed(connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: true })));
    await held.reached;
    expect(so.appointments()).toHaveLength(2);
    held.drop();
    expect(await first).toMatchObject({ code: 'connection_reset' });

    await connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: false }));
    expectExactlyOncePerPerson([ids.persons.anna, ids.persons.lars]);
  });

  it('a meeting just after midnight in the tenant’s zone (the day before in UTC) → the retry still finds it by date', async () => {
    // 00:30 in Stockholm on the 15th is 23:30 UTC on the 14th: the archive's date part may be either day.
    const late = { ...meeting(), startsAt: '2026-01-14T23:30:00Z', endsAt: '2026-01-15T00:15:00Z' };
    so.failWhen(second(isSave), { kind: 'lose_answer' });
    await failed(connector.deliver(late, superOfficeDeliverOptions({ knownNotesComplete: true })));
    expect(so.appointments()).toHaveLength(2);

    await connector.deliver(late, superOfficeDeliverOptions({ knownNotesComplete: false }));
    expectExactlyOncePerPerson([ids.persons.anna, ids.persons.lars]);
    expect(
      searches().every((request) => JSON.stringify(request.body).includes("date between ('2026-01-14', '2026-01-17')")),
    ).toBe(true);
  });

  it('the key stored but its answer lost → that appointment was taken back; the retry writes one each', async () => {
    so.failWhen(isAddKey, { kind: 'lose_answer' });
    expect(
      await failed(connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: true }))),
    ).toMatchObject({ code: 'connection_reset' });
    // The adapter deleted the appointment it could not key (SuperOffice drops the record's keys with it); the other
    // person's, written at the same time, was keyed and stays.
    expect(so.appointments()).toHaveLength(1);
    expect(so.foreignKeys().filter((key) => key.tableName === 'appointment')).toHaveLength(1);
    so.clearRequests();
    await connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: false }));
    expectExactlyOncePerPerson([ids.persons.anna, ids.persons.lars]);
    // Only the person without a key is searched.
    expect(searches()).toHaveLength(1);
  });
});

describe('a contact created under create-missing whose answer was lost', () => {
  it('the retry matches the created person by e-mail: one person, one appointment (the matching covers it)', async () => {
    const summary = buildSummary({
      participants: [{ name: 'Nina Ny', email: 'nina.ny@newco.se', company: 'Newco AB', role: 'customer' }],
    });
    const options = (knownNotesComplete: boolean) =>
      superOfficeDeliverOptions({ knownNotesComplete, createMissingContacts: true });
    const persons = so.persons().length;
    so.failWhen((request) => request.path.endsWith('/Person/SavePersonEntity'), { kind: 'lose_answer' });
    expect(await failed(connector.deliver(summary, options(true)))).toMatchObject({ code: 'connection_reset' });
    expect(so.persons()).toHaveLength(persons + 1);

    const report = await connector.deliver(summary, options(false));
    expect(so.persons()).toHaveLength(persons + 1);
    const created = so.persons().find((person) => person.emails.includes('nina.ny@newco.se'));
    expect(report.outcomes[0]).toMatchObject({ outcome: 'written', personId: created?.personId });
    expect(so.contacts().filter((contact) => contact.name === 'Newco AB')).toHaveLength(1);
    expect(so.appointments().filter((appointment) => appointment.personId === created?.personId)).toHaveLength(1);
  });
});

describe('a long summary: the document saved but its answer lost', () => {
  const longMeeting = () => summaryOf(loadFixture('long-summary'));
  const documentKeys = () => so.foreignKeys().filter((key) => key.tableName === 'document');

  it.each([
    ['its save', '/Document/SaveDocumentEntity'],
    ['its content upload (and the delete that follows)', '/Document/SetDocumentStream'],
  ])(
    '%s answered into a reset → the retry takes the unkeyed document back: one document with content each',
    async (what, path) => {
      const first = longMeeting();
      so.failWhen((request) => request.path.endsWith(path), { kind: 'lose_answer' });
      // After a lost upload the adapter deletes the document: that delete lost too is what a killed receiver leaves.
      if (what.includes('delete'))
        so.failWhen((request) => request.path.endsWith('/Document/DeleteDocumentEntity'), { kind: 'drop' });
      expect(
        await failed(connector.deliver(first, superOfficeDeliverOptions({ knownNotesComplete: true }))),
      ).toMatchObject({ code: 'connection_reset' });
      // The one whose answer was lost, and the other person's, written at the same time and keyed.
      expect(so.documents()).toHaveLength(2);
      expect(documentKeys()).toHaveLength(1);

      await connector.deliver(first, superOfficeDeliverOptions({ knownNotesComplete: false }));
      const documents = so.documents();
      const persons = so.appointments().map((appointment) => appointment.personId);
      expect(documents.map((document) => document.personId).sort()).toEqual([...persons].sort());
      for (const document of documents) expect(document.content).toContain(first.conversationId);
      expect(
        documentKeys()
          .map((key) => key.recordId)
          .sort(),
      ).toEqual(documents.map((d) => d.documentId).sort());
    },
  );
});

describe('what the search costs', () => {
  it('a first attempt (knownNotesComplete) makes no search request; a retry one per person without a key', async () => {
    await connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: true }));
    expect(searches()).toHaveLength(0);
    expectExactlyOncePerPerson([ids.persons.anna, ids.persons.lars]);

    // Every person keyed now: a retry finds both keys and searches for nobody.
    so.clearRequests();
    await connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: false }));
    expect(searches()).toHaveLength(0);

    // A new conversation on a retry (an earlier attempt failed before any write): one search per person, nothing
    // found, both created.
    await connector.close();
    await so.close();
    ({ so, ids } = await startSeededSuperOffice());
    connector = superOfficeConnectorFor(so);
    await connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: false }));
    expect(searches()).toHaveLength(2);
    expectExactlyOncePerPerson([ids.persons.anna, ids.persons.lars]);
  });

  it("another conversation's appointment (an id this one's is a prefix of) is not taken", async () => {
    const base = meeting();
    await connector.deliver(
      { ...base, conversationId: `${base.conversationId}-later` },
      superOfficeDeliverOptions({ knownNotesComplete: true }),
    );
    await connector.deliver(base, superOfficeDeliverOptions({ knownNotesComplete: false }));
    expect(so.appointments()).toHaveLength(4);
    expect(searches()).toHaveLength(2);
  });

  it('the search needs the Select right on appointments: without it the retry fails with a clear refusal', async () => {
    so.setNewTableRight('appointment', ['Insert', 'Update', 'Delete']);
    expect(
      await failed(connector.deliver(meeting(), superOfficeDeliverOptions({ knownNotesComplete: false }))),
    ).toMatchObject({ status: 403 });
    expect(so.appointments()).toEqual([]);
  });
});
