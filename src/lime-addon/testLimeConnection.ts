import type { ConnectionCheck, ConnectionCheckStep } from '../crm/crmConnector';
import { CrmError } from '../crm/crmError';
import { discoverSchema, type LimeSchema, type SchemaChecks } from './discoverSchema';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';

/** What to do about each way of not reaching Lime: the seed's "Test connection fails" checklist, made specific. */
const REACH_HINTS: Partial<Record<string, string>> = {
  dns_failed: 'Check the host name in the API URL, and that this server can resolve it (on-prem: internal DNS).',
  connection_refused:
    'Check the host and port in the API URL, that Lime CRM Server is running, and that the firewall lets this server reach it.',
  timeout: 'Check that Lime is reachable from this server (firewall, VPN, proxy) and not overloaded.',
  tls_failed:
    "If the Lime server's certificate comes from your own CA, configure that CA certificate; check that the certificate matches the host name and has not expired.",
  connection_reset: 'Check proxies or VPN devices between this server and Lime.',
  network_error: 'Check the network between this server and Lime.',
  server_error: 'Lime itself failed; check the Lime server, then test again.',
  rate_limited: 'Lime is limiting requests from this server; test again in a few minutes.',
};

/**
 * Test connection: can this server reach Lime, is the API key valid, may the API user read and write what the
 * integration needs, and does the data model have the configured fields? Stops at the first failing step (a
 * later step cannot be judged then) and says what to do about it.
 */
export async function testLimeConnection(
  http: LimeHttp,
  fields: LimeFieldMap,
  historyType: string,
  signal?: AbortSignal,
  checks: SchemaChecks = {},
): Promise<{ check: ConnectionCheck; schema?: LimeSchema }> {
  const steps: ConnectionCheckStep[] = [];
  const fail = (step: ConnectionCheckStep['step'], code: string, message: string) => {
    steps.push({ step, ok: false, message });
    return { check: { ok: false, code, steps } };
  };
  const apiUrl = http.apiRoot.href;

  // Any non-error answer from the API root will do, JSON or not (Lime's own credential test asks no more); reading
  // the data model below says what is wrong when it is not Lime after all.
  let status: number;
  let rootJson: unknown;
  try {
    ({ status, json: rootJson } = await http.send('GET', '', {
      acceptStatuses: [401, 403, 404],
      acceptAnyBody: true,
      signal,
    }));
  } catch (error) {
    if (!(error instanceof CrmError)) throw error;
    return fail('reach', error.code, `${error.message}. ${REACH_HINTS[error.code] ?? ''}`.trim());
  }
  if (status === 404) return fail('reach', 'wrong_base_url', wrongUrlMessage(http.host, apiUrl, '404'));
  steps.push({ step: 'reach', ok: true, message: `Lime's REST API answers at ${apiUrl}.` });
  if (status === 401) return fail('authenticate', 'unauthorized', UNAUTHORIZED_MESSAGE);
  steps.push({ step: 'authenticate', ok: true, message: 'The API key is accepted.' });

  let schema: LimeSchema;
  try {
    schema = await discoverSchema(http, fields, historyType, signal, checks);
  } catch (error) {
    if (error instanceof CrmError && error.code === 'bad_response') {
      return fail('permissions', 'wrong_base_url', wrongUrlMessage(http.host, apiUrl, 'no JSON data model'));
    }
    if (error instanceof CrmError && error.code === 'unauthorized') {
      // The root answered without asking for the key; the data model did ask, and refused it.
      steps.pop();
      return fail('authenticate', 'unauthorized', UNAUTHORIZED_MESSAGE);
    }
    if (error instanceof CrmError && error.code === 'forbidden') {
      return fail('permissions', 'forbidden', `${permissionMessage(error)} ${PERMISSION_HINT(fields)}`);
    }
    if (error instanceof CrmError) {
      return fail('permissions', error.code, `${error.message}. ${REACH_HINTS[error.code] ?? ''}`.trim());
    }
    throw error;
  }

  const missing = missingWritePermissions(schema, fields);
  if (missing.length > 0) {
    return fail('permissions', 'forbidden', `The API user may not ${missing.join(', ')}. ${PERMISSION_HINT(fields)}`);
  }
  const cannotCreateContacts = [fields.person.limetype, fields.company.limetype].filter(
    (limetype) => schema.acl[limetype]?.create === false,
  );
  steps.push({
    step: 'permissions',
    ok: true,
    message:
      cannotCreateContacts.length === 0
        ? 'The API user may read persons, companies and coworkers and write history notes.'
        : `The API user may read and write what notes need, but may not create ${cannotCreateContacts.join(' or ')}: "Create contacts in CRM" would fail.`,
  });

  const noteFacts = { noteTypes: schema.historyTypes, noteMaxLength: schema.noteMaxLength };
  const noLimetypes = schema.problems.filter((problem) => problem.property === undefined).length === 4;
  if (rootJson === undefined && noLimetypes) {
    // The root answered without JSON and none of the four limetypes exists: not a Lime application's API.
    return fail('schema', 'wrong_base_url', wrongUrlMessage(http.host, apiUrl, 'no data model'));
  }
  if (schema.problems.length > 0) {
    steps.push({ step: 'schema', ok: false, message: schema.problems.map((problem) => problem.message).join(' ') });
    return { check: { ok: false, code: 'schema_mismatch', steps, ...noteFacts }, schema };
  }
  const mapped = (checks.historyTypeMap ?? []).length;
  const types =
    mapped === 0 ? `"${historyType}"` : `"${historyType}" unless one of the ${mapped} HISTORY_TYPE_MAP entries fits`;
  const deals =
    schema.deal === undefined
      ? ''
      : ` Notes are linked to a company's only open deal (${fields.history.limetype}.${fields.history.deal}).`;
  steps.push({
    step: 'schema',
    ok: true,
    message: `The data model has every configured field; notes are of type ${types} and hold up to ${schema.noteMaxLength} characters.${deals}`,
  });
  return { check: { ok: true, steps, ...noteFacts }, schema };
}

const UNAUTHORIZED_MESSAGE =
  'Lime rejected the API key (401). Check that the key is copied whole and still active: creating a new key for the API user replaces the old one.';

function wrongUrlMessage(host: string, apiUrl: string, what: string): string {
  return (
    `The server at ${host} answered, but not as a Lime CRM REST API at ${apiUrl} (${what}). ` +
    'The API URL must be the base URL of your Lime application, application name included, ' +
    'e.g. https://lime.example.com/LimeCRM or https://yourcompany.lime-crm.com/yourcompany.'
  );
}

function permissionMessage(error: CrmError): string {
  const limetype = /limetype\/([^/\s]+)/u.exec(error.operation ?? '')?.[1];
  return limetype === undefined
    ? `Lime denied the API user access (403) on ${error.operation ?? 'a request'}.`
    : `The API user may not read ${decodeURIComponent(limetype)} (403).`;
}

const PERMISSION_HINT = (fields: LimeFieldMap) =>
  `Give the API user's group read permission on ${fields.person.limetype}, ${fields.company.limetype}, ` +
  `${fields.coworker.limetype} and ${fields.history.limetype}, and create and update permission on ${fields.history.limetype}.`;

function missingWritePermissions(schema: LimeSchema, fields: LimeFieldMap): string[] {
  const history = schema.acl[fields.history.limetype];
  return [
    ...(history?.create === false ? [`create ${fields.history.limetype}`] : []),
    ...(history?.update === false ? [`update ${fields.history.limetype}`] : []),
  ];
}
