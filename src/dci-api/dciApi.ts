// The port through which the receiver reads DCI's partner REST API (shared/specs/dci-api.md §1–2). The receiver
// sees only these types; how answers are read (bare or wrapped lists, cursor field names …) stays in dciClient.ts.

/**
 * One conversation as DCI's REST API gives it, in DCI's own wire names (the same snake_case names as the webhook's
 * `data.conversation`, dci-api.md §2.3 [inferred]): kept as a plain JSON object so the receiver can store it as the
 * `data.conversation` of a `conversation.completed` payload and hold it to the same contract. Participant phones are
 * renamed to the contract's `phone` / `mobile_phone` by the client (every plausible field is read).
 */
export type DciConversation = { id: string } & Record<string, unknown>;

/** One page of `GET /conversations`, newest first. */
export interface DciConversationPage {
  conversations: DciConversation[];
  /** The cursor of the next (older) page; undefined on the last page. */
  nextCursor?: string | undefined;
  /** Items DCI listed that were left out for lack of a usable `id` (0 or absent: none). */
  skipped?: number | undefined;
}

/** What `GET /conversations/:id/recording-url` gave. */
export type DciRecording =
  | { kind: 'url'; url: string }
  /** The conversation has no recording (404, or a null URL). */
  | { kind: 'none' }
  /** The token may not read recordings (403): `reason` says what to change in DCI. */
  | { kind: 'not_allowed'; reason: string };

/** `GET /account`: who the token belongs to. */
export interface DciAccount {
  id: string;
  name?: string | undefined;
  /** `_meta.token_prefix`, e.g. `mt_ab12cd34`: names the token without revealing it. */
  tokenPrefix?: string | undefined;
}

/** The REST calls the receiver makes. Every call may throw a `DciError`. */
export interface DciApi {
  account(signal?: AbortSignal): Promise<DciAccount>;
  /** One page of the conversation list (at most 25, newest first, the last 30 days). */
  listConversations(request: {
    cursor?: string | undefined;
    signal?: AbortSignal | undefined;
  }): Promise<DciConversationPage>;
  /** The conversation detail; undefined when DCI does not know it (404). */
  getConversation(id: string, signal?: AbortSignal): Promise<DciConversation | undefined>;
  /** The stored summary text; undefined while there is none yet (404 or null). */
  getSummary(id: string, signal?: AbortSignal): Promise<string | undefined>;
  getRecordingUrl(id: string, signal?: AbortSignal): Promise<DciRecording>;
  /** The active users (needs the `users` scope); used by Test connection only. */
  listUsers(signal?: AbortSignal): Promise<unknown[]>;
}

/** Stable codes of DciError. */
export type DciErrorCode =
  /** The token is missing, wrong or revoked (401). */
  | 'dci_unauthorized'
  /** The token lacks a scope or setting the call needs (403). */
  | 'dci_forbidden'
  /** 429: per-minute limit or daily quota; `retryAfterMs` says when to come back. */
  | 'dci_rate_limited'
  /** Our own request budget (DCI_API_RATE_PER_MINUTE) is spent for longer than a call may wait. */
  | 'dci_budget_spent'
  /** 5xx, or a connection that failed or was reset. */
  | 'dci_unavailable'
  | 'dci_timeout'
  /** An answer we cannot read (not JSON, or not any shape we know). */
  | 'dci_bad_response'
  /** Any other 4xx: a request DCI refuses. */
  | 'dci_bad_request'
  /**
   * The caller's AbortSignal fired (shutdown, lease lost): not a DCI failure, so not `temporary` either; give the
   * work back without counting an attempt.
   */
  | 'dci_aborted';

/** A failed DCI call, with what an operator needs to act on it. Never carries the token. */
export class DciError extends Error {
  readonly code: DciErrorCode;
  readonly status?: number | undefined;
  readonly retryAfterMs?: number | undefined;

  constructor(
    code: DciErrorCode,
    message: string,
    context: { status?: number | undefined; retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'DciError';
    this.code = code;
    this.status = context.status;
    this.retryAfterMs = context.retryAfterMs;
  }

  /** Whether calling again later may succeed (DCI down, slow or rate limited). */
  get temporary(): boolean {
    return (
      this.code === 'dci_unavailable' ||
      this.code === 'dci_timeout' ||
      this.code === 'dci_rate_limited' ||
      this.code === 'dci_budget_spent'
    );
  }
}

/**
 * The token's request budget, shared by every replica on one store (a token bucket in the database): the client
 * takes one request from it before each call, and a 429 pauses every replica until DCI's `retryAfter`.
 */
export interface DciRequestBudget {
  /** Takes one request: 0 when it may be sent now, else how many ms until one is free (nothing taken). */
  take(now: Date): Promise<number>;
  /** DCI said 429: nobody sends before `until`. */
  pauseUntil(until: Date): Promise<void>;
}
