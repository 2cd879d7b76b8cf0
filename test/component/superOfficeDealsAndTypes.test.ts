import { parseHistoryTypeMap, type HistoryTypeMap } from '../../src/core';
import type { DemoDataIds, SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import type { SuperOfficeConnector } from '../../src/superoffice-addon';
import { buildParticipant, buildPayload, buildSummary } from '../support/payloads';
import { startSeededSuperOffice, superOfficeConnectorFor, superOfficeDeliverOptions } from '../support/superOffice';
import { buildSuperOfficeScript, runScript, webApiFor, withConfig } from '../support/superOfficeScript';

let so: SuperOfficeEmulator;
let ids: DemoDataIds;
const connectors: SuperOfficeConnector[] = [];

beforeEach(async () => {
  ({ so, ids } = await startSeededSuperOffice());
});
afterEach(async () => {
  await Promise.all(connectors.splice(0).map((connector) => connector.close()));
  await so.close();
});

function mapOf(text: string): HistoryTypeMap {
  const read = parseHistoryTypeMap(text);
  if (!read.ok) throw new Error(read.problems.join('; '));
  return read.map;
}

function connector(overrides: Parameters<typeof superOfficeConnectorFor>[1] = {}) {
  const made = superOfficeConnectorFor(so, overrides);
  connectors.push(made);
  return made;
}

/** Acme (Anna) with one open sale beside a sold and a lost one; Fjällbo (Erik) with two open sales. */
function seedSales() {
  const acmeOpen = so.addSale({ contactId: ids.contacts.acme, heading: 'Acme renewal' });
  so.addSale({ contactId: ids.contacts.acme, heading: 'Acme 2025', status: 'Sold' });
  so.addSale({ contactId: ids.contacts.acme, heading: 'Acme lost', status: 'Lost' });
  so.addSale({ contactId: ids.contacts.fjallbo, heading: 'Fjällbo A' });
  so.addSale({ contactId: ids.contacts.fjallbo, heading: 'Fjällbo B', status: 'Stalled' });
  so.addSale({ contactId: ids.contacts.fjallbo, heading: 'Fjällbo C' });
  return { acmeOpen };
}

const participants = [
  buildParticipant({ email: 'anna.andersson@acme.se' }),
  buildParticipant({ email: 'erik.ek@fjallbo.se' }),
];
const saleArchiveRequests = () =>
  so.requests.filter(
    (request) => request.path.endsWith('/GetArchiveListByColumns2') && JSON.stringify(request.body).includes('"Sale"'),
  );
const appointmentOf = (personId: number) => so.appointments().find((appointment) => appointment.personId === personId);

describe("SuperOffice: an appointment is linked to its company's only open sale (LINK_DEAL / linkSale)", () => {
  it('the receiver: one open sale (sold and lost ignored) is linked; two open are not; the trace says so', async () => {
    const { acmeOpen } = seedSales();
    const report = await connector({ linkSale: true }).deliver(
      buildSummary({ participants }),
      superOfficeDeliverOptions({ linkDeal: true }),
    );
    expect(report.outcomes.map((outcome) => outcome.outcome)).toEqual(['written', 'written']);
    expect(appointmentOf(ids.persons.anna)?.saleId).toBe(acmeOpen);
    expect(appointmentOf(ids.persons.erik)?.saleId).toBe(0);
    expect(report.outcomes[0]?.trace).toContain(
      `→ sale ${acmeOpen} linked (company ${ids.contacts.acme}'s only open sale) → appointment`,
    );
    expect(report.outcomes[1]?.trace).toContain(`→ company ${ids.contacts.fjallbo} has 2 open sales → not linked`);
    // One lookup per company.
    expect(saleArchiveRequests()).toHaveLength(2);
  });

  it('a company without an open sale gets no link; with linking off no sale is looked up', async () => {
    so.addSale({ contactId: ids.contacts.acme, heading: 'Acme 2025', status: 'Sold' });
    const linking = await connector().deliver(
      buildSummary({ participants: [participants[0]!] }),
      superOfficeDeliverOptions({ linkDeal: true }),
    );
    expect(linking.outcomes[0]?.trace).toContain(`company ${ids.contacts.acme} has no open sale → not linked`);
    expect(appointmentOf(ids.persons.anna)?.saleId).toBe(0);
    const before = saleArchiveRequests().length;
    const off = await connector().deliver(
      buildSummary({ participants: [participants[0]!] }),
      superOfficeDeliverOptions(),
    );
    expect(off.outcomes[0]?.trace).not.toContain('sale');
    expect(saleArchiveRequests()).toHaveLength(before);
  });

  it('the endpoint script (the shared adapter) links the only open sale when linkSale is set', async () => {
    const { acmeOpen } = seedSales();
    const script = withConfig(
      withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']"),
      'linkSale',
      'true',
    );
    const answer = await runScript(script, webApiFor(so.baseUrl, 'test-token'), {
      body: JSON.stringify(buildPayload({ participants })),
    });
    expect(answer.status).toBe(200);
    expect(appointmentOf(ids.persons.anna)?.saleId).toBe(acmeOpen);
    expect(appointmentOf(ids.persons.erik)?.saleId).toBe(0);
  });

  it('with linkSale, Test Integration names a missing right to read sales', async () => {
    so.setNewTableRight('sale', []);
    const base = withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']");
    const test = (script: string) =>
      runScript(script, webApiFor(so.baseUrl, 'test-token'), { body: JSON.stringify({ event: 'integration.test' }) });
    expect((await test(base)).status).toBe(200);
    const linking = await test(withConfig(base, 'linkSale', 'true'));
    expect(linking.status).toBe(500);
    expect(JSON.stringify(linking.body)).toContain('may not read sales');
  });

  it('the emulator refuses a sale that does not exist or belongs to another company, as a stricter SuperOffice', async () => {
    const { acmeOpen } = seedSales();
    const save = (sale: number, contactId: number) =>
      fetch(`${so.baseUrl}/api/v1/Agents/Appointment/SaveAppointmentEntity`, {
        method: 'POST',
        headers: { authorization: 'SOTicket test-token', 'content-type': 'application/json' },
        body: JSON.stringify({
          AppointmentId: 0,
          StartDate: '2026-01-02T10:00:00',
          EndDate: '2026-01-02T11:00:00',
          Associate: { AssociateId: ids.associates.sara },
          Task: { TaskListItemId: ids.tasks.meeting },
          Contact: { ContactId: contactId },
          Sale: { SaleId: sale },
        }),
      });
    expect((await save(999_999, ids.contacts.acme)).status).toBe(400);
    expect((await save(acmeOpen, ids.contacts.fjallbo)).status).toBe(400);
    expect((await save(acmeOpen, ids.contacts.acme)).status).toBe(200);
  });
});

describe('SuperOffice: the task type by meeting type (HISTORY_TYPE_MAP / taskTypeMap)', () => {
  it('the receiver files a phone call with the mapped task type, other meetings with the configured one', async () => {
    const mapped = connector({ taskTypeMap: mapOf('medium:call=Phone') });
    await mapped.deliver(
      buildSummary({ medium: 'call', participants: [participants[0]!] }),
      superOfficeDeliverOptions(),
    );
    await mapped.deliver(
      buildSummary({ medium: 'video', participants: [participants[1]!] }),
      superOfficeDeliverOptions(),
    );
    expect(appointmentOf(ids.persons.anna)?.taskListItemId).toBe(ids.tasks.phone);
    expect(appointmentOf(ids.persons.erik)?.taskListItemId).toBe(ids.tasks.meeting);
  });

  it('the script files a phone call with the task type its taskTypeMap names', async () => {
    const script = withConfig(
      withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']"),
      'taskTypeMap',
      "'medium:call=phone'",
    );
    const answer = await runScript(script, webApiFor(so.baseUrl, 'test-token'), {
      body: JSON.stringify(buildPayload({ medium: 'call', participants: [participants[0]!] })),
    });
    expect(answer.status).toBe(200);
    expect(appointmentOf(ids.persons.anna)?.taskListItemId).toBe(ids.tasks.phone);
  });

  it('an unknown task type in the map fails Test connection and the delivery, naming the entry and the types offered', async () => {
    const mapped = connector({ taskTypeMap: mapOf('medium:call=Phone call') });
    const check = await mapped.testConnection();
    expect(check).toMatchObject({ ok: false, code: 'schema_mismatch' });
    expect(check.steps.at(-1)?.message).toContain(
      'Task type map medium:call=Phone call: "Phone call" is not a task type SuperOffice offers (offered: Meeting, Phone, Note, Other).',
    );
    await expect(
      mapped.deliver(buildSummary({ medium: 'call', participants: [participants[0]!] }), superOfficeDeliverOptions()),
    ).rejects.toMatchObject({ code: 'schema_mismatch' });
    expect(so.appointments()).toHaveLength(0);
  });

  it("the script's Test Integration names an unknown task type of taskTypeMap, and a bad entry is refused", async () => {
    const base = withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']");
    const unknown = await runScript(
      withConfig(base, 'taskTypeMap', "'medium:call=Phone call'"),
      webApiFor(so.baseUrl, 'test-token'),
      {
        body: JSON.stringify({ event: 'integration.test' }),
      },
    );
    expect(unknown.status).toBe(500);
    expect(JSON.stringify(unknown.body)).toContain(
      'Task type map medium:call=Phone call: \\"Phone call\\" is not a task type SuperOffice offers',
    );
    const bad = await runScript(
      withConfig(base, 'taskTypeMap', "'medum:call=Phone'"),
      webApiFor(so.baseUrl, 'test-token'),
      {
        body: JSON.stringify({ event: 'integration.test' }),
      },
    );
    expect(bad.status).toBe(500);
    expect(JSON.stringify(bad.body)).toContain(
      'taskTypeMap entry 1 \\"medum:call=Phone\\": \\"medum\\" is neither medium nor conversation_type',
    );
  });
});
