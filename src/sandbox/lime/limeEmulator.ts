// A stateful Lime CRM REST API emulator (shared/specs/lime-rest-api.md §1–§5, §11) on node:http(s).
//
// Behaviours that rest on an [assumption] in the spec (sources are silent; verify against a real /api/v1/docs/):
// - GET /api/v1/ answers 200 with a HAL document linking limetype, limeobject and query; GET /api/v1/limeobject/
//   lists one collection link per readable limetype.
// - A missing or unknown x-api-key is a 401 {"error": "Unauthorized", "message"}; an operation the key's user may
//   not perform is a 403 {"error": "Forbidden", "message": "The API user may not <op> <limetype>."}. Auth runs
//   after faults and the rate limit, before routing, for every path under /<app>/.
// - Limetype metadata carries `acl` {read, create, update, delete} for the requesting key, and `readonly: true` on
//   computed properties; GET /limetype/ lists only the limetypes the key may read.
// - Error bodies are {"error", "message"} (+ "details": {property: problem} for invalid bodies).
// - Responses are `application/hal+json`, except the Query API and errors (`application/json`).
// - Unknown limetype, id, route, or list filter property → 404 ("The property \"x\" does not exist."); an unknown
//   limetype or property inside a Query API document → 400 (the document is invalid, like a bad body).
// - Writes: unknown properties, system properties (`_id`, …), read-only/computed properties, hasmany relations,
//   `null` for text-like or option properties, wrong JSON types (no numeric strings), unknown or inactive option
//   keys, relation ids that do not exist and text longer than `length` are all 400. Options are accepted as "key"
//   and {"key": "..."}. Missing required properties are checked after defaults (an option's `defaultValue`; the
//   `'now'` default of time properties); any option, `empty` included, satisfies `required`. Unset properties read
//   as "" (text), 0 (numbers), false (yesno), the default/`empty` option, or null.
// - `_descriptive` joins the limetype's descriptive properties with a space (options by their text); for history
//   that is date + type, e.g. "2026-10-01T07:00:00+00:00 Talked to".
// - person.name / coworker.name are computed from firstname + " " + lastname (`computedFrom`), never written.
// - Deals (coreModel.ts): a `deal` limetype with `dealstatus` and a `company` relation, and `history.deal`
//   [inferred: shared/specs/lime-rest-api.md §5.4–5.5, from Lime core's LWC fixture]. A closed deal (status
//   agreement/rejection/won/lost) is still accepted on a note: leaving those out is our policy, not Lime's.
// - Times are stored and written in UTC; `time` values like Python's isoformat (fraction only when not zero),
//   `date` values as midnight; a time written without an offset is read as UTC; `_timestamp`/`_createdtime`
//   always with six fraction digits, bumped by 1 µs when the clock did not move (strictly monotonic).
// - `_createduser`/`_updateduser`: each API key gets a user id (101, 102, … in order of first use); objects written
//   through the direct (non-HTTP) methods have null there.
// - Object ids: one global sequence for all limetypes, starting at 1001.
// - POST → 201 with the object and a Location header; PUT is a partial update → 200; DELETE → 204 with no body,
//   and relations that pointed at the deleted object become null; PATCH (and other methods) → 405.
// - Related list GET /limeobject/{t}/{id}/{rel}/: a hasmany gives the objects whose belongsto points back; a
//   belongsto gives a list of zero or one; hasandbelongstomany lists are always empty (not stored).
// - List: equality filters compare strings case-insensitively (accent-sensitive, like Finnish_Swedish_CI_AS),
//   options by key, relations by id; a repeated parameter matches any of its values; unknown `_x` parameters are
//   ignored. `min-`/`max-` are inclusive. `_sort` takes a comma list of ±prop; ties break by `_id`. `_limit` defaults
//   to 10 and is silently capped at 50 (both configurable). `next` carries `_offset`; `_offset_id` is accepted and
//   starts after that object. `_embed` works on belongsto/hasone only; an unset relation embeds as null.
// - Query API: also accepted as POST with a JSON body; `?` is a plain substring "contains" (no wildcards), `=?`
//   begins-with, both case-insensitive; `!` negates its `exp` expression; `exp: null` matches null, "" and the
//   `empty` option; option operands by key (or option id); no default or maximum `limit` unless `maxQueryLimit`
//   is set (see below); results ordered by
//   `orderBy` then `_id`; dotted keys and nested formats need read permission on every limetype they reach;
//   hasmany properties cannot be filtered or ordered on (400), only belongsto/hasone can be traversed.
// - Query API page cap (`maxQueryLimit`, off by default): a `limit` above it, or none, is silently served that
//   many objects, with no sign of the cut (Lime's maximum page is undocumented; Lime's own client reads pages of
//   200, Lundalogik/lime-n8n-nodes-crm getManyObjects).
// - Request-line limit (`maxRequestLine`, on at 2,000 characters by default; `false` turns it off): a longer
//   `METHOD target HTTP/1.1` line is answered 414 with an HTML body before anything else (faults, rate limit, key),
//   as IIS (2,048-byte query strings by default) or a proxy in front of an on-prem Lime would.
// - `_timestamp` refused (`refuseTimestampInQueries`, off by default): a Query API document naming `_timestamp`
//   anywhere (responseFormat, filter, orderBy) is a 400 naming it, as a server that does not expose it would.
// - Rate limit: a sliding window per client IP over the `now` clock; 429 + Retry-After (whole seconds) +
//   {"error": "Too Many Requests"}. Requests answered by a `status` or `drop` fault do not count.
// - A path outside /<app>/ is a plain HTML 404, as a web server in front of Lime would answer a wrong base URL.
// - With `hrefOrigin`, every href and Location header names that origin (a Lime behind a proxy that names the host
//   it was set up with); requests are still served on the emulator's own origin.
// - The `drop_mid_body` fault handles the request for real (a POST does create the object) and then cuts the
//   response: the work is done, the answer is lost.
// - `failWhen`/`hold` faults pick requests by a predicate and come before the `failNext` queue. A `delay` fault
//   only delays handling: a request whose client gave up meanwhile is still handled (a slow Lime that finishes a
//   write after the client timed out). A held `after_handling` request has done its work (a POST created its
//   object) when it is held; its answer is written on release, to whatever client is still there.
//
// Webhooks (Lime's webhooks package, §1.2 and §7.1; on unless `webhooks: false`, which makes every /subscription/
// route a 404 as on a server without the package):
// - GET /subscription/available/ answers a JSON array of event names, `<limetype>.<new|update|delete|restore>` for
//   every limetype of the model.
// - GET /subscription/ answers a JSON array of {id, name, events, target_url, enabled}; `events` (comma-separated,
//   any of them), `target_url` (exact) and `enabled` filter it. The secret is never shown.
// - POST /subscription/ needs a non-empty `events` list of available events and an http(s) `target_url` (else 400
//   with details); `name`, `secret` and `enabled` (default true) are optional → 201 with the subscription. PUT
//   /subscription/{id}/ is partial → 200, but a `secret` in it is a 400 (Lime's docs list only `events`, `target_url`
//   and `enabled` for a PUT: the emulator is strict where they are silent); DELETE → 204; an unknown id → 404. Only a
//   key with every permission ('all', an administrator) may use these routes; any other key gets 403.
// - Every write — through the REST API or the direct methods (insert/update/remove) tests use to play a user
//   editing in Lime — is delivered to each enabled subscription to `<limetype>.<new|update|delete>`, after the
//   write's own answer, one delivery at a time in write order: POST target_url, `Content-Type: application/json`,
//   body {"event", "body": {"id", "limetype", "values": {...every value, system properties without underscore: id,
//   createdtime, createduser, updateduser, timestamp}}}; an update adds "original_values" (old values of the changed
//   properties; fired even when nothing changed). A delete carries the values the object had. Options are their
//   key, relations their id. Relations set to null by a delete fire an update of the objects that held them.
// - `X-Lime-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes with the subscription's secret>`, only when
//   the subscription has a secret. `restore` is offered but never fired (the emulator has no recycle bin).
// - A delivery answered with anything but 2xx, or not answered within 10 s, is tried again: 3 attempts in all,
//   100 ms · n apart (both configurable with `webhookRetry`); then it is given up. No delivery id header is sent.

import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyFault } from '../shared/applyFault';
import { decodeSegments } from '../shared/decodeSegments';
import { FaultQueue } from '../shared/faultQueue';
import { listenOnLoopback } from '../shared/listenOnLoopback';
import { faultControls } from '../shared/faultControls';
import { waitForVerdict, type HoldFault } from '../shared/heldRequest';
import { MatchedFaults } from '../shared/matchedFaults';
import { requestLogEntry } from '../shared/requestLogEntry';
import { writeAnswer } from '../shared/writeAnswer';
import { apiError, type ApiResponse } from './apiResponses';
import { coreModel } from './coreModel';
import { createHrefs, type LimeHrefs } from './limeHrefs';
import { createMonotonicClock } from './limeTime';
import { LimeObjectStore, type WriteOutcome } from './objectStore';
import { createRateLimiter } from './rateLimiter';
import { pathBelowApp, readRequest, type IncomingRequest } from './readRequest';
import { routeApiRequest } from './routeApiRequest';
import { WebhookDeliveries } from './webhookDeliveries';
import { WebhookSubscriptions } from './webhookSubscriptions';
import { serializeStored } from './serializeObject';
import type {
  LimeEmulator,
  LimeEmulatorOptions,
  LimeFault,
  LimeKeyPermissions,
  LimeModel,
  LimeRequestLogEntry,
  LimeRequestView,
} from './types';
import { writeResponseCutMidBody } from './writeResponseCutMidBody';

const HTML_NOT_FOUND =
  '<!doctype html>\n<html><head><title>404 Not Found</title></head>' +
  '<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n';

export async function startLimeEmulator(options: LimeEmulatorOptions = {}): Promise<LimeEmulator> {
  const app = options.app ?? 'lime';
  let model: LimeModel = options.model ?? coreModel();
  const apiKeys = new Map<string, LimeKeyPermissions>(Object.entries(options.apiKeys ?? { 'test-api-key': 'all' }));
  const userIds = new Map<string, number>();
  const now = options.now ?? (() => new Date());
  const webhooksInstalled = options.webhooks ?? true;
  const subscriptions = new WebhookSubscriptions(() => model);
  const webhooks = new WebhookDeliveries(subscriptions, {
    attempts: options.webhookRetry?.attempts ?? 3,
    delayMs: options.webhookRetry?.delayMs ?? 100,
    timeoutMs: 10_000,
  });
  const store = new LimeObjectStore(
    () => model,
    { timestamp: createMonotonicClock(now), wall: () => now().getTime() * 1000 },
    // Deliveries follow every write, through the API or the direct methods tests use to play a user in Lime.
    (change) => {
      if (webhooksInstalled) webhooks.notify(change);
    },
  );
  const faults = new FaultQueue<LimeFault>();
  const targetedFaults = new MatchedFaults<LimeRequestView, LimeFault | HoldFault>();
  const requests: LimeRequestLogEntry[] = [];
  let latencyMs = options.latencyMs ?? 0;
  const rateLimit =
    options.rateLimit === undefined ? undefined : createRateLimiter(options.rateLimit, () => now().getTime());
  const listLimit = options.listLimit ?? { default: 10, max: 50 };
  const queryLimits = { maxLimit: options.maxQueryLimit, refuseTimestamp: options.refuseTimestampInQueries ?? false };
  const maxRequestLine = options.maxRequestLine ?? 2_000;
  let hrefs: LimeHrefs = createHrefs('');

  function userIdFor(key: string): number {
    let id = userIds.get(key);
    if (id === undefined) {
      id = 101 + userIds.size;
      userIds.set(key, id);
    }
    return id;
  }

  /** Rate limit, application prefix, authentication, then the REST API. */
  function answer(incoming: IncomingRequest, below: string | undefined): ApiResponse {
    const decision = rateLimit?.(incoming.clientAddress);
    if (decision !== undefined && !decision.allowed) {
      const response = apiError(429, 'Too Many Requests', 'Rate limit exceeded; retry later.');
      return { ...response, headers: { ...response.headers, 'retry-after': String(decision.retryAfterSec) } };
    }
    if (below === undefined) {
      return { status: 404, body: HTML_NOT_FOUND, headers: { 'content-type': 'text/html; charset=utf-8' } };
    }
    const { apiKey } = incoming;
    if (apiKey === undefined || apiKey === '') {
      return apiError(401, 'Unauthorized', 'An API key is required: send it in the x-api-key header.');
    }
    const permissions = apiKeys.get(apiKey);
    if (permissions === undefined) return apiError(401, 'Unauthorized', 'The API key is not valid.');
    const segments = decodeSegments(below);
    if (segments === undefined) return apiError(404, 'Not Found', 'The requested URL was not found on the server.');
    const context = {
      model,
      store,
      hrefs,
      listLimit,
      queryLimits,
      permissions,
      userId: userIdFor(apiKey),
      subscriptions: webhooksInstalled ? subscriptions : undefined,
    };
    try {
      return routeApiRequest(context, {
        method: incoming.method,
        segments,
        rawQuery: incoming.rawQuery,
        body: incoming.body,
      });
    } catch (error) {
      return apiError(500, 'Internal Server Error', error instanceof Error ? error.message : String(error));
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse, closing: AbortSignal): Promise<void> {
    const incoming = await readRequest(request);
    const below = pathBelowApp(app, incoming.path);
    const log = (status: number): void => {
      requests.push({
        ...requestLogEntry(incoming, below ?? incoming.path, status),
        ...(incoming.apiKey === undefined ? {} : { apiKey: incoming.apiKey }),
      });
    };
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: closing });
    const requestLine = `${request.method ?? ''} ${request.url ?? ''} HTTP/${request.httpVersion}`;
    if (maxRequestLine !== false && requestLine.length > maxRequestLine) {
      // A proxy in front of Lime answers before Lime sees the request: no fault, rate limit or key check applies.
      log(414);
      writeAnswer(response, {
        status: 414,
        body: '<!doctype html>\n<html><body><h1>414 Request-URI Too Long</h1></body></html>\n',
        headers: { 'content-type': 'text/html; charset=utf-8' },
      });
      return;
    }
    const view: LimeRequestView = {
      method: incoming.method,
      path: below ?? incoming.path,
      query: incoming.rawQuery,
      ...(incoming.body.kind === 'json' ? { body: incoming.body.value } : {}),
    };
    const targeted = targetedFaults.take(view);
    if (targeted?.kind === 'hold') {
      await answerHeld(targeted, incoming, below, response, closing, log);
      return;
    }
    const fault = targeted ?? faults.take();
    // drop_mid_body is Lime's own: the request is answered for real first, then the answer is cut.
    if (fault?.kind !== 'drop_mid_body') {
      const exchange = { request, response, closing, log, errorAnswer: injectedError };
      if (await applyFault(fault, exchange)) return;
    }
    const result = answer(incoming, below);
    if (fault?.kind === 'drop_mid_body') {
      log(0);
      writeResponseCutMidBody(response, result);
      return;
    }
    log(result.status);
    writeAnswer(response, result);
  }

  async function answerHeld(
    hold: HoldFault,
    incoming: IncomingRequest,
    below: string | undefined,
    response: ServerResponse,
    closing: AbortSignal,
    log: (status: number) => void,
  ): Promise<void> {
    // A dropped hold (the test's `drop`, or the emulator closing) cuts the connection without an answer.
    if (hold.stage === 'before_handling') {
      hold.arrived();
      if ((await waitForVerdict(hold, closing)) === 'drop') return void response.destroy();
    }
    const result = answer(incoming, below);
    log(result.status);
    if (hold.stage === 'after_handling') {
      hold.arrived();
      if ((await waitForVerdict(hold, closing)) === 'drop') return void response.destroy();
    }
    if (!response.destroyed) writeAnswer(response, result);
  }

  const server = await listenOnLoopback(handle, options);
  const { port } = server;
  const baseUrl = `${server.origin}/${encodeURIComponent(app)}`;
  hrefs = createHrefs(options.hrefOrigin === undefined ? baseUrl : `${options.hrefOrigin}/${encodeURIComponent(app)}`);
  const serializeContext = () => ({ model, hrefs });

  function expectWritten(action: string, outcome: WriteOutcome): number {
    if (outcome.kind !== 'written') throw new Error(`${action}: ${outcome.message}`);
    return outcome.record._id;
  }

  return {
    baseUrl,
    port,
    get model() {
      return model;
    },
    get requests() {
      return requests;
    },
    insert(limetype, values) {
      return expectWritten(`insert ${limetype}`, store.create(limetype, values, null));
    },
    get(limetype, id) {
      return serializeStored(serializeContext(), limetype, store.find(limetype, id));
    },
    all(limetype) {
      return store
        .list(limetype)
        .map((record) => serializeStored(serializeContext(), limetype, record))
        .filter((object) => object !== undefined);
    },
    update(limetype, id, values) {
      expectWritten(`update ${limetype} ${id}`, store.update(limetype, id, values, null));
    },
    remove(limetype, id) {
      if (!store.remove(limetype, id)) throw new Error(`remove ${limetype} ${id}: no such object`);
    },
    get subscriptions() {
      return subscriptions.all();
    },
    get webhookDeliveries() {
      return webhooks.log;
    },
    webhooksSettled() {
      return webhooks.settled();
    },
    ...faultControls(requests, faults, targetedFaults),
    setLatency(ms) {
      latencyMs = ms;
    },
    setModel(next) {
      model = next;
    },
    setApiKey(key, permissions) {
      if (permissions === undefined) apiKeys.delete(key);
      else apiKeys.set(key, permissions);
    },
    async close() {
      await webhooks.close();
      await server.close();
    },
  };
}

/** The answer to a `status` fault that brings no body of its own. */
function injectedError(status: number): ApiResponse {
  return apiError(status, STATUS_CODES[status] ?? 'Error', 'The emulator was told to fail this request.');
}
