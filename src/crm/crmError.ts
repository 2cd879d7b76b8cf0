/**
 * Why a CRM call failed, as a stable snake_case code. The delivery worker's failure classifier decides from the
 * code (and `status`) what is retried; admins see the code and message in the delivery log.
 */
export type CrmErrorCode =
  /** The CRM host name does not resolve. */
  | 'dns_failed'
  /** Nothing listens at the CRM's host and port. */
  | 'connection_refused'
  /** The connection broke before a complete answer arrived. */
  | 'connection_reset'
  /** No answer (connect, headers or body) within the configured time. */
  | 'timeout'
  /** The CRM's TLS certificate could not be verified, or the TLS handshake failed. */
  | 'tls_failed'
  /** 401: the API key is missing, wrong or revoked. */
  | 'unauthorized'
  /** 403: the API user lacks a permission. */
  | 'forbidden'
  /**
   * 421: the CRM is served from another host (SuperOffice Online: "Wrong subdomain used to access tenant", the
   * tenant's numbered host such as online3 must be used).
   */
  | 'wrong_host'
  /** 404 where something had to exist (an object, a limetype, the API itself). */
  | 'not_found'
  /** 400: the CRM refused what we sent. */
  | 'bad_request'
  /** 408/429: the CRM asks us to slow down. */
  | 'rate_limited'
  /** 5xx from the CRM. */
  | 'server_error'
  /** Any other unexpected status. */
  | 'unexpected_status'
  /** The CRM answered something that is not what its API documents (not JSON, wrong shape). */
  | 'bad_response'
  /** The CRM's data model lacks a field or option the configuration needs. */
  | 'schema_mismatch'
  /** Any other failure of the connection. */
  | 'network_error'
  /** The caller gave up (shutdown, lease lost). */
  | 'aborted';

export interface CrmErrorContext {
  /** HTTP status, when the CRM answered. */
  status?: number | undefined;
  /** How long the CRM asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number | undefined;
  /** What was being done, without personal data: `POST limeobject/history`. */
  operation?: string | undefined;
  /**
   * What the CRM said about it (its error message). May echo the values sent, so it is stored and shown to
   * admins with the delivery, but never logged.
   */
  detail?: string | undefined;
  cause?: unknown;
}

/** A failed CRM call. `message` never contains personal data, keys or note text: it is logged. */
export class CrmError extends Error {
  readonly code: CrmErrorCode;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly operation: string | undefined;
  readonly detail: string | undefined;

  constructor(code: CrmErrorCode, message: string, context: CrmErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'CrmError';
    this.code = code;
    this.status = context.status;
    this.retryAfterMs = context.retryAfterMs;
    this.operation = context.operation;
    this.detail = context.detail;
  }
}
