import type { CrmErrorCode } from '../../crm/crmError';
import type { SuperOfficeCredentialKind } from '../../superoffice-addon';

// What an admin should do about a failed SuperOffice delivery: classifyFailure's advice, worded for SuperOffice
// (which setting on the admin pages, which SUPEROFFICE_* variable). Lime's stays in classifyFailure.ts.
// Vendor facts: a revoked system user token or withdrawn consent needs the administrator's consent again, 421 means
// the tenant's numbered host [verified: shared/specs/superoffice.md §3.6, and its 421 "Wrong subdomain used to access tenant"]; the admin
// menu paths named for rights and task types are [assumption] (SuperOffice versions word them differently).

const PAGE = 'on the admin pages (SuperOffice connection)';
const REQUEUE = 'then requeue it from Dead letters (or `dci-companion requeue`).';
const URL = `the WebAPI URL ${PAGE} or SUPEROFFICE_URL`;

/** Failures that waiting may cure, and what to check when waiting did not. */
export const SUPEROFFICE_TEMPORARY: Partial<Record<CrmErrorCode, string>> = {
  dns_failed: `Check ${URL}, and that this server can resolve its host; ${REQUEUE}`,
  connection_refused: `Check that SuperOffice is running and that the host and port of ${URL} are right; ${REQUEUE}`,
  connection_reset: `Check the network between the receiver and SuperOffice (proxies, firewalls) and that SuperOffice is up; ${REQUEUE}`,
  timeout: `Check that SuperOffice is up and answering (Test connection ${PAGE}); ${REQUEUE}`,
  network_error: `Check the network between the receiver and SuperOffice and that SuperOffice is up; ${REQUEUE}`,
  rate_limited: `SuperOffice kept asking the receiver to slow down: check what else uses the tenant's WebAPI, or set SUPEROFFICE_RATE_LIMIT; ${REQUEUE}`,
  server_error: `SuperOffice kept failing: check the SuperOffice server (Onsite: its logs; Online: SuperOffice's operational status) and Test connection ${PAGE}; ${REQUEUE}`,
  bad_response: `SuperOffice's answers were not what its WebAPI documents: check that ${URL} is the tenant's WebAPI base; ${REQUEUE}`,
};

/**
 * A system user also signs in at SuperOffice's login service, whose address (SUPEROFFICE_LOGIN_URL, else derived from
 * the WebAPI URL) answers 404 or a redirect when it is wrong: the advice names it too.
 */
function loginUrlToo(auth: SuperOfficeCredentialKind | undefined): string {
  return auth === 'system_user'
    ? ` and, for the system user's sign-in, the login service's address ${PAGE} or in SUPEROFFICE_LOGIN_URL (empty: derived from the WebAPI URL)`
    : '';
}

/** What an admin should do about each permanent failure, per way of signing in where it matters. */
export function superOfficeAction(code: CrmErrorCode, auth: SuperOfficeCredentialKind | undefined): string | undefined {
  switch (code) {
    case 'unauthorized':
      if (auth === 'system_user') {
        return `The system user token may have been revoked or the consent withdrawn: ask the SuperOffice admin to approve the app again (the consent gives a new system user token), enter the token ${PAGE} or in SUPEROFFICE_SYSTEM_USER_TOKEN, and check the client id, client secret and private key of the app registration; ${REQUEUE}`;
      }
      if (auth === 'ticket') {
        return `The ticket has expired or was revoked (or the application token is wrong): enter a new ticket ${PAGE} or in SUPEROFFICE_TICKET (and SUPEROFFICE_APP_TOKEN for Online), or sign in as a system user instead; ${REQUEUE}`;
      }
      return `SuperOffice refused the user name and password: check them ${PAGE} or in SUPEROFFICE_USERNAME and SUPEROFFICE_PASSWORD (basic authentication works on Onsite only), ${REQUEUE}`;
    case 'forbidden':
      return `Give the SuperOffice user the receiver signs in as the rights the appointments need (create and edit follow-ups, read contacts and persons; SuperOffice Admin → Users → Role), ${REQUEUE}`;
    case 'wrong_host':
      return `Use the tenant's numbered host (e.g. https://online3.superoffice.com/Cust12345) in SUPEROFFICE_URL or ${PAGE}, ${REQUEUE}`;
    case 'tls_failed':
      return `SuperOffice's certificate could not be verified: configure the CA that signed it in SUPEROFFICE_CA_FILE (a PEM file) and restart the receiver, ${REQUEUE}`;
    case 'not_found':
      return `Check ${URL} (the tenant's WebAPI base, e.g. https://online3.superoffice.com/Cust12345)${loginUrlToo(auth)}, ${REQUEUE}`;
    case 'bad_request':
      return `Fix the configuration ${PAGE} or the data in SuperOffice that SuperOffice names, ${REQUEUE}`;
    case 'schema_mismatch':
      return `Choose a task type SuperOffice offers ${PAGE} or in SUPEROFFICE_TASK_TYPE and HISTORY_TYPE_MAP (Settings and maintenance → Lists → Follow-ups), ${REQUEUE}`;
    case 'unexpected_status':
      return `SuperOffice answered in a way the integration does not expect: check the SuperOffice server and ${URL}${loginUrlToo(auth)}, ${REQUEUE}`;
    default:
      return undefined;
  }
}
