import { CrmError, type CrmErrorCode } from '../crmError';

export type FailureDecision =
  /** Try again later (`delayMs`: what the CRM asked for, if anything). */
  | { retry: true; code: string; message: string; status?: number | undefined; delayMs?: number | undefined }
  /** Will not get better by waiting: dead letter at once, with a reason an admin can act on. */
  | { retry: false; code: string; message: string; status?: number | undefined }
  /** Our own shutdown: give the delivery back, no attempt counted. */
  | { release: true };

/** Failures that waiting may cure: the network, timeouts, a busy or failing server, an answer cut short. */
const TEMPORARY: ReadonlySet<CrmErrorCode> = new Set([
  'dns_failed',
  'connection_refused',
  'connection_reset',
  'timeout',
  'network_error',
  'rate_limited',
  'server_error',
  'bad_response',
]);

/** What an admin should do about each permanent failure (shown with the dead letter). */
const ACTIONS: Partial<Record<CrmErrorCode, string>> = {
  unauthorized: 'Check the Lime API key (it may have been replaced or revoked), then requeue.',
  forbidden: "Give the API user's group the missing permission, then requeue.",
  tls_failed: "Configure the CA that signed Lime's certificate (LIME_CA_FILE), then requeue.",
  not_found: 'Check the Lime API URL, then requeue.',
  bad_request: 'Lime refused the data; see the detail, fix the configuration or the data in Lime, then requeue.',
  schema_mismatch: 'Fix the field names or history type in the configuration (or in Lime), then requeue.',
  unexpected_status: 'Lime answered in a way the integration does not expect; check the Lime server, then requeue.',
};

/**
 * The one place that decides what is retried: network errors, timeouts, 408/429/5xx and malformed answers retry
 * (honouring Retry-After); a rejected key, a missing permission, a refused request, a TLS or data-model problem
 * is permanent. Anything that is not a CrmError is a bug or a corrupt stored payload: permanent.
 */
export function classifyFailure(error: unknown): FailureDecision {
  if (error instanceof CrmError) {
    if (error.code === 'aborted') return { release: true };
    const message = error.message;
    if (TEMPORARY.has(error.code)) {
      return { retry: true, code: error.code, message, status: error.status, delayMs: error.retryAfterMs };
    }
    const action = ACTIONS[error.code];
    return {
      retry: false,
      code: error.code,
      message: action === undefined ? message : `${message}. ${action}`,
      status: error.status,
    };
  }
  return {
    retry: false,
    code: 'internal_error',
    message: `The delivery failed inside the receiver (${error instanceof Error ? error.name : 'unknown error'}); see the logs.`,
  };
}
