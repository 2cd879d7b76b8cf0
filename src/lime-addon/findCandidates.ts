import {
  phoneWrittenForms,
  normalizeEmail,
  type ClassifiedParticipant,
  type CompanyCandidate,
  type MatchCandidates,
  type PersonCandidate,
} from '../core';
import type { LimeSchema } from './discoverSchema';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { fieldsOf, idOf, runQuery, textOf, type LimeFilter } from './limeQuery';

/** More persons than this for one participant is a data problem, not a match; decideMatch sees the first ones. */
const CANDIDATE_LIMIT = 50;

/**
 * The Lime persons (and switchboard companies) that might be this participant, for `decideMatch`.
 *
 * One Query API call asks for persons whose e-mail equals the participant's (case-insensitive in Lime) or whose
 * mobile or phone field holds one of the common written forms of the participant's numbers. A second call,
 * only when the participant has numbers and no person has the e-mail (so the phones decide), finds companies
 * whose main number is one of those forms: a switchboard number must never pick a person.
 */
export async function findCandidates(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  participant: ClassifiedParticipant,
  signal?: AbortSignal,
): Promise<MatchCandidates> {
  const { person, company } = fields;
  const forms = participant.phones.flatMap((phone) => phoneWrittenForms(phone.e164));
  const conditions: LimeFilter[] = [];
  if (participant.email !== undefined) conditions.push({ key: person.email, op: '=', exp: participant.email });
  if (forms.length > 0) {
    conditions.push({ key: person.mobilephone, op: 'IN', exp: forms });
    conditions.push({ key: person.phone, op: 'IN', exp: forms });
  }
  if (conditions.length === 0) return { persons: [] };

  const objects = await runQuery(
    http,
    {
      limetype: person.limetype,
      responseFormat: {
        object: {
          ...fieldsOf('_id', '_timestamp', person.email, person.phone, person.mobilephone),
          ...(schema.hasPersonInactive ? fieldsOf(person.inactive) : {}),
          [person.company]: fieldsOf('_id', company.name, company.phone),
        },
      },
      filter: conditions.length === 1 && conditions[0] ? conditions[0] : { op: 'OR', exp: conditions },
      orderBy: [{ _id: 'ASC' }],
      limit: CANDIDATE_LIMIT,
    },
    signal,
  );
  const persons = objects.flatMap((object): PersonCandidate[] => {
    const id = idOf(object['_id']);
    if (id === undefined) return [];
    const companyObject = object[person.company];
    const nested =
      typeof companyObject === 'object' && companyObject !== null ? (companyObject as Record<string, unknown>) : {};
    return [
      {
        id,
        email: textOf(object, person.email),
        phone: textOf(object, person.phone),
        mobilePhone: textOf(object, person.mobilephone),
        companyId: idOf(companyObject),
        companyName: textOf(nested, company.name),
        companyMainPhone: textOf(nested, company.phone),
        inactive: object[person.inactive] === true,
        updatedAt: textOf(object, '_timestamp'),
      },
    ];
  });

  const emailDecides =
    participant.email !== undefined &&
    persons.some((candidate) => candidate.email !== undefined && normalizeEmail(candidate.email) === participant.email);
  if (forms.length === 0 || emailDecides) return { persons };

  const companyObjects = await runQuery(
    http,
    {
      limetype: company.limetype,
      responseFormat: { object: fieldsOf('_id', company.name, company.phone) },
      filter: { key: company.phone, op: 'IN', exp: forms },
      orderBy: [{ _id: 'ASC' }],
      limit: CANDIDATE_LIMIT,
    },
    signal,
  );
  const companies = companyObjects.flatMap((object): CompanyCandidate[] => {
    const id = idOf(object['_id']);
    return id === undefined
      ? []
      : [{ id, name: textOf(object, company.name), mainPhone: textOf(object, company.phone) }];
  });
  return { persons, companies };
}
