// A stateful emulator of DCI 2.0's partner REST API and its `conversation.completed` webhook (shared/specs/dci-api.md
// §1–§4, §7), on node:http, 127.0.0.1 only. Tags: [verified: URL] stated there; [inferred] reasoned in dci-api.md;
// [assumption] our own choice where the docs are silent or unreadable. Sources: CI2 = https://www.dstny.se/hubfs/
// ci2.0-api.html, MEETRIC = https://meetric.com/documentation/api, CI1 = https://www.dstny.se/hubfs/ci-api.html.
//
// REST API, base `<origin>/api/v1/rest`:
// - Base URL path `/api/v1/rest`; endpoints account, users, teams, departments, conversations, conversations/:id,
//   …/summary, …/transcript, …/recording-url, each with its scope [verified: MEETRIC "Endpoint Contract"]. GET only.
//   `…/insights` and `/webhooks/deliveries` are not emulated (404) [assumption: schemas unreadable].
// - `Authorization: Bearer mt_…` on every request [verified: CI2]; missing or unknown token → 401 [inferred].
// - Errors are NestJS's `{statusCode, message}` [inferred: §1.3]; the messages are ours [assumption].
// - Answers are `application/json; charset=utf-8` [assumption].
// - Order of checks: route (unknown path → 404 "Cannot GET /…", NestJS's own; a known path with another method →
//   405 with Allow: GET), token (401), per-minute limit (429), scope (403), then the endpoint [assumption].
// - Scopes per endpoint; a missing one → 403 "The token lacks the <scope> scope." [verified scopes: CI2; status and
//   message assumption]. recording-url needs the `recordings` scope AND `include_recordings=true` [verified: CI2];
//   the 403 message names whichever is missing [assumption].
// - `GET /account` is the documented sample, field for field, with `_meta: {token_prefix, timestamp}`
//   [verified: CI2]; `token_prefix` = the first 11 characters of the token [inferred from "mt_ab12cd34"];
//   `brand_name` is "Dstny", `brand_logo_url` null, `updated_at` = `created_at` [assumption].
// - `GET /users` → `{users:[{id,name,email}], _meta}` [verified wrapper: CI2; fields inferred]. `GET /teams` →
//   `{teams: [], _meta}` and `GET /departments` → `{departments:[{id,name}], _meta}` (those named by conversations
//   in the window) [inferred wrappers; contents assumption].
// - Rate limit: 60 requests per token per sliding minute by default, configurable [verified: CI2]; beyond it 429
//   with exactly `{"statusCode":429,"message":"Rate limit exceeded. Please try again later.","retryAfter":<s>}`
//   [verified: MEETRIC] and NO Retry-After header (only the body field is documented) [assumption, stricter].
//   `retryAfter` = whole seconds until the oldest counted request leaves the window [assumption]. Refused requests
//   and requests answered by an injected fault are not counted [assumption].
// - Daily quota: 1000 unique conversations per token per day by default [verified: CI2]. Counted per UTC day over
//   the ids of per-conversation requests (for a conversation that exists in the window, whatever the sub-resource
//   answers) AND the ids returned in list pages; a request that would take the count above the quota is refused as
//   a whole: 429 `{statusCode, message: "Daily quota exceeded…", retryAfter: <seconds to next UTC midnight>}`
//   [assumption: counting, day boundary and body].
// - Conversation lists hold up to the last 30 days [verified: CI2], measured on the `now` clock from `date`;
//   conversations dated in the future are left out too [assumption]. A conversation outside the window is a 404 on
//   every per-id endpoint as well [assumption].
// - Cursor pagination, at most 25 per page [verified: CI2]; `?limit=` [verified: MEETRIC], default 25, anything but
//   an integer 1–25 → 400 [assumption, stricter than the real API likely is]. Newest first by `date`, ties by id
//   [assumption]. The cursor is opaque (base64url of the last item's date and id: keyset paging, stable while new
//   conversations arrive), sent back as `?cursor=` [inferred name]; a garbled cursor, or one naming a conversation
//   that does not exist, → 400 [assumption].
// - List wrapping per `shapes.list`: `{conversations:[…], <cursor>, _meta}` (default), `{data:[…], <cursor>}`, or
//   a bare array with the next cursor in an `X-Next-Cursor` header (absent on the last page) [assumption, all three;
//   the header is our own invention]. The cursor field per `shapes.cursorField`: `next_cursor` (default),
//   `nextCursor`, `cursor`, or `pagination: {next_cursor}`; null on the last page [assumption].
// - List items per `shapes.listItems`: the whole conversation (default), or brief items with only id, title, date,
//   duration, medium, company, updated_at [assumption].
// - `GET /conversations/:id` → the conversation, bare (default) or `{conversation:{…}}` per `shapes.detail`
//   [assumption]; unknown id → 404 [inferred]. The conversation carries the webhook's fields (id, title, company,
//   date, duration, medium, sentiment, conversation_type, summary, department{id,name}, user{id,name,email},
//   participants[{name,email,role}]) [inferred: §2.3], plus a participant's phone under `shapes.phoneField`
//   (`phone` default, `phone_number`, `mobile_phone`, `mobile`) only when it has one [assumption: §4 infers DCI
//   knows phones], plus `ended_at` (ISO; default date + duration), `notes` (manual notes or null) and `updated_at`
//   [assumption, all three]. `summary` is null until the conversation is completed [assumption]. Never a recording
//   URL [inferred: recordings need their own scope]. Unset fields are null; `medium` defaults to "call" and a
//   participant's `role` to "customer" [assumption].
// - `GET /conversations/:id/summary` → `{summary: "…"}`; 404 while there is none [assumption: shape and status].
// - `GET /conversations/:id/transcript` → `{transcript: {segments: [{speaker, start, end, text}]}}`, 404 without
//   one [assumption: schema not readable].
// - `GET /conversations/:id/recording-url` → `{url: "https://…/recordings/<id>?expires=…&sig=…", expires_at}`
//   (field `recording_url` per `shapes.recordingField`), valid one hour; 404 without a recording
//   [inferred: 404; assumption: field names, signed URL, expiry].
//
// Webhooks:
// - Event `conversation.completed`, sent "when a conversation is fully processed" [verified: CI2]: here when a test
//   calls `completeConversation`, and again under new delivery ids on `updateSummary(…, {notify: true})`
//   [assumption: that DCI resends on a regenerated summary].
// - Body exactly `{event, timestamp, data: {conversation: {id, title, company, date, duration, medium, sentiment,
//   conversation_type, summary, department, user, participants[{name,email,role}]}}, _meta: {token_prefix,
//   delivery_id}}` — no phones, links, notes or end time [verified: CI2 example and its absences]. `timestamp` is
//   the send time (ISO) [inferred].
// - Headers `Content-Type: application/json`, `X-Webhook-Signature: sha256=<lowercase hex HMAC-SHA256(secret, raw
//   body)>` [verified: CI2; lowercase hex inferred], `X-Webhook-Event: conversation.completed`,
//   `X-Webhook-Delivery-Id: <uuid>` = `_meta.delivery_id` [verified header; equality inferred],
//   `X-Webhook-Timestamp: <unix seconds>` [verified; seconds inferred], taken anew for every attempt [assumption].
// - Subscriptions carry a URL and secret [verified: MEETRIC "Webhook subscriptions"]; webhooks are tied to a token,
//   whose prefix goes into `_meta.token_prefix` [inferred]. One delivery (own delivery id) per subscription.
// - A non-2xx answer, a network failure or no answer within 10 s is retried up to 3 times with increasing delays
//   (1 s, 5 s, 25 s by default) under the same delivery id and body [assumption: CI1's old-API policy "retried up
//   to 3 times with an increasing delay"; the delays and the 10 s timeout are ours].
//
// Faults: `failWhen` rules come before the `failNext` queue; a `status` fault answers instead of the API (its body,
// or `{statusCode, message}`), a `drop` cuts the connection, a `delay` waits and then the request is handled.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { applyFault } from '../shared/applyFault';
import { FaultQueue, type HttpFault } from '../shared/faultQueue';
import { listenOnLoopback } from '../shared/listenOnLoopback';
import { MatchedFaults } from '../shared/matchedFaults';
import { readHttpRequest } from '../shared/readHttpRequest';
import { writeAnswer } from '../shared/writeAnswer';
import { ConversationStore } from './conversationStore';
import { injectedError } from './dciAnswers';
import { DEFAULT_SHAPES } from './endpointContext';
import { DailyConversationQuota, MinuteRateLimit } from './rateLimits';
import { routeDciRequest, type RouteContext } from './routeDciRequest';
import { WebhookSender } from './sendWebhooks';
import { allAccess, bearerToken, DEFAULT_DCI_TOKEN, tokenPrefix } from './tokenAccess';
import type { DciEmulator, DciEmulatorOptions, DciRequestLogEntry, DciRequestView, TokenSettings } from './types';

const BASE_PATH = '/api/v1/rest';
const WEBHOOK_TIMEOUT_MS = 10_000;

export async function startDciEmulator(options: DciEmulatorOptions = {}): Promise<DciEmulator> {
  const now = options.now ?? (() => new Date());
  const tokens = new Map<string, TokenSettings>(Object.entries(options.tokens ?? { [DEFAULT_DCI_TOKEN]: allAccess() }));
  const store = new ConversationStore(now);
  const webhooks = new WebhookSender({
    retryDelaysMs: options.webhookRetryDelaysMs ?? [1000, 5000, 25000],
    timeoutMs: WEBHOOK_TIMEOUT_MS,
    now,
  });
  const context: RouteContext = {
    store,
    shapes: { ...DEFAULT_SHAPES, ...options.shapes },
    account: {
      id: options.account?.id ?? 'fb1919a3-3ba7-4427-b04e-b49a592804fc',
      name: options.account?.name ?? 'Telco Demo',
      created_at: now().toISOString(),
    },
    now,
    quota: new DailyConversationQuota(),
    minuteLimit: new MinuteRateLimit(),
    recordingKey: randomBytes(16).toString('hex'),
    tokens,
  };
  const faults = new FaultQueue<HttpFault>();
  const matchedFaults = new MatchedFaults<DciRequestView, HttpFault>();
  const requests: DciRequestLogEntry[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse, closing: AbortSignal): Promise<void> {
    const incoming = await readHttpRequest(request);
    const below = pathBelowBase(incoming.path);
    const token = bearerToken(request.headers.authorization);
    const view: DciRequestView = { method: incoming.method, path: below ?? incoming.path, query: incoming.rawQuery };
    const log = (status: number): void => {
      requests.push({ ...view, status, ...(token === undefined ? {} : { tokenPrefix: tokenPrefix(token) }) });
    };
    const fault = matchedFaults.take(view) ?? faults.take();
    const exchange = { request, response, closing, log, errorAnswer: injectedError };
    if (await applyFault(fault, exchange)) return;
    const answer = routeDciRequest(context, {
      method: incoming.method,
      path: below,
      fullPath: incoming.path,
      rawQuery: incoming.rawQuery,
      token,
    });
    log(answer.status);
    writeAnswer(response, answer);
  }

  const server = await listenOnLoopback(handle, options.port === undefined ? {} : { port: options.port });

  function defaultTokenPrefix(): string {
    const [first] = tokens.keys();
    return tokenPrefix(first ?? DEFAULT_DCI_TOKEN);
  }

  return {
    origin: server.origin,
    baseUrl: `${server.origin}${BASE_PATH}`,
    port: server.port,
    now,
    addUser: (user) => store.addUser(user),
    addConversation: (input) => store.add(input),
    getConversation: (id) => store.find(id),
    completeConversation(id, { summary }) {
      const completed = store.setSummary(id, summary);
      webhooks.sendCompleted(completed);
      return completed;
    },
    updateSummary(id, summary, updateOptions = {}) {
      const updated = store.setSummary(id, summary);
      if (updateOptions.notify === true) webhooks.sendCompleted(updated);
      return updated;
    },
    subscribe({ url, secret, token }) {
      return webhooks.subscribe(url, secret, token === undefined ? defaultTokenPrefix() : tokenPrefix(token));
    },
    unsubscribe: (id) => webhooks.unsubscribe(id),
    dropNextWebhooks: (count) => webhooks.dropNext(count),
    get webhookDeliveries() {
      return webhooks.log;
    },
    whenWebhooksSettled: () => webhooks.settled(),
    setToken(token, settings) {
      if (settings === undefined) tokens.delete(token);
      else tokens.set(token, settings);
    },
    failNext: (count, fault) => faults.enqueue(count, fault),
    failWhen: (match, fault, count = 1) => matchedFaults.add(match, fault, count),
    get requests() {
      return requests;
    },
    clearRequests() {
      requests.length = 0;
    },
    async close() {
      await webhooks.close();
      await server.close();
    },
  };
}

/** The path below `/api/v1/rest` (`/conversations`, `/` for the base itself), or undefined outside it. */
function pathBelowBase(path: string): string | undefined {
  if (path === BASE_PATH) return '/';
  return path.startsWith(`${BASE_PATH}/`) ? path.slice(BASE_PATH.length) : undefined;
}
