import type { SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import type { SuperOfficeConnector } from '../../src/superoffice-addon';
import { buildParticipant, buildPayload, loadFixture, summaryOf } from '../support/payloads';
import {
  SO_TOKEN,
  startSeededSuperOffice,
  superOfficeConnectorFor,
  superOfficeDeliverOptions,
} from '../support/superOffice';
import { buildSuperOfficeScript, runScript, webApiFor, withConfig } from '../support/superOfficeScript';

// One adapter, two hosts: the same meetings through the built endpoint script (inside SuperOffice, `soApi`) and
// through the receiver's connector (its own per-tenant agents) must leave the same records in two tenants seeded
// alike — and answer with the same outcomes.

let script: string;
let viaScript: SuperOfficeEmulator;
let viaConnector: SuperOfficeEmulator;
let connector: SuperOfficeConnector;

beforeAll(() => {
  script = withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']");
});
beforeEach(async () => {
  viaScript = (await startSeededSuperOffice()).so;
  viaConnector = (await startSeededSuperOffice()).so;
  connector = superOfficeConnectorFor(viaConnector);
});
afterEach(async () => {
  await connector.close();
  await viaScript.close();
  await viaConnector.close();
});

/** What a SuperOffice user sees of the records, without the times they were written at. */
function records(so: SuperOfficeEmulator) {
  return {
    appointments: so.appointments().map(({ createdDate: _c, updatedDate: _u, ...appointment }) => appointment),
    foreignKeys: so.foreignKeys().map(({ createdDate: _c, updatedDate: _u, ...key }) => key),
    documents: so.documents().map(({ createdDate: _c, updatedDate: _u, ...document }) => document),
    persons: so.persons().map(({ createdDate: _c, updatedDate: _u, ...person }) => person),
    contacts: so.contacts().map(({ createdDate: _c, updatedDate: _u, ...contact }) => contact),
  };
}

async function deliverBoth(payload: Record<string, unknown>, createMissingContacts = false) {
  const text = createMissingContacts ? withConfig(script, 'createMissingContacts', 'true') : script;
  const answer = await runScript(text, webApiFor(viaScript.baseUrl, SO_TOKEN), { body: JSON.stringify(payload) });
  expect(answer.status).toBe(200);
  const report = await connector.deliver(summaryOf(payload), superOfficeDeliverOptions({ createMissingContacts }));
  const scriptOutcomes = (answer.body['results'] as Array<Record<string, unknown>>).map((result) => ({
    index: (result['participant'] as { index: number }).index,
    outcome: result['outcome'],
    personId: result['personId'],
    appointmentId: result['appointmentId'],
    trace: result['trace'],
  }));
  const connectorOutcomes = report.outcomes.map((outcome) => ({
    index: outcome.participantIndex,
    outcome: outcome.outcome,
    personId: outcome.personId,
    appointmentId: outcome.noteId,
    trace: outcome.trace,
  }));
  expect(connectorOutcomes).toEqual(scriptOutcomes);
  return scriptOutcomes;
}

const FIXTURES = [
  'meeting-with-colleagues',
  'long-summary',
  'phone-only-participant',
  'nordic-meeting',
  'participant-without-contact-data',
  'dci-conversation-completed',
];

describe('the script and the receiver write the same appointments', () => {
  it.each(FIXTURES)('%s, sent twice', async (fixture) => {
    const payload = loadFixture(fixture);
    await deliverBoth(payload);
    await deliverBoth(payload);
    expect(records(viaConnector)).toEqual(records(viaScript));
  });

  it.each(FIXTURES)('%s with contacts created for the unmatched', async (fixture) => {
    const payload = loadFixture(fixture);
    await deliverBoth(payload, true);
    await deliverBoth(payload, true);
    expect(records(viaConnector)).toEqual(records(viaScript));
  });

  it('the fixtures do write: the comparison is of appointments, not of two empty tenants', async () => {
    for (const fixture of FIXTURES) await deliverBoth(loadFixture(fixture), true);
    expect(viaScript.appointments().length).toBeGreaterThanOrEqual(FIXTURES.length);
    expect(viaScript.documents().length).toBeGreaterThan(0);
    expect(records(viaConnector)).toEqual(records(viaScript));
  });

  it('several meetings in turn (presenter as owner, phone matches, a switchboard number)', async () => {
    const payloads = [
      buildPayload({
        user: { name: 'Petra Support', email: 'petra@seller.se' },
        participants: [
          buildParticipant({ email: 'anna.andersson@acme.se' }),
          { phone: '031-12 34 56', role: 'customer' },
        ],
      }),
      buildPayload({
        participants: [
          { phone: '08-555 000 00', role: 'customer' },
          { phone: '+46701234567', role: 'customer' },
        ],
      }),
      buildPayload({ participants: [buildParticipant({ email: 'info@dubbel.se' })] }),
    ];
    const outcomes = [];
    for (const payload of payloads) outcomes.push(...(await deliverBoth(payload)));
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual([
      'written',
      'written',
      'ambiguous',
      'written',
      'ambiguous',
    ]);
    expect(records(viaConnector)).toEqual(records(viaScript));
    expect(viaScript.appointments().length).toBeGreaterThan(0);
  });
});

describe('the script and the receiver decide alike where a guess would write on the wrong person', () => {
  function seedBoth(seed: (so: SuperOfficeEmulator) => void) {
    seed(viaScript);
    seed(viaConnector);
  }

  it("a shared mailbox: the person holding the participant's mobile gets the appointment; without it, only the company", async () => {
    seedBoth((so) => {
      const company = so.addContact({ name: 'Delad AB' });
      so.addPerson({
        firstname: 'Ada',
        contactId: company,
        emails: ['info@delad.se'],
        mobilePhones: ['070-999 88 77'],
      });
      so.addPerson({ firstname: 'Bo', contactId: company, emails: ['info@delad.se'], mobilePhones: ['070-111 22 33'] });
    });
    const bo = viaScript.persons().find((person) => person.firstname === 'Bo');
    const withMobile = await deliverBoth(
      buildPayload({ participants: [buildParticipant({ email: 'info@delad.se', mobile_phone: '+46701112233' })] }),
    );
    expect(withMobile).toMatchObject([{ outcome: 'written', personId: bo?.personId }]);
    expect(withMobile[0]?.trace).toContain("holding the participant's number");
    const before = viaScript.appointments().length;
    const without = await deliverBoth(buildPayload({ participants: [buildParticipant({ email: 'info@delad.se' })] }));
    // Nothing tells Ada and Bo apart: no person's appointment, one on their company (company notes are on by default).
    expect(without).toMatchObject([{ outcome: 'company_note' }]);
    expect(without[0]?.personId).toBeUndefined();
    expect(
      viaScript
        .appointments()
        .slice(before)
        .map((appointment) => appointment.personId > 0),
    ).toEqual([false]);
    expect(records(viaConnector)).toEqual(records(viaScript));
  });

  it("a Danish team line one holder typed without its country code is shared: no person's appointment, the company's", async () => {
    seedBoth((so) => {
      const company = so.addContact({ name: 'Dansk ApS' });
      so.addPerson({ firstname: 'Intl', contactId: company, officePhones: ['+45 33 21 72 84'] });
      so.addPerson({ firstname: 'National', contactId: company, officePhones: ['33 21 72 84'] });
    });
    const before = viaScript.appointments().length;
    const outcomes = await deliverBoth(
      buildPayload({ participants: [{ name: 'Caller', phone: '+4533217284', role: 'customer' }] }),
    );
    expect(outcomes).toMatchObject([{ outcome: 'company_note' }]);
    expect(outcomes[0]?.trace).toContain('held by 2 persons');
    expect(
      viaScript
        .appointments()
        .slice(before)
        .map((appointment) => appointment.personId > 0),
    ).toEqual([false]);
    expect(records(viaConnector)).toEqual(records(viaScript));
  });
});
