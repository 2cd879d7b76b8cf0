import type { PersonTarget } from '../core';
import { CrmError } from '../crm/crmError';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { limeObjectSchema, parseLime } from './limeSchemas';

/**
 * One Lime person by id, with their company, for an admin's "this participant is that person"; undefined when Lime
 * has no such person (404: a wrong id or deleted). `GET limeobject/person/{id}/` answers the person's properties
 * flat, a belongsto relation as the related id or null [verified: shared/specs/lime-rest-api.md §2.1–2.2, N8N
 * `getLimeobject`, GO-SAMPLES]. A person marked inactive is refused like a missing one: matching never writes on
 * inactive persons either [assumption: an admin who picks one made a mistake].
 */
export async function readLimePerson(
  http: LimeHttp,
  fields: LimeFieldMap,
  personId: number,
  signal: AbortSignal | undefined,
): Promise<PersonTarget | undefined> {
  if (!Number.isSafeInteger(personId) || personId <= 0) return undefined;
  const { person } = fields;
  let json: unknown;
  try {
    json = await http.getJson(`limeobject/${encodeURIComponent(person.limetype)}/${personId}/`, {}, signal);
  } catch (error) {
    if (error instanceof CrmError && error.code === 'not_found') return undefined;
    throw error;
  }
  const read = parseLime(limeObjectSchema, json, `GET limeobject/${person.limetype}`);
  if (read[person.inactive] === true) return undefined;
  const company = read[person.company];
  return {
    personId: read._id,
    companyId: typeof company === 'number' && Number.isSafeInteger(company) ? company : undefined,
  };
}
