import { createServer } from 'node:net';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as webapi from '@superoffice/webapi';
import { CrmError } from '../../src/crm/crmError';
import type { RequestBudget, RequestPurpose } from '../../src/crm/requestBudget';
import type { DemoDataIds, SuperOfficeEmulator } from '../../src/sandbox/superoffice';
import { webApiSession, type SuperOfficeConnector } from '../../src/superoffice-addon';
import { buildParticipant, buildSummary, summaryOf, loadFixture } from '../support/payloads';
import {
  SO_TOKEN,
  startSeededSuperOffice,
  superOfficeConnectorFor,
  superOfficeDeliverOptions,
} from '../support/superOffice';

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

const deliver = (summary = buildSummary(), overrides = {}) =>
  connector.deliver(summary, superOfficeDeliverOptions(overrides));
const failureOf = async (promise: Promise<unknown>): Promise<CrmError> => {
  const error: unknown = await promise.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  if (!(error instanceof CrmError)) throw new Error(`expected a CrmError, got ${String(error)}`);
  return error;
};
const writes = () => so.requests.filter((request) => /\/(Save|Add|Delete|Set)\w*$/u.test(request.path));

describe('SuperOfficeConnector.deliver (real @superoffice/webapi agents, over HTTP)', () => {
  it('matches by e-mail and by mobile, one completed appointment each, owned by the presenter', async () => {
    const report = await deliver(summaryOf(loadFixture('meeting-with-colleagues')));
    expect(report.outcomes.map((outcome) => [outcome.participantIndex, outcome.outcome])).toEqual([
      [0, 'internal'],
      [1, 'written'],
      [2, 'written'],
      [3, 'internal'],
      [4, 'internal'],
    ]);
    const appointments = so.appointments();
    expect(appointments.map((a) => a.personId).sort()).toEqual([ids.persons.anna, ids.persons.lars].sort());
    for (const appointment of appointments) {
      expect(appointment).toMatchObject({
        completed: 'Completed',
        type: 'inDiary',
        associateId: ids.associates.sara,
        contactId: ids.contacts.acme,
        taskListItemId: ids.tasks.meeting,
      });
      expect(Date.parse(appointment.startDate)).toBe(Date.parse('2026-11-20T09:00:00Z'));
    }
    expect(report.outcomes[1]).toMatchObject({ noteId: expect.any(Number), personId: expect.any(Number) });
  });

  it('a mobile number in another format, a direct phone, and a switchboard number (a company: nothing written)', async () => {
    const report = await deliver(
      buildSummary({
        participants: [
          { name: 'Caller', phone: '+46701234567', role: 'customer' },
          { phone: '031-12 34 56', role: 'customer' },
          { phone: '08-555 000 00', role: 'customer' },
        ],
      }),
    );
    expect(report.outcomes).toEqual([
      expect.objectContaining({ outcome: 'written', personId: ids.persons.anna, matchedBy: 'mobile' }),
      expect.objectContaining({ outcome: 'written', personId: ids.persons.erik }),
      expect.objectContaining({ outcome: 'ambiguous', companyId: ids.contacts.acme }),
    ]);
    expect(so.appointments()).toHaveLength(2);
  });

  it("the presenter's associate owns the appointment; a presenter who is no user leaves the default owner", async () => {
    await deliver(
      buildSummary({
        user: { name: 'Petra Support', email: 'petra@seller.se' },
        participants: [buildParticipant({ email: 'anna.andersson@acme.se' })],
      }),
    );
    expect(so.appointments()[0]).toMatchObject({ associateId: ids.associates.petra });
    await connector.close();
    connector = superOfficeConnectorFor(so, { defaultAssociateId: ids.associates.petra });
    await deliver(
      buildSummary({
        user: { name: 'Guest', email: 'guest@elsewhere.se' },
        participants: [buildParticipant({ email: 'erik.ek@fjallbo.se' })],
      }),
    );
    expect(so.appointments()[1]).toMatchObject({ personId: ids.persons.erik, associateId: ids.associates.petra });
  });

  it('create-missing off: no_match, nothing created; on: company, person and appointment', async () => {
    const summary = buildSummary({
      participants: [buildParticipant({ name: 'Nils Ny', email: 'nils@nykund.se', company: 'Nykund AB' })],
    });
    const off = await deliver(summary);
    expect(off.outcomes[0]).toMatchObject({ outcome: 'no_match' });
    expect(so.persons().some((person) => person.emails.includes('nils@nykund.se'))).toBe(false);
    const on = await deliver(summary, { createMissingContacts: true });
    expect(on.outcomes[0]).toMatchObject({
      outcome: 'written',
      matchedBy: 'created',
      created: { company: true, person: true },
    });
    const nils = so.persons().find((person) => person.emails.includes('nils@nykund.se'));
    expect(so.contacts().find((contact) => contact.contactId === nils?.contactId)?.name).toBe('Nykund AB');
    expect(so.appointments()).toEqual([expect.objectContaining({ personId: nils?.personId })]);
  });

  it('a dry run matches but writes nothing, and previews the text', async () => {
    const summary = buildSummary({
      participants: [
        buildParticipant({ email: 'anna.andersson@acme.se' }),
        buildParticipant({ email: 'new@nykund.se' }),
      ],
    });
    so.clearRequests();
    const report = await deliver(summary, { dryRun: true, createMissingContacts: true });
    expect(report.outcomes).toEqual([
      expect.objectContaining({ outcome: 'would_write', personId: ids.persons.anna }),
      expect.objectContaining({ outcome: 'would_write', wouldCreate: { company: true, person: true } }),
    ]);
    expect(report.preview?.title).toContain('Offer review — Acme');
    expect(report.preview?.text).toContain('three-year term');
    expect(writes()).toEqual([]);
    expect(so.appointments()).toEqual([]);
    expect(so.persons().some((person) => person.emails.includes('new@nykund.se'))).toBe(false);
  });

  it('in Swedish: the appointments speak Swedish, the title stays the seed format; a dry run previews the same', async () => {
    const summary = summaryOf(loadFixture('meeting-with-colleagues'));
    const preview = await deliver(summary, { dryRun: true, noteLanguage: 'sv' });
    expect(preview.preview?.text.split('\n').slice(0, 2)).toEqual([
      'Möte: 2026-11-20 10:00–10:45 (Europe/Stockholm) · Microsoft Teams',
      'Detaljer: sales · video · 45 min · Stämning: positive · Avdelning: Enterprise Sales',
    ]);

    await deliver(summary, { noteLanguage: 'sv' });
    const appointments = so.appointments();
    expect(appointments).toHaveLength(2);
    for (const appointment of appointments) {
      expect(appointment.description).toBe(preview.preview?.text);
      expect(appointment.description).toContain(
        '\n\nDeltagare:\n- Sara Säljare, sara.saljare@seller.se (presentatör)\n',
      );
      expect(appointment.description).toContain('\n\nLänkar:\n- Sessionen i DCI: https://');
      expect(appointment.description).toContain('\n\nAnteckningar:\n');
      expect(appointment.description).toContain('\n\nSammanfattning:\n');
      expect(appointment.description).toMatch(/\n\nDCI reference: dci-conversation:\S+$/u);
    }
    expect(preview.preview?.title).toBe('Conversation Summary | Sara Säljare | Offer review — Acme | 2026-11-20 10:00');
  });

  it('delivering the same conversation twice: one appointment per person, the second time updated', async () => {
    const summary = summaryOf(loadFixture('meeting-with-colleagues'));
    const first = await deliver(summary);
    const second = await deliver(summary);
    expect(so.appointments()).toHaveLength(2);
    expect(second.outcomes.filter((o) => o.outcome === 'updated').map((o) => o.noteId)).toEqual(
      first.outcomes.filter((o) => o.outcome === 'written').map((o) => o.noteId),
    );
    expect(so.foreignKeys()).toHaveLength(2);
  });

  it('apiCalls is the number of requests SuperOffice saw, also when the foreign device is already known', async () => {
    so.clearRequests();
    const first = await deliver(summaryOf(loadFixture('meeting-with-colleagues')));
    expect(first.apiCalls).toBe(so.requests.length);
    so.clearRequests();
    const second = await deliver(buildSummary({ participants: [buildParticipant({ email: 'erik.ek@fjallbo.se' })] }));
    expect(second.apiCalls).toBe(so.requests.length);
    // The application and device were seen by the first delivery: the second does not look them up again.
    expect(so.requests.filter((request) => /GetAppByName|GetDeviceByIdentifier/u.test(request.path))).toEqual([]);
  });

  it('spends the request budget per request, as deliveries and probes, and hears of a 429', async () => {
    const taken: RequestPurpose[] = [];
    let answered = 0;
    const limited: Array<number | undefined> = [];
    const budget: RequestBudget = {
      take: (purpose) => {
        taken.push(purpose);
        return Promise.resolve(() => {
          answered += 1;
        });
      },
      rateLimited: (ms) => limited.push(ms),
    };
    await connector.close();
    connector = superOfficeConnectorFor(so, { budget });
    so.clearRequests();
    const report = await deliver(buildSummary({ participants: [buildParticipant({ email: 'erik.ek@fjallbo.se' })] }));
    expect(taken).toEqual(Array.from({ length: report.apiCalls }, () => 'delivery'));
    expect(answered).toBe(report.apiCalls);
    taken.length = 0;
    await connector.probe();
    expect(taken).toEqual(['probe']);
    so.failNext(1, { kind: 'status', status: 429, retryAfterSec: 7 });
    await expect(connector.probe()).rejects.toMatchObject({ code: 'rate_limited' });
    expect(limited).toEqual([7000]);
  });
});

describe('SuperOfficeConnector failures → CrmError', () => {
  const summary = () => buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });

  it('429 with Retry-After → rate_limited with the wait; 503 → server_error; both name the operation', async () => {
    so.failNext(1, { kind: 'status', status: 429, retryAfterSec: 30 });
    const limited = await failureOf(deliver(summary()));
    expect(limited).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 30_000 });
    expect(limited.operation).toBe('POST Agents/Appointment/GetTaskListItems');
    so.failNext(1, { kind: 'status', status: 503 });
    expect(await failureOf(deliver(summary()))).toMatchObject({ code: 'server_error', status: 503 });
  });

  it("SuperOffice's own message is the detail, never the message", async () => {
    so.failNext(1, {
      kind: 'status',
      status: 400,
      body: { Message: 'Person anna.andersson@acme.se is locked', ExceptionType: 'ArgumentException' },
    });
    const failure = await failureOf(deliver(summary()));
    expect(failure).toMatchObject({ code: 'bad_request', detail: expect.stringContaining('is locked') });
    expect(failure.message).not.toContain('acme.se');
  });

  it('no answer within the timeout → timeout; a dropped connection → connection_reset', async () => {
    await connector.close();
    connector = superOfficeConnectorFor(so, { timeoutMs: 200 });
    so.failNext(1, { kind: 'delay', ms: 1_000 });
    expect(await failureOf(deliver(summary()))).toMatchObject({ code: 'timeout' });
    so.failNext(1, { kind: 'drop' });
    expect(await failureOf(deliver(summary()))).toMatchObject({ code: 'connection_reset' });
  });

  it('a wrong ticket → unauthorized, the ticket in no message; 421 → wrong_host; an abort → aborted', async () => {
    await connector.close();
    connector = superOfficeConnectorFor(so, { credentials: { kind: 'ticket', ticket: 'wrong-secret-ticket' } });
    const refused = await failureOf(deliver(summary()));
    expect(refused).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(`${refused.message} ${refused.detail ?? ''}`).not.toContain('wrong-secret-ticket');
    await connector.close();
    connector = superOfficeConnectorFor(so);
    so.failNext(1, { kind: 'status', status: 421, body: { Message: 'Wrong subdomain used to access tenant' } });
    expect(await failureOf(deliver(summary()))).toMatchObject({ code: 'wrong_host', status: 421 });
    const controller = new AbortController();
    controller.abort();
    expect(await failureOf(deliver(summary(), { signal: controller.signal }))).toMatchObject({ code: 'aborted' });
    expect(so.appointments()).toEqual([]);
  });

  it('an answer that is not JSON → bad_response', async () => {
    so.failNext(1, { kind: 'status', status: 200, body: '<html>Sign in</html>' });
    expect(await failureOf(deliver(summary()))).toMatchObject({ code: 'bad_response' });
  });
});

describe('SuperOfficeConnector.testConnection', () => {
  it('passes on a good tenant, offering its task types', async () => {
    const check = await connector.testConnection();
    expect(check).toMatchObject({ ok: true, noteMaxLength: 2047 });
    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['reach', true],
      ['authenticate', true],
      ['permissions', true],
      ['schema', true],
    ]);
    expect(check.noteTypes?.map((type) => type.key)).toEqual(['Meeting', 'Phone', 'Note', 'Other']);
  });

  it('nothing listening → reach fails, saying to check host and port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await connector.close();
    connector = superOfficeConnectorFor(so, { baseUrl: `http://127.0.0.1:${port}/Cust12345` });
    const check = await connector.testConnection();
    expect(check).toMatchObject({ ok: false, code: 'connection_refused' });
    expect(check.steps).toEqual([{ step: 'reach', ok: false, message: expect.stringContaining('host and port') }]);
  });

  it('421 → reach fails, naming the numbered host', async () => {
    so.failNext(1, { kind: 'status', status: 421, body: { Message: 'Wrong subdomain used to access tenant' } });
    const check = await connector.testConnection();
    expect(check).toMatchObject({ ok: false, code: 'wrong_host' });
    expect(check.steps[0]?.message).toContain('online3');
  });

  it('a wrong ticket → authenticate fails, naming the kind of credentials', async () => {
    await connector.close();
    connector = superOfficeConnectorFor(so, { credentials: { kind: 'ticket', ticket: 'nope' } });
    const check = await connector.testConnection();
    expect(check).toMatchObject({ ok: false, code: 'unauthorized' });
    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['reach', true],
      ['authenticate', false],
    ]);
    expect(check.steps[1]?.message).toContain('ticket');
    expect(check.steps[1]?.message).not.toContain('nope');
  });

  it('a missing right → permissions fails, naming the right and table', async () => {
    so.setNewTableRight('foreignkey', ['Select']);
    const check = await connector.testConnection();
    expect(check).toMatchObject({ ok: false, code: 'forbidden' });
    expect(check.steps.at(-1)).toMatchObject({
      step: 'permissions',
      ok: false,
      message: expect.stringContaining('add foreign keys'),
    });
  });

  it('a task type that does not exist → schema fails, listing the offered ones; a retired default owner too', async () => {
    await connector.close();
    const retired = so.addAssociate({ personId: ids.persons.erik, name: 'ERIK', deleted: true });
    connector = superOfficeConnectorFor(so, { taskTypeName: 'Möte', defaultAssociateId: retired });
    const check = await connector.testConnection();
    expect(check).toMatchObject({ ok: false, code: 'schema_mismatch' });
    const schema = check.steps.at(-1);
    expect(schema).toMatchObject({ step: 'schema', ok: false });
    expect(schema?.message).toContain('"Möte"');
    expect(schema?.message).toContain('Meeting, Phone, Note, Other');
    expect(schema?.message).toContain('retired');
    await expect(
      deliver(buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] })),
    ).rejects.toMatchObject({
      code: 'schema_mismatch',
    });
  });
});

describe('two tenants in one process', () => {
  it("never send each other's credentials, even after the package's global options were set by someone else", async () => {
    const other = await startSeededSuperOffice({ tokens: ['tenant-b-ticket'], customerId: 'Cust777' });
    // Another part of the process built an agent the package's way first: its options become the package's
    // process-wide defaults (WebApiBase._global_options), with tenant A's header.
    new webapi.PersonAgent({ baseUrl: so.baseUrl, axiosConfig: { headers: { Authorization: `Bearer ${SO_TOKEN}` } } });
    const b = superOfficeConnectorFor(other.so, {
      credentials: { kind: 'ticket', ticket: 'tenant-b-ticket', appToken: 'app-b' },
    });
    try {
      const meeting = buildSummary({ participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] });
      await Promise.all([deliver(meeting), b.deliver(meeting, superOfficeDeliverOptions())]);
      expect(so.requests.length).toBeGreaterThan(0);
      expect(other.so.requests.length).toBeGreaterThan(0);
      expect(new Set(so.requests.map((request) => request.token))).toEqual(new Set([SO_TOKEN]));
      expect(new Set(other.so.requests.map((request) => request.token))).toEqual(new Set(['tenant-b-ticket']));
      expect(so.appointments()).toHaveLength(1);
      expect(other.so.appointments()).toHaveLength(1);
    } finally {
      await b.close();
      await other.so.close();
    }
  });
});

describe('webApiSession', () => {
  it('on a 401, asks the authorizer again once when it says that may help', async () => {
    const tickets = ['expired-ticket', SO_TOKEN];
    let rejectedCalls = 0;
    const session = webApiSession(
      {
        baseUrl: so.baseUrl,
        authorizer: {
          headers: () => Promise.resolve({ Authorization: `SOTicket ${tickets[0]}` }),
          rejected: () => {
            rejectedCalls += 1;
            tickets.shift();
            return true;
          },
          describe: () => 'a test ticket',
        },
        httpAgent: new HttpAgent(),
        httpsAgent: new HttpsAgent(),
        timeoutMs: 2_000,
      },
      'delivery',
    );
    so.clearRequests();
    const items = await session.agents.appointment.getTaskListItemsAsync(false);
    expect(items.length).toBeGreaterThan(0);
    expect(so.requests.map((request) => [request.status, request.token])).toEqual([
      [401, 'expired-ticket'],
      [200, SO_TOKEN],
    ]);
    expect(rejectedCalls).toBe(1);
    expect(session.calls()).toBe(2);
  });

  it('a 401 the authorizer cannot help is not retried', async () => {
    const session = webApiSession(
      {
        baseUrl: so.baseUrl,
        authorizer: {
          headers: () => Promise.resolve({ Authorization: 'SOTicket revoked' }),
          rejected: () => true,
          describe: () => 'a test ticket',
        },
        httpAgent: new HttpAgent(),
        httpsAgent: new HttpsAgent(),
        timeoutMs: 2_000,
      },
      'delivery',
    );
    so.clearRequests();
    await expect(session.agents.appointment.getTaskListItemsAsync(false)).rejects.toMatchObject({
      response: { status: 401 },
    });
    expect(so.requests.map((request) => request.status)).toEqual([401, 401]);
  });
});

describe('SuperOfficeConnector refuses plain http where credentials would go in clear', () => {
  const systemUser = {
    kind: 'system_user' as const,
    clientId: 'c',
    clientSecret: 'client-secret-in-clear',
    privateKeyPem: 'unused: the constructor refuses first',
    systemUserToken: 't',
  };
  it.each([
    [
      'Online over http, even with a fixed ticket',
      'http://online3.superoffice.com/Cust12345',
      { kind: 'ticket', ticket: 't' },
    ],
    ['a system user over http to an Onsite-like host', 'http://crm.example.com/SuperOffice', systemUser],
  ] as const)('%s', (_name, baseUrl, credentials) => {
    expect(() => superOfficeConnectorFor(so, { baseUrl, credentials })).toThrow(/^Refusing plain http: .*https:\/\//u);
  });

  it('a system user whose login URL is plain http (not loopback) is refused, naming https', () => {
    expect(() =>
      superOfficeConnectorFor(so, {
        baseUrl: 'https://online3.superoffice.com/Cust12345',
        credentials: { ...systemUser, loginUrl: 'http://online.superoffice.com/login' },
      }),
    ).toThrow(/online\.superoffice\.com.*https:\/\//u);
  });

  it('allows http to loopback (the emulator) and basic auth to an Onsite host over http', async () => {
    const onsite = superOfficeConnectorFor(so, {
      baseUrl: 'http://crm.example.com/SuperOffice',
      credentials: { kind: 'basic', username: 'u', password: 'p' },
    });
    await onsite.close();
    expect(so.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:/u);
    expect((await connector.deliver(buildSummary(), superOfficeDeliverOptions())).outcomes.length).toBeGreaterThan(0);
  });
});
