// The programmatic face of the Lime REST emulator: what the demo and the tests use to start it, seed it,
// watch it and make it misbehave. The HTTP face follows shared/specs/lime-rest-api.md (§1–§4, §11).

import type { HeldRequestHandle, HoldStage } from '../shared/heldRequest';

export type { HoldStage } from '../shared/heldRequest';

/** Property types as Lime names them (lime-rest-api.md §4.2). */
export type LimePropertyType =
  | 'string'
  | 'text'
  | 'phone'
  | 'link'
  | 'integer'
  | 'decimal'
  | 'percent'
  | 'time'
  | 'date'
  | 'yesno'
  | 'option'
  | 'set'
  | 'user'
  | 'belongsto'
  | 'hasone'
  | 'hasmany'
  | 'hasandbelongstomany'
  | 'file'
  | 'system';

export interface LimeOptionDef {
  id: number;
  key: string;
  text: string;
  inactive?: boolean;
}

export interface LimePropertyDef {
  name: string;
  type: LimePropertyType;
  localname?: string;
  required?: boolean;
  /** Maximum length for text-like types (string, text, phone, link). */
  length?: number;
  /** For option/set properties. */
  options?: LimeOptionDef[];
  /** Default option key for option properties; default value otherwise. */
  defaultValue?: unknown;
  /** For relations: the limetype on the other side. */
  relatedType?: string;
  /** For belongsto/hasone: the property name on the related limetype that points back (its hasmany side). */
  backref?: string;
  /** Computed by the server (e.g. person.name = firstname + ' ' + lastname); a write to it is a 400. */
  readOnly?: boolean;
  /**
   * For computed (readOnly) properties: the properties whose non-empty values, joined by a space, make this one
   * (person.name = `['firstname', 'lastname']`). Recomputed on every write.
   */
  computedFrom?: string[];
}

export interface LimetypeDef {
  name: string;
  localname: { singular: string; plural: string };
  properties: LimePropertyDef[];
  /** Property names whose values, joined by a space, make `_descriptive`. */
  descriptive: string[];
}

/** A Lime application's data model: limetype name → definition. Tests change it freely. */
export interface LimeModel {
  limetypes: Record<string, LimetypeDef>;
}

export type LimeOperation = 'read' | 'create' | 'update' | 'delete';

/** What an API key's user may do: `'all'`, or per limetype the allowed operations (others → 403). */
export type LimeKeyPermissions = 'all' | Record<string, readonly LimeOperation[]>;

/** A stored object: property values as Lime serializes them, plus system properties. */
export interface LimeRecord {
  _id: number;
  _timestamp: string;
  _createdtime: string;
  _createduser: number | null;
  _updateduser: number | null;
  /** Property values: relations as id|null, options as the option key, text never null. */
  values: Record<string, unknown>;
}

/** One misbehaviour, applied to the next request(s). */
export type LimeFault =
  /** Answer with this status (and optional body / Retry-After / other headers) instead of handling the request. */
  | { kind: 'status'; status: number; retryAfterSec?: number; body?: unknown; headers?: Record<string, string> }
  /** Wait this long before handling the request normally. */
  | { kind: 'delay'; ms: number }
  /** Destroy the socket without answering (a connection reset). */
  | { kind: 'drop' }
  /** Send the status line and headers, then destroy the socket mid-body. */
  | { kind: 'drop_mid_body' };

/** What `failWhen` and `hold` match on: the request as the emulator read it. */
export interface LimeRequestView {
  method: string;
  /** Path below the app prefix, e.g. `/api/v1/limeobject/history/` (the full path for a request outside it). */
  path: string;
  /** The raw query string without `?` (the Query API's `q` is in here, URL-encoded). */
  query: string;
  /** The parsed JSON body, when one was sent. */
  body?: unknown;
}

/**
 * A request `hold` stopped, for the test to act while it waits (kill the client) and then let it go or cut it.
 * `after_handling`: Lime did the work (a POST created its object) and the answer is held back.
 */
export type HeldRequest = HeldRequestHandle;

export interface LimeRequestLogEntry {
  method: string;
  /** Path below the app prefix, e.g. `/api/v1/limeobject/person/`. */
  path: string;
  /** The raw query string without `?` (the `q` of the Query API is in here, URL-encoded). */
  query: string;
  /** Parsed JSON body of POST/PUT, when any. */
  body?: unknown;
  status: number;
  apiKey?: string;
}

/** A webhook subscription (Lime's webhooks package, lime-rest-api.md §7.1), as the emulator keeps it. */
export interface LimeSubscription {
  id: number;
  name: string;
  /** `<limetype>.<new|update|delete|restore>` */
  events: string[];
  target_url: string;
  enabled: boolean;
  /** Signs each delivery (`X-Lime-Signature`); the API never shows it. */
  secret?: string;
}

/** One attempt to deliver a webhook. */
export interface LimeWebhookDelivery {
  subscriptionId: number;
  event: string;
  targetUrl: string;
  attempt: number;
  /** The exact JSON bytes sent (and signed). */
  body: string;
  /** The target's HTTP status, when it answered. */
  status?: number;
  /** Why there was no answer (refused, timed out). */
  error?: string;
}

export interface LimeEmulatorOptions {
  /** Application segment; may contain spaces (URL-encoded in hrefs). Default `lime`. */
  app?: string;
  /** API keys and what each may do. Default `{ 'test-api-key': 'all' }`. */
  apiKeys?: Record<string, LimeKeyPermissions>;
  /** The data model. Default `coreModel()` (lime-rest-api.md §5). */
  model?: LimeModel;
  /** Port to listen on; default 0 (any free port). Host is always 127.0.0.1. */
  port?: number;
  /** Serve HTTPS with this PEM key and certificate instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Per-IP rate limit (Lime Cloud: 3000 per 5 minutes); off when absent. Exceeding it → 429 + Retry-After. */
  rateLimit?: { requests: number; windowMs: number };
  /** Limeobject list page size when `_limit` is absent, and its cap. Default 10 and 50 (assumption). */
  listLimit?: { default: number; max: number };
  /**
   * The largest Query API page: a larger `limit` (or none) is silently served this many objects, as a server with a
   * maximum page size would. Default: none (assumption; Lime's maximum is not documented).
   */
  maxQueryLimit?: number;
  /**
   * The longest request line (`GET /app/api/v1/…?… HTTP/1.1`) answered; a longer one gets 414 before anything else,
   * as IIS or a proxy in front of an on-prem Lime would. Default 2,000 characters; `false` turns the limit off.
   */
  maxRequestLine?: number | false;
  /** Refuse `_timestamp` anywhere in a Query API document with 400 naming it (a server that does). Default false. */
  refuseTimestampInQueries?: boolean;
  /** Latency added to every request, in ms. Default 0. */
  latencyMs?: number;
  /** Clock for `_timestamp`/`_createdtime`; default `() => new Date()`. */
  now?: () => Date;
  /**
   * Whether the server has Lime's webhooks package: the /subscription/ API and deliveries. Default true; false
   * makes every /subscription/ route a 404, as on a server without the package.
   */
  webhooks?: boolean;
  /** Webhook delivery attempts (default 3) and the wait before attempt n+1 (`delayMs · n`, default 100). */
  webhookRetry?: { attempts: number; delayMs: number };
  /**
   * The origin (`http://host:port`) its hrefs and Location headers name instead of its own, as a Lime behind a
   * reverse proxy names the host it was configured with. Default: its own origin.
   */
  hrefOrigin?: string;
}

export interface LimeEmulator {
  /** `http(s)://127.0.0.1:<port>/<app, URL-encoded>` — what an admin pastes as "Lime CRM API URL". */
  readonly baseUrl: string;
  readonly port: number;
  /** The live model: mutate it (or call `setModel`) to rename fields, add/retire options, change lengths. */
  readonly model: LimeModel;

  /** Stores an object directly (no HTTP, not logged). Values as in a POST body. Returns the new `_id`. */
  insert(limetype: string, values: Record<string, unknown>): number;
  /** The stored object, serialized exactly as `GET /limeobject/{t}/{id}/` would return it; undefined if absent. */
  get(limetype: string, id: number): Record<string, unknown> | undefined;
  /** Every stored object of a limetype, serialized, in id order. */
  all(limetype: string): Array<Record<string, unknown>>;
  /** Changes stored values directly (no HTTP, not logged); bumps `_timestamp`. */
  update(limetype: string, id: number, values: Record<string, unknown>): void;
  /** Deletes directly. */
  remove(limetype: string, id: number): void;

  /** The webhook subscriptions registered (secrets included). */
  readonly subscriptions: readonly LimeSubscription[];
  /** Every webhook delivery attempt made, oldest first. */
  readonly webhookDeliveries: readonly LimeWebhookDelivery[];
  /** Resolves once every webhook delivery queued so far has been made (or given up after its retries). */
  webhooksSettled(): Promise<void>;

  /** Every request handled (or failed by a fault), oldest first. */
  readonly requests: readonly LimeRequestLogEntry[];
  clearRequests(): void;

  /** The next `count` requests get `fault` (queued after faults already pending). */
  failNext(count: number, fault: LimeFault): void;
  /**
   * The next `count` requests that `match` get `fault` (default 1); checked before `failNext`'s queue, so a test
   * can fail one particular call (the note write) whatever reads come before it.
   */
  failWhen(match: (request: LimeRequestView) => boolean, fault: LimeFault, count?: number): void;
  /**
   * Holds the next request that `match` until the test releases it (a closing emulator cuts it): the test can kill
   * the client at exactly that point of its work.
   */
  hold(match: (request: LimeRequestView) => boolean, stage?: HoldStage): HeldRequest;
  setLatency(ms: number): void;
  setModel(model: LimeModel): void;
  /** Adds, replaces (`'all'` or a permission map) or — with `undefined` — revokes an API key. */
  setApiKey(key: string, permissions: LimeKeyPermissions | undefined): void;

  close(): Promise<void>;
}
