import { crmDisplayName } from '../config/crmInEffect';
import { DciError } from '../../dci-api/dciApi';
import { CrmError, type CrmErrorCode } from '../../crm/crmError';
import type { SuperOfficeCredentialKind } from '../../superoffice-addon';
import type { CrmName } from '../config/superOfficeConfig';
import { superOfficeAction, SUPEROFFICE_TEMPORARY } from './superOfficeAdvice';

/** Which CRM failed (its advice names its settings), and for SuperOffice how the receiver signs in. */
export interface FailureContext {
  crm: CrmName;
  auth?: SuperOfficeCredentialKind | undefined;
}

export type FailureDecision =
  /**
   * Try again later (`delayMs`: what the CRM asked for, if anything). `giveUpAdvice`: what an admin should check
   * if the failure lasts until the delivery is given up.
   */
  | {
      retry: true;
      code: string;
      message: string;
      status?: number | undefined;
      delayMs?: number | undefined;
      giveUpAdvice: string;
    }
  /** Will not get better by waiting: dead letter at once, with a reason an admin can act on. */
  | { retry: false; code: string; message: string; status?: number | undefined }
  /** Our own shutdown: give the delivery back, no attempt counted. */
  | { release: true };

/** Where an admin changes the Lime connection: the admin pages, unless the environment sets it. */
const CONNECTION_SETTINGS = 'on the admin pages (Lime connection)';
const REQUEUE = 'then requeue it from Dead letters (or `dci-companion requeue`).';

/** Failures that waiting may cure, and what to check when waiting did not. */
const TEMPORARY: Partial<Record<CrmErrorCode, string>> = {
  dns_failed: `Check the Lime API URL ${CONNECTION_SETTINGS} or LIME_URL, and that this server can resolve its host; ${REQUEUE}`,
  connection_refused: `Check that Lime is running and that the host and port of the Lime API URL (${CONNECTION_SETTINGS} or LIME_URL) are right; ${REQUEUE}`,
  connection_reset: `Check the network between the receiver and Lime (proxies, firewalls) and that Lime is up; ${REQUEUE}`,
  timeout: `Check that Lime is up and answering (Test connection ${CONNECTION_SETTINGS}); ${REQUEUE}`,
  network_error: `Check the network between the receiver and Lime and that Lime is up; ${REQUEUE}`,
  rate_limited: `Lime kept asking the receiver to slow down: check what else uses the API user's quota; ${REQUEUE}`,
  server_error: `Lime kept failing: check the Lime server (its logs, Test connection ${CONNECTION_SETTINGS}); ${REQUEUE}`,
  bad_response: `Lime's answers were not what its API documents: check that the Lime API URL points at the Lime application; ${REQUEUE}`,
};

/** What an admin should do about each permanent failure (shown with the dead letter). */
const ACTIONS: Partial<Record<CrmErrorCode, string>> = {
  unauthorized: `The key may have been replaced or revoked: create an API key for the API user in Lime (Lime Admin → Security → Users), enter it ${CONNECTION_SETTINGS} or in LIME_API_KEY, ${REQUEUE}`,
  forbidden: `Give the API user's group that permission in Lime (Lime Admin → Security), ${REQUEUE}`,
  tls_failed: `Lime's certificate could not be verified: configure the CA that signed it in LIME_CA_FILE (a PEM file) and restart the receiver, ${REQUEUE}`,
  not_found: `Check the Lime API URL ${CONNECTION_SETTINGS} or LIME_URL, ${REQUEUE}`,
  bad_request: `Fix the configuration ${CONNECTION_SETTINGS} or the data in Lime that Lime names, ${REQUEUE}`,
  schema_mismatch: `Choose a history type Lime offers ${CONNECTION_SETTINGS} or in LIME_HISTORY_TYPE (or make the option active again in Lime), and in the history type by meeting type (HISTORY_TYPE_MAP); match the field names to Lime's data model; with linking to deals on (LINK_DEAL), add history.deal or turn it off, ${REQUEUE}`,
  unexpected_status: `Lime answered in a way the integration does not expect: check the Lime server and the API URL, ${REQUEUE}`,
};

/**
 * The one place that decides what is retried: network errors, timeouts, 408/429/5xx and malformed answers retry
 * (honouring Retry-After); a rejected key, a missing permission, a refused request, a TLS or data-model problem
 * is permanent. Anything that is not a CrmError is a bug or a corrupt stored payload: permanent. Every message an
 * admin sees on a dead letter says what to fix and where. Lime's `detail` is included: it is stored and shown to
 * admins, never logged (the worker logs codes and statuses only).
 */
export function classifyFailure(error: unknown, context: FailureContext = { crm: 'lime' }): FailureDecision {
  const superOffice = context.crm === 'superoffice';
  if (error instanceof DciError) {
    if (error.code === 'dci_aborted') return { release: true };
    // Only a temporary DCI failure inside the enrichment wait gets here (after it, the notes go without DCI's parts).
    const { code, status, retryAfterMs } = error;
    return {
      retry: true,
      code,
      message: `Waiting for DCI's REST API to complete the meeting: ${error.message.replace(/\.$/u, '')}.`,
      status,
      delayMs: retryAfterMs,
      giveUpAdvice: `Check that DCI's REST API is reachable from this server (Test connection, DCI on the admin pages); ${REQUEUE}`,
    };
  }
  if (error instanceof CrmError) {
    if (error.code === 'aborted') return { release: true };
    const giveUpAdvice = (superOffice ? SUPEROFFICE_TEMPORARY : TEMPORARY)[error.code];
    if (giveUpAdvice !== undefined) {
      const { code, message, status, retryAfterMs } = error;
      return { retry: true, code, message, status, delayMs: retryAfterMs, giveUpAdvice };
    }
    // Lime's own words name what it refused ("The API user may not create history."): the admin needs them.
    const said = error.detail === undefined ? '' : ` ${crmDisplayName(context.crm)} said: "${error.detail}".`;
    const action = superOffice ? superOfficeAction(error.code, context.auth) : ACTIONS[error.code];
    return {
      retry: false,
      code: error.code,
      message: `${error.message.replace(/\.$/u, '')}.${said}${action === undefined ? '' : ` ${action}`}`,
      status: error.status,
    };
  }
  return {
    retry: false,
    code: 'internal_error',
    message: `The delivery failed inside the receiver (${error instanceof Error ? error.name : 'unknown error'}); see the logs.`,
  };
}
