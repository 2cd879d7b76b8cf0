import { rootCertificates } from 'node:tls';
import { Agent, request, type Dispatcher } from 'undici';
import { parseRetryAfter } from '../core';
import { CrmError } from '../crm/crmError';
import { networkFailure, type ClientErrorCodes } from '../crm/networkFailure';
import type { RequestBudget, RequestPurpose } from '../crm/requestBudget';
import { codeOfStatus, STATUS_WORDS, type StatusCode } from '../crm/statusFailure';
import { DEFAULT_TIMEOUTS, type LimeConnectionOptions, type LimeTimeouts } from './limeConfig';
import { LimeServerTraits } from './limeServerTraits';

/**
 * The longest request line (`GET /app/api/v1/query/?q=… HTTP/1.1`) the client sends. [assumption] Lime's own limit
 * is unknown, but an on-prem Lime often sits behind IIS or a proxy (IIS allows a 2,048-byte query string by
 * default): long lists in a query are split over several requests instead (limeQuery.ts).
 */
export const MAX_REQUEST_LINE = 2_000;

/**
 * Connections kept to one Lime. A meeting writes all its notes at once (one round trip, issue 16), so a 20-person
 * meeting needs 20 sockets; more than that queue here, and the request budget bounds the rate in any case.
 */
const POOL_CONNECTIONS = 32;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type QueryParams = Record<string, string | number | readonly string[] | undefined>;

export interface LimeRawResponse {
  status: number;
  contentType: string;
  /** Parsed JSON when the body is JSON, else undefined. */
  json: unknown;
}

/**
 * HTTP to one Lime application's REST API (`<baseUrl>/api/v1/…`): a keep-alive pool with connect, headers and
 * body timeouts, the API key header, and every failure turned into a `CrmError` with a stable code. It knows
 * nothing about limetypes; callers parse the JSON it returns with zod.
 */
export class LimeHttp {
  /** Requests sent since creation (or since `resetCallCount`): what a delivery cost in API calls. */
  callCount = 0;
  readonly apiRoot: URL;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly apiKey: string;
  private readonly timeouts: LimeTimeouts;
  private readonly budget: RequestBudget | undefined;
  /** What this client's requests are for, as the budget sees them (`forPurpose` makes a client for another). */
  readonly purpose: RequestPurpose;
  /** What this Lime server has shown about itself (page cap, `_timestamp`), shared with `forPurpose` clients. */
  readonly traits: LimeServerTraits;

  constructor(
    private readonly options: LimeConnectionOptions,
    purpose: RequestPurpose = 'delivery',
    shared?: LimeHttp,
  ) {
    this.apiRoot = apiRootOf(options.baseUrl);
    this.apiKey = options.apiKey;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.budget = options.budget;
    this.purpose = purpose;
    this.traits = shared?.traits ?? new LimeServerTraits();
    this.ownsDispatcher = shared === undefined && options.dispatcher === undefined;
    this.dispatcher =
      shared?.dispatcher ??
      options.dispatcher ??
      new Agent({
        connections: POOL_CONNECTIONS,
        keepAliveTimeout: 10_000,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyMs,
        connect: {
          timeout: this.timeouts.connectMs,
          // A custom CA is added to Node's trusted roots, not put in their place: Lime Cloud must still verify.
          ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }),
          rejectUnauthorized: options.rejectUnauthorized ?? true,
        },
      });
  }

  /**
   * A client for the same Lime (same connection pool and budget) whose requests count as `purpose`: the contact
   * index sync spends the budget as 'sync', behind live deliveries. Closing it leaves the pool open.
   */
  forPurpose(purpose: RequestPurpose): LimeHttp {
    return new LimeHttp(this.options, purpose, this);
  }

  /** The host part of the base URL, for messages. */
  get host(): string {
    return this.apiRoot.host;
  }

  async getJson(path: string, params: QueryParams = {}, signal?: AbortSignal): Promise<unknown> {
    return (await this.send('GET', path, { params, signal })).json;
  }

  async postJson(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    return (await this.send('POST', path, { body, signal })).json;
  }

  async putJson(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    return (await this.send('PUT', path, { body, signal })).json;
  }

  /** The length of the request line this request would be sent with: method, path, encoded query, protocol. */
  requestLineLength(method: HttpMethod, path: string, params: QueryParams = {}): number {
    const url = this.urlWith(path, params);
    return `${method} ${url.pathname}${url.search} HTTP/1.1`.length;
  }

  /**
   * One request. Answers 2xx resolve; anything else rejects with a `CrmError` carrying the status, Lime's message
   * (as `detail`) and `Retry-After`. `acceptStatuses` lets a caller take other statuses as answers, and
   * `acceptAnyBody` a 2xx without JSON (test connection).
   */
  async send(
    method: HttpMethod,
    path: string,
    init: {
      params?: QueryParams;
      body?: unknown;
      signal?: AbortSignal | undefined;
      acceptStatuses?: readonly number[];
      acceptAnyBody?: boolean;
    } = {},
  ): Promise<LimeRawResponse> {
    const url = this.urlWith(path, init.params ?? {});
    const operation = `${method} ${operationPath(path)}`;
    const line = `${method} ${url.pathname}${url.search} HTTP/1.1`.length;
    if (line > MAX_REQUEST_LINE) {
      // Callers split long lists (limeQuery.ts); reaching this is a bug or a single value too long to send.
      throw new CrmError(
        'bad_request',
        `The request line of ${operation} would be ${line} characters, over the ${MAX_REQUEST_LINE} a server or proxy in front of Lime may accept`,
        { operation },
      );
    }
    const headers: Record<string, string> = {
      'x-api-key': this.apiKey,
      accept: 'application/hal+json, application/json;q=0.9',
      'user-agent': 'dci-crm-companion',
    };
    if (init.body !== undefined) headers['content-type'] = 'application/json';

    const granted = await this.budget?.take(this.purpose, init.signal).catch((error: unknown) => {
      throw networkError(error, operation, this.apiRoot.host);
    });
    const answered = typeof granted === 'function' ? granted : () => {};
    this.callCount += 1;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method,
        headers,
        dispatcher: this.dispatcher,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyMs,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      });
    } catch (error) {
      answered();
      throw networkError(error, operation, this.apiRoot.host);
    }

    const contentType = headerValue(response.headers['content-type']);
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw networkError(error, operation, this.apiRoot.host);
    } finally {
      answered();
    }
    const json = /[/+]json\b/iu.test(contentType) && text !== '' ? parseJson(text) : undefined;
    const status = response.statusCode;
    if ((status >= 200 && status < 300) || init.acceptStatuses?.includes(status)) {
      const mayBeEmpty = status === 204 || method === 'DELETE' || init.acceptAnyBody === true;
      if (status >= 200 && status < 300 && json === undefined && !mayBeEmpty) {
        throw new CrmError('bad_response', `Lime answered ${operation} with ${status} but no JSON body`, {
          status,
          operation,
        });
      }
      return { status, contentType, json };
    }
    const failure = statusError(status, operation, json, headerValue(response.headers['retry-after']), this.apiKey);
    if (status === 429) this.budget?.rateLimited(failure.retryAfterMs);
    throw failure;
  }

  /**
   * `path` below the API root, pinned there: an absolute URL, a `//host` path or `../` (from a caller, or from a
   * name or link Lime answered with) never sends the API key, or anything else, to another origin or application.
   */
  private urlWith(path: string, params: QueryParams): URL {
    const url = new URL(path, this.apiRoot);
    if (url.origin !== this.apiRoot.origin || !url.pathname.startsWith(this.apiRoot.pathname)) {
      throw new CrmError(
        'bad_request',
        `Refused to call an address outside the configured Lime API (${this.apiRoot.host}${this.apiRoot.pathname})`,
        { operation: 'pin to the Lime API' },
      );
    }
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [String(value)]) url.searchParams.append(name, item);
    }
    return url;
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

/** `https://host/Lime CRM` (spaces allowed, trailing slash optional) → `https://host/Lime%20CRM/api/v1/`. */
export function apiRootOf(baseUrl: string): URL {
  const trimmed = baseUrl.trim().replace(/\/+$/u, '');
  const root = new URL(`${trimmed}/`);
  if (root.protocol !== 'http:' && root.protocol !== 'https:') {
    throw new TypeError('the Lime API URL must start with https:// (or http://)');
  }
  // An admin may paste the URL of the API itself; it still means the application.
  const path = root.pathname.replace(/api\/v1\/?$/u, '');
  return new URL(`${path}api/v1/`, root);
}

function operationPath(path: string): string {
  return path.replace(/\/$/u, '');
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Lime's own `message`, which dead letters quote to the admin. A server may echo the key it refused ("invalid API
 * key abc…"): the key is cut out before the message goes anywhere (store, pages), so it never leaves this client.
 */
function limeMessage(json: unknown, apiKey: string): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const message = (json as Record<string, unknown>)['message'];
  if (typeof message !== 'string') return undefined;
  const withoutKey = apiKey === '' ? message : message.split(apiKey).join('[API key]');
  return withoutKey.slice(0, 500);
}

/** What Lime did, in words (src/crm/statusFailure.ts). */
const LIME_WORDS: Readonly<Record<StatusCode, string>> = {
  ...STATUS_WORDS,
  unauthorized: 'rejected the API key',
  forbidden: 'denied the API user permission',
  not_found: 'found nothing at that address',
};

function statusError(status: number, operation: string, json: unknown, retryAfter: string, apiKey: string): CrmError {
  const context = { status, operation, detail: limeMessage(json, apiKey), retryAfterMs: parseRetryAfter(retryAfter) };
  const code = codeOfStatus(status);
  return new CrmError(code, `Lime ${LIME_WORDS[code]} (${status}) on ${operation}`, context);
}

/** The codes undici adds to Node's socket errors (src/crm/networkFailure.ts). */
const UNDICI_CODES: ClientErrorCodes = {
  aborted: ['UND_ERR_ABORTED'],
  timeout: ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'],
  reset: ['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED'],
};

/** A failure below HTTP, as a `CrmError` whose message says what to check. */
export function networkError(error: unknown, operation: string, host: string): CrmError {
  return networkFailure(error, 'Lime', operation, host, UNDICI_CODES);
}
