import { phoneWrittenForms, type ClassifiedParticipant, type PersonCandidate } from '../core';
import type { LimeSchema } from './discoverSchema';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { fieldsOf, idOf, textOf } from './limeQuery';
import { queryObjects, type ListQuery } from './queryObjects';

/** More candidates than this is a data problem (thousands of persons on one number), not a meeting to match. */
const MAX_CANDIDATES = 4_000;

/**
 * Every Lime person that might be one of the meeting's external participants, in one round trip: persons whose
 * e-mail is one of the participants' (case-insensitive in Lime) or whose mobile or phone field holds one of the
 * common written forms of their numbers. The lists are split over as many Query API requests as keep each request
 * line short, sent at once (queryObjects). Each person comes with their company's id, name and main number (a
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
  const emails = participants.flatMap((participant) => participant.email ?? []);
  const forms = participants.flatMap((participant) =>
    participant.phones.flatMap((phone) => phoneWrittenForms(phone.e164)),
  );
  if (emails.length === 0 && forms.length === 0) return [];
  return queryPersons(
    http,
    fields,
    schema,
    {
      anyOf: [
        { keys: [person.email], values: emails },
        { keys: [person.mobilephone, person.phone], values: forms },
      ],
    },
    signal,
  );
}

/**
 * Persons selected by `selection`, as candidates, every page read: a number many persons share (a switchboard on
 * person records) must not push another participant's candidates out of a truncated list.
 */
export async function queryPersons(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  selection: Pick<ListQuery, 'where' | 'anyOf'>,
  signal?: AbortSignal,
  withName = false,
): Promise<PersonCandidate[]> {
  const objects = await queryObjects(
    http,
    {
      limetype: fields.person.limetype,
      responseFormat: { object: personFormat(fields, schema, withName) },
      ...selection,
    },
    {
      signal,
      maxRows: MAX_CANDIDATES,
      tooMany: `More than ${MAX_CANDIDATES} Lime persons share this meeting's e-mails or numbers; matching on them is unsafe`,
    },
  );
  return toCandidates(objects, fields);
}

/**
 * What a candidate needs of a person: contact fields, inactive, update time, and the company nested; with `withName`
 * also the first and last name (the contact index keeps them for the admin's search; matching never reads them, and
 * its queries stay as short: a longer query URL is split into more requests). A server that refuses `_timestamp` is
 * asked without it (queryPages.ts); its persons then have no update time.
 */
export function personFormat(fields: LimeFieldMap, schema: LimeSchema, withName = false) {
  const { person, company } = fields;
  return {
    ...fieldsOf('_id', '_timestamp', person.email, person.phone, person.mobilephone),
    ...(withName ? fieldsOf(person.firstname, person.lastname) : {}),
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
        name: nameOf(object, fields),
      },
    ];
  });
}

/**
 * The person's name from the field map's first and last name ([verified] Lime core's person.firstname, required,
 * and person.lastname: shared/specs/lime-rest-api.md §5.1; the computed `name` is not read, a customised
 * application may lack it). Undefined when both are empty.
 */
function nameOf(object: Record<string, unknown>, fields: LimeFieldMap): string | undefined {
  const name = [textOf(object, fields.person.firstname), textOf(object, fields.person.lastname)]
    .filter((part): part is string => part !== undefined && part.trim() !== '')
    .map((part) => part.trim())
    .join(' ');
  return name === '' ? undefined : name;
}
