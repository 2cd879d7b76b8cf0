import { referenceLine } from '../../src/core';
import { seedDemoData, startSuperOfficeEmulator, type SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { buildParticipant, buildPayload, loadFixture } from '../support/payloads';
import { buildSuperOfficeScript, webApiFor, runScript, withConfig } from '../support/superOfficeScript';

const TOKEN = 'test-token';
let script: string;
let so: SuperOfficeEmulator;
let ids: Awaited<ReturnType<typeof seedDemoData>>;

beforeAll(() => {
  script = withConfig(buildSuperOfficeScript(), 'internalDomains', "['seller.se']");
});
beforeEach(async () => {
  so = await startSuperOfficeEmulator({ tokens: [TOKEN] });
  ids = seedDemoData(so);
});
afterEach(() => so.close());

const run = (payload: unknown, text = script) =>
  runScript(text, webApiFor(so.baseUrl, TOKEN), { body: JSON.stringify(payload) });
const results = (body: Record<string, unknown>) => body['results'] as Array<Record<string, unknown>>;

describe('the built SuperOffice script', () => {
  it('contains no require( or import, and runs with only context and soApi defined', async () => {
    expect(script).not.toMatch(/\brequire\(/u);
    expect(script).not.toMatch(/^\s*import[\s{*]/mu);
    const answer = await run({ event: 'integration.test' });
    expect(answer).toEqual({ status: 200, body: expect.objectContaining({ ok: true, test: true }) });
  });

  it('works whether the runtime gives soApi as a global or binds it in the script scope', async () => {
    const payload = buildPayload({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    const answer = await runScript(script, webApiFor(so.baseUrl, TOKEN), {
      body: JSON.stringify(payload),
      rtlBinding: 'lexical',
    });
    expect(answer.status).toBe(200);
    expect(so.appointments()).toHaveLength(1);
  });

  it("DCI's Test Integration call answers 200 and writes nothing", async () => {
    await run({ event: 'integration.test' });
    expect(so.appointments()).toEqual([]);
  });

  it('a meeting: customers matched by e-mail and by mobile get one completed appointment each, owned by the presenter', async () => {
    const payload = loadFixture('meeting-with-colleagues');
    const answer = await run(payload);
    expect(answer.status).toBe(200);
    const byIndex = results(answer.body).map((r) => [(r['participant'] as { index: number }).index, r['outcome']]);
    expect(byIndex).toEqual([
      [0, 'internal'],
      [1, 'written'],
      [2, 'written'],
      [3, 'internal'],
      [4, 'internal'],
    ]);
    const appointments = so.appointments();
    expect(appointments).toHaveLength(2);
    for (const appointment of appointments) {
      expect(appointment).toMatchObject({
        title: 'Conversation Summary | Sara Säljare | Offer review — Acme | 2026-11-20 10:00',
        completed: 'Completed',
        type: 'inDiary',
        location: 'Microsoft Teams',
        associateId: ids.associates.sara,
        contactId: ids.contacts.acme,
      });
      expect(appointment.description).toContain(referenceLine('7b0c4e2a-5d1f-4c3b-9a8e-2f6d1c0b9a71'));
      expect(appointment.description.length).toBeLessThanOrEqual(2047);
      expect(Date.parse(appointment.startDate)).toBe(Date.parse('2026-11-20T09:00:00Z'));
      expect(Date.parse(appointment.endDate)).toBe(Date.parse('2026-11-20T09:45:00Z'));
    }
    expect(appointments.map((a) => a.personId).sort()).toEqual([ids.persons.anna, ids.persons.lars].sort());
  });

  it('a mobile number written in another format than stored matches, with the trace saying so', async () => {
    const answer = await run(
      buildPayload({ participants: [{ name: 'Caller', phone: '+46701234567', role: 'customer' }] }),
    );
    expect(results(answer.body)[0]).toMatchObject({
      outcome: 'written',
      personId: ids.persons.anna,
      trace: expect.stringContaining('mobile +46701234567'),
    });
  });

  it("the presenter's SuperOffice user owns the appointment", async () => {
    await run(
      buildPayload({
        user: { name: 'Petra Support', email: 'petra@seller.se' },
        participants: [buildParticipant({ email: 'anna.andersson@acme.se' })],
      }),
    );
    expect(so.appointments()[0]).toMatchObject({ associateId: ids.associates.petra, personId: ids.persons.anna });
  });

  it('a direct phone matches by phone', async () => {
    const answer = await run(buildPayload({ participants: [{ phone: '031-12 34 56', role: 'customer' }] }));
    expect(results(answer.body)[0]).toMatchObject({ outcome: 'written', personId: ids.persons.erik });
  });

  it("a company's switchboard number picks no person: one appointment on the company alone (company notes)", async () => {
    const answer = await run(buildPayload({ participants: [{ phone: '08-555 000 00', role: 'customer' }] }));
    expect(results(answer.body)[0]).toMatchObject({ outcome: 'company_note', contactId: ids.contacts.acme });
    expect(so.appointments().map((appointment) => [appointment.personId, appointment.contactId])).toEqual([
      [0, ids.contacts.acme],
    ]);
  });

  it('with companyNotes: false in the configuration block, a switchboard number writes nothing (the old behaviour)', async () => {
    const answer = await run(
      buildPayload({ participants: [{ phone: '08-555 000 00', role: 'customer' }] }),
      withConfig(script, 'companyNotes', 'false'),
    );
    expect(results(answer.body)[0]).toMatchObject({ outcome: 'ambiguous', contactId: ids.contacts.acme });
    expect(so.appointments()).toEqual([]);
  });

  it('no match: nothing written, and the trace says creating contacts is off', async () => {
    const answer = await run(buildPayload({ participants: [buildParticipant({ email: 'nils@nykund.se' })] }));
    expect(results(answer.body)[0]).toMatchObject({
      outcome: 'no_match',
      trace: expect.stringContaining('creating contacts is off'),
    });
    expect(so.appointments()).toEqual([]);
  });

  it('with createMissingContacts: true, a new customer gets a company, a person and the appointment', async () => {
    const creating = withConfig(script, 'createMissingContacts', 'true');
    const payload = buildPayload({
      participants: [
        { name: 'Nils Ny', email: 'nils@nykund.se', phone: '070-765 43 21', company: 'Nykund AB', role: 'customer' },
      ],
    });
    const answer = await run(payload, creating);
    const [result] = results(answer.body);
    expect(result).toMatchObject({ outcome: 'written' });
    const person = so.persons().find((p) => p.personId === result?.['personId']);
    expect(person).toMatchObject({ firstname: 'Nils', lastname: 'Ny', emails: ['nils@nykund.se'] });
    expect(so.contacts().find((c) => c.contactId === result?.['contactId'])).toMatchObject({ name: 'Nykund AB' });
  });

  it('a re-sent conversation updates the appointments already written instead of adding new ones', async () => {
    const payload = loadFixture('meeting-with-colleagues');
    await run(payload);
    const conversation = (payload['data'] as { conversation: Record<string, unknown> }).conversation;
    conversation['summary'] = 'Regenerated summary text.';
    const again = await run(payload);
    expect(results(again.body).filter((r) => r['outcome'] === 'updated')).toHaveLength(2);
    const appointments = so.appointments();
    expect(appointments).toHaveLength(2);
    for (const appointment of appointments) expect(appointment.description).toContain('Regenerated summary text.');
  });

  it('an invalid payload is a 400 with the same issue list as the receiver', async () => {
    const answer = await run(buildPayload({ title: '', date: '2026-11-20T09:00:00' }));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_payload',
        issues: expect.arrayContaining([{ path: '$.data.conversation.title', message: 'must not be empty' }]),
      },
    });
  });

  it('a PUT is a 405', async () => {
    const answer = await runScript(script, webApiFor(so.baseUrl, TOKEN), {
      body: '',
      cgiVariables: { REQUEST_METHOD: 'PUT' },
    });
    expect(answer).toMatchObject({ status: 405, body: { ok: false, error: { code: 'method_not_allowed' } } });
  });

  it('when SuperOffice answers 500, the script answers 500 with a code and no personal data', async () => {
    so.failNext(1, { kind: 'status', status: 500 });
    const answer = await run(buildPayload({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] }));
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ ok: false, error: { code: 'superoffice_error' } });
    expect(JSON.stringify(answer.body)).not.toContain('anna.andersson@acme.se');
  });

  it('when recording the foreign key fails, the appointment is taken back, so the retry writes exactly one', async () => {
    // Learn which request records the key: the last one of a one-customer meeting, once the foreign application
    // and device exist (the first meeting creates them). Each meeting has a customer with no other appointment that
    // day, so each makes the same requests (the search for an unkeyed appointment reads every one it finds).
    await run(buildPayload({ participants: [buildParticipant({ email: 'lars.oberg@acme.se' })] }));
    so.clearRequests();
    await run(buildPayload({ participants: [buildParticipant({ email: 'erik.ek@fjallbo.se' })] }));
    const requests = so.requests.map((entry) => entry.path);
    expect(requests.at(-1)).toContain('ForeignSystem/AddForeignKey');
    so.failNext(requests.length - 1, { kind: 'delay', ms: 0 });
    so.failNext(1, { kind: 'status', status: 500 });

    const payload = buildPayload({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
    const first = await run(payload);
    expect(first).toMatchObject({ status: 500, body: { error: { code: 'superoffice_error' } } });
    expect(so.appointments().filter((a) => a.personId === ids.persons.anna)).toHaveLength(0);
    const retry = await run(payload);
    expect(retry.status).toBe(200);
    expect(so.appointments().filter((a) => a.personId === ids.persons.anna)).toHaveLength(1);
  });

  it('a task type name SuperOffice does not have is a 500 naming the ones it has', async () => {
    const answer = await run(buildPayload(), withConfig(script, 'taskTypeName', "'Möte'"));
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'task_type_not_found' } } });
    expect(JSON.stringify(answer.body)).toContain('Meeting');
  });

  it('an invalid configuration block is a 500 naming the setting', async () => {
    const answer = await run(buildPayload(), withConfig(script, 'phoneRegion', "'Sverige'"));
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'config_invalid' } } });
    expect(JSON.stringify(answer.body)).toContain('phoneRegion');
  });

  it('without the WebAPI library the script says so instead of crashing', async () => {
    const answer = await runScript(script, undefined as unknown as Record<string, unknown>, { body: '{}' });
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'webapi_missing' } } });
  });
});
