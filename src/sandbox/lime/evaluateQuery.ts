import { badRequest, forbidden, plainJson, type ApiResponse } from './apiResponses';
import { compareFieldValues } from './compareValues';
import { compileQueryFilter } from './compileQueryFilter';
import { compileResponseFormat } from './compileResponseFormat';
import { findLimetype } from './findInModel';
import { resolveFieldPath, type FieldPath, type QueryContext } from './resolveFieldPath';
import type { LimetypeDef } from './types';

export interface QueryRunContext extends QueryContext {
  mayRead(limetype: string): boolean;
  /** The largest page served: a larger `limit`, or none, is silently cut to it. */
  maxLimit?: number | undefined;
}

interface OrderKey {
  path: FieldPath;
  descending: boolean;
}

/**
 * The Query API (lime-rest-api.md §3): `{limetype, responseFormat: {object}, filter, orderBy, limit, offset}` →
 * `{"objects": [...]}`. Anything wrong inside the document is a 400.
 */
export function evaluateQuery(context: QueryRunContext, document: unknown): ApiResponse {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return badRequest('The query must be a JSON object.');
  }
  const query = document as Record<string, unknown>;
  const limetypeName = query['limetype'];
  if (typeof limetypeName !== 'string') return badRequest('The query needs a "limetype".');
  const limetype = findLimetype(context.model, limetypeName);
  if (limetype === undefined) return badRequest(`The limetype "${limetypeName}" does not exist.`);
  if (!context.mayRead(limetype.name)) return forbidden('read', limetype.name);

  const touched = new Set<string>();
  const responseFormat = query['responseFormat'];
  const objectSpec =
    typeof responseFormat === 'object' && responseFormat !== null
      ? (responseFormat as { object?: unknown }).object
      : undefined;
  if (objectSpec === undefined) return badRequest('The query needs a "responseFormat" with an "object".');
  const format = compileResponseFormat(context, limetype, objectSpec, touched);
  if (typeof format !== 'function') return badRequest(format.problem);
  const filter = compileQueryFilter(context, limetype, query['filter'], touched);
  if (typeof filter !== 'function') return badRequest(filter.problem);
  const order = compileOrderBy(context, limetype, query['orderBy'], touched);
  if (typeof order === 'string') return badRequest(order);
  const limit = wholeNumber(query['limit'], 'limit');
  const offset = wholeNumber(query['offset'], 'offset');
  if (typeof limit === 'string') return badRequest(limit);
  if (typeof offset === 'string') return badRequest(offset);
  const unreadable = [...touched].find((name) => !context.mayRead(name));
  if (unreadable !== undefined) return forbidden('read', unreadable);

  const matching = context.store.list(limetype.name).filter(filter);
  matching.sort((a, b) => {
    for (const key of order) {
      const result = compareFieldValues(key.path.read(a), key.path.read(b));
      if (result !== 0) return key.descending ? -result : result;
    }
    return a._id - b._id;
  });
  const start = offset ?? 0;
  const served = context.maxLimit === undefined ? limit : Math.min(limit ?? context.maxLimit, context.maxLimit);
  const page = matching.slice(start, served === undefined ? undefined : start + served);
  return plainJson(200, { objects: page.map(format) });
}

function compileOrderBy(
  context: QueryContext,
  limetype: LimetypeDef,
  orderBy: unknown,
  touched: Set<string>,
): OrderKey[] | string {
  if (orderBy === undefined || orderBy === null) return [];
  if (!Array.isArray(orderBy)) return '"orderBy" must be an array like [{"name": "ASC"}].';
  const keys: OrderKey[] = [];
  for (const item of orderBy) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return '"orderBy" entries must be objects like {"name": "ASC"}.';
    }
    for (const [key, direction] of Object.entries(item)) {
      const upper = typeof direction === 'string' ? direction.toUpperCase() : '';
      if (upper !== 'ASC' && upper !== 'DESC') return `The order of "${key}" must be "ASC" or "DESC".`;
      const path = resolveFieldPath(context, limetype, key);
      if (typeof path === 'string') return path;
      path.throughLimetypes.forEach((name) => touched.add(name));
      keys.push({ path, descending: upper === 'DESC' });
    }
  }
  return keys;
}

function wholeNumber(value: unknown, name: string): number | undefined | string {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
    ? value
    : `"${name}" must be a whole number of 0 or more.`;
}
