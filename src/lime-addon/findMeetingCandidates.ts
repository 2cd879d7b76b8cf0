import { phoneWrittenForms, type ClassifiedParticipant, type PersonCandidate } from '../core';
import type { LimeSchema } from './discoverSchema';
import type { LimeFieldMap } from './limeConfig';
import { CrmError } from '../crm/crmError';
import type { LimeHttp } from './limeHttp';
import { fieldsOf, idOf, runQuery, textOf, type LimeFilter } from './limeQuery';

/** Page size per participant; pages continue until a short one. */
const CANDIDATES_PER_PARTICIPANT = 50;
const MAX_PAGE = 500;
/** More pages than this is a data problem (thousands of persons on one number), not a meeting to match. */
const MAX_PAGES = 20;

/**
 * Every Lime person that might be one of the meeting's external participants, in ONE Query API call: persons whose
 * e-mail is one of the participants' (case-insensitive in Lime) or whose mobile or phone field holds one of the
 * common written forms of their numbers. Each person comes with their company's id, name and main number (a
 * nested responseFormat), so the switchboard rule needs no second call. `decideMatch` then picks per participant
 * from the whole list, locally.
 */
export async function findMeetingCandidates(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  participants: readonly ClassifiedParticipant[],
  signal?: AbortSignal,
): Promise<PersonCandidate[]> {
  const { person } = fields;
  const emails = [...new Set(participants.flatMap((participant) => participant.email ?? []))];
  const forms = [
    ...new Set(
      participants.flatMap((participant) => participant.phones.flatMap((phone) => phoneWrittenForms(phone.e164))),
    ),
  ];
  const conditions: LimeFilter[] = [];
  if (emails.length > 0) conditions.push({ key: person.email, op: 'IN', exp: emails });
  if (forms.length > 0) {
    conditions.push({ key: person.mobilephone, op: 'IN', exp: forms });
    conditions.push({ key: person.phone, op: 'IN', exp: forms });
  }
  if (conditions.length === 0) return [];

  const filter: LimeFilter = conditions.length === 1 && conditions[0] ? conditions[0] : { op: 'OR', exp: conditions };
  const pageSize = Math.min(CANDIDATES_PER_PARTICIPANT * Math.max(1, participants.length), MAX_PAGE);
  return queryPersons(http, fields, schema, filter, pageSize, signal);
}

/**
 * Persons matching `filter`, as candidates, paged until a short page: a number many persons share (a switchboard
 * on person records) must not push another participant's candidates out of a truncated list.
 */
export async function queryPersons(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  filter: LimeFilter,
  pageSize: number,
  signal?: AbortSignal,
): Promise<PersonCandidate[]> {
  const objects: Array<Record<string, unknown>> = [];
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const batch = await runQuery(
      http,
      {
        limetype: fields.person.limetype,
        responseFormat: { object: personFormat(fields, schema) },
        filter,
        orderBy: [{ _id: 'ASC' }],
        limit: pageSize,
        offset: page * pageSize,
      },
      signal,
    );
    objects.push(...batch);
    if (batch.length < pageSize) return toCandidates(objects, fields);
  }
  throw new CrmError(
    'bad_response',
    `More than ${MAX_PAGES * pageSize} Lime persons share this meeting's e-mails or numbers; matching on them is unsafe`,
    { operation: 'GET query (person)' },
  );
}

/** What a candidate needs of a person: contact fields, inactive, update time, and the company nested. */
export function personFormat(fields: LimeFieldMap, schema: LimeSchema) {
  const { person, company } = fields;
  return {
    ...fieldsOf('_id', '_timestamp', person.email, person.phone, person.mobilephone),
    ...(schema.hasPersonInactive ? fieldsOf(person.inactive) : {}),
    [person.company]: fieldsOf('_id', company.name, company.phone),
  };
}

export function toCandidates(objects: ReadonlyArray<Record<string, unknown>>, fields: LimeFieldMap): PersonCandidate[] {
  const { person, company } = fields;
  return objects.flatMap((object): PersonCandidate[] => {
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
}
