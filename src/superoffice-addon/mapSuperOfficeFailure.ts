import { isAxiosError, type AxiosError, type AxiosRequestConfig } from 'axios';
import { parseRetryAfter } from '../core';
import { CrmError } from '../crm/crmError';
import { networkFailure, type ClientErrorCodes } from '../crm/networkFailure';
import { codeOfStatus, STATUS_WORDS, type StatusCode } from '../crm/statusFailure';
import { credentialsSentWith, withoutCredentials } from './withoutCredentials';

/**
 * Thrown by the connector's response interceptor for a 2xx answer that is not JSON (an HTML login or proxy page, a
 * truncated body): the package's converters would otherwise read it as an empty entity and the adapter act on that.
 */
export class NotJsonAnswer extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
  ) {
    super(`SuperOffice answered ${operation} with ${status} but no JSON body`);
    this.name = 'NotJsonAnswer';
  }
}

/** `POST Agents/Appointment/SaveAppointmentEntity`: what was being done, from the request the package made. */
export function superOfficeOperation(config: AxiosRequestConfig | undefined): string {
  const method = (config?.method ?? 'post').toUpperCase();
  const base = config?.baseURL ?? '';
  const agent = /(Agents\/[^/]+)\/?$/iu.exec(base)?.[1];
  const url = (config?.url ?? '').replace(/\?.*$/su, '');
  return `${method} ${agent === undefined ? url : `${agent}/${url}`}`;
}

/**
 * SuperOffice's own words from its error body. The package declares an `SoExceptionInfo` carrier (`Message`,
 * `ExceptionType`, `FriendlyText`, …) [verified: @superoffice/webapi `dist/cjs/Carriers.d.ts`]; that the REST layer
 * answers failures in exactly that shape is [assumption] (shared/specs/superoffice.md: not documented publicly), so a
 * lower-case `message` is read too. It may echo the values sent (names, e-mails), so it is `detail` (stored for
 * admins), never a message that is logged; the credentials the request carried are cut out of it first.
 */
function soMessage(data: unknown, sent: readonly string[]): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const body = data as Record<string, unknown>;
  const message = body['Message'] ?? body['message'] ?? body['FriendlyText'];
  if (typeof message !== 'string' || message.trim() === '') return undefined;
  const type = typeof body['ExceptionType'] === 'string' ? `${body['ExceptionType']}: ` : '';
  return withoutCredentials(`${type}${message}`, sent).slice(0, 500);
}

/** The codes axios adds to Node's socket errors: `ECONNABORTED` is its own timeout (src/crm/networkFailure.ts). */
const AXIOS_CODES: ClientErrorCodes = {
  aborted: ['ERR_CANCELED'],
  timeout: ['ECONNABORTED', 'ESOCKETTIMEDOUT'],
  reset: ['ERR_SOCKET_CLOSED'],
};

/** What SuperOffice did, in words (src/crm/statusFailure.ts). */
const SUPEROFFICE_WORDS: Readonly<Record<StatusCode, string>> = {
  ...STATUS_WORDS,
  unauthorized: 'refused the credentials (check the user, ticket or system user token)',
  forbidden: "denied the user's role the right",
  not_found: 'found nothing at that address (check the tenant URL)',
};

function statusFailure(error: AxiosError, operation: string, host: string): CrmError {
  const response = error.response!;
  const { status } = response;
  const retryAfter = response.headers['retry-after'] as unknown;
  const context = {
    status,
    operation,
    detail: soMessage(response.data, credentialsSentWith(error.config)),
    retryAfterMs: typeof retryAfter === 'string' ? parseRetryAfter(retryAfter) : undefined,
    cause: error,
  };
  // "421 - Misdirected request … Wrong subdomain used to access tenant": Online wants the numbered host
  // [verified: shared/specs/superoffice.md §3, from SuperOffice's docs].
  if (status === 421) {
    const what = `says the tenant is not served from ${host} (use the tenant's numbered host, e.g. online3.superoffice.com)`;
    return new CrmError('wrong_host', `SuperOffice ${what} (${status}) on ${operation}`, context);
  }
  const code = codeOfStatus(status);
  return new CrmError(code, `SuperOffice ${SUPEROFFICE_WORDS[code]} (${status}) on ${operation}`, context);
}

/**
 * Any failure of a SuperOffice call as a `CrmError` with the codes the Lime side uses (src/crm/crmError.ts), so the
 * receiver's retry classifier treats both CRMs alike. `message` names the operation and host only: no values sent,
 * no credentials. A CrmError passes through unchanged.
 */
export function mapSuperOfficeFailure(error: unknown, host: string, signal?: AbortSignal): CrmError {
  if (error instanceof CrmError) return error;
  if (error instanceof NotJsonAnswer) {
    return new CrmError('bad_response', error.message, {
      status: error.status,
      operation: error.operation,
      cause: error,
    });
  }
  const operation = isAxiosError(error) ? superOfficeOperation(error.config) : 'a SuperOffice call';
  const context = { operation, cause: error };
  if (signal?.aborted === true) return new CrmError('aborted', `${operation} was aborted`, context);
  if (isAxiosError(error) && error.response !== undefined) return statusFailure(error, operation, host);
  if (!isAxiosError(error)) {
    // The package's converters read the answer's fields; an answer of the wrong shape makes them throw.
    if (error instanceof TypeError || error instanceof SyntaxError) {
      return new CrmError('bad_response', `SuperOffice answered something its WebAPI does not document`, context);
    }
  }
  return networkFailure(error, 'SuperOffice', operation, host, AXIOS_CODES);
}
