import type { ClassifiedParticipant } from './classifyParticipants';
import { companyDomainOf } from './companyDomain';
import { normalizeEmail } from './normalizeEmail';
import { sameCompanyName } from './normalizeCompanyName';
import { readAsWrittenNationally, regionOf, toE164 } from './normalizePhone';

/** A CRM record id: Lime and SuperOffice use integers; kept open for CRMs with string ids. */
export type CrmId = number | string;

/** A CRM person that might be the participant, as the CRM side found it. Phones as stored (free text). */
export interface PersonCandidate {
  id: CrmId;
  email?: string | undefined;
  phone?: string | undefined;
  mobilePhone?: string | undefined;
  companyId?: CrmId | undefined;
  companyName?: string | undefined;
  /** The main (switchboard) number of the person's company. */
  companyMainPhone?: string | undefined;
  inactive?: boolean | undefined;
  /** Last change in the CRM, ISO 8601. */
  updatedAt?: string | undefined;
  /** The person's name ("firstname lastname"): shown to an admin choosing a person, never used to match. */
  name?: string | undefined;
}

/** A CRM company whose main number the CRM side found equal to one of the participant's numbers. */
export interface CompanyCandidate {
  id: CrmId;
  name?: string | undefined;
  mainPhone?: string | undefined;
}

export interface MatchCandidates {
  persons: readonly PersonCandidate[];
  companies?: readonly CompanyCandidate[] | undefined;
  /**
   * E-mail domains (lower case) for which `persons` holds EVERY person of the CRM with an address at that domain:
   * the CRM side searched them in full. Only these can name a company by domain; a domain searched in part (too many
   * persons) or not at all is left out, so a partial list never makes a company look certain.
   */
  domainsSearched?: readonly string[] | undefined;
}

export interface MatchOptions {
  /** Region for stored numbers written without a country code. */
  defaultRegion: string;
  /** The customer's own e-mail domains: an address there never names a customer company. */
  internalDomains?: readonly string[] | undefined;
}

/** Which key decided: the seed's priority is e-mail, then mobile phone, then phone. */
export type MatchKey = 'email' | 'mobile' | 'phone';

export type AmbiguityReason =
  /** Several persons hold the number (a shared or recycled line). */
  | 'shared_number'
  /** The number is a company's main number (a switchboard): it names a company, not a person. */
  | 'company_main_number'
  /** Several persons have the e-mail and nothing told them apart. */
  | 'duplicate_email';

/**
 * The rules that narrowed several persons with one e-mail down to one, in the order they applied. `own_number`: one
 * of them holds a number the participant gave, a number no other candidate holds (nor could hold, read nationally)
 * and no company's switchboard. There is no rule by last update: two records updated at different times are not
 * thereby one person, so when nothing above separates them the decision is ambiguous.
 */
export type TieBreakRule = 'own_number' | 'active' | 'company_name';

/** One step of the decision, for the delivery log ("matching trace"). */
export interface MatchStep {
  key: MatchKey;
  /** The normalized e-mail or E.164 number searched for. */
  value: string;
  /** Ids of persons that hold the value in this key's field. */
  hits: CrmId[];
  outcome: 'no_hits' | 'unique' | 'resolved' | 'ambiguous' | 'switchboard';
}

interface DecisionBase {
  steps: MatchStep[];
  /** Human-readable, e.g. `email anna@acme.se → 0 hits; mobile +46701234567 → person 1042 (unique) → company 17`. */
  trace: string;
}

export type MatchDecision =
  | (DecisionBase & {
      kind: 'matched';
      by: MatchKey;
      personId: CrmId;
      /** The matched person's company, when the person is linked to one. */
      companyId?: CrmId | undefined;
      /** Present when several persons shared the e-mail and the tie-break rules chose one. */
      resolvedAmbiguity?: { candidateIds: CrmId[]; rules: TieBreakRule[] } | undefined;
    })
  | (DecisionBase & {
      kind: 'ambiguous';
      by: MatchKey;
      reason: AmbiguityReason;
      candidateIds: CrmId[];
      /** A company that is safe to link to although no person is (all candidates share it, or its switchboard). */
      companyId?: CrmId | undefined;
    })
  | (DecisionBase & {
      kind: 'none';
      /**
       * The company the participant's e-mail domain belongs to, when it is certain: every CRM person with an
       * address at that domain (at least one) is at this one company, and the domain is no free-mail one and not the
       * customer's own (companyDomain.ts). No person is chosen by it.
       */
      companyId?: CrmId | undefined;
      /** The domain that named `companyId`. */
      domain?: string | undefined;
    });

interface NormalizedCandidate {
  person: PersonCandidate;
  email: string | undefined;
  mobile: string | undefined;
  phone: string | undefined;
}

/**
 * Decides which CRM person a participant is, from the candidates the CRM side found. Pure and CRM-agnostic.
 *
 * 1. E-mail (normalized equality), then mobile phone, then phone (E.164 equality): the first key with hits
 *    decides.
 * 2. Never picks arbitrarily. A number held by more than one person, or equal to a company's main number, is
 *    ambiguous; a person whose stored foreign number was written without a country code (read in
 *    `defaultRegion` as another number) counts as a holder too. Several persons with the e-mail: prefer the one
 *    holding one of the participant's own numbers (held by no one else, no switchboard), then active, then the
 *    one whose company name agrees with the participant's; if none of that separates them, ambiguous.
 */
export function decideMatch(
  participant: ClassifiedParticipant,
  candidates: MatchCandidates,
  options: MatchOptions,
): MatchDecision {
  const persons: NormalizedCandidate[] = candidates.persons.map((person) => ({
    person,
    email: person.email === undefined ? undefined : normalizeEmail(person.email),
    mobile: toE164(person.mobilePhone, options.defaultRegion),
    phone: toE164(person.phone, options.defaultRegion),
  }));
  const steps: MatchStep[] = [];
  const trace: string[] = [];

  const switchboards = companyMainNumbers(candidates, options.defaultRegion);
  const holdersOf = (e164: string) => possibleHolders(e164, persons, options.defaultRegion);
  if (participant.email !== undefined) {
    const ownNumbers = participant.phones
      .map(({ e164 }) => e164)
      .filter((e164) => !switchboards.has(e164) && holdersOf(e164).length === 1);
    const decision = decideByEmail(participant, participant.email, persons, ownNumbers, steps, trace);
    if (decision) return decision;
  }
  // Reached only when no person has the e-mail: its domain may still name the company.
  const byDomain =
    participant.email === undefined
      ? undefined
      : domainCompany(participant.email, persons, candidates.domainsSearched ?? [], options.internalDomains ?? []);

  for (const key of ['mobile', 'phone'] as const) {
    for (const { e164 } of participant.phones) {
      const decision = decideByNumber(key, e164, persons, holdersOf(e164), switchboards, steps, trace);
      if (decision) return agreeingWithDomain(decision, byDomain, trace);
    }
  }

  // No person holds any of the numbers; a switchboard number still tells which company the meeting was with.
  for (const { e164 } of participant.phones) {
    const companyIds = switchboards.get(e164);
    if (companyIds?.length === 1) {
      const [companyId] = companyIds;
      steps.push({ key: 'phone', value: e164, hits: [], outcome: 'switchboard' });
      trace.push(
        `${e164} → main number of company ${String(companyId)} → no person chosen; company ${String(companyId)} only`,
      );
      return agreeingWithDomain(
        {
          kind: 'ambiguous',
          by: 'phone',
          reason: 'company_main_number',
          candidateIds: [],
          companyId,
          steps,
          trace: '',
        },
        byDomain,
        trace,
      );
    }
  }

  if (participant.email === undefined && participant.phones.length === 0) trace.push('no e-mail or phone to match on');
  if (byDomain?.kind === 'company') {
    trace.push(byDomain.words);
    return { kind: 'none', companyId: byDomain.companyId, domain: byDomain.domain, steps, trace: join(trace) };
  }
  if (byDomain?.kind === 'not_one') trace.push(byDomain.words);
  return { kind: 'none', steps, trace: join(trace) };
}

/** What the participant's e-mail domain says of the company, when the e-mail matched no person. */
type DomainVerdict =
  | { kind: 'company'; domain: string; companyId: CrmId; words: string }
  | { kind: 'not_one'; domain: string; words: string };

/**
 * The company an e-mail domain belongs to: every person of the CRM with an address at the domain (the CRM side
 * searched them all: `domainsSearched`) is at one and the same company, and there is at least one. A person at the
 * domain without a company, or persons at two companies, make it no company (a group's shared domain, a consultant
 * firm's). Free-mail and the customer's own domains never count. Undefined when the domain was not searched.
 */
function domainCompany(
  email: string,
  persons: readonly NormalizedCandidate[],
  domainsSearched: readonly string[],
  internalDomains: readonly string[],
): DomainVerdict | undefined {
  const domain = companyDomainOf(email, internalDomains);
  if (domain === undefined || !domainsSearched.includes(domain)) return undefined;
  const atDomain = persons.filter((candidate) => candidate.email?.endsWith(`@${domain}`) === true);
  const label = `email domain ${domain}`;
  if (atDomain.length === 0) return { kind: 'not_one', domain, words: `${label} → no person there; no company` };
  const companyId = sharedCompany(atDomain.map(({ person }) => person));
  if (companyId === undefined) {
    const companies = new Set(atDomain.map(({ person }) => String(person.companyId ?? 'none')));
    return {
      kind: 'not_one',
      domain,
      words: `${label} → ${atDomain.length} persons at ${companies.size} companies${companies.has('none') ? ' (or none)' : ''}; no company`,
    };
  }
  return {
    kind: 'company',
    domain,
    companyId,
    words: `${label} → ${atDomain.length} ${atDomain.length === 1 ? 'person' : 'persons'}, all at company ${String(companyId)} → no person chosen; company ${String(companyId)} only`,
  };
}

/**
 * A number's ambiguous decision naming a company keeps it only when the e-mail domain does not name another one:
 * two companies that fit are no company.
 */
function agreeingWithDomain(
  decision: MatchDecision,
  byDomain: DomainVerdict | undefined,
  trace: string[],
): MatchDecision {
  if (decision.kind !== 'ambiguous' || decision.companyId === undefined || byDomain?.kind !== 'company') {
    return { ...decision, trace: join(trace) };
  }
  if (byDomain.companyId === decision.companyId) {
    trace.push(`email domain ${byDomain.domain} → company ${String(byDomain.companyId)} too`);
    return { ...decision, trace: join(trace) };
  }
  trace.push(
    `email domain ${byDomain.domain} → company ${String(byDomain.companyId)}: two companies fit; no company chosen`,
  );
  return { ...decision, companyId: undefined, trace: join(trace) };
}

function decideByEmail(
  participant: ClassifiedParticipant,
  email: string,
  persons: readonly NormalizedCandidate[],
  /** The participant's numbers that exactly one candidate holds and no company has as its main number. */
  ownNumbers: readonly string[],
  steps: MatchStep[],
  trace: string[],
): MatchDecision | undefined {
  const hits = persons.filter((candidate) => candidate.email === email);
  const hitIds = hits.map(({ person }) => person.id);
  const label = `email ${email}`;
  if (hits.length === 0) {
    steps.push({ key: 'email', value: email, hits: [], outcome: 'no_hits' });
    trace.push(`${label} → 0 hits`);
    return undefined;
  }
  if (hits.length === 1 && hits[0]) {
    steps.push({ key: 'email', value: email, hits: hitIds, outcome: 'unique' });
    trace.push(`${label} → ${describePerson(hits[0].person)} (unique)${describeCompany(hits[0].person)}`);
    return matched('email', hits[0].person, undefined);
  }

  const rules: TieBreakRule[] = [];
  const notes: string[] = [`${hits.length} hits (${hitIds.map(String).join(', ')})`];
  let pool = hits;
  const narrow = (rule: TieBreakRule, keep: NormalizedCandidate[], note: string) => {
    if (keep.length > 0 && keep.length < pool.length) {
      pool = keep;
      rules.push(rule);
      notes.push(note.replace('{n}', String(keep.length)));
    }
  };
  narrow(
    'own_number',
    pool.filter(({ mobile, phone }) => ownNumbers.some((e164) => e164 === mobile || e164 === phone)),
    "{n} holding the participant's number",
  );
  narrow(
    'active',
    pool.filter(({ person }) => !person.inactive),
    '{n} active',
  );
  narrow(
    'company_name',
    pool.filter(({ person }) => sameCompanyName(person.companyName, participant.company)),
    "{n} at the participant's company",
  );

  const [chosen] = pool;
  if (pool.length === 1 && chosen) {
    steps.push({ key: 'email', value: email, hits: hitIds, outcome: 'resolved' });
    trace.push(
      `${label} → ${notes.join(' → ')} → ${describePerson(chosen.person)} (resolved ambiguity)${describeCompany(chosen.person)}`,
    );
    return matched('email', chosen.person, { candidateIds: hitIds, rules });
  }
  steps.push({ key: 'email', value: email, hits: hitIds, outcome: 'ambiguous' });
  const companyId = sharedCompany(pool.map(({ person }) => person));
  trace.push(`${label} → ${notes.join(' → ')} → nothing tells them apart; no person chosen${companyOnly(companyId)}`);
  return {
    kind: 'ambiguous',
    by: 'email',
    reason: 'duplicate_email',
    candidateIds: pool.map(({ person }) => person.id),
    companyId,
    steps,
    trace: join(trace),
  };

  function matched(
    by: MatchKey,
    person: PersonCandidate,
    resolvedAmbiguity: { candidateIds: CrmId[]; rules: TieBreakRule[] } | undefined,
  ): MatchDecision {
    return {
      kind: 'matched',
      by,
      personId: person.id,
      companyId: person.companyId,
      resolvedAmbiguity,
      steps,
      trace: join(trace),
    };
  }
}

function decideByNumber(
  key: 'mobile' | 'phone',
  e164: string,
  persons: readonly NormalizedCandidate[],
  holders: readonly NormalizedCandidate[],
  switchboards: ReadonlyMap<string, CrmId[]>,
  steps: MatchStep[],
  trace: string[],
): MatchDecision | undefined {
  const inField = persons.filter((candidate) => candidate[key] === e164);
  const label = `${key} ${e164}`;
  if (inField.length === 0) {
    steps.push({ key, value: e164, hits: [], outcome: 'no_hits' });
    trace.push(`${label} → 0 hits`);
    return undefined;
  }
  const hitIds = inField.map(({ person }) => person.id);
  const holderIds = holders.map(({ person }) => person.id);

  const companiesWithNumber = switchboards.get(e164) ?? [];
  if (companiesWithNumber.length > 0) {
    const companyId = companiesWithNumber.length === 1 ? companiesWithNumber[0] : undefined;
    steps.push({ key, value: e164, hits: hitIds, outcome: 'switchboard' });
    trace.push(
      `${label} → main number of company ${companiesWithNumber.map(String).join(', ')} → no person chosen${companyOnly(companyId)}`,
    );
    return {
      kind: 'ambiguous',
      by: key,
      reason: 'company_main_number',
      candidateIds: holderIds,
      companyId,
      steps,
      trace: join(trace),
    };
  }
  if (holders.length > 1) {
    const companyId = sharedCompany(holders.map(({ person }) => person));
    steps.push({ key, value: e164, hits: hitIds, outcome: 'ambiguous' });
    trace.push(
      `${label} → held by ${holders.length} persons (${holderIds.map(String).join(', ')}) → no person chosen${companyOnly(companyId)}`,
    );
    return {
      kind: 'ambiguous',
      by: key,
      reason: 'shared_number',
      candidateIds: holderIds,
      companyId,
      steps,
      trace: join(trace),
    };
  }
  const [only] = inField;
  if (!only) return undefined;
  steps.push({ key, value: e164, hits: hitIds, outcome: 'unique' });
  trace.push(`${label} → ${describePerson(only.person)} (unique)${describeCompany(only.person)}`);
  return {
    kind: 'matched',
    by: key,
    personId: only.person.id,
    companyId: only.person.companyId,
    steps,
    trace: join(trace),
  };
}

/** E.164 main number → ids of the companies that have it, from the companies and from the persons' companies. */
function companyMainNumbers(candidates: MatchCandidates, defaultRegion: string): Map<string, CrmId[]> {
  const numbers = new Map<string, CrmId[]>();
  const add = (raw: string | undefined, companyId: CrmId | undefined) => {
    const e164 = toE164(raw, defaultRegion);
    if (e164 === undefined || companyId === undefined) return;
    const ids = numbers.get(e164) ?? [];
    if (!ids.includes(companyId)) ids.push(companyId);
    numbers.set(e164, ids);
  };
  for (const company of candidates.companies ?? []) add(company.mainPhone, company.id);
  for (const person of candidates.persons) add(person.companyMainPhone, person.companyId);
  return numbers;
}

/**
 * Every candidate that holds `e164` or may. A foreign number a CRM holds in its national form only (no country code)
 * is either read in `defaultRegion` as another number (a Danish team line typed "33 21 72 84" in a Swedish CRM is
 * "+4633217284": `readAsWrittenNationally`) or not read at all (a Finnish "09 840 9008"); a record with such a
 * number, or whose written number (a live CRM record, not yet E.164) reads as `e164` in `e164`'s own country, may
 * hold the line. It may also be a genuine other number, so such a record only ever makes a number shared, never
 * matches by itself.
 */
function possibleHolders(
  e164: string,
  persons: readonly NormalizedCandidate[],
  defaultRegion: string,
): NormalizedCandidate[] {
  const misread = readAsWrittenNationally(e164, defaultRegion);
  const ownRegion = regionOf(e164);
  const holds = (normalized: string | undefined, written: string | undefined) =>
    normalized === e164 ||
    (misread !== undefined && normalized === misread) ||
    (normalized === undefined &&
      written !== undefined &&
      ownRegion !== undefined &&
      ownRegion !== defaultRegion.toUpperCase() &&
      toE164(written, ownRegion) === e164);
  return persons.filter(({ mobile, phone, person }) => holds(mobile, person.mobilePhone) || holds(phone, person.phone));
}

function sharedCompany(persons: readonly PersonCandidate[]): CrmId | undefined {
  const [first] = persons;
  const companyId = first?.companyId;
  return companyId !== undefined && persons.every((person) => person.companyId === companyId) ? companyId : undefined;
}

function describePerson(person: PersonCandidate): string {
  return `person ${String(person.id)}${person.inactive ? ' (inactive)' : ''}`;
}

function describeCompany(person: PersonCandidate): string {
  return person.companyId === undefined ? ' → no company' : ` → company ${String(person.companyId)}`;
}

function companyOnly(companyId: CrmId | undefined): string {
  return companyId === undefined ? '' : `; company ${String(companyId)} only`;
}

function join(trace: readonly string[]): string {
  return trace.join('; ');
}

/**
 * The E.164 numbers a candidate search by number must look up so that decideMatch sees every possible holder of
 * the participant's numbers: each number, and what it reads as when a CRM in `defaultRegion` holds it written
 * without its country code (see `possibleHolders`).
 */
export function numbersToLookUp(participant: ClassifiedParticipant, defaultRegion: string): string[] {
  return participant.phones.flatMap(({ e164 }) => {
    const misread = readAsWrittenNationally(e164, defaultRegion);
    return misread === undefined ? [e164] : [e164, misread];
  });
}

/**
 * True when one of the participant's numbers is foreign and its national form cannot be read in `defaultRegion`
 * (a Finnish "09 840 9008" in a Swedish CRM): a contact index keyed by E.164 holds no key for a record that stored it
 * so, so a match by number from the index must be checked against a live search by written forms, or a team line
 * would look like one holder's.
 */
export function hasNumberIndexMayMiss(participant: ClassifiedParticipant, defaultRegion: string): boolean {
  return participant.phones.some(({ e164 }) => {
    const region = regionOf(e164);
    return (
      region !== undefined &&
      region !== defaultRegion.toUpperCase() &&
      readAsWrittenNationally(e164, defaultRegion) === undefined
    );
  });
}
