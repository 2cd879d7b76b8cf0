import fc from 'fast-check';
import {
  classifyParticipants,
  decideMatch,
  hasNumberIndexMayMiss,
  numbersToLookUp,
  type ClassifiedParticipant,
  type MatchCandidates,
  type PersonCandidate,
} from '../../src/core';
import { buildSummary, type WireParticipant } from '../support/payloads';

const SE = { defaultRegion: 'SE' };

/** The participant as the matching step receives it: classified, e-mail and phones normalized. */
function participant(fields: WireParticipant): ClassifiedParticipant {
  const [classified] = classifyParticipants(
    buildSummary({ participants: [{ role: 'customer', ...fields }] }),
    SE,
  ).external;
  if (!classified) throw new Error('the participant is not matchable');
  return classified;
}

const person = (id: number, fields: Omit<PersonCandidate, 'id'> = {}): PersonCandidate => ({ id, ...fields });
const decide = (who: ClassifiedParticipant, candidates: MatchCandidates) => decideMatch(who, candidates, SE);

describe('decideMatch: priority e-mail, then mobile phone, then phone', () => {
  it('a unique e-mail hit matches the person and their company', () => {
    const decision = decide(participant({ email: 'anna@acme.se' }), {
      persons: [person(1042, { email: 'Anna@Acme.se ', companyId: 17 }), person(1043, { email: 'bo@acme.se' })],
    });
    expect(decision).toMatchObject({ kind: 'matched', by: 'email', personId: 1042, companyId: 17 });
    expect(decision.trace).toBe('email anna@acme.se → person 1042 (unique) → company 17');
  });

  it('the e-mail decides even when the phone points at someone else', () => {
    const decision = decide(participant({ email: 'anna@acme.se', phone: '0701234567' }), {
      persons: [person(1, { email: 'anna@acme.se' }), person(2, { mobilePhone: '070-123 45 67' })],
    });
    expect(decision).toMatchObject({ kind: 'matched', by: 'email', personId: 1 });
  });

  it('with no e-mail hit, the mobile phone matches in any written form, as in the seed trace', () => {
    const decision = decide(participant({ email: 'anna@acme.se', phone: '0701234567' }), {
      persons: [person(1042, { mobilePhone: '+46 (0)70-123 45 67', companyId: 17 })],
    });
    expect(decision).toMatchObject({ kind: 'matched', by: 'mobile', personId: 1042, companyId: 17 });
    expect(decision.trace).toBe('email anna@acme.se → 0 hits; mobile +46701234567 → person 1042 (unique) → company 17');
  });

  it("a person's mobile field is tried before any person's phone field", () => {
    const decision = decide(participant({ phone: '0701234567' }), {
      persons: [person(1, { phone: '08-123 456 78' }), person(2, { mobilePhone: '0701234567' })],
    });
    expect(decision).toMatchObject({ kind: 'matched', by: 'mobile', personId: 2 });
  });

  it('with no mobile hit, the phone field matches', () => {
    const decision = decide(participant({ phone: '08-123 456 78' }), {
      persons: [person(5, { phone: '+46 8 123 456 78' })],
    });
    expect(decision).toMatchObject({ kind: 'matched', by: 'phone', personId: 5, companyId: undefined });
    expect(decision.trace).toBe('mobile +46812345678 → 0 hits; phone +46812345678 → person 5 (unique) → no company');
  });

  it("the participant's second number is tried when the first finds nobody", () => {
    const decision = decide(participant({ mobile_phone: '0701111111', phone: '0702222222' }), {
      persons: [person(9, { mobilePhone: '0702222222' })],
    });
    expect(decision).toMatchObject({ kind: 'matched', by: 'mobile', personId: 9 });
  });

  it('nothing found gives "none" with the full trace', () => {
    const decision = decide(participant({ email: 'anna@acme.se', phone: '0701234567' }), { persons: [] });
    expect(decision).toEqual({
      kind: 'none',
      steps: [
        { key: 'email', value: 'anna@acme.se', hits: [], outcome: 'no_hits' },
        { key: 'mobile', value: '+46701234567', hits: [], outcome: 'no_hits' },
        { key: 'phone', value: '+46701234567', hits: [], outcome: 'no_hits' },
      ],
      trace: 'email anna@acme.se → 0 hits; mobile +46701234567 → 0 hits; phone +46701234567 → 0 hits',
    });
  });

  it('a participant with nothing to match on gives "none" and says why', () => {
    const nobody: ClassifiedParticipant = { index: 0, sourceIndexes: [0], phones: [], unreadablePhones: [] };
    expect(decide(nobody, { persons: [person(1, { email: 'a@b.se' })] })).toEqual({
      kind: 'none',
      steps: [],
      trace: 'no e-mail or phone to match on',
    });
  });

  it('stored numbers that cannot be read (free text, foreign without prefix) never match', () => {
    const decision = decide(participant({ phone: '+47 412 34 567' }), {
      persons: [person(1, { mobilePhone: 'ring växeln' }), person(2, { phone: '412 34 567' })],
    });
    expect(decision.kind).toBe('none');
  });
});

describe('decideMatch: never picks arbitrarily', () => {
  it('a mobile number held by two persons is ambiguous; no person is chosen', () => {
    const decision = decide(participant({ phone: '0701234567' }), {
      persons: [
        person(1, { mobilePhone: '0701234567', companyId: 17 }),
        person(2, { phone: '070-123 45 67', companyId: 18 }),
      ],
    });
    expect(decision).toMatchObject({ kind: 'ambiguous', by: 'mobile', reason: 'shared_number', candidateIds: [1, 2] });
    expect(decision).not.toHaveProperty('personId');
    expect(decision).toMatchObject({ companyId: undefined });
    expect(decision.trace).toBe('mobile +46701234567 → held by 2 persons (1, 2) → no person chosen');
  });

  it('a shared number within one company still links that company', () => {
    const decision = decide(participant({ phone: '08-123 456 78' }), {
      persons: [
        person(1, { phone: '08-123 456 78', companyId: 17 }),
        person(2, { phone: '08 12345678', companyId: 17 }),
      ],
    });
    expect(decision).toMatchObject({ kind: 'ambiguous', reason: 'shared_number', companyId: 17 });
    expect(decision.trace).toContain('company 17 only');
  });

  it("a number equal to a company's main number is a switchboard: no person, the company only", () => {
    const decision = decide(participant({ phone: '08-555 000 00' }), {
      persons: [person(3, { phone: '08-555 000 00', companyId: 17, companyMainPhone: '+46 8 555 000 00' })],
    });
    expect(decision).toMatchObject({ kind: 'ambiguous', by: 'phone', reason: 'company_main_number', companyId: 17 });
  });

  it('a switchboard number held by no person links the company it belongs to', () => {
    const decision = decide(participant({ phone: '08-555 000 00' }), {
      persons: [],
      companies: [{ id: 17, name: 'Acme AB', mainPhone: '08-5550 0000' }],
    });
    expect(decision).toMatchObject({
      kind: 'ambiguous',
      reason: 'company_main_number',
      candidateIds: [],
      companyId: 17,
    });
    expect(decision.trace).toContain('main number of company 17');
  });

  it('a switchboard number shared by two companies links neither', () => {
    const decision = decide(participant({ phone: '08-555 000 00' }), {
      persons: [person(3, { mobilePhone: '08-555 000 00' })],
      companies: [
        { id: 17, mainPhone: '08-555 000 00' },
        { id: 18, mainPhone: '+46855500000' },
      ],
    });
    expect(decision).toMatchObject({ kind: 'ambiguous', reason: 'company_main_number', companyId: undefined });
  });

  it('a unique mobile still matches when the participant also gave a switchboard number', () => {
    const decision = decide(participant({ mobile_phone: '0701234567', phone: '08-555 000 00' }), {
      persons: [person(4, { mobilePhone: '0701234567', companyId: 17 })],
      companies: [{ id: 17, mainPhone: '08-555 000 00' }],
    });
    expect(decision).toMatchObject({ kind: 'matched', by: 'mobile', personId: 4 });
  });
});

describe('decideMatch: several persons with the same e-mail', () => {
  const email = 'anna@acme.se';

  it('the active one is preferred over inactive ones', () => {
    const decision = decide(participant({ email }), {
      persons: [person(1, { email, inactive: true }), person(2, { email, companyId: 17 })],
    });
    expect(decision).toMatchObject({
      kind: 'matched',
      personId: 2,
      resolvedAmbiguity: { candidateIds: [1, 2], rules: ['active'] },
    });
    expect(decision.trace).toBe(
      'email anna@acme.se → 2 hits (1, 2) → 1 active → person 2 (resolved ambiguity) → company 17',
    );
  });

  it("then the one whose company name agrees with the participant's", () => {
    const decision = decide(participant({ email, company: 'ACME, Inc.' }), {
      persons: [person(1, { email, companyName: 'Other AB' }), person(2, { email, companyName: 'Acme AB' })],
    });
    expect(decision).toMatchObject({ personId: 2, resolvedAmbiguity: { rules: ['company_name'] } });
  });

  it('two persons updated at different times are not thereby one: ambiguous, the shared company only', () => {
    const decision = decide(participant({ email }), {
      persons: [
        person(1, { email, companyId: 17, updatedAt: '2026-01-01T00:00:00Z' }),
        person(2, { email, companyId: 17, updatedAt: '2026-06-01T00:00:00.250001+00:00' }),
        person(3, { email, companyId: 17, updatedAt: '2025-06-01T00:00:00Z' }),
      ],
    });
    expect(decision).toMatchObject({
      kind: 'ambiguous',
      by: 'email',
      reason: 'duplicate_email',
      candidateIds: [1, 2, 3],
      companyId: 17,
    });
    expect(decision.trace).toBe(
      'email anna@acme.se → 3 hits (1, 2, 3) → nothing tells them apart; no person chosen; company 17 only',
    );
  });

  it('a shared mailbox: the one holding the number the participant gave gets the note', () => {
    const decision = decide(participant({ email: 'info@acme.se', mobile_phone: '+46 70 111 22 33' }), {
      persons: [
        person(1, { email: 'info@acme.se', mobilePhone: '070-999 88 77', companyId: 17 }),
        person(2, { email: 'info@acme.se', mobilePhone: '0701112233', companyId: 17 }),
      ],
    });
    expect(decision).toMatchObject({
      kind: 'matched',
      by: 'email',
      personId: 2,
      resolvedAmbiguity: { candidateIds: [1, 2], rules: ['own_number'] },
    });
    expect(decision.trace).toBe(
      "email info@acme.se → 2 hits (1, 2) → 1 holding the participant's number → person 2 (resolved ambiguity) → company 17",
    );
  });

  it("the number decides only when it is that one person's: a number both hold, or a switchboard, does not", () => {
    const both = decide(participant({ email, phone: '08-555 123 45' }), {
      persons: [person(1, { email, phone: '08-555 123 45' }), person(2, { email, phone: '+46855512345' })],
    });
    expect(both).toMatchObject({ kind: 'ambiguous', reason: 'duplicate_email' });
    const switchboard = decide(participant({ email, phone: '08-555 000 00' }), {
      persons: [person(1, { email, phone: '08-555 000 00', companyId: 17 }), person(2, { email, companyId: 17 })],
      companies: [{ id: 17, mainPhone: '08-555 000 00' }],
    });
    expect(switchboard).toMatchObject({ kind: 'ambiguous', reason: 'duplicate_email', companyId: 17 });
    const teamLine = decide(participant({ email, phone: '08-555 123 45' }), {
      persons: [person(1, { email, phone: '08-555 123 45' }), person(2, { email }), person(3, { phone: '0855512345' })],
    });
    expect(teamLine).toMatchObject({ kind: 'ambiguous', reason: 'duplicate_email' });
  });

  it('the rules apply in order: own number, then active, then company name', () => {
    const decision = decide(participant({ email, company: 'Acme AB', mobile_phone: '0701112233' }), {
      persons: [
        person(1, { email, inactive: true, companyName: 'Acme AB', mobilePhone: '0701112233' }),
        person(2, { email, companyName: 'Acme AB' }),
      ],
    });
    expect(decision).toMatchObject({ kind: 'matched', personId: 1, resolvedAmbiguity: { rules: ['own_number'] } });
    const later = decide(participant({ email, company: 'Acme AB' }), {
      persons: [
        person(1, { email, inactive: true, companyName: 'Acme AB', updatedAt: '2026-09-01T00:00:00Z' }),
        person(2, { email, companyName: 'Beta AB', updatedAt: '2026-01-01T00:00:00Z' }),
        person(3, { email, companyName: 'Acme AB', updatedAt: '2026-02-01T00:00:00Z' }),
        person(4, { email, companyName: 'Other', updatedAt: '2026-12-01T00:00:00Z' }),
      ],
    });
    expect(later).toMatchObject({
      kind: 'matched',
      personId: 3,
      resolvedAmbiguity: { rules: ['active', 'company_name'] },
    });
  });

  it('when nothing tells them apart, it is ambiguous, not a guess', () => {
    const same = '2026-01-01T00:00:00Z';
    const decision = decide(participant({ email }), {
      persons: [
        person(1, { email, updatedAt: same, companyId: 17 }),
        person(2, { email, updatedAt: same, companyId: 17 }),
      ],
    });
    expect(decision).toMatchObject({
      kind: 'ambiguous',
      by: 'email',
      reason: 'duplicate_email',
      candidateIds: [1, 2],
      companyId: 17,
    });
  });

  it('an e-mail ambiguity stops the search: the phone does not pick one of them', () => {
    const decision = decide(participant({ email, phone: '0701234567' }), {
      persons: [person(1, { email }), person(2, { email }), person(3, { mobilePhone: '0701234567' })],
    });
    expect(decision).toMatchObject({ kind: 'ambiguous', by: 'email' });
  });
});

describe('decideMatch: properties', () => {
  const ids = fc.integer({ min: 1, max: 8 });
  const emails = fc.constantFrom('anna@acme.se', 'ANNA@acme.se', 'bo@acme.se', undefined);
  const phones = fc.constantFrom('0701234567', '+46 70 123 45 67', '08-123 456 78', '0709999999', undefined);
  const candidate = fc.record({
    id: ids,
    email: emails,
    mobilePhone: phones,
    phone: phones,
    companyId: fc.constantFrom(17, 18, undefined),
    companyMainPhone: fc.constantFrom('08-123 456 78', undefined),
    inactive: fc.boolean(),
    updatedAt: fc.constantFrom('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', undefined),
  });
  const candidates = fc.uniqueArray(candidate, { selector: (c) => c.id, maxLength: 6 });

  it('a matched person is always one of the candidates and holds the key it was matched by', () => {
    fc.assert(
      fc.property(candidates, (persons) => {
        const who = participant({ email: 'anna@acme.se', phone: '0701234567' });
        const decision = decide(who, { persons });
        if (decision.kind !== 'matched') return;
        const chosen = persons.find((p) => p.id === decision.personId);
        expect(chosen).toBeDefined();
        if (decision.by === 'email') expect(chosen?.email?.toLowerCase()).toBe('anna@acme.se');
        else
          expect([chosen?.mobilePhone, chosen?.phone].map((p) => p?.replace(/\D/g, '').slice(-9))).toContain(
            '701234567',
          );
      }),
    );
  });

  it('the decision does not depend on the order the CRM returned the candidates in', () => {
    fc.assert(
      fc.property(candidates, (persons) => {
        const who = participant({ email: 'anna@acme.se', phone: '0701234567' });
        const forward = decide(who, { persons });
        const backward = decide(who, { persons: [...persons].reverse() });
        expect(backward.kind).toBe(forward.kind);
        if (forward.kind === 'matched' && backward.kind === 'matched') expect(backward.personId).toBe(forward.personId);
      }),
    );
  });
});

describe('decideMatch: foreign numbers a CRM holds without their country code', () => {
  // A Danish team line, "+45 33 21 72 84": one holder typed it internationally, another nationally ("33 21 72 84"),
  // which a CRM in Sweden reads as the Swedish "+46 33 21 72 84". The second may hold the line too.
  const danishLine = { phone: '+4533217284' };

  it("a holder whose national-only number reads as this one in the CRM's region makes the number shared", () => {
    const decision = decide(participant(danishLine), {
      persons: [
        person(1, { phone: '+45 33 21 72 84', companyId: 17 }),
        person(2, { phone: '33 21 72 84', companyId: 17 }),
      ],
    });
    expect(decision).toMatchObject({
      kind: 'ambiguous',
      by: 'phone',
      reason: 'shared_number',
      candidateIds: [1, 2],
      companyId: 17,
    });
  });

  it('the same holders from the contact index (numbers already in E.164) give the same answer', () => {
    const decision = decide(participant(danishLine), {
      persons: [person(1, { phone: '+4533217284' }), person(2, { phone: '+4633217284' })],
    });
    expect(decision).toMatchObject({ kind: 'ambiguous', reason: 'shared_number', candidateIds: [1, 2] });
  });

  it("a live record whose national-only number cannot be read in the CRM's region is a possible holder too", () => {
    // A Finnish "09 840 9008" means nothing in Sweden; read in Finland, the caller's country, it is the caller's line.
    const decision = decide(participant({ phone: '+358 9 840 9008' }), {
      persons: [person(1, { phone: '+358 9 840 9008' }), person(2, { phone: '09 840 9008' })],
    });
    expect(decision).toMatchObject({ kind: 'ambiguous', reason: 'shared_number', candidateIds: [1, 2] });
  });

  it("only a foreign number whose national form the CRM's region cannot read needs a live check of an index match", () => {
    expect(hasNumberIndexMayMiss(participant({ phone: '+358 9 840 9008' }), 'SE')).toBe(true);
    expect(hasNumberIndexMayMiss(participant(danishLine), 'SE')).toBe(false);
    expect(hasNumberIndexMayMiss(participant({ phone: '070-123 45 67' }), 'SE')).toBe(false);
    expect(hasNumberIndexMayMiss(participant({ email: 'anna@acme.se' }), 'SE')).toBe(false);
  });

  it('the index is asked for both readings of a foreign number', () => {
    expect(numbersToLookUp(participant(danishLine), 'SE')).toEqual(['+4533217284', '+4633217284']);
    expect(numbersToLookUp(participant({ phone: '+46 70 123 45 67' }), 'SE')).toEqual(['+46701234567']);
  });

  it('such a record never matches on its own: a Swedish number is not the Danish caller', () => {
    const decision = decide(participant(danishLine), { persons: [person(2, { phone: '33 21 72 84' })] });
    expect(decision).toMatchObject({ kind: 'none' });
  });

  it('a Swedish caller is unaffected: their number reads back as itself', () => {
    const decision = decide(participant({ phone: '+4633217284' }), {
      persons: [person(2, { phone: '033-21 72 84' })],
    });
    expect(decision).toMatchObject({ kind: 'matched', by: 'phone', personId: 2 });
  });
});
