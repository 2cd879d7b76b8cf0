import { CrmError } from '../crm/crmError';
import type { LimeHttp } from './limeHttp';
import { runQuery, type LimeFilter, type LimeQuery, type LimeResponseFormat } from './limeQuery';

type LimeObjectRow = Record<string, unknown>;

/**
 * A query's objects page by page, as Lime's own client reads them (Lundalogik/lime-n8n-nodes-crm getManyObjects):
 * pages of 200 (or of the cap this server has shown), the offset advanced by the rows received, until an empty
 * page. A page shorter than asked ends the read without one more request only when this server has served a page
 * at least that long before (`LimeServerTraits`); otherwise the next page is asked once: empty, the short page was
 * the end (remembered: the server serves pages that long); not empty, the server cuts pages there (remembered: that
 * length is asked from then on). Ordered by `_id` unless the query orders itself.
 */
export async function* queryPages(
  http: LimeHttp,
  query: Omit<LimeQuery, 'limit' | 'offset'>,
  signal?: AbortSignal,
): AsyncGenerator<LimeObjectRow[]> {
  const { traits } = http;
  const ordered = { ...query, orderBy: query.orderBy ?? [{ _id: 'ASC' as const }] };
  let offset = 0;
  /** A short page whose end the current request confirms. */
  let unconfirmed: number | undefined;
  let previousFirst: unknown;
  for (;;) {
    const limit = traits.pageSize;
    const page = await runAdaptingQuery(http, { ...ordered, limit, offset }, signal);
    if (page.length === 0) {
      if (unconfirmed !== undefined) traits.confirmedWhole(unconfirmed);
      return;
    }
    const first = page[0]?.['_id'];
    if (offset > 0 && first !== undefined && first === previousFirst) {
      // Without this, a server that ignores `offset` would be read forever.
      throw new CrmError('bad_response', `Lime answered the same page again for a later offset (${query.limetype})`, {
        operation: `GET query (${query.limetype})`,
      });
    }
    previousFirst = first;
    if (unconfirmed !== undefined) traits.cutAt(unconfirmed);
    traits.served(page.length, limit);
    yield page;
    offset += page.length;
    if (page.length >= limit) {
      unconfirmed = undefined;
      continue;
    }
    if (traits.shortPageEnds(page.length)) return;
    unconfirmed = page.length;
  }
}

/** Every page of `query`, collected; more than `maxRows` objects is a `bad_response` saying `tooMany`. */
export async function readAllPages(
  http: LimeHttp,
  query: Omit<LimeQuery, 'limit' | 'offset'>,
  options: { signal?: AbortSignal | undefined; maxRows?: number; tooMany?: string } = {},
): Promise<LimeObjectRow[]> {
  const objects: LimeObjectRow[] = [];
  for await (const page of queryPages(http, query, options.signal)) {
    objects.push(...page);
    if (options.maxRows !== undefined && objects.length > options.maxRows) {
      throw new CrmError('bad_response', options.tooMany ?? `More than ${options.maxRows} ${query.limetype} objects`, {
        operation: `GET query (${query.limetype})`,
      });
    }
  }
  return objects;
}

/**
 * Learns how long this server's pages can be, once per connection and before the first meeting, so that no
 * meeting pays a round trip to confirm its short page: reads the first page of `limetype` ids (and the next, when
 * that page was short and the server's pages unknown).
 */
export async function learnPageSize(http: LimeHttp, limetype: string, signal?: AbortSignal): Promise<void> {
  for await (const page of queryPages(http, { limetype, responseFormat: { object: { _id: null } } }, signal)) {
    if (page.length >= http.traits.pageSize || http.traits.cap !== undefined) return;
  }
}

/**
 * One page request that copes with a server refusing `_timestamp` [assumption: no vendor query asks it; lime-rest-
 * api.md §3]: a 400 to a query whose responseFormat asks it is tried once more without it; when that is served,
 * the server is remembered as refusing it (at once when Lime's message names it, else the second time: one
 * stray 400 must not cost the connection its update times) and later queries leave it out (persons then have no
 * update time). A
 * filter on `_timestamp` cannot be left out: once refused, it fails at once with `bad_request`.
 */
export async function runAdaptingQuery(
  http: LimeHttp,
  query: LimeQuery,
  signal?: AbortSignal,
): Promise<LimeObjectRow[]> {
  const { traits } = http;
  const operation = `GET query (${query.limetype})`;
  if (traits.timestampRefused && filterUses(query.filter, '_timestamp')) {
    throw new CrmError('bad_request', `This Lime refuses _timestamp in queries: it cannot filter on it`, {
      operation,
    });
  }
  const format = query.responseFormat.object;
  const sent = traits.timestampRefused ? withFormat(query, withoutTimestamp(format)) : query;
  try {
    return await runQuery(http, sent, signal);
  } catch (error) {
    if (!(error instanceof CrmError && error.code === 'bad_request' && asksTimestamp(sent.responseFormat.object))) {
      throw error;
    }
    let objects: LimeObjectRow[];
    try {
      objects = await runQuery(http, withFormat(sent, withoutTimestamp(format)), signal);
    } catch (retryError) {
      // Refused again: `_timestamp` was not the reason, and the first answer says what was.
      throw retryError instanceof CrmError && retryError.code === 'bad_request' ? error : retryError;
    }
    traits.timestampSeemsRefused(error.detail);
    return objects;
  }
}

function withFormat(query: LimeQuery, object: LimeResponseFormat): LimeQuery {
  return { ...query, responseFormat: { ...query.responseFormat, object } };
}

function asksTimestamp(format: LimeResponseFormat): boolean {
  return Object.entries(format).some(
    ([name, nested]) => name === '_timestamp' || (nested !== null && asksTimestamp(nested)),
  );
}

function withoutTimestamp(format: LimeResponseFormat): LimeResponseFormat {
  return Object.fromEntries(
    Object.entries(format)
      .filter(([name]) => name !== '_timestamp')
      .map(([name, nested]) => [name, nested === null ? null : withoutTimestamp(nested)]),
  );
}

function filterUses(filter: LimeFilter | undefined, key: string): boolean {
  if (filter === undefined) return false;
  return 'key' in filter ? filter.key === key : filter.exp.some((each) => filterUses(each, key));
}
