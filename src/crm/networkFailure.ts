import { CrmError } from './crmError';

/**
 * Certificate and handshake failures as Node reports them: OpenSSL's verification results (`CERT_HAS_EXPIRED`, …),
 * Node's `ERR_TLS_…`/`ERR_SSL_…` codes, and `EPROTO` for a peer that does not speak TLS [inferred: the codes both
 * clients met in their tests, kept from limeHttp.ts and mapSuperOfficeFailure.ts]. Any `ERR_TLS`/`ERR_SSL` code
 * counts too, so a code this list does not name is still a TLS failure.
 */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

/**
 * The codes an HTTP client adds on top of Node's socket errors, which differ by client: undici's `UND_ERR_…` for
 * Lime, axios's `ERR_CANCELED`/`ECONNABORTED` for SuperOffice. They are per client because one code means different
 * things: axios says `ECONNABORTED` when its timeout fires, Node says it when a socket is torn down.
 */
export interface ClientErrorCodes {
  readonly aborted: readonly string[];
  readonly timeout: readonly string[];
  readonly reset: readonly string[];
}

/**
 * The codes of an error and its causes, outermost first (undici and axios both keep Node's socket error as
 * `cause`). An `AbortError` (fetch, undici) or `CanceledError` (axios) counts as `ABORT`.
 */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (name === 'AbortError' || name === 'CanceledError') codes.push('ABORT');
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * A failure below HTTP (no answer at all) as a `CrmError` whose message says what to check: the host's name, the
 * port, the certificate. `crm` names the system in the message ("The Lime host …"); the message holds the operation
 * and host only, so it may be logged.
 */
export function networkFailure(
  error: unknown,
  crm: string,
  operation: string,
  host: string,
  client: ClientErrorCodes,
): CrmError {
  const codes = errorCodes(error);
  const has = (...wanted: readonly string[]) => codes.some((code) => wanted.includes(code));
  const context = { operation, cause: error };
  if (has('ABORT', ...client.aborted)) return new CrmError('aborted', `${operation} was aborted`, context);
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA')) {
    return new CrmError('dns_failed', `The ${crm} host ${host} could not be found (DNS lookup failed)`, context);
  }
  if (has('ECONNREFUSED')) {
    return new CrmError(
      'connection_refused',
      `Nothing accepted the connection at ${host} (connection refused)`,
      context,
    );
  }
  if (has('ETIMEDOUT', ...client.timeout)) {
    return new CrmError('timeout', `${crm} at ${host} did not answer ${operation} in time`, context);
  }
  if (codes.some((code) => TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    const reason = codes.find((code) => TLS_CODES.has(code) || code.startsWith('ERR_')) ?? 'TLS error';
    return new CrmError('tls_failed', `The TLS connection to ${host} failed (${reason})`, context);
  }
  if (has('ECONNRESET', 'EPIPE', ...client.reset)) {
    return new CrmError('connection_reset', `The connection to ${host} broke during ${operation}`, context);
  }
  return new CrmError('network_error', `${operation} to ${host} failed (${codes[0] ?? 'unknown error'})`, context);
}
