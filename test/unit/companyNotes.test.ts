import {
  deliverMeeting,
  emailDomain,
  isFreeMailDomain,
  meetingOutcome,
  participantOutcomeCategory,
  toE164,
  type ClassifiedParticipant,
  type CrmId,
  type MeetingCrm,
  type MeetingPolicy,
  type MeetingSummary,
  type NoteTarget,
  type PersonCandidate,
} from '../../src/core';
import { participantLine } from '../../src/receiver/cli/dciCommands';
import { buildSummary, type WireParticipant } from '../support/payloads';

/**
 * A CRM in memory behind the `MeetingCrm` port, searched as Lime is (per meeting, e-mail domains searched in full)
 * or as SuperOffice is (per participant). Notes are kept once per (conversation, person) and per (conversation,
 * company alone), so a second delivery shows whether a note would be written twice.
 */
class CompanyCrm {
  readonly persons: Array<PersonCandidate & { id: number }> = [];
  readonly companies: Array<{ id: number; name: string; mainPhone?: string | undefined }> = [];
  readonly notes = new Map<string, { noteId: number; target: NoteTarget }>();
  readonly created: Array<{ personId: number; companyId: CrmId | undefined }> = [];
  private nextId = 1000;

  company(name: string, mainPhone?: string): number {
    const id = this.nextId++;
    this.companies.push({ id, name, mainPhone: mainPhone === undefined ? undefined : toE164(mainPhone, 'SE') });
    return id;
  }

  person(fields: Omit<PersonCandidate, 'id'>): number {
    const id = this.nextId++;
    const company = this.companies.find((each) => each.id === fields.companyId);
    this.persons.push({ id, ...fields, companyName: company?.name, companyMainPhone: company?.mainPhone });
    return id;
  }

  port(summary: MeetingSummary, per: 'meeting' | 'participant'): MeetingCrm {
    const domainOf = (participant: ClassifiedParticipant) =>
      participant.email === undefined ? undefined : emailDomain(participant.email);
    const holds = (person: PersonCandidate, participant: ClassifiedParticipant) => {
      const domain = domainOf(participant);
      return (
        (participant.email !== undefined && person.email === participant.email) ||
        (domain !== undefined && person.email?.endsWith(`@${domain}`) === true) ||
        participant.phones.some(
          ({ e164 }) => e164 === toE164(person.mobilePhone, 'SE') || e164 === toE164(person.phone, 'SE'),
        )
      );
    };
    const companiesOf = (participant: ClassifiedParticipant) =>
      this.companies.filter((company) => participant.phones.some(({ e164 }) => e164 === company.mainPhone));
    return {
      names: { crm: 'Lime', note: 'note' },
      findPresenter: () => Promise.resolve(undefined),
      candidates:
        per === 'meeting'
          ? {
              per,
              find: (participants) =>
                Promise.resolve({
                  persons: this.persons.filter((person) => participants.some((each) => holds(person, each))),
                  companies: participants.flatMap(companiesOf),
                  domainsSearched: participants.flatMap((each) => domainOf(each) ?? []),
                }),
            }
          : {
              per,
              find: (participant) =>
                Promise.resolve({
                  persons: this.persons.filter((person) => holds(person, participant)),
                  companies: companiesOf(participant),
                  domainsSearched: [domainOf(participant) ?? []].flat(),
                }),
            },
      createContact: (participant, companyId) => {
        const personId = this.person({ email: participant.email, companyId });
        this.created.push({ personId, companyId });
        return Promise.resolve({
          personId,
          companyId,
          companyCreated: false,
          trace: `person created at company ${String(companyId)}`,
        });
      },
      writeNotes: (targets) =>
        Promise.resolve(
          targets.map((target) => {
            const key =
              target.personId === undefined
                ? `${summary.conversationId}/company/${String(target.companyId)}`
                : `${summary.conversationId}/${String(target.personId)}`;
            const existing = this.notes.get(key);
            const noteId = existing?.noteId ?? this.nextId++;
            this.notes.set(key, { noteId, target });
            return { noteId, action: existing ? ('updated' as const) : ('created' as const) };
          }),
        ),
    };
  }
}

const POLICY: MeetingPolicy = {
  internalDomains: ['seller.se'],
  defaultRegion: 'SE',
  createMissingContacts: false,
  companyNotes: true,
};
const meeting = (...participants: WireParticipant[]) =>
  buildSummary({ participants: participants.map((fields) => ({ role: 'customer', ...fields })) });

/** Acme (switchboard 08-555 000 00) with Anna and Bo at acme.se; Beta with Cecilia at beta.se. */
function nordic() {
  const crm = new CompanyCrm();
  const acme = crm.company('Acme AB', '08-555 000 00');
  const beta = crm.company('Beta AB', '031-700 00 00');
  const anna = crm.person({ email: 'anna@acme.se', mobilePhone: '070-123 45 67', companyId: acme });
  const bo = crm.person({ email: 'bo@acme.se', phone: '08-555 000 10', companyId: acme });
  crm.person({ email: 'cecilia@beta.se', companyId: beta });
  return { crm, acme, beta, anna, bo };
}

const companyNotes = (crm: CompanyCrm) => [...crm.notes.values()].filter(({ target }) => target.personId === undefined);

describe.each(['meeting', 'participant'] as const)('company notes (candidates searched per %s)', (per) => {
  it("a call through a company's switchboard writes one note on that company, the trace saying why", async () => {
    const { crm, acme } = nordic();
    const summary = meeting({ name: 'Reception', phone: '08-555 000 00' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    const [note] = companyNotes(crm);
    expect(note?.target).toEqual({ companyId: acme });
    expect(outcomes).toEqual([
      expect.objectContaining({ outcome: 'company_note', companyId: acme, noteId: note?.noteId, matchedBy: 'phone' }),
    ]);
    expect(outcomes[0]).not.toHaveProperty('personId');
    expect(outcomes[0]?.trace).toBe(
      `mobile +46855500000 → 0 hits; phone +46855500000 → 0 hits; +46855500000 → main number of company ${acme} → no person chosen; company ${acme} only → company note ${note?.noteId} written`,
    );
  });

  it('a number shared by persons who all work at one company writes a note on that company', async () => {
    const { crm, acme } = nordic();
    crm.person({ email: 'eva@acme.se', phone: '08-555 000 10', companyId: acme });
    const summary = meeting({ name: 'Desk', phone: '08-555 000 10' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    expect(outcomes[0]).toMatchObject({ outcome: 'company_note', companyId: acme });
    expect(outcomes[0]?.trace).toMatch(
      /held by 2 persons .* no person chosen; company \d+ only → company note \d+ written$/u,
    );
  });

  it('a number shared by persons at two companies writes nothing', async () => {
    const { crm, beta } = nordic();
    crm.person({ email: 'dan@beta.se', phone: '08-555 000 10', companyId: beta });
    const summary = meeting({ name: 'Desk', phone: '08-555 000 10' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    expect(outcomes[0]).toMatchObject({ outcome: 'ambiguous', companyId: undefined });
    expect(crm.notes.size).toBe(0);
  });

  it('persons with the same e-mail, all at one company, give that company a note', async () => {
    const { crm, acme } = nordic();
    crm.person({ email: 'anna@acme.se', companyId: acme });
    const summary = meeting({ email: 'anna@acme.se' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    expect(outcomes[0]).toMatchObject({ outcome: 'company_note', companyId: acme, matchedBy: 'email' });
    expect(companyNotes(crm)).toHaveLength(1);
  });

  it("an unknown e-mail at a domain whose every person works at one company writes that company's note", async () => {
    const { crm, acme } = nordic();
    const summary = meeting({ email: 'new.person@ACME.se' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    expect(outcomes[0]).toMatchObject({ outcome: 'company_note', companyId: acme, matchedBy: 'email' });
    expect(outcomes[0]?.trace).toMatch(
      new RegExp(
        `^email new.person@acme.se → 0 hits; email domain acme.se → 2 persons, all at company ${acme} → no person chosen; company ${acme} only → company note \\d+ written$`,
        'u',
      ),
    );
  });

  it('a domain with persons at two companies, or one without a company, names no company', async () => {
    const { crm, beta } = nordic();
    crm.person({ email: 'consultant@acme.se', companyId: beta });
    crm.person({ email: 'x@gamma.se' });
    const summary = meeting({ email: 'new@acme.se' }, { email: 'y@gamma.se' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    expect(outcomes.map((each) => each.outcome)).toEqual(['no_match', 'no_match']);
    expect(outcomes[0]?.trace).toMatch(/email domain acme.se → 3 persons at 2 companies; no company → no match/u);
    expect(outcomes[1]?.trace).toMatch(/email domain gamma.se → 1 persons at 1 companies \(or none\); no company/u);
    expect(crm.notes.size).toBe(0);
  });

  it('free-mail and the customer\u2019s own domains never name a company, however many persons are there', async () => {
    const { crm, acme } = nordic();
    crm.person({ email: 'someone@gmail.com', companyId: acme });
    crm.person({ email: 'other@telia.com', companyId: acme });
    crm.person({ email: 'third@hotmail.co.uk', companyId: acme });
    crm.person({ email: 'colleague@sales.seller.se', companyId: acme });
    const summary = meeting(
      { email: 'new@gmail.com' },
      { email: 'new@telia.com' },
      { email: 'new@hotmail.co.uk' },
      { email: 'new@sales.seller.se' },
    );
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    expect(outcomes.map((each) => each.outcome)).toEqual(['no_match', 'no_match', 'no_match', 'internal']);
    expect(crm.notes.size).toBe(0);
  });

  it('a switchboard of one company and an e-mail domain of another: two companies fit, nothing is written', async () => {
    const { crm } = nordic();
    const summary = meeting({ email: 'new@beta.se', phone: '08-555 000 00' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    expect(outcomes[0]).toMatchObject({ outcome: 'ambiguous', companyId: undefined });
    expect(outcomes[0]?.trace).toMatch(/two companies fit; no company chosen/u);
    expect(crm.notes.size).toBe(0);
  });

  it('several participants at one company get one company note; a second delivery updates it', async () => {
    const { crm, acme } = nordic();
    const summary = meeting({ email: 'new@acme.se' }, { name: 'Reception', phone: '08-555 000 00' });
    const first = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    expect(first.outcomes.map((each) => [each.outcome, each.companyId])).toEqual([
      ['company_note', acme],
      ['company_note', acme],
    ]);
    expect(first.outcomes[1]?.noteId).toBe(first.outcomes[0]?.noteId);
    expect(first.outcomes[1]?.trace).toMatch(/same company as participant 1: one company note/u);
    const again = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    expect(again.outcomes[0]?.trace).toMatch(/company note \d+ updated$/u);
    expect(again.outcomes[0]?.noteId).toBe(first.outcomes[0]?.noteId);
    expect(companyNotes(crm)).toHaveLength(1);
  });

  it('no company note when a person at that company is certain: their note links the company already', async () => {
    const { crm, acme, anna } = nordic();
    const summary = meeting({ email: 'anna@acme.se' }, { name: 'Reception', phone: '08-555 000 00' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), POLICY);
    expect(outcomes.map((each) => each.outcome)).toEqual(['written', 'ambiguous']);
    expect(outcomes[1]?.trace).toMatch(
      new RegExp(`company ${acme} gets person ${anna}'s note \\(participant 1\\): no note on the company alone$`, 'u'),
    );
    expect(companyNotes(crm)).toHaveLength(0);
  });

  it('with company notes off, nothing is written on a company (the old behaviour)', async () => {
    const { crm, acme } = nordic();
    const summary = meeting({ name: 'Reception', phone: '08-555 000 00' }, { email: 'new@acme.se' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), { ...POLICY, companyNotes: false });
    expect(outcomes.map((each) => [each.outcome, each.companyId])).toEqual([
      ['ambiguous', acme],
      ['no_match', undefined],
    ]);
    expect(outcomes[0]?.trace).toMatch(/nothing written; a switchboard number names a company, not a person$/u);
    expect(crm.notes.size).toBe(0);
  });

  it('a dry run says a company note would be written, and writes nothing', async () => {
    const { crm, acme } = nordic();
    const summary = meeting({ name: 'Reception', phone: '08-555 000 00' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), { ...POLICY, dryRun: true });
    expect(outcomes[0]).toMatchObject({ outcome: 'would_write', companyId: acme });
    expect(outcomes[0]).not.toHaveProperty('personId');
    expect(outcomes[0]?.trace).toMatch(/→ a company note would be written \(dry run: nothing written\)$/u);
    expect(crm.notes.size).toBe(0);
  });

  it('creating contacts: an unknown e-mail at a company\u2019s domain becomes a person at that company', async () => {
    const { crm, acme } = nordic();
    const summary = meeting({ email: 'new@acme.se', company: 'Acme Sverige' });
    const { outcomes } = await deliverMeeting(summary, crm.port(summary, per), {
      ...POLICY,
      createMissingContacts: true,
    });
    expect(crm.created).toEqual([{ personId: expect.any(Number), companyId: acme }]);
    expect(outcomes[0]).toMatchObject({ outcome: 'written', matchedBy: 'created', companyId: acme });
    expect(companyNotes(crm)).toHaveLength(0);
  });

  it("with deal linking on, a company note is linked to the company's only open deal, in the same lookup", async () => {
    const { crm, acme, beta } = nordic();
    const summary = meeting({ name: 'Reception', phone: '08-555 000 00' }, { email: 'cecilia@beta.se' });
    const port = crm.port(summary, per);
    const lookups: CrmId[][] = [];
    const linking: MeetingCrm = {
      ...port,
      names: { crm: 'Lime', note: 'note', deal: 'deal' },
      findOpenDeals: (companyIds) => {
        lookups.push([...companyIds]);
        return Promise.resolve(
          new Map<CrmId, CrmId[]>([
            [acme, [501]],
            [beta, [601, 602]],
          ]),
        );
      },
    };
    const { outcomes } = await deliverMeeting(summary, linking, { ...POLICY, linkDeal: true });
    expect(lookups).toEqual([[beta, acme]]);
    const [note] = companyNotes(crm);
    expect(note?.target).toEqual({ companyId: acme, dealId: 501 });
    expect(outcomes[0]).toMatchObject({ outcome: 'company_note', companyId: acme });
    expect(outcomes[0]?.trace).toMatch(
      new RegExp(
        `company ${acme} only → deal 501 linked \\(company ${acme}'s only open deal\\) → company note \\d+ written$`,
        'u',
      ),
    );
    // Beta's person note: two open deals, none linked.
    expect(outcomes[1]?.trace).toContain(`company ${beta} has 2 open deals → not linked`);
  });

  it('a re-run for one participant may end in a company note; an admin then assigning the person writes their note', async () => {
    const { crm, acme, anna } = nordic();
    const summary = meeting({ email: 'anna@acme.se' }, { name: 'Reception', phone: '08-555 000 00' });
    const again = await deliverMeeting(summary, crm.port(summary, per), { ...POLICY, onlyParticipants: new Set([1]) });
    expect(again.outcomes).toEqual([expect.objectContaining({ participantIndex: 1, outcome: 'company_note' })]);
    expect(companyNotes(crm)).toHaveLength(1);
    // Anna was not part of the re-run, so her company is not "taken" by her note: the company note stands alone.
    expect(crm.notes.has(`${summary.conversationId}/${String(anna)}`)).toBe(false);

    const port = crm.port(summary, per);
    const assigning: MeetingCrm = {
      ...port,
      readPerson: (personId) => Promise.resolve(personId === anna ? { personId: anna, companyId: acme } : undefined),
    };
    const assigned = await deliverMeeting(summary, assigning, {
      ...POLICY,
      onlyParticipants: new Set([1]),
      assignments: new Map([[1, { personId: anna, by: 'admin', at: '2026-12-05T03:00:00.000Z' }]]),
    });
    expect(assigned.outcomes).toEqual([
      expect.objectContaining({ participantIndex: 1, outcome: 'written', matchedBy: 'assigned', personId: anna }),
    ]);
    expect(crm.notes.get(`${summary.conversationId}/${String(anna)}`)?.target).toEqual({
      personId: anna,
      companyId: acme,
    });
  });
});

describe('isFreeMailDomain', () => {
  it.each([
    'gmail.com',
    'hotmail.se',
    'hotmail.co.uk',
    'yahoo.fr',
    'gmx.at',
    'live.nl',
    'outlook.dk',
    'telia.com',
    'spray.se',
    'bredband.net',
    'online.no',
    'jubii.dk',
    'mail.dk',
    'suomi24.fi',
    'luukku.com',
    'proton.me',
    'icloud.com',
  ])('%s is free mail', (domain) => expect(isFreeMailDomain(domain)).toBe(true));
  it.each(['acme.se', 'live.acme.se', 'yahoo-partners.se', 'gmailer.com', 'telia-partner.se'])('%s is not', (domain) =>
    expect(isFreeMailDomain(domain)).toBe(false),
  );
});

describe('how a company note counts', () => {
  it('a meeting whose only note is on a company counts as delivered; the participant as company only', () => {
    expect(meetingOutcome([{ outcome: 'company_note', companyId: 7 }, { outcome: 'internal' }])).toBe('delivered');
    expect(meetingOutcome([{ outcome: 'ambiguous', companyId: 7 }])).toBe('company_only');
    expect(participantOutcomeCategory('company_note', 'phone', true)).toBe('company_only');
  });

  it('the dry-run CLI line says a company note would be written, naming the company', () => {
    const summary = meeting({ name: 'Reception', phone: '08-555 000 00' });
    expect(
      participantLine(summary, {
        participantIndex: 0,
        outcome: 'would_write',
        matchedBy: 'phone',
        companyId: 1003,
        trace: '',
      }),
    ).toBe('Reception: would write a company note, matched by phone, Lime company 1003');
    expect(participantLine(summary, { participantIndex: 0, outcome: 'company_note', companyId: 1003, trace: '' })).toBe(
      'Reception: company note, no person certain, Lime company 1003',
    );
  });
});
