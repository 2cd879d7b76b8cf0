// The programmatic face of the DCI 2.0 partner REST API emulator: what the demo and the tests use to start it, seed
// it, watch it and make it misbehave. The HTTP face follows shared/specs/dci-api.md §1–§4; every guess is listed at
// the top of dciEmulator.ts.

import type { HttpFault } from '../shared/faultQueue';

export type DciScope = 'conversations' | 'transcripts' | 'insights' | 'recordings' | 'users' | 'teams' | 'departments';

/** What one `mt_…` token may do (dci-api.md §1.2–§1.3). */
export interface TokenSettings {
  scopes: DciScope[];
  /** The token setting `include_recordings`; the recording URL needs it and the `recordings` scope. Default false. */
  includeRecordings?: boolean;
  /** Requests per sliding minute. Default 60. */
  ratePerMinute?: number;
  /** Unique conversations per UTC day. Default 1000. */
  dailyQuota?: number;
}

/** Answer-shape variants the real API might use where the docs are unreadable, so a tolerant client can be tested. */
export interface DciShapes {
  /** `{conversations:[…], <cursor>, _meta}` (default), `{data:[…], <cursor>}`, or a bare array (X-Next-Cursor). */
  list?: 'conversations' | 'data' | 'bare';
  /** The conversation object itself (default) or `{conversation:{…}}`. */
  detail?: 'bare' | 'conversation';
  /** Where a wrapped list puts the next cursor. Default `next_cursor`. */
  cursorField?: 'next_cursor' | 'nextCursor' | 'pagination.next_cursor' | 'cursor';
  /** The URL's field in the recording-url answer. Default `url`. */
  recordingField?: 'url' | 'recording_url';
  /** The participant phone's field in REST conversations. Default `phone`. */
  phoneField?: 'phone' | 'phone_number' | 'mobile_phone' | 'mobile';
  /** List items as whole conversations (default) or only id, title, date, duration, medium, company, updated_at. */
  listItems?: 'full' | 'brief';
}

export interface DciEmulatorOptions {
  /** Default 0 (any free port), on 127.0.0.1 only. */
  port?: number;
  /** The clock of the 30-day window, the rate limits and every timestamp. Default: the system clock. */
  now?: () => Date;
  /** Accepted tokens. Default: `DEFAULT_DCI_TOKEN` with every scope and recordings included. */
  tokens?: Record<string, TokenSettings>;
  /** What `GET /account` names. */
  account?: { id: string; name: string };
  shapes?: DciShapes;
  /** Waits before retry 1, 2, 3 … of a failed webhook (one retry per entry). Default [1000, 5000, 25000]. */
  webhookRetryDelaysMs?: number[];
}

export interface DciUser {
  id: string;
  name: string;
  email: string;
}

export interface DciDepartment {
  id: string;
  name: string;
}

export interface DciTranscriptSegment {
  speaker: string;
  /** Seconds from the start of the conversation. */
  start: number;
  end: number;
  text: string;
}

export interface DciParticipantInput {
  name: string;
  email?: string | null;
  /** Default `customer` (the only documented role). */
  role?: string;
  phone?: string;
}

export interface DciConversationInput {
  /** Default: a new UUID. */
  id?: string;
  title: string;
  company?: string | null;
  /** ISO-8601 start time. */
  date: string;
  /** Seconds. */
  duration?: number | null;
  /** Default `call`. */
  medium?: string | null;
  sentiment?: string | null;
  conversation_type?: string | null;
  department?: DciDepartment | null;
  /** The owner ("presenter"): a user object, or the id of a user added with `addUser`. */
  user?: DciUser | string | null;
  participants: DciParticipantInput[];
  /** undefined/null: not completed yet (no summary). */
  summary?: string | null;
  notes?: string | null;
  /** Default: `date + duration` when the duration is known, else null. */
  ended_at?: string | null;
  /** true: the conversation has a recording. */
  recording?: boolean;
  transcript?: DciTranscriptSegment[];
}

export interface DciStoredParticipant {
  name: string;
  email: string | null;
  role: string;
  phone?: string;
}

/** A conversation as the emulator holds it (a copy: changing it changes nothing). */
export interface DciStoredConversation {
  id: string;
  title: string;
  company: string | null;
  date: string;
  duration: number | null;
  medium: string | null;
  sentiment: string | null;
  conversation_type: string | null;
  summary: string | null;
  department: DciDepartment | null;
  user: DciUser | null;
  participants: DciStoredParticipant[];
  ended_at: string | null;
  notes: string | null;
  updated_at: string;
  recording: boolean;
  transcript: DciTranscriptSegment[] | null;
}

/** What `failWhen` matches on. */
export interface DciRequestView {
  method: string;
  /** The path below `/api/v1/rest` (e.g. `/conversations/<id>`), or the full path outside it. */
  path: string;
  /** The raw query string without `?`. */
  query: string;
}

export interface DciRequestLogEntry {
  method: string;
  /** As in `DciRequestView.path`. */
  path: string;
  query: string;
  /** 0 when the request was dropped by a fault. */
  status: number;
  /** The first 11 characters of the bearer token sent, when one was sent; never the token itself. */
  tokenPrefix?: string;
}

/** One webhook attempt (or a webhook never sent because of `dropNextWebhooks`). */
export interface DciWebhookAttempt {
  deliveryId: string;
  conversationId: string;
  url: string;
  /** 1 for the first try; 0 for a dropped webhook. */
  attempt: number;
  /** The receiver's HTTP status. */
  status?: number;
  /** The network error, when no status came back. */
  error?: string;
  /** Never sent (`dropNextWebhooks`). */
  dropped?: true;
}

export interface DciEmulator {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** `${origin}/api/v1/rest`. */
  readonly baseUrl: string;
  readonly port: number;
  /** The emulator's clock (the `now` option). */
  now(): Date;

  /** Adds an active user (`GET /users`). Returns it with its id. */
  addUser(user: { id?: string; name: string; email: string }): DciUser;
  /** Stores a conversation directly (no HTTP, no webhook). */
  addConversation(input: DciConversationInput): DciStoredConversation;
  getConversation(id: string): DciStoredConversation | undefined;
  /** Sets the summary (the conversation is fully processed); sends `conversation.completed` to every subscription. */
  completeConversation(id: string, completion: { summary: string }): DciStoredConversation;
  /** DCI regenerated the summary; with `notify`, `conversation.completed` is sent again under new delivery ids. */
  updateSummary(id: string, summary: string, options?: { notify?: boolean }): DciStoredConversation;

  /** Registers a webhook destination; `token` names the token whose prefix goes into `_meta` (default: the first). */
  subscribe(subscription: { url: string; secret: string; token?: string }): string;
  /** Returns false when there was no such subscription. */
  unsubscribe(id: string): boolean;
  /** The next `count` webhooks (one per subscription and event) are never sent. */
  dropNextWebhooks(count: number): void;
  /** Every webhook attempt, oldest first. */
  readonly webhookDeliveries: readonly DciWebhookAttempt[];
  /** Resolves once every webhook sent so far has been delivered or given up after its retries. */
  whenWebhooksSettled(): Promise<void>;

  /** Adds or replaces a token; `undefined` revokes it (401 from the next request on). */
  setToken(token: string, settings: TokenSettings | undefined): void;

  /** The next `count` requests get `fault` (after faults already pending). */
  failNext(count: number, fault: HttpFault): void;
  /** The next `count` requests (default 1) that `match` get `fault`; checked before `failNext`'s queue. */
  failWhen(match: (request: DciRequestView) => boolean, fault: HttpFault, count?: number): void;
  /** Every request, oldest first. */
  readonly requests: readonly DciRequestLogEntry[];
  clearRequests(): void;

  /** Stops listening, cuts open connections and stops webhook retries. */
  close(): Promise<void>;
}
