import { toSingleLine } from '../core/cleanText';
import { DciError } from './dciApi';

/** What a call was, for messages: a path template (no ids, no query) and the scope the call needs. */
export interface DciOperation {
  /** `GET conversations/:id/summary`. */
  name: string;
  /** The token scope DCI checks for it (dci-api.md §2.1); undefined for `GET account`. */
  scope?: 'conversations' | 'recordings' | 'users' | undefined;
}

export const TOKEN_SETTINGS = 'in DCI under Settings → REST API → API Tokens';
export const BASE_URL_HINT =
  "DCI_API_URL must be DCI's REST API base, ending in /api/v1/rest (e.g. https://<your DCI host>/api/v1/rest)";
export const RECORDINGS_REASON =
  'The token may not read recording links: in DCI under Settings → REST API → API Tokens, give the token the ' +
  '"recordings" scope and turn on its include_recordings setting (include_recordings=true), or create a new token ' +
  'with both. Until then notes have no recording link.';

/**
 * DCI's own `message` (dci-api.md §1.3: `{statusCode, message, retryAfter}` [verified for 429; inferred for the
 * others]), on one line and short. A server may echo the token it refused: anything token-like is cut out, so the
 * token never reaches a message, a log or the store.
 */
export function dciMessage(body: unknown, token: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { message, error } = body as { message?: unknown; error?: unknown };
  const said = typeof message === 'string' ? message : typeof error === 'string' ? error : undefined;
  if (said === undefined || said.trim() === '') return undefined;
  const withoutToken = (token === '' ? said : said.split(token).join('[token]'))
    .replace(/\bBearer\s+\S+/giu, 'Bearer [token]')
    // A whole token, not the 11-character prefix (`mt_ab12cd34`) that DCI itself shows to name one.
    .replace(/\bmt_[A-Za-z0-9_-]{9,}/gu, '[token]');
  return toSingleLine(withoutToken).trim().slice(0, 300);
}

const saidPart = (said: string | undefined) => (said === undefined ? '' : ` DCI said: "${said}".`);

/** 429: how long to wait, in ms: the later of the body's `retryAfter` (seconds) and the `Retry-After` header. */
export function retryAfterMsOf(body: unknown, headerMs: number | undefined): number | undefined {
  const retryAfter =
    typeof body === 'object' && body !== null ? (body as { retryAfter?: unknown }).retryAfter : undefined;
  const seconds =
    typeof retryAfter === 'number'
      ? retryAfter
      : typeof retryAfter === 'string' && /^\d+(\.\d+)?$/u.test(retryAfter.trim())
        ? Number(retryAfter)
        : undefined;
  const bodyMs =
    seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  if (bodyMs === undefined) return headerMs;
  return headerMs === undefined ? bodyMs : Math.max(bodyMs, headerMs);
}

/**
 * A non-2xx answer as a DciError whose message says what to change. 404 reaches here only for calls where it
 * cannot mean "not found" (account, list): there it means the base URL is wrong. 429 needs `retryAfterMs`.
 */
export function dciErrorOfStatus(
  status: number,
  operation: DciOperation,
  said: string | undefined,
  retryAfterMs?: number | undefined,
): DciError {
  const on = `${operation.name}`;
  if (status === 401) {
    return new DciError(
      'dci_unauthorized',
      `DCI refused the API token (401) on ${on}: it is missing, mistyped or revoked.${saidPart(said)} ` +
        `Create a new token ${TOKEN_SETTINGS} (with the conversations scope, and recordings for recording links) ` +
        'and give it to the receiver.',
      { status },
    );
  }
  if (status === 403) {
    const what =
      operation.scope === 'recordings'
        ? RECORDINGS_REASON
        : operation.scope === undefined
          ? `DCI refused this token access to its account: check the token ${TOKEN_SETTINGS}.`
          : `The token lacks the \`${operation.scope}\` scope: give it that scope ${TOKEN_SETTINGS} (or create a new token with it).`;
    return new DciError('dci_forbidden', `DCI refused ${on} (403).${saidPart(said)} ${what}`, { status });
  }
  if (status === 429) {
    const wait = retryAfterMs === undefined ? '' : ` for ${Math.ceil(retryAfterMs / 1000)} s`;
    return new DciError(
      'dci_rate_limited',
      `DCI's request limit for this token is spent (429 on ${on}): nothing is sent to DCI${wait}.${saidPart(said)}`,
      { status, retryAfterMs },
    );
  }
  if (status === 408) {
    return new DciError('dci_timeout', `DCI gave up waiting for ${on} (408).`, { status });
  }
  if (status >= 500) {
    return new DciError('dci_unavailable', `DCI failed with a server error (${status}) on ${on}.${saidPart(said)}`, {
      status,
    });
  }
  if (status === 404) {
    return new DciError('dci_bad_request', `DCI found nothing at ${on} (404).${saidPart(said)} ${BASE_URL_HINT}.`, {
      status,
    });
  }
  if (status >= 300 && status < 400) {
    // Redirects are not followed: the token would go wherever the Location says.
    return new DciError(
      'dci_bad_response',
      `DCI answered ${on} with a redirect (${status}), which is not followed. ${BASE_URL_HINT}, with https.`,
      { status },
    );
  }
  if (status >= 400) {
    return new DciError('dci_bad_request', `DCI refused ${on} as invalid (${status}).${saidPart(said)}`, { status });
  }
  return new DciError('dci_bad_response', `DCI answered ${on} with an unexpected status (${status}).`, { status });
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH|EPROTO)/u;

/** The codes of an error and its causes, outermost first (undici wraps Node's socket errors). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code } = current as { code?: unknown };
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** A failure below HTTP (no answer, or a broken one) as a DciError; `cause` keeps the original. */
export function dciErrorOfTransport(error: unknown, operation: DciOperation, host: string): DciError {
  const codes = errorCodes(error);
  const has = (...wanted: string[]) => codes.some((code) => wanted.includes(code));
  const context = { cause: error };
  if (has('UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT')) {
    return new DciError('dci_timeout', `DCI at ${host} did not answer ${operation.name} in time.`, context);
  }
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA')) {
    return new DciError(
      'dci_unavailable',
      `The DCI host ${host} could not be found (DNS lookup failed). ${BASE_URL_HINT}.`,
      context,
    );
  }
  if (has('ECONNREFUSED')) {
    return new DciError(
      'dci_unavailable',
      `Nothing accepted the connection to DCI at ${host} (connection refused). ${BASE_URL_HINT}.`,
      context,
    );
  }
  const tls = codes.find((code) => TLS_CODES.test(code));
  if (tls !== undefined) {
    return new DciError('dci_unavailable', `The TLS connection to DCI at ${host} failed (${tls}).`, context);
  }
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED')) {
    return new DciError('dci_unavailable', `The connection to DCI at ${host} broke during ${operation.name}.`, context);
  }
  return new DciError(
    'dci_unavailable',
    `${operation.name} to DCI at ${host} failed (${codes[0] ?? 'no answer'}).`,
    context,
  );
}
