import { formatHistoryTypeMap, type HistoryTypeMap } from '../core';
import type { ConnectionCheck, ConnectionCheckStep } from '../crm/crmConnector';
import type { CrmError, CrmErrorCode } from '../crm/crmError';
import { OPERATION as SYSTEM_USER_EXCHANGE } from './partnerSystemUserService';
import { diagnoseSetup, type SetupProblem } from '../superoffice-script/diagnoseSetup';
import { DEFAULT_SCRIPT_CONFIG } from '../superoffice-script/scriptConfig';
import type { SuperOfficeAgents } from '../superoffice-script/superOfficeApi';

export interface ConnectionCheckContext {
  host: string;
  /** The authorizer's own description of the credentials (never a secret): `basic auth as ADMIN0`. */
  credentials: string;
  taskTypeName: string;
  /** HISTORY_TYPE_MAP: every task type it names must exist too. */
  taskTypeMap?: HistoryTypeMap | undefined;
  /** LINK_DEAL: the user must be able to read sales too. */
  linkSale?: boolean | undefined;
  defaultAssociateId: number;
  mapFailure(error: unknown): CrmError;
}

/** Failures that mean the tenant's WebAPI was not reached at all (nothing about the credentials is known yet). */
const REACH_CODES: ReadonlySet<CrmErrorCode> = new Set([
  'dns_failed',
  'connection_refused',
  'connection_reset',
  'timeout',
  'tls_failed',
  'wrong_host',
  'not_found',
  'network_error',
  'bad_response',
  'server_error',
  'unexpected_status',
  'rate_limited',
  'aborted',
]);

/** What an admin does about a failure to reach the WebAPI. */
function reachAdvice(failure: CrmError, host: string): string {
  switch (failure.code) {
    case 'wrong_host':
      return `SuperOffice Online does not serve this tenant from ${host} (421 Wrong subdomain): use the tenant's numbered host as SuperOffice shows it after sign-in, e.g. https://online3.superoffice.com/Cust12345.`;
    case 'dns_failed':
      return `The host ${host} could not be found: check the SuperOffice URL.`;
    case 'connection_refused':
      return `Nothing answers at ${host}: check the URL's host and port, and (Onsite) that the web server runs and the receiver's network may reach it.`;
    case 'tls_failed':
      return `${failure.message}: for an Onsite server with a certificate from an internal CA, add that CA's certificate to the connection.`;
    case 'not_found':
      return `${host} answered, but there is no SuperOffice WebAPI for this tenant at that URL: check the customer id (Cust…) or the Onsite path in the SuperOffice URL.`;
    case 'timeout':
    case 'connection_reset':
      return `${failure.message}: check that the receiver's network reaches ${host}, then test again.`;
    default:
      return `${failure.message}: test again later; if it persists, check the SuperOffice URL.`;
  }
}

/** The problems of one kind as one step's message: each problem and its fix. */
function problemsText(problems: readonly SetupProblem[], fix: (problem: SetupProblem) => string): string {
  return problems.map((problem) => `${problem.problem} ${fix(problem)}`).join(' ');
}

/**
 * Test connection for SuperOffice, step by step (reach, authenticate, permissions, schema), each failure with what to
 * do. The permissions and schema steps are the endpoint script's setup check (diagnoseSetup.ts), worded for the
 * receiver. Reads only. The rights checked are those of matching and writing appointments; creating missing
 * contacts also needs the right to add persons and companies, which a delivery reports when refused (403).
 */
export async function testSuperOfficeConnection(
  agents: SuperOfficeAgents,
  context: ConnectionCheckContext,
): Promise<ConnectionCheck> {
  const steps: ConnectionCheckStep[] = [];
  const fail = (step: ConnectionCheckStep['step'], code: string, message: string): ConnectionCheck => {
    steps.push({ step, ok: false, message });
    return { ok: false, code, steps };
  };

  let items: Awaited<ReturnType<SuperOfficeAgents['appointment']['getTaskListItemsAsync']>>;
  try {
    items = await agents.appointment.getTaskListItemsAsync(false);
  } catch (error) {
    const failure = context.mapFailure(error);
    if (REACH_CODES.has(failure.code)) return fail('reach', failure.code, reachAdvice(failure, context.host));
    if (failure.code === 'unauthorized' && failure.operation === SYSTEM_USER_EXCHANGE) {
      // The login service refused the system user exchange and said which credential (partnerSystemUserService.ts):
      // its words beat the list of every credential below. The WebAPI was not asked, so no reach step is claimed.
      return fail('authenticate', failure.code, `${failure.message}.`);
    }
    steps.push({ step: 'reach', ok: true, message: `SuperOffice's WebAPI answers at ${context.host}.` });
    if (failure.code === 'unauthorized') {
      return fail(
        'authenticate',
        failure.code,
        `SuperOffice refused the credentials (${context.credentials}): check them on the connection page — the user name and password (Onsite), the ticket, or the system user token and the application's client id and secret (Online; the token changes when an administrator consents again).`,
      );
    }
    return fail(
      'permissions',
      failure.code,
      `SuperOffice signed us in (${context.credentials}) but refused to list the follow-up types (${failure.status ?? failure.code}): give the user's role access to the follow-up lists.`,
    );
  }
  steps.push({ step: 'reach', ok: true, message: `SuperOffice's WebAPI answers at ${context.host}.` });
  steps.push({ step: 'authenticate', ok: true, message: `Signed in with ${context.credentials}.` });

  const active = (items ?? []).filter((item) => !item.deleted && (item.value ?? '') !== '');
  const noteTypes = active.map((item) => ({ key: item.value ?? '', text: item.value ?? '' }));
  const done = (check: ConnectionCheck): ConnectionCheck => ({
    ...check,
    noteTypes,
    noteMaxLength: DEFAULT_SCRIPT_CONFIG.maxDescriptionLength,
  });

  let problems: SetupProblem[];
  try {
    const config = {
      ...DEFAULT_SCRIPT_CONFIG,
      taskTypeName: context.taskTypeName,
      defaultAssociateId: context.defaultAssociateId,
      taskTypeMap: formatHistoryTypeMap(context.taskTypeMap ?? []),
      linkSale: context.linkSale === true,
    };
    problems = await diagnoseSetup(agents, config, [], 'The SuperOffice user the receiver signs in as');
  } catch (error) {
    const failure = context.mapFailure(error);
    return done(fail('permissions', failure.code, `Checking the user's rights failed: ${failure.message}.`));
  }

  const rights = problems.filter((problem) => problem.check === 'rights');
  if (rights.length > 0) {
    const message = problemsText(
      rights,
      () => "Give that user's role these rights (Settings and maintenance → Roles), then test again.",
    );
    return done(fail('permissions', 'forbidden', message));
  }
  steps.push({
    step: 'permissions',
    ok: true,
    message: 'The user may read persons and companies, and write follow-ups, documents and foreign keys.',
  });

  const schema = problems.filter((problem) => problem.check === 'task_type' || problem.check === 'default_owner');
  if (schema.length > 0) {
    const message = problemsText(schema, (problem) =>
      problem.check === 'task_type'
        ? `Choose one of the follow-up types SuperOffice offers: ${noteTypes.map((type) => type.text).join(', ')}.`
        : 'Set the default owner to the associate id of an active SuperOffice user (Settings and maintenance → Users), or leave it empty for the signed-in user.',
    );
    return done(fail('schema', 'schema_mismatch', message));
  }
  const warnings = problems.filter((problem) => !problem.blocking);
  const mapped = (context.taskTypeMap ?? []).length;
  const map =
    mapped === 0 ? '' : ` and every type of the task type map (${mapped} ${mapped === 1 ? 'entry' : 'entries'})`;
  const found = `The follow-up type "${context.taskTypeName}"${map} exist${mapped === 0 ? 's' : ''}${context.defaultAssociateId > 0 ? `, and so does the default owner (associate ${context.defaultAssociateId})` : ''}.`;
  steps.push({
    step: 'schema',
    ok: true,
    message: warnings.length === 0 ? found : `${found} Warning: ${problemsText(warnings, (problem) => problem.fix)}`,
  });
  return done({ ok: true, steps });
}
