import { normalizeCompanyName, type ClassifiedParticipant } from '../core';
import type { LimeSchema } from './discoverSchema';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { fieldsOf, idOf, textOf } from './limeQuery';
import { queryObjects } from './queryObjects';
import { limeObjectSchema, parseLime } from './limeSchemas';

/** Companies read whose name shares the participant's company's first word: every page, up to this many. */
const MAX_NAMESAKES = 2_000;

export interface CreatedContact {
  personId: number;
  companyId?: number | undefined;
  companyCreated: boolean;
  /** How the company was resolved, for the matching trace. */
  trace: string;
}

/**
 * The seed's "Create contact in CRM": resolve the company by the participant's company name (a unique match on
 * the normalized name; none → create it; several → create the person without a company, since no company can
 * be chosen safely), then create the person linked to it with e-mail and phones.
 */
export async function createContact(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  participant: ClassifiedParticipant,
  signal?: AbortSignal,
  atCompanyId?: number,
): Promise<CreatedContact> {
  // A company already certain (the e-mail's domain is its): neither looked up by name nor created.
  const company =
    atCompanyId === undefined
      ? await resolveCompany(http, fields, schema, participant.company, signal)
      : { id: atCompanyId, created: false, trace: `person created at company ${atCompanyId} (its e-mail domain)` };
  const { person } = fields;
  const fitText = (property: string, value: string | undefined) => fitLength(schema, person.limetype, property, value);
  const mobile = participant.phones.find((phone) => phone.field === 'mobile_phone' || phone.type === 'mobile');
  const phone = participant.phones.find((candidate) => candidate.field === 'phone') ?? mobile;

  const values: Record<string, unknown> = {
    // firstname is required in Lime; a participant known only by e-mail or phone still needs one.
    [person.firstname]: fitText(
      person.firstname,
      participant.firstName ?? emailLocalPart(participant.email) ?? 'Unknown',
    ),
  };
  const optional: Array<[string, string | undefined]> = [
    [person.lastname, participant.lastName],
    [person.email, participant.email],
    [person.phone, phone?.e164],
    [person.mobilephone, mobile?.e164],
  ];
  for (const [property, value] of optional) {
    const fitted = fitText(property, value);
    if (fitted !== undefined) values[property] = fitted;
  }
  if (company.id !== undefined) values[person.company] = company.id;

  const created = parseLime(
    limeObjectSchema,
    await http.postJson(`limeobject/${person.limetype}/`, values, signal),
    `POST limeobject/${person.limetype}`,
  );
  return { personId: created._id, companyId: company.id, companyCreated: company.created, trace: company.trace };
}

async function resolveCompany(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  name: string | undefined,
  signal?: AbortSignal,
): Promise<{ id?: number | undefined; created: boolean; trace: string }> {
  const key = name === undefined ? '' : normalizeCompanyName(name);
  if (name === undefined || key === '') return { created: false, trace: 'no company name → person without company' };

  const { company } = fields;
  const [firstWord = key] = key.split(' ');
  const objects = await queryObjects(
    http,
    {
      limetype: company.limetype,
      responseFormat: { object: fieldsOf('_id', company.name) },
      where: { key: company.name, op: '?', exp: firstWord },
    },
    {
      signal,
      maxRows: MAX_NAMESAKES,
      tooMany: `More than ${MAX_NAMESAKES} Lime companies contain the first word of the participant's company name; the company cannot be chosen safely`,
    },
  );
  const same = objects.filter((object) => normalizeCompanyName(textOf(object, company.name) ?? '') === key);
  const [only] = same;
  if (same.length === 1 && only) {
    const id = idOf(only['_id']);
    return { id, created: false, trace: `company name → company ${String(id)} (unique)` };
  }
  if (same.length > 1) {
    const ids = same.map((object) => String(idOf(object['_id']))).join(', ');
    return { created: false, trace: `company name matches ${same.length} companies (${ids}) → person without company` };
  }
  const created = parseLime(
    limeObjectSchema,
    await http.postJson(
      `limeobject/${company.limetype}/`,
      { [company.name]: fitLength(schema, company.limetype, company.name, name) },
      signal,
    ),
    `POST limeobject/${company.limetype}`,
  );
  return { id: created._id, created: true, trace: `company name → 0 hits → company ${created._id} created` };
}

function emailLocalPart(email: string | undefined): string | undefined {
  return email === undefined ? undefined : email.slice(0, email.indexOf('@')) || undefined;
}

/** The value cut to the property's length in this Lime application (Lime refuses longer text). */
function fitLength(
  schema: LimeSchema,
  limetype: string,
  property: string,
  value: string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  const length = schema.lengths[`${limetype}.${property}`];
  return length === undefined ? value : value.slice(0, length);
}
