import { CrmError } from '../crm/crmError';
import { MAX_REQUEST_LINE, type LimeHttp } from './limeHttp';
import { idOf, type LimeFilter, type LimeQuery, type LimeResponseFormat } from './limeQuery';
import { PAGE_SIZE } from './limeServerTraits';
import { readAllPages } from './queryPages';

/**
 * A query whose filter is `where AND (key IN values OR …)` for each list of `anyOf`: lists that grow with the
 * meeting (e-mails, numbers, ids) and are split over as many requests as keep every request line short.
 */
export interface ListQuery {
  limetype: string;
  responseFormat: { object: LimeResponseFormat };
  /** A condition every object must meet (not split). */
  where?: LimeFilter;
  /** Objects whose value of any of `keys` is one of `values`; a list's values may go to different requests. */
  anyOf?: ReadonlyArray<{ keys: readonly string[]; values: ReadonlyArray<string | number> }>;
  orderBy?: Array<Record<string, 'ASC' | 'DESC'>>;
}

export interface ReadOptions {
  signal?: AbortSignal | undefined;
  /** More objects than this is an error with `tooMany` as its message (a data problem, not a list to act on). */
  maxRows?: number;
  tooMany?: string;
}

/**
 * Every object a query selects, however long its lists and however many pages: the lists split so that no request
 * line exceeds MAX_REQUEST_LINE, each part read page by page (queryPages.ts), all parts at once (one round trip
 * when each fits a page), the objects merged by `_id` in `_id` order.
 */
export async function queryObjects(
  http: LimeHttp,
  query: ListQuery,
  options: ReadOptions = {},
): Promise<Array<Record<string, unknown>>> {
  const parts = splitQuery(http, query);
  const results = await Promise.all(parts.map((part) => readAllPages(http, part, options)));
  if (results.length === 1) return results[0] ?? [];
  const byId = new Map<unknown, Record<string, unknown>>();
  for (const object of results.flat()) byId.set(object['_id'], object);
  const merged = [...byId.values()];
  if (options.maxRows !== undefined && merged.length > options.maxRows) {
    throw new CrmError('bad_response', options.tooMany ?? `More than ${options.maxRows} ${query.limetype} objects`, {
      operation: `GET query (${query.limetype})`,
    });
  }
  return merged.sort((a, b) => (idOf(a['_id']) ?? 0) - (idOf(b['_id']) ?? 0));
}

/** Room left in a measured request line for the `limit` and `offset` a page is asked with. */
const MEASURED_PAGE = { limit: PAGE_SIZE, offset: 9_999_999 };

/**
 * The query as Query API documents, each short enough to send: the values of `anyOf` packed greedily, in order,
 * into as few documents as keep `GET <api>/query/?q=<document> HTTP/1.1` within MAX_REQUEST_LINE. A list of no
 * values selects nothing (no document). One value too long to fit even alone is a `bad_request`.
 */
export function splitQuery(http: LimeHttp, query: ListQuery): LimeQuery[] {
  const lineOf = (document: LimeQuery) =>
    http.requestLineLength('GET', 'query/', { q: JSON.stringify({ ...document, ...MEASURED_PAGE }) });
  const tooLong = (what: string, length: number) =>
    new CrmError(
      'bad_request',
      `${what} makes a Query API request line of ${length} characters, over the ${MAX_REQUEST_LINE} a server or proxy in front of Lime may accept`,
      { operation: `GET query (${query.limetype})` },
    );
  const lists = (query.anyOf ?? []).map((list) => ({ keys: list.keys, values: [...new Set(list.values)] }));
  if (query.anyOf === undefined) {
    const document = documentOf(query, []);
    const length = lineOf(document);
    if (length > MAX_REQUEST_LINE) throw tooLong(`The ${query.limetype} query`, length);
    return [document];
  }
  const documents: LimeQuery[] = [];
  let current: Array<Array<string | number>> = lists.map(() => []);
  let packed = 0;
  let length = 0;
  lists.forEach((list, index) => {
    for (const value of list.values) {
      const chunk = current[index] ?? [];
      chunk.push(value);
      // Measured in full when a list opens (its condition appears); else grown by what one more value adds to
      // each of its IN lists, `,<value>` URL-encoded (encoding is per character, so lengths add up exactly).
      length =
        chunk.length === 1
          ? lineOf(documentOf(query, current))
          : length + list.keys.length * encodedLength(`,${JSON.stringify(value)}`);
      if (length <= MAX_REQUEST_LINE) {
        packed += 1;
        continue;
      }
      chunk.pop();
      if (packed > 0) documents.push(documentOf(query, current));
      current = lists.map(() => []);
      current[index]?.push(value);
      packed = 1;
      length = lineOf(documentOf(query, current));
      if (length > MAX_REQUEST_LINE) throw tooLong(`One value of ${list.keys.join('/')} alone`, length);
    }
  });
  if (packed > 0) documents.push(documentOf(query, current));
  return documents;
}

/** The length of `text` as a query-string value (URLSearchParams' encoding, as the request is sent). */
function encodedLength(text: string): number {
  return new URLSearchParams({ q: text }).toString().length - 'q='.length;
}

/** The Query API document for `values` (one array per list of `anyOf`), ordered by `_id` unless told otherwise. */
function documentOf(query: ListQuery, values: ReadonlyArray<ReadonlyArray<string | number>>): LimeQuery {
  const conditions: LimeFilter[] = (query.anyOf ?? []).flatMap((list, index) => {
    const chunk = values[index] ?? [];
    return chunk.length === 0 ? [] : list.keys.map((key): LimeFilter => ({ key, op: 'IN', exp: [...chunk] }));
  });
  const any: LimeFilter | undefined =
    conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { op: 'OR', exp: conditions };
  const filter: LimeFilter | undefined =
    query.where === undefined ? any : any === undefined ? query.where : { op: 'AND', exp: [query.where, any] };
  return {
    limetype: query.limetype,
    responseFormat: query.responseFormat,
    ...(filter === undefined ? {} : { filter }),
    orderBy: query.orderBy ?? [{ _id: 'ASC' }],
  };
}
