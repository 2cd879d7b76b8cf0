import type { CrmErrorCode } from './crmError';

/** The codes an HTTP error status maps to in every CRM's client (a CRM may read a status of its own first). */
export type StatusCode = Extract<
  CrmErrorCode,
  'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'rate_limited' | 'server_error' | 'unexpected_status'
>;

/**
 * The CrmError code of an error status, so the retry classifier reads Lime's and SuperOffice's answers alike: 408
 * and 429 ask us to slow down, 5xx are the server's, other statuses are unexpected.
 */
export function codeOfStatus(status: number): StatusCode {
  if (status === 400) return 'bad_request';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'unexpected_status';
}

/**
 * What the CRM did, in words for the message ("Lime refused the request as invalid (400) on …"). A CRM words the
 * credential and address answers (401, 403, 404) for what an admin checks there.
 */
export const STATUS_WORDS: Readonly<Record<Exclude<StatusCode, 'unauthorized' | 'forbidden' | 'not_found'>, string>> = {
  bad_request: 'refused the request as invalid',
  rate_limited: 'asked us to slow down',
  server_error: 'failed with a server error',
  unexpected_status: 'answered with an unexpected status',
};
