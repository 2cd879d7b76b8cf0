import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { parseRetryAfter } from '../core';
import {
  DciError,
  type DciAccount,
  type DciApi,
  type DciConversation,
  type DciConversationPage,
  type DciRecording,
  type DciRequestBudget,
} from './dciApi';
import {
  BASE_URL_HINT,
  RECORDINGS_REASON,
  dciErrorOfStatus,
  dciErrorOfTransport,
  dciMessage,
  retryAfterMsOf,
  type DciOperation,
} from './mapDciFailure';
import {
  readAccount,
  readConversationDetail,
  readConversationList,
  readRecordingUrl,
  readSummary,
  readUserList,
  type Reading,
} from './readDciAnswers';

/*
 * The HTTP client of DCI's partner REST API (shared/specs/dci-api.md §1–2). Shape assumptions about the answers are
 * listed in readDciAnswers.ts; the ones about the HTTP exchange are here:
 * - Base `<origin>/api/v1/rest`, paths `account`, `users`, `conversations`, `conversations/:id`,
 *   `conversations/:id/summary`, `conversations/:id/recording-url` below it [verified: meetric.com/documentation/api,
 *   §1.1 and §2.1]. A base that is only an origin gets `/api/v1/rest` appended [inferred: §1.1 "probably on the DCI
 *   app origin"].
 * - `Authorization: Bearer mt_…` on every request [verified: ci2.0-api.html, §1.1].
 * - `GET conversations?limit=25` [verified: the curl example, §1.1; "max 25/page", §1.4]; the next page is asked
 *   for with `&cursor=<opaque>` [inferred: §1.4 calls it a likely convention; the parameter name is not found].
 * - Scopes: account none, users `users`, conversations and summary `conversations`, recording-url `recordings` plus
 *   the token setting include_recordings=true [verified: §1.2, §2.1].
 * - 429 carries `{statusCode, message, retryAfter}` with `retryAfter` in seconds [verified: meetric.com, §1.3]; a
 *   `Retry-After` header (seconds or an HTTP date) is also read [assumption: not documented, §1.3]; the later of
 *   the two wins. A 429 naming no wait pauses for 60 s [assumption: the documented example's value and the
 *   per-minute window].
 * - Other errors carry the same `{statusCode, message}` body [inferred: §1.3, NestJS default]: `message` is quoted.
 * - 401 = token missing, wrong or revoked; 403 = a scope or setting missing; 404 on a conversation, its summary or
 *   its recording = not there (yet) [inferred: §2.3]; 404 on account or the list = a wrong base URL [inferred].
 * - Answers are JSON [inferred: every documented sample is JSON]; a `text/plain` summary is read as its text
 *   [assumption].
 * - Redirects are not followed: they would carry the token to wherever `Location` points [decision].
 */

export interface DciClientOptions {
  /** DCI's REST API base, `https://<DCI host>/api/v1/rest` (DCI_API_URL); a trailing slash is fine. */
  baseUrl: string;
  /** The `mt_…` API token (Settings → REST API → API Tokens in DCI). Never appears in a message or URL. */
  token: string;
  /** The token's shared request budget: one request is taken before every call. Without one, none is kept. */
  budget?: DciRequestBudget | undefined;
  /** How long, in total, a call may wait for the budget before it fails with `dci_budget_spent`. Default 5000. */
  maxBudgetWaitMs?: number | undefined;
  /** How long one request may take, answer body included. Default 15000. */
  timeoutMs?: number | undefined;
  /** The undici dispatcher to send through (a proxy agent, a test's agent); default a keep-alive pool of its own. */
  dispatcher?: Dispatcher | undefined;
  now?: (() => Date) | undefined;
  /** Waits `ms`, or rejects when `signal` aborts; used for the budget wait only. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_BUDGET_WAIT_MS = 5_000;
const DEFAULT_RETRY_AFTER_MS = 60_000;
/** DCI's page size limit (dci-api.md §1.4). */
export const DCI_PAGE_SIZE = 25;

interface DciAnswer {
  status: number;
  /** Parsed JSON (or a text/plain body's text); undefined for an empty body. */
  body: unknown;
  headers: IncomingHttpHeaders;
}

/**
 * `DciApi` over HTTP. Every call takes one request from the budget first (waiting up to `maxBudgetWaitMs`), has a
 * timeout, honours the caller's AbortSignal and fails with a `DciError` whose message says what to change. It never
 * retries: the receiver's durable retry does, after a 429 no earlier than the pause it shares through the budget.
 */
export class DciClient implements DciApi {
  readonly apiRoot: URL;
  private readonly token: string;
  private readonly budget: DciRequestBudget | undefined;
  private readonly maxBudgetWaitMs: number;
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly now: () => Date;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: DciClientOptions) {
    this.apiRoot = dciApiRootOf(options.baseUrl);
    // A header cannot hold white space or control characters; undici's refusal would not be one an admin can act on.
    if (options.token === '' || /[\s\p{Cc}]/u.test(options.token)) {
      throw new TypeError('the DCI API token must be one word without spaces (mt_…, from Settings → REST API in DCI)');
    }
    this.token = options.token;
    this.budget = options.budget;
    this.maxBudgetWaitMs = options.maxBudgetWaitMs ?? DEFAULT_MAX_BUDGET_WAIT_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, signal === undefined ? {} : { signal }));
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connections: 4,
        keepAliveTimeout: 10_000,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        connect: { timeout: this.timeoutMs },
      });
  }

  /** The host of the base URL, for messages. */
  get host(): string {
    return this.apiRoot.host;
  }

  async account(signal?: AbortSignal): Promise<DciAccount> {
    const operation: DciOperation = { name: 'GET account' };
    const answer = await this.call(operation, 'account', { signal });
    return readOrThrow(readAccount(answer.body), operation, answer.status);
  }

  async listConversations(request: {
    cursor?: string | undefined;
    signal?: AbortSignal | undefined;
  }): Promise<DciConversationPage> {
    const operation: DciOperation = { name: 'GET conversations', scope: 'conversations' };
    const query: Record<string, string> = { limit: String(DCI_PAGE_SIZE) };
    if (request.cursor !== undefined && request.cursor !== '') query['cursor'] = request.cursor;
    const answer = await this.call(operation, 'conversations', { query, signal: request.signal });
    const header = answer.headers['x-next-cursor'];
    const page = readOrThrow(
      readConversationList(answer.body, Array.isArray(header) ? header[0] : header),
      operation,
      answer.status,
    );
    return { conversations: page.conversations, nextCursor: page.nextCursor, skipped: page.skipped };
  }

  async getConversation(id: string, signal?: AbortSignal): Promise<DciConversation | undefined> {
    const operation: DciOperation = { name: 'GET conversations/:id', scope: 'conversations' };
    const answer = await this.call(operation, `conversations/${pathSegment(id, operation)}`, { signal, allow: [404] });
    if (answer.status === 404) return undefined;
    return readOrThrow(readConversationDetail(answer.body), operation, answer.status);
  }

  async getSummary(id: string, signal?: AbortSignal): Promise<string | undefined> {
    const operation: DciOperation = { name: 'GET conversations/:id/summary', scope: 'conversations' };
    const path = `conversations/${pathSegment(id, operation)}/summary`;
    const answer = await this.call(operation, path, { signal, allow: [404] });
    if (answer.status === 404 || answer.body === undefined) return undefined;
    return readOrThrow(readSummary(answer.body), operation, answer.status);
  }

  async getRecordingUrl(id: string, signal?: AbortSignal): Promise<DciRecording> {
    const operation: DciOperation = { name: 'GET conversations/:id/recording-url', scope: 'recordings' };
    const path = `conversations/${pathSegment(id, operation)}/recording-url`;
    const answer = await this.call(operation, path, { signal, allow: [403, 404] });
    if (answer.status === 403) {
      const said = dciMessage(answer.body, this.token);
      return {
        kind: 'not_allowed',
        reason: said === undefined ? RECORDINGS_REASON : `${RECORDINGS_REASON} DCI said: "${said}".`,
      };
    }
    if (answer.status === 404 || answer.body === undefined) return { kind: 'none' };
    return readOrThrow(readRecordingUrl(answer.body), operation, answer.status);
  }

  async listUsers(signal?: AbortSignal): Promise<unknown[]> {
    const operation: DciOperation = { name: 'GET users', scope: 'users' };
    const answer = await this.call(operation, 'users', { signal });
    return readOrThrow(readUserList(answer.body), operation, answer.status);
  }

  /** Closes the connection pool, unless the dispatcher was given (its owner closes it). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /**
   * One GET: budget, timeout, abort, status mapping. A 2xx (or a status in `allow`) is returned; anything else
   * throws. A 429 pauses the shared budget before it throws, so every replica waits as long as DCI asked.
   */
  private async call(
    operation: DciOperation,
    path: string,
    init: { query?: Record<string, string>; signal?: AbortSignal | undefined; allow?: readonly number[] },
  ): Promise<DciAnswer> {
    const { signal } = init;
    if (signal?.aborted) throw abortedError(operation, signal);
    await this.waitForBudget(operation, signal);

    const url = this.urlOf(path, init.query ?? {});
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });

    let status: number;
    let headers: IncomingHttpHeaders;
    let text: string;
    try {
      const response = await request(url, {
        method: 'GET',
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          'user-agent': 'dci-crm-companion',
        },
        dispatcher: this.dispatcher,
        signal: controller.signal,
      });
      status = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (error) {
      if (signal?.aborted) throw abortedError(operation, signal);
      if (timedOut) {
        throw new DciError(
          'dci_timeout',
          `DCI at ${this.host} did not answer ${operation.name} within ${this.timeoutMs} ms.`,
          { cause: error },
        );
      }
      throw dciErrorOfTransport(error, operation, this.host);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }

    const body = bodyOf(text, headerText(headers['content-type']));
    if ((status >= 200 && status < 300) || init.allow?.includes(status)) {
      if (body === NOT_JSON) {
        if (status >= 200 && status < 300) {
          throw new DciError(
            'dci_bad_response',
            `DCI answered ${operation.name} with something that is not JSON (${status}). ${BASE_URL_HINT}.`,
            { status },
          );
        }
        return { status, body: undefined, headers };
      }
      return { status, body, headers };
    }
    const json = body === NOT_JSON ? undefined : body;
    const said = dciMessage(json, this.token);
    if (status === 429) {
      const retryAfterMs =
        retryAfterMsOf(json, parseRetryAfter(headerText(headers['retry-after']), this.now().getTime())) ??
        DEFAULT_RETRY_AFTER_MS;
      if (this.budget !== undefined) {
        try {
          await this.budget.pauseUntil(new Date(this.now().getTime() + retryAfterMs));
        } catch {
          // The 429 is what the caller must hear; a pause that could not be stored only costs replicas a 429 each.
        }
      }
      throw dciErrorOfStatus(status, operation, said, retryAfterMs);
    }
    throw dciErrorOfStatus(status, operation, said);
  }

  /** Takes one request from the budget, waiting while it says so, up to `maxBudgetWaitMs` in total. */
  private async waitForBudget(operation: DciOperation, signal: AbortSignal | undefined): Promise<void> {
    if (this.budget === undefined) return;
    let waited = 0;
    for (;;) {
      const wait = await this.budget.take(this.now());
      if (!(wait > 0)) return;
      if (waited + wait > this.maxBudgetWaitMs) {
        throw new DciError(
          'dci_budget_spent',
          `The receiver's own request budget for DCI (DCI_API_RATE_PER_MINUTE) is spent: ${operation.name} could go ` +
            `in ${Math.ceil(wait / 1000)} s, later than a call waits (${this.maxBudgetWaitMs} ms).`,
          { retryAfterMs: wait },
        );
      }
      try {
        await this.sleep(wait, signal);
      } catch (error) {
        if (signal?.aborted) throw abortedError(operation, signal);
        throw error;
      }
      waited += wait;
    }
  }

  /** `path` below the API root, pinned there: nothing a caller or DCI says sends the token to another address. */
  private urlOf(path: string, query: Record<string, string>): URL {
    const url = new URL(path, this.apiRoot);
    if (url.origin !== this.apiRoot.origin || !url.pathname.startsWith(this.apiRoot.pathname)) {
      throw new DciError('dci_bad_request', `Refused to call an address outside DCI's REST API (${this.host}).`);
    }
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url;
  }
}

/** `https://dci.example/api/v1/rest` (trailing slash optional; an origin alone gets `/api/v1/rest`) → the API root. */
export function dciApiRootOf(baseUrl: string): URL {
  const trimmed = baseUrl.trim().replace(/\/+$/u, '');
  const root = new URL(`${trimmed}/`);
  if (root.protocol !== 'http:' && root.protocol !== 'https:') {
    throw new TypeError('DCI_API_URL must start with https:// (or http://)');
  }
  if (root.username !== '' || root.password !== '') {
    throw new TypeError('DCI_API_URL must not contain a user name or password');
  }
  root.search = '';
  root.hash = '';
  if (root.pathname === '/') root.pathname = '/api/v1/rest/';
  return root;
}

/** A conversation id as one path segment. `.` and `..` would climb out of the path even when encoded. */
function pathSegment(id: string, operation: DciOperation): string {
  if (typeof id !== 'string' || id.trim() === '' || /^(\.|%2e)+$/iu.test(id)) {
    throw new DciError('dci_bad_request', `${operation.name} was asked for an id that is not a DCI conversation id.`);
  }
  return encodeURIComponent(id);
}

const NOT_JSON: unique symbol = Symbol('not JSON');

function bodyOf(text: string, contentType: string): unknown {
  if (text.trim() === '') return undefined;
  if (/^text\/plain\b/iu.test(contentType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

function abortedError(operation: DciOperation, signal: AbortSignal): DciError {
  return new DciError('dci_aborted', `${operation.name} was given up by its caller.`, { cause: signal.reason });
}

function readOrThrow<T>(reading: Reading<T>, operation: DciOperation, status: number): T {
  if (reading.kind === 'read') return reading.value;
  throw new DciError('dci_bad_response', `DCI's answer to ${operation.name} could not be read: ${reading.problem}.`, {
    status,
  });
}
