import {
  companyDomainOf,
  normalizeEmail,
  type ClassifiedParticipant,
  type MatchCandidates,
  type PersonCandidate,
} from '../core';
import { CrmError } from '../crm/crmError';
import type { LimeSchema } from './discoverSchema';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import type { LimeFilter } from './limeQuery';
import { personFormat, toCandidates } from './findMeetingCandidates';
import { queryObjects } from './queryObjects';

/**
 * More persons than this at the meeting's unknown e-mail domains and the domains are left undecided: a domain names a
 * company only when every person there was read, and a big employer's domain is not worth pages of persons.
 */
export const MAX_DOMAIN_PERSONS = 400;

const TOO_MANY = 'too many persons at the e-mail domains';

/**
 * The persons at the e-mail domains of participants whose e-mail no candidate holds, for core's company-by-domain
 * rule (decideMatch: every person at the domain works at one company). One Query API request, sent only when such a
 * participant has a domain that can name a company (not free mail, not the customer's own): `email ? "@acme.se"`
 * for each domain (Lime's `?` is "contains" [verified name, lime-rest-api.md §4; contains-substring inferred;
 * case-insensitive an assumption, as the e-mail IN search already assumes]), every page read; the e-mail's exact
 * domain is then checked here (`x@acme.se.example` contains `@acme.se` too). Read live, also when the receiver's
 * contact index answered the rest: the rule needs every person at the domain, which a lagging index cannot promise.
 * More than MAX_DOMAIN_PERSONS and no domain counts as searched.
 */
export async function findDomainPersons(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  participants: readonly ClassifiedParticipant[],
  candidates: readonly PersonCandidate[],
  internalDomains: readonly string[],
  signal?: AbortSignal,
): Promise<MatchCandidates> {
  const held = new Set(
    candidates.flatMap((person) => (person.email === undefined ? [] : (normalizeEmail(person.email) ?? []))),
  );
  const domains = [
    ...new Set(
      participants.flatMap((participant) =>
        participant.email === undefined || held.has(participant.email)
          ? []
          : (companyDomainOf(participant.email, internalDomains) ?? []),
      ),
    ),
  ];
  if (domains.length === 0) return { persons: candidates };
  const conditions: LimeFilter[] = domains.map((domain) => ({ key: fields.person.email, op: '?', exp: `@${domain}` }));
  let objects: Array<Record<string, unknown>>;
  try {
    objects = await queryObjects(
      http,
      {
        limetype: fields.person.limetype,
        responseFormat: { object: personFormat(fields, schema) },
        where: conditions.length === 1 ? (conditions[0] as LimeFilter) : { op: 'OR', exp: conditions },
      },
      { signal, maxRows: MAX_DOMAIN_PERSONS, tooMany: TOO_MANY },
    );
  } catch (error) {
    if (error instanceof CrmError && error.message === TOO_MANY) return { persons: candidates };
    throw error;
  }
  const live = toCandidates(objects, fields);
  const liveIds = new Set(live.map((person) => String(person.id)));
  const atDomain = (person: PersonCandidate) => {
    const email = person.email === undefined ? undefined : normalizeEmail(person.email);
    return email !== undefined && domains.some((domain) => email.endsWith(`@${domain}`));
  };
  // Live wins: a candidate from the contact index whose e-mail is at a searched domain but whom Lime no longer has
  // there (the address changed since the last sync) must not count as a person at that domain.
  const byId = new Map<string, PersonCandidate>();
  for (const person of candidates) {
    const stale = atDomain(person) && !liveIds.has(String(person.id));
    byId.set(String(person.id), stale ? { ...person, email: undefined } : person);
  }
  for (const person of live) byId.set(String(person.id), person);
  return { persons: [...byId.values()], domainsSearched: domains };
}
