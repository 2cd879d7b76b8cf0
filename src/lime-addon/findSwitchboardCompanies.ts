import {
  phoneWrittenForms,
  toE164,
  type ClassifiedParticipant,
  type CompanyCandidate,
  type PersonCandidate,
} from '../core';
import { CrmError } from '../crm/crmError';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { fieldsOf, idOf, textOf } from './limeQuery';
import { queryObjects } from './queryObjects';

/** More companies than this on the meeting's numbers is a data problem: none of them is taken as the switchboard. */
const MAX_COMPANIES = 50;
const TOO_MANY = 'too many companies on the meeting numbers';

/**
 * The companies whose main number (`company.phone`) is one of the participants' numbers that no candidate holds —
 * neither as a person's number nor as a candidate's company's main number, which the person query already reads
 * (findMeetingCandidates.ts). A call through a switchboard nobody has on their own record otherwise finds nothing
 * in Lime, where the person query alone cannot see a company. One Query API request (`phone IN` the numbers' common
 * written forms, as persons' numbers are searched), sent only when such a number is left; core's decideMatch then
 * applies the switchboard rule (exactly one company with the number).
 */
export async function findSwitchboardCompanies(
  http: LimeHttp,
  fields: LimeFieldMap,
  participants: readonly ClassifiedParticipant[],
  candidates: readonly PersonCandidate[],
  defaultRegion: string,
  signal?: AbortSignal,
): Promise<CompanyCandidate[]> {
  const held = new Set(
    candidates.flatMap((person) =>
      [person.mobilePhone, person.phone, person.companyMainPhone].flatMap((raw) => toE164(raw, defaultRegion) ?? []),
    ),
  );
  const numbers = [
    ...new Set(participants.flatMap((participant) => participant.phones.map((phone) => phone.e164))),
  ].filter((e164) => !held.has(e164));
  if (numbers.length === 0) return [];
  const { company } = fields;
  let objects: Array<Record<string, unknown>>;
  try {
    objects = await queryObjects(
      http,
      {
        limetype: company.limetype,
        responseFormat: { object: fieldsOf('_id', company.name, company.phone) },
        anyOf: [{ keys: [company.phone], values: numbers.flatMap((e164) => phoneWrittenForms(e164)) }],
      },
      { signal, maxRows: MAX_COMPANIES, tooMany: TOO_MANY },
    );
  } catch (error) {
    if (error instanceof CrmError && error.message === TOO_MANY) return [];
    throw error;
  }
  return objects.flatMap((object): CompanyCandidate[] => {
    const id = idOf(object['_id']);
    return id === undefined
      ? []
      : [{ id, name: textOf(object, company.name), mainPhone: textOf(object, company.phone) }];
  });
}
