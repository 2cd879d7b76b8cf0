import type { LimeHttp } from './limeHttp';
import { parseLime, queryResponseSchema } from './limeSchemas';

/** A Query API filter expression (shared/specs/lime-rest-api.md §3.2). */
export type LimeFilter =
  | { key: string; op: '=' | '!=' | '>' | '<' | '>=' | '<=' | '=?' | '?'; exp: string | number | boolean | null }
  | { key: string; op: 'IN'; exp: ReadonlyArray<string | number> }
  | { op: 'AND' | 'OR'; exp: readonly LimeFilter[] };

/** responseFormat.object: property → null (its value) or a nested spec for a belongsto relation. */
export interface LimeResponseFormat {
  [property: string]: null | LimeResponseFormat;
}

export interface LimeQuery {
  limetype: string;
  responseFormat: { object: LimeResponseFormat };
  filter?: LimeFilter;
  orderBy?: Array<Record<string, 'ASC' | 'DESC'>>;
  limit?: number;
  offset?: number;
}

/** Runs one Query API request (`GET query/?q=`) and returns its objects. */
export async function runQuery(
  http: LimeHttp,
  query: LimeQuery,
  signal?: AbortSignal,
): Promise<Array<Record<string, unknown>>> {
  const json = await http.getJson('query/', { q: JSON.stringify(query) }, signal);
  return parseLime(queryResponseSchema, json, `GET query (${query.limetype})`).objects;
}

/** `{a: null, b: null}` for a list of property names. */
export function fieldsOf(...names: string[]): LimeResponseFormat {
  return Object.fromEntries(names.map((name) => [name, null]));
}

/** A text value from a query object: strings as they are, everything else undefined. */
export function textOf(object: Record<string, unknown>, property: string): string | undefined {
  const value = object[property];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An id from a query object: a relation id, or the `_id` of a nested object. */
export function idOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'object' && value !== null) return idOf((value as Record<string, unknown>)['_id']);
  return undefined;
}
