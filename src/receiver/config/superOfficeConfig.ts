import { readFileSync } from 'node:fs';
import type { NoteLanguage } from '../../core';
import type { SuperOfficeCredentialKind } from '../../superoffice-addon';
import { ApplicationPrivateKeyProblem, readApplicationPrivateKey } from '../../superoffice-addon/applicationPrivateKey';
import { plainHttpProblem } from '../../superoffice-addon/plainHttpProblem';

// The SuperOffice part of the environment (CRM=superoffice). Read apart from loadConfig's schema because which
// variables go together depends on SUPEROFFICE_AUTH, and because the private key is a file read (and checked) at start.

/**
 * The task type the appointments get when neither SUPEROFFICE_TASK_TYPE nor the admin pages choose one: the endpoint
 * script's default (src/superoffice-script/scriptConfig.ts `DEFAULT_SCRIPT_CONFIG.taskTypeName`), so the receiver
 * and the script write the same appointments. Not imported: the receiver's layers do not reach into the script.
 */
export const DEFAULT_TASK_TYPE = 'Meeting';

/**
 * The CRM the receiver delivers to: `CRM`, Lime by default (the receiver was Lime's first; existing installations
 * set nothing).
 */
export type CrmName = 'lime' | 'superoffice';

/** The variables each kind of credentials needs (shared/specs/superoffice.md §3.6). */
const NEEDS: Record<SuperOfficeCredentialKind, readonly string[]> = {
  basic: ['SUPEROFFICE_USERNAME', 'SUPEROFFICE_PASSWORD'],
  ticket: ['SUPEROFFICE_TICKET'],
  system_user: [
    'SUPEROFFICE_CLIENT_ID',
    'SUPEROFFICE_CLIENT_SECRET',
    'SUPEROFFICE_PRIVATE_KEY_FILE',
    'SUPEROFFICE_SYSTEM_USER_TOKEN',
  ],
};

/** Every credential variable, with the kinds it belongs to (a variable of another kind is a mistake). */
const CREDENTIAL_VARIABLES: Record<string, readonly SuperOfficeCredentialKind[]> = {
  SUPEROFFICE_USERNAME: ['basic'],
  SUPEROFFICE_PASSWORD: ['basic'],
  SUPEROFFICE_TICKET: ['ticket'],
  SUPEROFFICE_APP_TOKEN: ['ticket'],
  SUPEROFFICE_CLIENT_ID: ['system_user'],
  SUPEROFFICE_CLIENT_SECRET: ['system_user'],
  SUPEROFFICE_PRIVATE_KEY_FILE: ['system_user'],
  SUPEROFFICE_SYSTEM_USER_TOKEN: ['system_user'],
  SUPEROFFICE_LOGIN_URL: ['system_user'],
};

/**
 * The SuperOffice settings the environment gives, each present only when its variable is set (not empty): they win
 * over the admin pages' and show locked there. Secrets are held in memory only, never stored or logged.
 */
export interface SuperOfficeSettingsFromEnv {
  /** `SUPEROFFICE_URL`: the tenant's WebAPI base. */
  url?: string | undefined;
  /** `SUPEROFFICE_AUTH` */
  auth?: SuperOfficeCredentialKind | undefined;
  /** `SUPEROFFICE_USERNAME` */
  username?: string | undefined;
  /** `SUPEROFFICE_PASSWORD` */
  password?: string | undefined;
  /** `SUPEROFFICE_TICKET` */
  ticket?: string | undefined;
  /** `SUPEROFFICE_APP_TOKEN` */
  appToken?: string | undefined;
  /** `SUPEROFFICE_CLIENT_ID` */
  clientId?: string | undefined;
  /** `SUPEROFFICE_CLIENT_SECRET` */
  clientSecret?: string | undefined;
  /** The PEM that `SUPEROFFICE_PRIVATE_KEY_FILE` holds (read at start). */
  privateKey?: string | undefined;
  /** `SUPEROFFICE_SYSTEM_USER_TOKEN` */
  systemUserToken?: string | undefined;
  /** `SUPEROFFICE_LOGIN_URL` */
  loginUrl?: string | undefined;
  /** `SUPEROFFICE_TASK_TYPE` */
  taskType?: string | undefined;
  /** `SUPEROFFICE_DEFAULT_ASSOCIATE_ID` */
  defaultAssociateId?: number | undefined;
  /** `SUPEROFFICE_CREATE_MISSING_CONTACTS` */
  createMissingContacts?: boolean | undefined;
  /** `INTERNAL_EMAIL_DOMAINS` */
  internalDomains?: string[] | undefined;
  /** `COMPANY_NOTES` (read by loadConfig, which reports its problems; the settings service takes it from there) */
  companyNotes?: boolean | undefined;
  /** `NOTE_LANGUAGE` (one variable for either CRM; loadConfig.ts reads it) */
  noteLanguage?: NoteLanguage | undefined;
  /** `LINK_DEAL` (read by loadConfig, shared with Lime) */
  linkDeal?: boolean | undefined;
  /** `HISTORY_TYPE_MAP` as `formatHistoryTypeMap` writes it (read by loadConfig, shared with Lime) */
  historyTypeMap?: string | undefined;
}

export interface SuperOfficeEnvironment {
  settings: SuperOfficeSettingsFromEnv;
  /** `SUPEROFFICE_CA_FILE`, `SUPEROFFICE_TLS_REJECT_UNAUTHORIZED` (default true). */
  tls: { caFile?: string | undefined; rejectUnauthorized: boolean };
  /**
   * `SUPEROFFICE_RATE_LIMIT`: off by default. SuperOffice publishes no per-IP request limit we found (Lime Cloud
   * does: 3,000 in 300 s) [assumption: none found in docs.superoffice.com]; a 429 is honoured (Retry-After) anyway.
   */
  rateLimit?: { requests: number; windowMs: number } | undefined;
}

/**
 * Reads the SUPEROFFICE_* variables; every problem goes into `problems` (named by its variable, values never
 * echoed). `parseRateLimit` and `parseBool` are loadConfig's, so the two CRMs read their variables alike.
 */
export function readSuperOfficeEnvironment(
  env: Record<string, string | undefined>,
  domains: string[],
  helpers: {
    parseRateLimit: (
      text: string | undefined,
      fallback: 'off',
    ) => { requests: number; windowMs: number } | undefined | null;
  },
  problems: string[],
): SuperOfficeEnvironment {
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const settings: SuperOfficeSettingsFromEnv = {};

  const url = text('SUPEROFFICE_URL');
  if (url !== undefined) {
    if (isHttpUrl(url)) settings.url = url;
    else
      problems.push(
        "SUPEROFFICE_URL must be the tenant's http(s) WebAPI base, e.g. https://online3.superoffice.com/Cust12345 (Online) or https://crm.example.com/SuperOffice (Onsite)",
      );
  }

  const auth = text('SUPEROFFICE_AUTH');
  if (auth !== undefined && auth !== 'basic' && auth !== 'ticket' && auth !== 'system_user') {
    problems.push('SUPEROFFICE_AUTH must be basic (Onsite), ticket or system_user (Online)');
  } else if (auth !== undefined) {
    settings.auth = auth;
    for (const name of NEEDS[auth]) {
      if (text(name) === undefined) problems.push(`${name}: SUPEROFFICE_AUTH=${auth} needs it (it is not set)`);
    }
    if (url === undefined) problems.push(`SUPEROFFICE_URL: SUPEROFFICE_AUTH=${auth} needs the tenant's WebAPI base`);
  }
  for (const [name, kinds] of Object.entries(CREDENTIAL_VARIABLES)) {
    if (text(name) === undefined) continue;
    if (auth === undefined) {
      problems.push(`SUPEROFFICE_AUTH: ${name} is set, so say how it signs in (basic, ticket or system_user)`);
      break;
    }
    if (settings.auth !== undefined && !kinds.includes(settings.auth)) {
      problems.push(`${name}: not used with SUPEROFFICE_AUTH=${settings.auth} (it belongs to ${kinds.join(', ')})`);
    }
  }
  settings.username = text('SUPEROFFICE_USERNAME');
  settings.password = env['SUPEROFFICE_PASSWORD'] === '' ? undefined : env['SUPEROFFICE_PASSWORD'];
  settings.ticket = text('SUPEROFFICE_TICKET');
  settings.appToken = text('SUPEROFFICE_APP_TOKEN');
  settings.clientId = text('SUPEROFFICE_CLIENT_ID');
  settings.clientSecret = text('SUPEROFFICE_CLIENT_SECRET');
  settings.systemUserToken = text('SUPEROFFICE_SYSTEM_USER_TOKEN');
  const loginUrl = text('SUPEROFFICE_LOGIN_URL');
  if (loginUrl !== undefined && !isHttpUrl(loginUrl)) {
    problems.push(
      "SUPEROFFICE_LOGIN_URL must be the http(s) address of SuperOffice's login service, e.g. https://online.superoffice.com/login (/api/PartnerSystemUser/Authenticate is added when the path lacks it)",
    );
  } else settings.loginUrl = loginUrl;
  // The credentials travel with every request: no plain http to SuperOffice Online or with a system user.
  if (settings.url !== undefined) {
    const inClear = plainHttpProblem(settings.url, settings.auth);
    if (inClear !== undefined) problems.push(`SUPEROFFICE_URL: ${inClear}`);
  }
  if (settings.loginUrl !== undefined) {
    const inClear = plainHttpProblem(settings.loginUrl, 'system_user');
    if (inClear !== undefined) problems.push(`SUPEROFFICE_LOGIN_URL: ${inClear}`);
  }
  const keyFile = text('SUPEROFFICE_PRIVATE_KEY_FILE');
  if (keyFile !== undefined) settings.privateKey = readPrivateKey(keyFile, problems);

  settings.taskType = text('SUPEROFFICE_TASK_TYPE');
  const associate = text('SUPEROFFICE_DEFAULT_ASSOCIATE_ID');
  if (associate !== undefined) {
    const id = Number(associate);
    if (isAssociateId(id)) settings.defaultAssociateId = id;
    else
      problems.push(
        "SUPEROFFICE_DEFAULT_ASSOCIATE_ID must be a SuperOffice associate id (a whole number; 0 = the WebAPI's default owner)",
      );
  }
  settings.createMissingContacts = readBool(env, 'SUPEROFFICE_CREATE_MISSING_CONTACTS', problems);
  settings.internalDomains = domains.length > 0 ? domains : undefined;

  const caFile = text('SUPEROFFICE_CA_FILE');
  const rejectUnauthorized = readBool(env, 'SUPEROFFICE_TLS_REJECT_UNAUTHORIZED', problems) ?? true;
  const rateLimit = helpers.parseRateLimit(env['SUPEROFFICE_RATE_LIMIT'], 'off');
  if (rateLimit === null) {
    problems.push(
      'SUPEROFFICE_RATE_LIMIT must be <requests>/<seconds> (e.g. 1000/60: 1,000 requests in any 60 seconds) or off (the default)',
    );
  }
  return { settings, tls: { caFile, rejectUnauthorized }, rateLimit: rateLimit ?? undefined };
}

/** The variables of the CRM not in effect that are set: ignored, with one warning line at start. */
export function otherCrmVariables(env: Record<string, string | undefined>, crm: CrmName): string[] {
  const prefix = crm === 'lime' ? 'SUPEROFFICE_' : 'LIME_';
  return Object.keys(env)
    .filter((name) => name.startsWith(prefix) && (env[name] ?? '').trim() !== '')
    .sort();
}

/** The PEM of an RSA private key (what SuperOffice's PartnerSystemUser exchange signs with), checked as the connector checks it. */
function readPrivateKey(file: string, problems: string[]): string | undefined {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(
      `SUPEROFFICE_PRIVATE_KEY_FILE: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
    return undefined;
  }
  try {
    readApplicationPrivateKey(pem);
  } catch (error) {
    const problem = error instanceof ApplicationPrivateKeyProblem ? error.message : 'cannot be used';
    problems.push(
      `SUPEROFFICE_PRIVATE_KEY_FILE: ${file} ${problem}: use the RSA private key of the key pair registered with the SuperOffice application`,
    );
    return undefined;
  }
  return pem;
}

function readBool(env: Record<string, string | undefined>, name: string, problems: string[]): boolean | undefined {
  const value = env[name]?.trim().toLowerCase() ?? '';
  if (value === '') return undefined;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  problems.push(`${name} must be true or false`);
  return undefined;
}

// The checks below are shared with the admin pages (superOfficeSettingsService.ts): a setting passes the same check
// whether a SUPEROFFICE_* variable or the page gives it, so neither accepts what the other refuses.

/** A URL with an http(s) scheme and a host: the WebAPI base, the login service. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** An associate id as SuperOffice stores it (a 32-bit id; 0: the WebAPI's default owner). */
export function isAssociateId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= 2_147_483_647;
}

/**
 * Whether the PEM is an RSA private key (what the PartnerSystemUser exchange signs with): the connector's own check
 * (readApplicationPrivateKey), so an Ed25519 or EC key Node can parse is refused here too, not at the first delivery.
 */
export function isPrivateKeyPem(pem: string): boolean {
  try {
    readApplicationPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}
