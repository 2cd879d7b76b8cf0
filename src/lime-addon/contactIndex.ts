import {
  decideMatch,
  hasNumberIndexMayMiss,
  normalizeEmail,
  toE164,
  type ClassifiedParticipant,
  type MatchDecision,
  type PersonCandidate,
} from '../core';
import type { ContactIndexEntry } from '../crm/crmConnector';
import type { LimeSchema } from './discoverSchema';
import { findMeetingCandidates, personFormat, queryPersons, toCandidates } from './findMeetingCandidates';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { queryPages } from './queryPages';

/**
 * Every Lime person (or every one changed since `changedSince`), page by page through the Query API (pages of 200
 * advanced by the rows received, until an empty page: queryPages.ts), normalized for the receiver's contact index:
 * e-mails lower-cased, every phone field read into E.164 whatever its written form ("mobil 0701234567" included).
 */
export async function* exportLimeContacts(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  defaultRegion: string,
  signal?: AbortSignal,
  changedSince?: string,
): AsyncIterable<ContactIndexEntry[]> {
  const pages = queryPages(
    http,
    {
      limetype: fields.person.limetype,
      responseFormat: { object: personFormat(fields, schema, true) },
      // An incremental pass: persons changed at or after the last change the index holds ([inferred] filtering
      // on `_timestamp`, spec §7; a server that refuses it answers 400 and the receiver keeps to full syncs).
      ...(changedSince === undefined ? {} : { filter: { key: '_timestamp', op: '>=', exp: changedSince } as const }),
      orderBy: [{ _id: 'ASC' }],
    },
    signal,
  );
  for await (const objects of pages) {
    yield toCandidates(objects, fields).map((candidate) => toEntry(candidate, defaultRegion));
  }
}

/** A person candidate as an index entry: e-mail lower-cased, numbers in E.164. */
export function toEntry(candidate: PersonCandidate, defaultRegion: string): ContactIndexEntry {
  return {
    personId: candidate.id,
    email: candidate.email === undefined ? undefined : normalizeEmail(candidate.email),
    mobileE164: toE164(candidate.mobilePhone, defaultRegion),
    phoneE164: toE164(candidate.phone, defaultRegion),
    companyId: candidate.companyId,
    companyName: candidate.companyName,
    companyMainE164: toE164(candidate.companyMainPhone, defaultRegion),
    inactive: candidate.inactive === true,
    updatedAt: candidate.updatedAt,
    personName: candidate.name,
  };
}

/** An index entry as a matching candidate (its numbers are E.164 already; decideMatch reads them unchanged). */
export function entryToCandidate(entry: ContactIndexEntry): PersonCandidate {
  return {
    id: entry.personId,
    email: entry.email,
    mobilePhone: entry.mobileE164,
    phone: entry.phoneE164,
    companyId: entry.companyId,
    companyName: entry.companyName,
    companyMainPhone: entry.companyMainE164,
    inactive: entry.inactive,
    updatedAt: entry.updatedAt,
    name: entry.personName,
  };
}

/**
 * The candidates to decide on when the receiver's contact index answered: decided on the index first; the persons
 * it chose are read back live and must still hold the key they were matched by (a changed e-mail or number, or a
 * deleted person, means the index is stale: everything is then matched live, one more round trip); participants
 * the index did not match, or matched by a foreign number it cannot hold every written form of, are searched live too, at the same time (one round trip for both), so a person added in
 * Lime since the last sync is still found.
 */
export async function confirmedIndexCandidates(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  participants: readonly ClassifiedParticipant[],
  entries: readonly ContactIndexEntry[],
  defaultRegion: string,
  signal?: AbortSignal,
): Promise<PersonCandidate[]> {
  const fromIndex = entries.map(entryToCandidate);
  const decisions = participants.map((participant) =>
    decideMatch(participant, { persons: fromIndex }, { defaultRegion }),
  );
  const chosen = [
    ...new Set(decisions.flatMap((decision) => (decision.kind === 'matched' ? [decision.personId] : []))),
  ];
  // A match by a foreign number whose national-only form the index cannot hold is checked by a live search too:
  // another holder may have typed it so (decideMatch then sees the line is shared).
  const unmatched = participants.filter((participant, index) => {
    const decision = decisions[index];
    if (decision?.kind === 'none') return true;
    return decision?.kind === 'matched' && decision.by !== 'email' && hasNumberIndexMayMiss(participant, defaultRegion);
  });
  const [live, searched] = await Promise.all([
    chosen.length === 0
      ? []
      : queryPersons(http, fields, schema, { anyOf: [{ keys: ['_id'], values: chosen }] }, signal),
    unmatched.length === 0 ? [] : findMeetingCandidates(http, fields, schema, unmatched, signal),
  ]);
  const stillHolds = (decision: MatchDecision, participant: ClassifiedParticipant) => {
    if (decision.kind !== 'matched') return true;
    const person = live.find((candidate) => String(candidate.id) === String(decision.personId));
    if (!person) return false;
    const numbers = participant.phones.map((phone) => phone.e164);
    switch (decision.by) {
      case 'email':
        return person.email !== undefined && normalizeEmail(person.email) === participant.email;
      case 'mobile':
        return numbers.includes(toE164(person.mobilePhone, defaultRegion) ?? '');
      case 'phone':
        return numbers.includes(toE164(person.phone, defaultRegion) ?? '');
    }
  };
  if (!decisions.every((decision, index) => stillHolds(decision, participants[index] as ClassifiedParticipant))) {
    return findMeetingCandidates(http, fields, schema, participants, signal);
  }
  // Live records win over the index's copies of the same persons.
  const byId = new Map<string, PersonCandidate>();
  for (const candidate of [...fromIndex, ...searched, ...live]) byId.set(String(candidate.id), candidate);
  return [...byId.values()];
}
