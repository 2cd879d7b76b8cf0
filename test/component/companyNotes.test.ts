// Company notes (issue 19 item 1) on both CRMs' emulators over real HTTP: Lime matched live, Lime through the
// receiver's contact index (entries exported from the same emulator), and SuperOffice through the receiver's
// connector (the script's shared adapter on the real @superoffice/webapi agents).
import { findConversationReference, type MeetingSummary, type ParticipantOutcome } from '../../src/core';
import type { ContactIndexEntry, DeliverOptions, DeliveryReport } from '../../src/crm/crmConnector';
import type { LimeRequestView } from '../../src/sandbox/lime';
import type { SuperOfficeEmulator, SuperOfficeRequestView } from '../../src/sandbox/superoffice';
import { startSuperOfficeEmulator } from '../../src/sandbox/superoffice';
import type { SuperOfficeConnector } from '../../src/superoffice-addon';
import { buildSummary, type WireParticipant } from '../support/payloads';
import { closeAll, connectTo, DELIVER, startLime } from '../support/lime';
import { SO_TOKEN, superOfficeConnectorFor, superOfficeDeliverOptions } from '../support/superOffice';

/** One CRM as the tests see it: a tenant seeded alike, a delivery, and the notes on a company alone. */
interface Tenant {
  acme: number;
  beta: number;
  deliver(summary: MeetingSummary, options?: Partial<DeliverOptions>): Promise<DeliveryReport>;
  /** Our notes (appointments) that are on a company and no person. */
  companyNotes(): Array<{ id: number; companyId: number }>;
  /** Every note (appointment) written. */
  allNotes(): number;
  /** Lets the next note write be stored but its answer never arrive. */
  loseNextNoteAnswer(): void;
  close(): Promise<void>;
}

/**
 * Acme AB (switchboard 08-555 000 00) with Anna and Bo at acme.se and a gmail.com address; Beta AB with Cecilia at
 * beta.se; a person at gamma.se without a company.
 */
const SEED = {
  acme: { name: 'Acme AB', phone: '08-555 000 00' },
  beta: { name: 'Beta AB', phone: '031-700 00 00' },
  persons: [
    { firstname: 'Anna', email: 'anna@acme.se', mobile: '070-123 45 67', company: 'acme' },
    { firstname: 'Bo', email: 'bo@acme.se', phone: '08-555 000 10', company: 'acme' },
    { firstname: 'Eva', email: 'eva@acme.se', phone: '08-555 000 10', company: 'acme' },
    { firstname: 'Gunnar', email: 'gunnar@gmail.com', company: 'acme' },
    { firstname: 'Cecilia', email: 'cecilia@beta.se', company: 'beta' },
    { firstname: 'Dan', email: 'dan@beta.se', phone: '031-700 00 10', company: 'beta' },
    { firstname: 'Dora', email: 'dora@acme-group.se', phone: '031-700 00 10', company: 'acme' },
    { firstname: 'Consultant', email: 'c@acme-group.se', company: 'beta' },
    { firstname: 'Loner', email: 'x@gamma.se' },
  ],
} as const;

async function limeTenant(via: 'live' | 'index'): Promise<Tenant> {
  const lime = await startLime();
  const acme = lime.insert('company', SEED.acme);
  const beta = lime.insert('company', SEED.beta);
  for (const person of SEED.persons) {
    lime.insert('person', {
      firstname: person.firstname,
      email: person.email,
      ...('mobile' in person ? { mobilephone: person.mobile } : {}),
      ...('phone' in person ? { phone: person.phone } : {}),
      ...('company' in person ? { company: person.company === 'acme' ? acme : beta } : {}),
    });
  }
  const connector = connectTo(lime);
  const entries: ContactIndexEntry[] = [];
  if (via === 'index')
    for await (const page of connector.exportContacts({ defaultRegion: 'SE' })) entries.push(...page);
  const findIndexedCandidates = (keys: { emails: readonly string[]; phones: readonly string[] }) =>
    Promise.resolve(
      entries.filter(
        (entry) =>
          (entry.email !== undefined && keys.emails.includes(entry.email)) ||
          [entry.mobileE164, entry.phoneE164].some((e164) => e164 !== undefined && keys.phones.includes(e164)),
      ),
    );
  const ours = () =>
    lime.all('history').filter((note) => findConversationReference(String(note['note'])) !== undefined);
  return {
    acme,
    beta,
    deliver: (summary, options = {}) =>
      connector.deliver(summary, {
        ...DELIVER,
        companyNotes: true,
        ...(via === 'index' ? { findIndexedCandidates } : {}),
        ...options,
      }),
    companyNotes: () =>
      ours()
        .filter((note) => note['person'] === null || note['person'] === undefined)
        .map((note) => ({ id: Number(note['_id']), companyId: Number(note['company']) })),
    allNotes: () => ours().length,
    loseNextNoteAnswer: () => {
      const isNote = (request: LimeRequestView) => request.method === 'POST' && request.path.endsWith('/history/');
      const held = lime.hold(isNote, 'after_handling');
      void held.reached.then(() => held.drop());
    },
    close: closeAll,
  };
}

async function superOfficeTenant(): Promise<Tenant> {
  const so: SuperOfficeEmulator = await startSuperOfficeEmulator({ tokens: [SO_TOKEN] });
  so.addTaskListItem({ value: 'Meeting' });
  const acme = so.addContact({ name: SEED.acme.name, phones: [SEED.acme.phone] });
  const beta = so.addContact({ name: SEED.beta.name, phones: [SEED.beta.phone] });
  so.addAssociate({ personId: so.addPerson({ firstname: 'Sara', emails: ['sara@seller.se'] }), name: 'SARA' });
  for (const person of SEED.persons) {
    so.addPerson({
      firstname: person.firstname,
      emails: [person.email],
      ...('mobile' in person ? { mobilePhones: [person.mobile] } : {}),
      ...('phone' in person ? { officePhones: [person.phone] } : {}),
      ...('company' in person ? { contactId: person.company === 'acme' ? acme : beta } : {}),
    });
  }
  const connector: SuperOfficeConnector = superOfficeConnectorFor(so, { timeoutMs: 1_000 });
  return {
    acme,
    beta,
    deliver: (summary, options = {}) =>
      connector.deliver(summary, superOfficeDeliverOptions({ companyNotes: true, ...options })),
    companyNotes: () =>
      so
        .appointments()
        .filter((appointment) => !(appointment.personId > 0))
        .map((appointment) => ({ id: appointment.appointmentId, companyId: appointment.contactId })),
    allNotes: () => so.appointments().length,
    loseNextNoteAnswer: () => {
      const isSave = (request: SuperOfficeRequestView) => request.path.endsWith('/Appointment/SaveAppointmentEntity');
      so.failWhen(once(isSave), { kind: 'lose_answer' });
    },
    close: async () => {
      await connector.close();
      await so.close();
    },
  };
}

function once<T>(match: (request: T) => boolean) {
  let seen = 0;
  return (request: T) => match(request) && ++seen === 1;
}

const meeting = (...participants: WireParticipant[]) =>
  buildSummary({ participants: participants.map((fields) => ({ role: 'customer', ...fields })) });

const outcomeOf = (report: DeliveryReport, index = 0): ParticipantOutcome | undefined =>
  report.outcomes.find((outcome) => outcome.participantIndex === index);

const TENANTS: Array<[string, () => Promise<Tenant>]> = [
  ['Lime (live)', () => limeTenant('live')],
  ['Lime (contact index)', () => limeTenant('index')],
  ['SuperOffice (receiver connector)', superOfficeTenant],
];

describe.each(TENANTS)('company notes on %s', (_name, start) => {
  let tenant: Tenant;
  beforeEach(async () => {
    tenant = await start();
  });
  afterEach(() => tenant.close());

  it("a call through the company's switchboard writes one note on the company alone, the trace saying why", async () => {
    const report = await tenant.deliver(meeting({ name: 'Reception', phone: '08-555 000 00' }));
    const [note] = tenant.companyNotes();
    expect(tenant.companyNotes()).toEqual([{ id: expect.any(Number), companyId: tenant.acme }]);
    expect(outcomeOf(report)).toMatchObject({ outcome: 'company_note', companyId: tenant.acme, noteId: note?.id });
    expect(outcomeOf(report)).not.toHaveProperty('personId');
    expect(outcomeOf(report)?.trace).toMatch(
      new RegExp(
        `main number of company ${tenant.acme} → no person chosen; company ${tenant.acme} only → company \\w+ ${note?.id} written$`,
        'u',
      ),
    );
  });

  it('a number two persons of one company share gives that company a note', async () => {
    const report = await tenant.deliver(meeting({ name: 'Desk', phone: '08-555 000 10' }));
    expect(outcomeOf(report)).toMatchObject({ outcome: 'company_note', companyId: tenant.acme });
    expect(tenant.companyNotes()).toHaveLength(1);
  });

  it('a number persons of two companies share writes nothing', async () => {
    const report = await tenant.deliver(meeting({ name: 'Desk', phone: '031-700 00 10' }));
    expect(outcomeOf(report)).toMatchObject({ outcome: 'ambiguous', companyId: undefined });
    expect(tenant.allNotes()).toBe(0);
  });

  it("an unknown e-mail at acme.se, whose every person works at Acme, writes Acme's note", async () => {
    const report = await tenant.deliver(meeting({ email: 'new.buyer@acme.se' }));
    expect(outcomeOf(report)).toMatchObject({ outcome: 'company_note', companyId: tenant.acme, matchedBy: 'email' });
    expect(outcomeOf(report)?.trace).toMatch(
      new RegExp(`email domain acme.se → 3 persons, all at company ${tenant.acme} → no person chosen`, 'u'),
    );
    expect(tenant.companyNotes()).toEqual([{ id: expect.any(Number), companyId: tenant.acme }]);
  });

  it('a domain with persons at two companies, or without a company, and free mail never name a company', async () => {
    const report = await tenant.deliver(
      meeting({ email: 'new@acme-group.se' }, { email: 'new@gamma.se' }, { email: 'someone.else@gmail.com' }),
    );
    expect(report.outcomes.map((outcome) => outcome.outcome)).toEqual(['no_match', 'no_match', 'no_match']);
    expect(tenant.allNotes()).toBe(0);
  });

  it("the customer's own domain never names a company", async () => {
    const report = await tenant.deliver(meeting({ email: 'new@acme.se' }), { internalDomains: ['acme.se'] });
    expect(outcomeOf(report)?.outcome).toBe('internal');
    expect(tenant.allNotes()).toBe(0);
  });

  it('two participants at one company: one company note; delivered again, it is updated, not written twice', async () => {
    const summary = meeting({ email: 'new@acme.se' }, { name: 'Reception', phone: '08-555 000 00' });
    const first = await tenant.deliver(summary);
    expect(first.outcomes.map((outcome) => outcome.outcome)).toEqual(['company_note', 'company_note']);
    expect(outcomeOf(first, 1)?.noteId).toBe(outcomeOf(first, 0)?.noteId);
    const again = await tenant.deliver(summary, {
      knownCompanyNotes: [{ companyId: tenant.acme, noteId: outcomeOf(first)?.noteId ?? 0 }],
      knownNotesComplete: true,
    });
    expect(outcomeOf(again)?.trace).toMatch(/company \w+ \d+ updated$/u);
    const searched = await tenant.deliver(summary, { knownNotesComplete: false });
    expect(outcomeOf(searched)?.noteId).toBe(outcomeOf(first)?.noteId);
    expect(tenant.companyNotes()).toHaveLength(1);
  });

  it('a company note stored whose answer was lost is found by the retry, not written twice', async () => {
    const summary = meeting({ name: 'Reception', phone: '08-555 000 00' });
    tenant.loseNextNoteAnswer();
    await expect(tenant.deliver(summary)).rejects.toThrow();
    expect(tenant.companyNotes()).toHaveLength(1);
    const retry = await tenant.deliver(summary, { knownNotesComplete: false });
    expect(outcomeOf(retry)).toMatchObject({ outcome: 'company_note', noteId: tenant.companyNotes()[0]?.id });
    expect(tenant.companyNotes()).toHaveLength(1);
  });

  it("with company notes off, nothing is written on a company (today's behaviour)", async () => {
    const report = await tenant.deliver(
      meeting({ name: 'Reception', phone: '08-555 000 00' }, { email: 'x@acme.se' }),
      {
        companyNotes: false,
      },
    );
    // As before company notes: SuperOffice names the switchboard's company (ambiguous), Lime did not search companies.
    expect(report.outcomes.map((outcome) => outcome.outcome)).toEqual([
      expect.stringMatching(/^(ambiguous|no_match)$/u),
      'no_match',
    ]);
    expect(report.outcomes.map((outcome) => outcome.trace)).toEqual([
      expect.stringMatching(
        /→ (nothing written; a switchboard number names a company, not a person|no match; creating contacts is off)$/u,
      ),
      expect.stringMatching(/→ no match; creating contacts is off$/u),
    ]);
    expect(tenant.allNotes()).toBe(0);
  });

  it('a dry run says a company note would be written and writes nothing', async () => {
    const report = await tenant.deliver(meeting({ email: 'new@acme.se' }), { dryRun: true });
    expect(outcomeOf(report)).toMatchObject({ outcome: 'would_write', companyId: tenant.acme });
    expect(outcomeOf(report)?.personId).toBeUndefined();
    expect(outcomeOf(report)?.trace).toMatch(/a company \w+ would be written \(dry run: nothing written\)$/u);
    expect(tenant.allNotes()).toBe(0);
  });

  it('creating contacts: an unknown e-mail at acme.se becomes a person at Acme, who gets the note', async () => {
    const report = await tenant.deliver(meeting({ email: 'new@acme.se', name: 'Nina Ny', company: 'Acme Sverige' }), {
      createMissingContacts: true,
    });
    expect(outcomeOf(report)).toMatchObject({ outcome: 'written', matchedBy: 'created', companyId: tenant.acme });
    expect(outcomeOf(report)?.created).toEqual({ company: false, person: true });
    expect(tenant.companyNotes()).toHaveLength(0);
  });
});
