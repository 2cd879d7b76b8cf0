import type { LimeSchema } from './discoverSchema';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { fieldsOf, idOf, runQuery } from './limeQuery';

/**
 * The coworker whose e-mail is the presenter's, for the note's `coworker` (the seed's presenter). Only a single
 * active coworker counts: two coworkers with one address link neither.
 */
export async function findCoworker(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  email: string,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const { coworker } = fields;
  const objects = await runQuery(
    http,
    {
      limetype: coworker.limetype,
      responseFormat: { object: fieldsOf('_id', ...(schema.hasCoworkerInactive ? [coworker.inactive] : [])) },
      filter: { key: coworker.email, op: '=', exp: email },
      limit: 5,
    },
    signal,
  );
  const active = objects.filter((object) => object[coworker.inactive] !== true);
  return active.length === 1 && active[0] ? idOf(active[0]['_id']) : undefined;
}
