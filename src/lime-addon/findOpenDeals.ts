import type { CrmId } from '../core';
import type { LimeDealModel } from './discoverSchema';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { fieldsOf, idOf, type LimeFilter } from './limeQuery';
import { queryObjects } from './queryObjects';

/**
 * The open deals of the meeting's companies, in one Query API round trip (the companies' ids split only where a
 * request line would grow too long): deals of those companies whose status is not a closed one. Lime itself lets a
 * note link to a closed deal; leaving them out is our policy (a note belongs on the deal still being worked on).
 * The status is checked again on the answer, so a server that ignored the filter cannot link a closed deal.
 */
export async function findOpenDeals(
  http: LimeHttp,
  fields: LimeFieldMap,
  model: LimeDealModel,
  companyIds: readonly CrmId[],
  signal?: AbortSignal,
): Promise<Map<CrmId, CrmId[]>> {
  const { deal } = fields;
  const closed = model.closedStatuses.map((key): LimeFilter => ({ key: deal.status, op: '!=', exp: key }));
  const [onlyClosed] = closed;
  const objects = await queryObjects(
    http,
    {
      limetype: deal.limetype,
      responseFormat: { object: fieldsOf('_id', deal.company, deal.status) },
      ...(onlyClosed === undefined ? {} : { where: closed.length === 1 ? onlyClosed : { op: 'AND', exp: closed } }),
      anyOf: [{ keys: [deal.company], values: companyIds.map(Number) }],
    },
    { signal },
  );
  const byCompany = new Map<CrmId, CrmId[]>();
  for (const object of objects) {
    const dealId = idOf(object['_id']);
    const companyId = idOf(object[deal.company]);
    if (dealId === undefined || companyId === undefined) continue;
    if (model.closedStatuses.includes(optionKey(object[deal.status]) ?? '')) continue;
    const asAsked = companyIds.find((id) => Number(id) === companyId);
    if (asAsked === undefined) continue;
    byCompany.set(asAsked, [...(byCompany.get(asAsked) ?? []), dealId]);
  }
  return byCompany;
}

/** An option value as the Query API may give it: the key itself, or `{key, text, id}`. */
function optionKey(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const key = (value as Record<string, unknown>)['key'];
    return typeof key === 'string' ? key : undefined;
  }
  return undefined;
}
