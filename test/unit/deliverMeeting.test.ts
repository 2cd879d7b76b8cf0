import {
  deliverMeeting,
  normalizeCompanyName,
  PersonNotFoundError,
  toE164,
  type ClassifiedParticipant,
  type CrmId,
  type MeetingCrm,
  type MeetingPolicy,
  type MeetingSummary,
  type PersonCandidate,
} from '../../src/core';
import { buildSummary, type WireParticipant } from '../support/payloads';

/**
 * A CRM held in memory behind the `MeetingCrm` port: persons with e-mail and E.164 numbers, companies with a main
 * number, and notes kept once per (conversation, person). Searched per meeting, like Lime, or per participant, like
 * SuperOffice. `calls` records what the meeting asked of it.
 */
class InMemoryCrm {
  readonly persons: Array<PersonCandidate & { id: number }> = [];
  readonly companies: Array<{ id: number; name: string; mainPhone?: string | undefined }> = [];
  readonly notes = new Map<string, { noteId: number; presenterId: CrmId | undefined; companyId?: CrmId | undefined }>();
  readonly coworkers = new Map<string, number>();
  readonly calls: string[] = [];
  private nextId = 1;

  constructor(readonly names = { crm: 'Lime', note: 'note' }) {}

  company(name: string, mainPhone?: string): number {
    const id = this.nextId++;
    this.companies.push({ id, name, mainPhone });
    return id;
  }

  person(fields: Omit<PersonCandidate, 'id'>): number {
    const id = this.nextId++;
    const company = this.companies.find((each) => each.id === fields.companyId);
    this.persons.push({ id, ...fields, companyName: company?.name, companyMainPhone: company?.mainPhone });
    return id;
  }

  /** The port for one meeting, as an adapter builds it per delivery. */
  port(summary: MeetingSummary, per: 'meeting' | 'participant'): MeetingCrm {
    const holds = (person: PersonCandidate, participant: ClassifiedParticipant) =>
      (participant.email !== undefined && person.email === participant.email) ||
      participant.phones.some(({ e164 }) => e164 === person.mobilePhone || e164 === person.phone);
    const find = (participant: ClassifiedParticipant) => {
      this.calls.push('find');
      return this.persons.filter((person) => holds(person, participant));
    };
    return {
      names: this.names,
      findPresenter: (email) => {
        this.calls.push('presenter');
        return Promise.resolve(this.coworkers.get(email));
      },
      candidates:
        per === 'meeting'
          ? { per, find: (participants) => Promise.resolve([...new Set(participants.flatMap(find))]) }
          : {
              per,
              find: (participant) =>
                Promise.resolve({
                  persons: find(participant),
                  companies: this.companies.filter((company) =>
                    participant.phones.some(({ e164 }) => e164 === company.mainPhone),
                  ),
                }),
            },
      createContact: (participant) => {
        this.calls.push('create');
        const key = normalizeCompanyName(participant.company ?? '');
        const same = this.companies.filter((company) => key !== '' && normalizeCompanyName(company.name) === key);
        const found = same.length === 1 ? same[0]?.id : undefined;
        const companyId =
          found ?? (key !== '' && same.length === 0 ? this.company(participant.company ?? '') : undefined);
        const personId = this.person({ email: participant.email, mobilePhone: participant.phones[0]?.e164, companyId });
        const trace =
          found !== undefined
            ? `company name → company ${found} (unique)`
            : companyId !== undefined
              ? `company name → 0 hits → company ${companyId} created`
              : 'no company name → person without company';
        return Promise.resolve({
          personId,
          companyId,
          companyCreated: found === undefined && companyId !== undefined,
          trace,
        });
      },
      readPerson: (personId) => {
        this.calls.push('read person');
        const person = this.persons.find((each) => each.id === personId);
        return Promise.resolve(person === undefined ? undefined : { personId: person.id, companyId: person.companyId });
      },
      writeNotes: (targets, presenterId) => {
        this.calls.push(`write ${targets.length}`);
        return Promise.resolve(
          targets.map(({ personId, companyId }) => {
            const key = `${summary.conversationId}/${String(personId)}`;
            const existing = this.notes.get(key);
            const noteId = existing?.noteId ?? this.nextId++;
            this.notes.set(key, { noteId, presenterId, companyId });
            return { noteId, action: existing ? ('updated' as const) : ('created' as const) };
          }),
        );
      },
    };
  }
}

const POLICY: MeetingPolicy = { internalDomains: ['seller.se'], defaultRegion: 'SE', createMissingContacts: false };
const mobile = (written: string) => toE164(written, 'SE');
const meeting = (...participants: WireParticipant[]) =>
  buildSummary({ participants: participants.map((fields) => ({ role: 'customer', ...fields })) });

function acme() {
  const crm = new InMemoryCrm();
  const company = crm.company('Acme AB', mobile('08-555 000 00'));
  const anna = crm.person({ email: 'anna@acme.se', mobilePhone: mobile('070-123 45 67'), companyId: company });
  crm.coworkers.set('sara@seller.se', 900);
  return { crm, company, anna };
}

describe('deliverMeeting: who gets a note', () => {
  it('colleagues and participants with nothing to match on are reported, and the CRM is not asked', async () => {
    const { crm } = acme();
    const summary = meeting(
      { email: 'bo@seller.se' },
      { name: 'Only a name' },
      { name: 'Bad number', phone: '12' },
      { email: 'sara@seller.se', role: 'host' },
    );
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'meeting'), POLICY);
    expect(outcomes).toEqual([
      { participantIndex: 0, outcome: 'internal', trace: 'internal (internal domain) → not matched' },
      { participantIndex: 1, outcome: 'not_matchable', trace: 'no e-mail or phone → not matched' },
      {
        participantIndex: 2,
        outcome: 'not_matchable',
        trace: 'no e-mail, and no phone number that could be read safely → not matched',
      },
      { participantIndex: 3, outcome: 'internal', trace: 'internal (presenter) → not matched' },
    ]);
    expect(crm.calls).toEqual([]);
  });

  it('a customer matched by e-mail gets one note, linked to the company and owned by the presenter', async () => {
    const { crm, company, anna } = acme();
    const summary = meeting({ email: 'anna@acme.se' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'meeting'), POLICY);
    const [note] = crm.notes.values();
    expect(note).toEqual({ noteId: expect.any(Number), presenterId: 900, companyId: company });
    expect(outcomes).toEqual([
      {
        participantIndex: 0,
        outcome: 'written',
        matchedBy: 'email',
        created: undefined,
        personId: anna,
        companyId: company,
        noteId: note?.noteId,
        trace: `email anna@acme.se → person ${anna} (unique) → company ${company} → note ${note?.noteId} created`,
      },
    ]);
    expect(crm.calls).toEqual(['presenter', 'find', 'write 1']);
  });

  it('a re-sent meeting updates its note instead of writing a second one', async () => {
    const { crm } = acme();
    const summary = meeting({ email: 'anna@acme.se' });
    await deliverMeeting(summary, crm.port(summary, 'meeting'), POLICY);
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'meeting'), POLICY);
    expect(outcomes[0]).toMatchObject({ outcome: 'updated', trace: expect.stringMatching(/→ note \d+ updated$/u) });
    expect(crm.notes.size).toBe(1);
  });

  it('two participants who are the same person share one note', async () => {
    const { crm, anna } = acme();
    const summary = meeting({ email: 'anna@acme.se' }, { name: 'Caller', phone: '0701234567' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'meeting'), POLICY);
    expect(outcomes.map((o) => [o.outcome, o.personId])).toEqual([
      ['written', anna],
      ['same_person', anna],
    ]);
    expect(outcomes[1]?.noteId).toBe(outcomes[0]?.noteId);
    expect(outcomes[1]?.trace).toMatch(/→ same person as participant 1: one note$/u);
    expect(crm.calls).toEqual(['presenter', 'find', 'find', 'write 1']);
  });

  it('a duplicated e-mail writes nothing and says where to look', async () => {
    const { crm } = acme();
    crm.person({ email: 'anna@acme.se' });
    const summary = meeting({ email: 'anna@acme.se', company: 'Other AB' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'meeting'), POLICY);
    expect(outcomes[0]).toMatchObject({ outcome: 'ambiguous', matchedBy: 'email' });
    expect(outcomes[0]?.trace).toMatch(/→ nothing written; check for duplicate persons in Lime$/u);
    expect(crm.notes.size).toBe(0);
  });

  it("a company's switchboard number names the company, not a person", async () => {
    const { crm, company } = acme();
    const summary = meeting({ name: 'Reception', phone: '08-555 000 00' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'participant'), POLICY);
    expect(outcomes[0]).toMatchObject({ outcome: 'ambiguous', companyId: company });
    expect(outcomes[0]?.trace).toMatch(/→ nothing written; a switchboard number names a company, not a person$/u);
  });

  it('nobody matches and creating contacts is off: nothing created, and the trace says so', async () => {
    const { crm } = acme();
    const summary = meeting({ email: 'nils@nykund.se' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'meeting'), POLICY);
    expect(outcomes[0]).toEqual({
      participantIndex: 0,
      outcome: 'no_match',
      trace: 'email nils@nykund.se → 0 hits → no match; creating contacts is off',
    });
    expect(crm.calls).toEqual(['presenter', 'find']);
  });
});

describe('deliverMeeting: creating contacts', () => {
  const creating = { ...POLICY, createMissingContacts: true };

  it('a new customer gets a company and a person, and the next one at that company only a person', async () => {
    const { crm } = acme();
    const summary = meeting(
      { email: 'nils@nykund.se', company: 'Nykund AB' },
      { email: 'nora@nykund.se', company: 'Nykund Aktiebolag' },
    );
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'meeting'), creating);
    const nykund = crm.companies.find((company) => company.name === 'Nykund AB')?.id;
    expect(outcomes.map((o) => [o.outcome, o.matchedBy, o.created, o.companyId])).toEqual([
      ['written', 'created', { company: true, person: true }, nykund],
      ['written', 'created', { company: false, person: true }, nykund],
    ]);
    expect(outcomes[0]?.trace).toMatch(
      new RegExp(
        `^email nils@nykund.se → 0 hits → company name → 0 hits → company ${nykund} created → person ${outcomes[0]?.personId} created → note \\d+ created$`,
        'u',
      ),
    );
    expect(outcomes[1]?.trace).toContain(`company name → company ${nykund} (unique)`);
    expect(crm.calls).toEqual(['presenter', 'find', 'find', 'create', 'create', 'write 2']);
  });

  it("searched per participant, a participant's search sees the person created for one before it", async () => {
    const perMeeting = acme().crm;
    const perParticipant = acme().crm;
    const summary = meeting({ email: 'nils@nykund.se', phone: '070-765 43 21' }, { phone: '070-765 43 21' });
    const once = await deliverMeeting(summary, perMeeting.port(summary, 'meeting'), creating);
    const inTurn = await deliverMeeting(summary, perParticipant.port(summary, 'participant'), creating);
    expect(once.outcomes.map((o) => o.outcome)).toEqual(['written', 'written']);
    expect(perMeeting.calls.filter((call) => call === 'create')).toHaveLength(2);
    expect(inTurn.outcomes.map((o) => o.outcome)).toEqual(['written', 'same_person']);
    // The lookups run up front, a few at a time; after a creation the later participants are searched again.
    expect(perParticipant.calls).toEqual(['presenter', 'find', 'find', 'create', 'find', 'write 1']);
  });

  it('a dry run creates and writes nothing, and says what would be created and written', async () => {
    const { crm, anna } = acme();
    const summary = meeting({ email: 'anna@acme.se' }, { email: 'nils@nykund.se', company: 'Nykund AB' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'meeting'), { ...creating, dryRun: true });
    expect(outcomes).toEqual([
      expect.objectContaining({ outcome: 'would_write', matchedBy: 'email', personId: anna }),
      expect.objectContaining({
        outcome: 'would_write',
        matchedBy: 'created',
        wouldCreate: { company: true, person: true },
      }),
    ]);
    expect(outcomes[0]?.trace).toMatch(/→ note would be written \(dry run: nothing written\)$/u);
    expect(outcomes[1]?.trace).toBe(
      'email nils@nykund.se → 0 hits → no match; a person would be created (and the company, unless Lime has one by ' +
        'that name) and get the note (dry run: nothing written)',
    );
    expect(crm.calls).toEqual(['presenter', 'find', 'find']);
  });
});

describe('deliverMeeting: one wording for every CRM', () => {
  it.each([[{ crm: 'Lime', note: 'note' }], [{ crm: 'SuperOffice', note: 'appointment' }]])(
    'the trace names the CRM and its record: %o',
    async (names) => {
      const crm = new InMemoryCrm(names);
      const anna = crm.person({ email: 'anna@acme.se' });
      crm.person({ email: 'bo@acme.se' });
      crm.person({ email: 'bo@acme.se' });
      const summary = meeting({ email: 'anna@acme.se' }, { email: 'bo@acme.se' });
      const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'participant'), POLICY);
      const noteId = outcomes[0]?.noteId;
      expect(outcomes.map((o) => o.trace)).toEqual([
        `email anna@acme.se → person ${anna} (unique) → no company → ${names.note} ${noteId} created`,
        expect.stringMatching(new RegExp(`→ nothing written; check for duplicate persons in ${names.crm}$`, 'u')),
      ]);
    },
  );

  it('a failing write fails the meeting: nothing is reported as written', async () => {
    const { crm } = acme();
    const summary = meeting({ email: 'anna@acme.se' });
    const port = crm.port(summary, 'meeting');
    const failing: MeetingCrm = { ...port, writeNotes: () => Promise.reject(new Error('CRM down')) };
    await expect(deliverMeeting(summary, failing, POLICY)).rejects.toThrow('CRM down');
  });
});

describe("deliverMeeting: linking the note to the company's only open deal", () => {
  /** Acme and Beta with `acmeDeals` and `betaDeals` open deals; the notes' targets and the deal lookups recorded. */
  function withDeals(acmeDeals: number[], betaDeals: number[]) {
    const { crm, company, anna } = acme();
    const beta = crm.company('Beta AB');
    const bo = crm.person({ email: 'bo@beta.se', companyId: beta });
    const summary = meeting({ email: 'anna@acme.se' }, { email: 'bo@beta.se' });
    const port = crm.port(summary, 'meeting');
    const lookups: CrmId[][] = [];
    const targets: Array<{ personId: CrmId | undefined; dealId?: CrmId | undefined }> = [];
    const linking: MeetingCrm = {
      ...port,
      names: { crm: 'Lime', note: 'note', deal: 'deal' },
      findOpenDeals: (companyIds) => {
        lookups.push([...companyIds]);
        return Promise.resolve(
          new Map<CrmId, CrmId[]>([
            [company, acmeDeals],
            [beta, betaDeals],
          ]),
        );
      },
      writeNotes: (written, presenterId) => {
        targets.push(...written.map(({ personId, dealId }) => ({ personId, dealId })));
        return port.writeNotes(written, presenterId);
      },
    };
    return { linking, summary, company, beta, anna, bo, lookups, targets };
  }

  it('one open deal is linked, none or two are not, and the trace says which; one lookup for the meeting', async () => {
    const { linking, summary, company, beta, anna, bo, lookups, targets } = withDeals([501], [601, 602]);
    const { outcomes } = await deliverMeeting(summary, linking, { ...POLICY, linkDeal: true });
    expect(lookups).toEqual([[company, beta]]);
    expect(targets).toEqual([
      { personId: anna, dealId: 501 },
      { personId: bo, dealId: undefined },
    ]);
    expect(outcomes[0]?.trace).toMatch(
      new RegExp(
        `→ company ${company} → deal 501 linked \\(company ${company}'s only open deal\\) → note \\d+ created$`,
        'u',
      ),
    );
    expect(outcomes[1]?.trace).toMatch(
      new RegExp(`→ company ${beta} has 2 open deals → not linked → note \\d+ created$`, 'u'),
    );
  });

  it('a company without an open deal gets no link', async () => {
    const { linking, summary, company, targets } = withDeals([], []);
    const { outcomes } = await deliverMeeting(summary, linking, { ...POLICY, linkDeal: true });
    expect(targets.map((target) => target.dealId)).toEqual([undefined, undefined]);
    expect(outcomes[0]?.trace).toContain(`company ${company} has no open deal → not linked`);
  });

  it('with linking off (the default) no deal is looked up and the trace is unchanged', async () => {
    const { linking, summary, lookups, targets } = withDeals([501], [601]);
    const { outcomes } = await deliverMeeting(summary, linking, POLICY);
    expect(lookups).toEqual([]);
    expect(targets.map((target) => target.dealId)).toEqual([undefined, undefined]);
    expect(outcomes[0]?.trace).not.toContain('deal');
  });

  it('a dry run looks the deal up and says it would be linked', async () => {
    const { linking, summary, targets } = withDeals([501], []);
    const { outcomes } = await deliverMeeting(summary, linking, { ...POLICY, linkDeal: true, dryRun: true });
    expect(targets).toEqual([]);
    expect(outcomes[0]?.trace).toMatch(/→ deal 501 linked \(company \d+'s only open deal\) → note would be written/u);
  });
});

describe('deliverMeeting: re-matching and an admin resolving (only some participants)', () => {
  it('a re-run for one participant matches and writes only that one: the others get no outcome', async () => {
    const { crm, anna, company } = acme();
    const summary = meeting({ email: 'anna@acme.se' }, { email: 'nobody@acme.se' }, { email: 'bo@seller.se' });
    const first = await deliverMeeting(summary, crm.port(summary, 'meeting'), POLICY);
    expect(first.outcomes.map((o) => o.outcome)).toEqual(['written', 'no_match', 'internal']);
    const bo = crm.person({ email: 'nobody@acme.se', companyId: company });
    crm.calls.length = 0;
    const again = await deliverMeeting(summary, crm.port(summary, 'meeting'), {
      ...POLICY,
      onlyParticipants: new Set([1]),
    });
    expect(again.outcomes).toEqual([
      expect.objectContaining({ participantIndex: 1, outcome: 'written', matchedBy: 'email', personId: bo }),
    ]);
    expect(crm.notes.has(`${summary.conversationId}/${anna}`)).toBe(true);
    expect(crm.calls).toEqual(['presenter', 'find', 'write 1']);
  });

  it("an admin's assignment writes on that person and company, and the trace says who chose and when", async () => {
    const { crm, anna, company } = acme();
    crm.person({ email: 'anna@acme.se' }); // a duplicate: e-mail alone is ambiguous
    const summary = meeting({ email: 'anna@acme.se' });
    const first = await deliverMeeting(summary, crm.port(summary, 'meeting'), POLICY);
    expect(first.outcomes[0]?.outcome).toBe('ambiguous');
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, 'meeting'), {
      ...POLICY,
      onlyParticipants: new Set([0]),
      assignments: new Map([[0, { personId: anna, by: 'admin (session ab12)', at: '2026-12-05T03:00:00.000Z' }]]),
    });
    expect(outcomes).toEqual([
      expect.objectContaining({ outcome: 'written', matchedBy: 'assigned', personId: anna, companyId: company }),
    ]);
    expect(outcomes[0]?.trace).toMatch(
      new RegExp(
        `^assigned by admin \\(session ab12\\) at 2026-12-05T03:00:00.000Z → person ${anna} \\(company ${company}\\) → note \\d+ created$`,
        'u',
      ),
    );
  });

  it('an assignment to a person the CRM does not have writes nothing and says so', async () => {
    const { crm } = acme();
    const summary = meeting({ email: 'unknown@acme.se' });
    const policy = {
      ...POLICY,
      onlyParticipants: new Set([0]),
      assignments: new Map([[0, { personId: 4242, by: 'admin', at: '2026-12-05T03:00:00.000Z' }]]),
    };
    await expect(deliverMeeting(summary, crm.port(summary, 'meeting'), policy)).rejects.toThrow(PersonNotFoundError);
    await expect(deliverMeeting(summary, crm.port(summary, 'meeting'), policy)).rejects.toThrow(
      'Lime has no person 4242 (a wrong id, or deleted): nothing was written.',
    );
    expect(crm.notes.size).toBe(0);
  });
});
