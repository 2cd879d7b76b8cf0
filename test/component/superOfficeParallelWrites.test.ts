// The persons of one meeting are written at the same time (a few at a time, mapWithLimit.ts), with one default
// appointment for all of them (sharedDefaults.ts). Real @superoffice/webapi agents over HTTP against the emulator.
import type { DemoDataIds, SuperOfficeEmulator, SuperOfficeRequestView } from '../../src/sandbox/superoffice';
import type { SuperOfficeConnector } from '../../src/superoffice-addon';
import { loadFixture, summaryOf } from '../support/payloads';
import { startSeededSuperOffice, superOfficeConnectorFor, superOfficeDeliverOptions } from '../support/superOffice';

let so: SuperOfficeEmulator;
let ids: DemoDataIds;
let connector: SuperOfficeConnector;

beforeEach(async () => {
  ({ so, ids } = await startSeededSuperOffice());
  connector = superOfficeConnectorFor(so);
});
afterEach(async () => {
  await connector.close();
  await so.close();
});

const methodOf = (request: SuperOfficeRequestView) => request.path.replace(/^.*\/Agents\//u, '');
const isSave = (request: SuperOfficeRequestView) => methodOf(request) === 'Appointment/SaveAppointmentEntity';

describe('a meeting’s persons written at the same time', () => {
  it('the second person’s save reaches SuperOffice while the first one’s is still unanswered', async () => {
    // Both saves held before SuperOffice handles them (a hold takes one request, the first save the first hold):
    // with one write after another the second save would never come while the first is held.
    const first = so.hold(isSave, 'before_handling');
    const second = so.hold(isSave, 'before_handling');
    const summary = summaryOf(loadFixture('meeting-with-colleagues'));
    const delivery = connector.deliver(summary, superOfficeDeliverOptions({ knownNotesComplete: true }));
    await Promise.all([first.reached, second.reached]);
    first.release();
    second.release();
    const report = await delivery;

    // The outcomes in the participants' order, each with its own appointment and key.
    const written = report.outcomes.filter((outcome) => outcome.noteId !== undefined);
    expect(written.map((outcome) => outcome.personId)).toEqual([ids.persons.anna, ids.persons.lars]);
    const appointments = so.appointments();
    expect(appointments.map((appointment) => appointment.personId).sort()).toEqual(
      [ids.persons.anna, ids.persons.lars].sort(),
    );
    for (const outcome of written) {
      const appointment = appointments.find((candidate) => candidate.appointmentId === outcome.noteId);
      expect(appointment?.personId).toBe(outcome.personId);
    }
    const keys = so.foreignKeys().filter((key) => key.tableName === 'appointment');
    expect(keys.map((key) => [key.value, key.recordId]).sort()).toEqual(
      written.map((outcome) => [`${summary.conversationId}/${String(outcome.personId)}`, outcome.noteId]).sort(),
    );
  });

  it('one default appointment for the meeting, however many persons get a new one', async () => {
    await connector.deliver(
      summaryOf(loadFixture('meeting-with-colleagues')),
      superOfficeDeliverOptions({ knownNotesComplete: true }),
    );
    const methods = so.requests.map(methodOf);
    expect(methods.filter((method) => method === 'Appointment/CreateDefaultAppointmentEntity')).toHaveLength(1);
    expect(methods.filter((method) => method === 'Appointment/SaveAppointmentEntity')).toHaveLength(2);
    // Each person's own appointment: the copies share nothing (owner and task as the defaults, the person its own).
    const appointments = so.appointments();
    expect(new Set(appointments.map((appointment) => appointment.personId)).size).toBe(2);
    expect(new Set(appointments.map((appointment) => appointment.appointmentId)).size).toBe(2);
  });
});
