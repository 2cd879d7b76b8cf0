import { readCrm } from './crmInEffect';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  formatHistoryTypeMap,
  isSupportedRegion,
  isValidTimeZone,
  NOTE_LANGUAGES,
  parseHistoryTypeMap,
  type HistoryTypeMap,
  type NoteLanguage,
} from '../../core';
import { parseAdminPasswordHash } from '../secrets/adminPassword';
import { parseSecretKey } from '../secrets/secretBox';
import type { StoreLocation } from '../store/storeLocation';
import {
  otherCrmVariables,
  readSuperOfficeEnvironment,
  type CrmName,
  type SuperOfficeEnvironment,
} from './superOfficeConfig';

/** The history type our notes get when neither LIME_HISTORY_TYPE nor the admin pages choose one. */
export const DEFAULT_HISTORY_TYPE = 'comment';

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const bool = (name: string, fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''], { error: `${name} must be true or false` })
    .optional()
    .transform((value) => (value === undefined || value === '' ? fallback : ['true', '1', 'yes'].includes(value)));

const int = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return parsed;
    });

/** A PostgreSQL schema name the store accepts (it is written into SQL unquoted-safe). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/u;

/** The environment, as read: every variable the receiver understands (docs/receiver.md: Configuration). */
const environmentSchema = z.object({
  HOST: z.string().optional(),
  PORT: int('PORT', 8080, 0, 65535),
  ADMIN_HOST: z.string().optional(),
  ADMIN_PORT: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
        ctx.addIssue({ code: 'custom', message: 'ADMIN_PORT must be a whole number from 0 to 65535' });
        return z.NEVER;
      }
      return parsed;
    }),
  NODE_ENV: z.string().optional(),
  DATA_DIR: z.string().optional(),
  DATABASE_URL: z
    .string()
    .optional()
    .refine((url) => url === undefined || url.trim() === '' || /^postgres(ql)?:\/\/\S/u.test(url.trim()), {
      error: 'DATABASE_URL must be a postgres:// (or postgresql://) URL',
    }),
  DATABASE_SCHEMA: z
    .string()
    .optional()
    .refine((schema) => schema === undefined || schema.trim() === '' || SCHEMA_NAME.test(schema.trim()), {
      error:
        'DATABASE_SCHEMA must be lower-case letters, digits and _ (at most 63 characters, not starting with a digit)',
    }),
  DCI_WEBHOOK_SECRETS: z.string().optional().transform(list),
  DCI_MODE: z
    .enum(['webhook', 'poll', 'both', ''], { error: 'DCI_MODE must be webhook, poll or both' })
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  DCI_API_URL: z
    .string()
    .optional()
    .refine((url) => url === undefined || url.trim() === '' || isHttpUrl(url.trim()), {
      error: "DCI_API_URL must be the http(s) base of DCI's REST API, e.g. https://<dci-host>/api/v1/rest",
    }),
  DCI_API_TOKEN: z.string().optional(),
  DCI_API_RATE_PER_MINUTE: int('DCI_API_RATE_PER_MINUTE', 60, 1, 6000),
  DCI_POLL_INTERVAL_S: int('DCI_POLL_INTERVAL_S', 60, 5, 24 * 3600),
  DCI_CONVERSATION_URL: z
    .string()
    .optional()
    .refine((url) => url === undefined || url.trim() === '' || isConversationUrlTemplate(url.trim()), {
      error:
        'DCI_CONVERSATION_URL must be an http(s) address containing {id}, e.g. https://<dci-host>/conversations/{id}',
    }),
  DCI_ENRICH_WAIT_MINUTES: int('DCI_ENRICH_WAIT_MINUTES', 15, 0, 24 * 60),
  LIME_URL: z
    .string()
    .optional()
    .refine((url) => url === undefined || /^https?:\/\/\S/u.test(url.trim()), {
      error: 'LIME_URL must start with https:// (or http://)',
    }),
  LIME_API_KEY: z.string().optional(),
  LIME_CREATE_MISSING_CONTACTS: bool('LIME_CREATE_MISSING_CONTACTS', false),
  COMPANY_NOTES: bool('COMPANY_NOTES', true),
  LIME_HISTORY_TYPE: z.string().optional(),
  LINK_DEAL: bool('LINK_DEAL', false),
  HISTORY_TYPE_MAP: z.string().optional(),
  LIME_CA_FILE: z.string().optional(),
  LIME_TLS_REJECT_UNAUTHORIZED: bool('LIME_TLS_REJECT_UNAUTHORIZED', true),
  LIME_RATE_LIMIT: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const limit = parseRateLimit(value);
      if (limit === null) {
        ctx.addIssue({
          code: 'custom',
          message:
            'LIME_RATE_LIMIT must be <requests>/<seconds> (e.g. 3000/300: 3,000 requests in any 300 seconds) or off',
        });
        return z.NEVER;
      }
      return limit;
    }),
  DEFAULT_PHONE_REGION: z
    .string()
    .optional()
    .transform((value) => (value ?? 'SE').trim().toUpperCase())
    .refine(isSupportedRegion, { error: 'DEFAULT_PHONE_REGION must be a two-letter region such as SE, NO, DK or FI' }),
  INTERNAL_EMAIL_DOMAINS: z.string().optional().transform(list),
  TIME_ZONE: z
    .string()
    .optional()
    .transform((value) => value ?? 'Europe/Stockholm')
    .refine(isValidTimeZone, { error: 'TIME_ZONE must be an IANA time zone such as Europe/Stockholm' }),
  NOTE_DATE: z.enum(['now', 'meeting_start'], { error: 'NOTE_DATE must be now or meeting_start' }).optional(),
  // Empty is unset (the admin pages choose; English by default), like the other optional variables.
  NOTE_LANGUAGE: z
    .enum([...NOTE_LANGUAGES, ''], { error: `NOTE_LANGUAGE must be one of ${NOTE_LANGUAGES.join(', ')}` })
    .optional()
    .transform((value): NoteLanguage | undefined => (value === '' ? undefined : value)),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .optional(),
  MAX_BODY_BYTES: int('MAX_BODY_BYTES', 1024 * 1024, 1024, 50 * 1024 * 1024),
  WORKER_CONCURRENCY: int('WORKER_CONCURRENCY', 4, 1, 64),
  MAX_ATTEMPTS: int('MAX_ATTEMPTS', 25, 1, 1000),
  MAX_AGE_HOURS: int('MAX_AGE_HOURS', 72, 1, 24 * 90),
  LEASE_SECONDS: int('LEASE_SECONDS', 300, 5, 24 * 3600),
  WORKER_HEARTBEAT_SECONDS: int('WORKER_HEARTBEAT_SECONDS', 5, 1, 60),
  RETENTION_DAYS: int('RETENTION_DAYS', 30, 0, 3650),
  REMATCH_DAYS: int('REMATCH_DAYS', 14, 0, 365),
  CONTACT_INDEX_SYNC_HOURS: int('CONTACT_INDEX_SYNC_HOURS', 24, 0, 24 * 30),
  CONTACT_INDEX_INCREMENTAL_MINUTES: int('CONTACT_INDEX_INCREMENTAL_MINUTES', 5, 0, 24 * 60),
  RECEIVER_PUBLIC_URL: z
    .string()
    .optional()
    .refine((url) => url === undefined || url.trim() === '' || isHttpUrl(url.trim()), {
      error:
        'RECEIVER_PUBLIC_URL must be the http(s) address Lime reaches the receiver at, e.g. https://companion.example.com',
    }),
  LIME_WEB_URL: webClientUrl('LIME_WEB_URL', 'https://acme.lime-crm.com/acme/client'),
  SUPEROFFICE_WEB_URL: webClientUrl('SUPEROFFICE_WEB_URL', 'https://online.superoffice.com/Cust12345'),
  ADMIN_PUBLIC_URL: z
    .string()
    .optional()
    .refine((url) => url === undefined || url.trim() === '' || isHttpUrl(url.trim()), {
      error:
        'ADMIN_PUBLIC_URL must be the http(s) address admins reach the admin pages at (without /admin), e.g. http://companion.internal:8081',
    }),
  ALERT_WEBHOOK_URL: z
    .string()
    .optional()
    .refine((url) => url === undefined || url.trim() === '' || isHttpUrl(url.trim(), { query: true }), {
      error: 'ALERT_WEBHOOK_URL must be the http(s) address of an incoming webhook (Slack, Teams, or another)',
    }),
  ALERT_FORMAT: z
    .enum(['chat', 'teams_workflow', 'generic', ''], { error: 'ALERT_FORMAT must be chat, teams_workflow or generic' })
    .optional()
    .transform((value) => (value === '' || value === undefined ? 'chat' : value)),
  ALERT_AFTER_MINUTES: int('ALERT_AFTER_MINUTES', 15, 0, 7 * 24 * 60),
  ADMIN_PASSWORD: z.string().optional(),
  ADMIN_PASSWORD_HASH: z
    .string()
    .optional()
    .refine((hash) => hash === undefined || hash.trim() === '' || parseAdminPasswordHash(hash) !== undefined, {
      error: 'ADMIN_PASSWORD_HASH must look like scrypt$<N>$<r>$<p>$<salt base64>$<hash base64> (hashAdminPassword)',
    }),
  SECRET_KEY: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return undefined;
      const key = parseSecretKey(text);
      if (key === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'SECRET_KEY must be 32 bytes written as 64 hex characters or base64 (openssl rand -hex 32)',
        });
        return z.NEVER;
      }
      return key;
    }),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((text, ctx): TrustProxy => {
      const value = text?.trim() ?? '';
      if (value === '' || value === 'false') return false;
      if (/^\d{1,2}$/u.test(value)) return Number(value);
      const items = list(value);
      if (!items.every((item) => PROXY_NAMES.has(item) || PROXY_ADDRESS.test(item))) {
        ctx.addIssue({
          code: 'custom',
          message:
            "TRUST_PROXY must be the number of proxies in front, or the proxies' addresses/subnets, comma-separated (e.g. loopback or 10.0.0.5)",
        });
        return z.NEVER;
      }
      return items;
    }),
});

/** `TRUST_PROXY`: false, how many proxies are in front, or which addresses are trusted proxies. */
export type TrustProxy = false | number | string[];
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const PROXY_ADDRESS = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/u;

/**
 * How summaries arrive: DCI's signed webhook, the receiver polling DCI's REST API (outbound only: nothing needs to be
 * reachable from outside), or both (webhooks for speed, polling to catch any webhook that never came).
 */
export type DciMode = 'webhook' | 'poll' | 'both';

export interface DciConfig {
  /**
   * `DCI_MODE`; when unset: `both` with webhook secrets and an API token, `poll` with a token only, `webhook` with
   * secrets only. A token saved on the admin pages counts when the mode is resolved at run time (`resolveDciMode`).
   */
  mode?: DciMode | undefined;
  /** `DCI_API_URL`: the `…/api/v1/rest` base, without a trailing slash. */
  apiUrl?: string | undefined;
  /** `DCI_API_TOKEN` (`mt_…`): a secret; never logged. The admin pages can save one instead (sealed). */
  apiToken?: string | undefined;
  /** `DCI_API_RATE_PER_MINUTE`: requests a minute this receiver (all replicas together) sends with the token. */
  ratePerMinute: number;
  /** `DCI_POLL_INTERVAL_S`, in ms. */
  pollIntervalMs: number;
  /** `DCI_CONVERSATION_URL`: a link to the conversation in DCI's app, `{id}` replaced, when DCI sends none. */
  conversationUrlTemplate?: string | undefined;
  /**
   * `DCI_ENRICH_WAIT_MINUTES`, in ms: how long a delivery waits (retrying) for DCI's REST API when it cannot be read,
   * before the notes are written without the parts it would add.
   */
  enrichWaitMs: number;
}

/** The mode in effect: `DCI_MODE`, else what is configured (webhook secrets, an API token from env or the admin pages). */
export function resolveDciMode(dci: Pick<DciConfig, 'mode'>, has: { secrets: boolean; token: boolean }): DciMode {
  if (dci.mode !== undefined) return dci.mode;
  if (has.token) return has.secrets ? 'both' : 'poll';
  return 'webhook';
}

/** A Lime connection setting that the environment gives; the admin pages show it locked. */
export interface SettingsFromEnv {
  /** `LIME_URL` */
  url?: string | undefined;
  /** `LIME_API_KEY` */
  apiKey?: string | undefined;
  /** `LIME_HISTORY_TYPE` */
  historyType?: string | undefined;
  /** `LIME_CREATE_MISSING_CONTACTS` */
  createMissingContacts?: boolean | undefined;
  /** `INTERNAL_EMAIL_DOMAINS` */
  internalDomains?: string[] | undefined;
  /** `COMPANY_NOTES` (both CRMs' connection pages show it locked) */
  companyNotes?: boolean | undefined;
  /** `NOTE_LANGUAGE` */
  noteLanguage?: NoteLanguage | undefined;
  /** `LINK_DEAL` */
  linkDeal?: boolean | undefined;
  /** `HISTORY_TYPE_MAP`, as `formatHistoryTypeMap` writes it */
  historyTypeMap?: string | undefined;
}

/** The receiver's configuration. Every field is documented in the configuration table of docs/receiver.md. */
export interface ReceiverConfig {
  /** `HOST`: the address the public listener binds (default 0.0.0.0, every interface). */
  host: string;
  /** `PORT`: the public listener's port (default 8080; 0 picks a free one). */
  port: number;
  /**
   * `ADMIN_HOST`/`ADMIN_PORT`: a second listener for the admin pages, `/metrics` and `/readyz`; the public one then
   * serves only the webhooks (DCI's and Lime's) and `/healthz`. Undefined (ADMIN_PORT unset): one listener serves all.
   * ADMIN_HOST defaults to 127.0.0.1.
   */
  adminListener?: { host: string; port: number } | undefined;
  /**
   * `ADMIN_HOST` when it is set and ADMIN_PORT is not: unused (one listener on HOST:PORT serves everything), which the
   * receiver says at start. Not an error: the container image sets ADMIN_HOST, and ADMIN_PORT= turns the second
   * listener off.
   */
  unusedAdminHost?: string | undefined;
  /**
   * Whether this is a development run (`NODE_ENV=development`) or explicitly a production one (`NODE_ENV=production`);
   * `undefined` otherwise. Only the start-up hint on reading the logs depends on it.
   */
  nodeEnv?: 'development' | 'production' | undefined;
  /** `DATA_DIR`: where the SQLite database lives (unused when `store` is PostgreSQL). */
  dataDir: string;
  /** The store to open. */
  store: StoreLocation;
  /** Every secret that may sign a webhook (several during a rotation); empty in poll mode without webhooks. */
  webhookSecrets: string[];
  /** How summaries come from DCI, and DCI's REST API (docs/connect-dci.md). */
  dci: DciConfig;
  /** `CRM`: the CRM the receiver delivers to (default lime). Its deliveries are queued with this as their target. */
  crm?: CrmName | undefined;
  /**
   * With `CRM=superoffice`: the SUPEROFFICE_* variables (docs/receiver.md). The Lime fields below are then empty and
   * `limeRateLimit` holds SUPEROFFICE_RATE_LIMIT (the request budget is the CRM's, whichever it is).
   */
  superOffice?: SuperOfficeEnvironment | undefined;
  /** The variables of the other CRM that are set (LIME_* with CRM=superoffice, or the reverse): warned about, ignored. */
  ignoredCrmVariables?: string[] | undefined;
  /** The Lime connection; undefined while none is configured (deliveries wait). */
  lime?:
    | {
        url: string;
        apiKey: string;
        historyType: string;
        createMissingContacts: boolean;
        caFile?: string | undefined;
        rejectUnauthorized: boolean;
      }
    | undefined;
  defaultRegion: string;
  internalDomains: string[];
  timeZone: string;
  noteDate: 'now' | 'meeting_start';
  /**
   * `COMPANY_NOTES` (default true): when no person is certain but the company is, one note on the company alone
   * (core's company notes). A connection page's "Company notes" setting applies when the variable is not set.
   */
  companyNotes: boolean;
  logLevel: string;
  maxBodyBytes: number;
  workerConcurrency: number;
  /**
   * `LIME_RATE_LIMIT`: at most `requests` Lime requests in any `windowMs`, shared by every replica on the store
   * (default 3,000 in 300 s, Lime Cloud's limit per IP); undefined when `off`.
   */
  limeRateLimit?: { requests: number; windowMs: number } | undefined;
  maxAttempts: number;
  maxAgeMs: number;
  /**
   * `LINK_DEAL`: link each note to its company's only open deal (Lime) or sale (SuperOffice); none or several link
   * none. Undefined when the environment does not set it (default off).
   */
  linkDeal?: boolean | undefined;
  /**
   * `HISTORY_TYPE_MAP`: the note type by the meeting's medium or conversation type
   * (`medium:call=talkedto, conversation_type:demo=customervisit`), over LIME_HISTORY_TYPE / SUPEROFFICE_TASK_TYPE
   * where an entry fits. Its types are checked against the CRM's data model by Test connection (also at start).
   * Undefined when the environment does not set it.
   */
  historyTypeMap?: HistoryTypeMap | undefined;
  /**
   * How long a claimed delivery is one worker's. After a crash (kill -9, power loss) its in-flight deliveries are
   * picked up again only once this runs out; it must be longer than any one delivery attempt takes, or a slow
   * attempt is claimed a second time while it still runs.
   */
  leaseMs: number;
  /**
   * `WORKER_HEARTBEAT_SECONDS`: how often the delivery worker says it runs and looks for the deliveries of workers
   * that died, to take them back before their lease runs out. On PostgreSQL a worker silent for four beats is presumed
   * dead; on SQLite a dead process is known at once (its lock is free), so only the periodic look depends on this.
   */
  workerHeartbeatMs: number;
  /**
   * `RETENTION_DAYS`: how long after a successful delivery its payloads, title and matching traces are kept (purged
   * hourly). 0 purges them at the first purge after delivery. Undelivered and dead deliveries keep theirs.
   */
  retentionDays: number;
  /**
   * `REMATCH_DAYS` (issue 19): for how many days after a delivery was received its participants left without a person
   * (no match, ambiguous, a company note) are matched again — when the contact index changes for their e-mail or
   * number (Lime), and in a daily sweep (both CRMs). 0 turns re-matching off. A payload purged earlier
   * (`RETENTION_DAYS`) ends it sooner.
   */
  rematchDays: number;
  /**
   * How often the local contact index is fully synced from the CRM (also at start and after the connection
   * changes); 0 turns the index off (matching is then live only).
   */
  contactIndexSyncMs: number;
  /** How often the persons the CRM changed since the last pass are added to the index; 0: full syncs only. */
  contactIndexIncrementalMs: number;
  /**
   * `RECEIVER_PUBLIC_URL`: the receiver's address as Lime reaches it (no trailing slash). With SECRET_KEY, the
   * receiver subscribes to Lime's person and company webhooks at `<publicUrl>/api/v1/lime/webhook`.
   */
  publicUrl?: string | undefined;
  /**
   * `LIME_WEB_URL`, `SUPEROFFICE_WEB_URL`: the CRM's web client (http(s), no credentials, query or fragment; no
   * trailing slash). When set, the delivery page links the CRM ids of its outcomes to their records there
   * (admin/crmWebLinks.ts). Only the CRM in effect's is read.
   */
  crmWebUrls: { lime?: string | undefined; superoffice?: string | undefined };
  /**
   * `ADMIN_PUBLIC_URL`: where admins reach the admin listener (no trailing slash, without /admin), for the alerts'
   * link to `<adminPublicUrl>/admin`. Optional.
   */
  adminPublicUrl?: string | undefined;
  /**
   * The Lime settings that environment variables set, each present only when its variable is set (not empty): they
   * take precedence over the settings saved on the admin pages, which show them locked. `lime` and
   * `internalDomains` above hold the same values with their defaults filled in.
   */
  settingsFromEnv?: SettingsFromEnv | undefined;
  /** How the receiver talks TLS to Lime, whichever way the connection is given (environment or admin pages). */
  limeTls?: { caFile?: string | undefined; rejectUnauthorized: boolean } | undefined;
  /**
   * The admin pages' password: `ADMIN_PASSWORD` (plain) or `ADMIN_PASSWORD_HASH` (scrypt, from
   * `hashAdminPassword`). Undefined when neither is set: the admin pages are off.
   */
  admin?: { password?: string | undefined; passwordHash?: string | undefined } | undefined;
  /**
   * `SECRET_KEY`: the 32-byte key that encrypts secrets saved on the admin pages (the Lime API key). Needed to save
   * an API key there, and at start-up while one is stored.
   */
  secretKey?: Buffer | undefined;
  /**
   * `TRUST_PROXY`: which proxies in front may say the client's address and protocol (X-Forwarded-For/-Proto): the
   * sign-in limit counts per client address, and the admin cookie is `Secure` when the request came over TLS.
   */
  trustProxy?: TrustProxy | undefined;
  /**
   * Alerts to an incoming webhook: `ALERT_WEBHOOK_URL` (a secret: never logged or shown; undefined: alerts are only
   * shown on the overview), `ALERT_FORMAT` (chat, teams_workflow or generic) and `ALERT_AFTER_MINUTES` (how long an
   * outage of Lime or of DCI's poll lasts before it is alerted).
   */
  alerts: { webhookUrl?: string | undefined; format: 'chat' | 'teams_workflow' | 'generic'; afterMs: number };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Reads the configuration from the environment, once, and reports every invalid setting in one message. The only
 * reader of `process.env` (main.ts passes it in). Values are never echoed: some are secrets.
 */
export function loadConfig(fullEnv: Record<string, string | undefined>, cwd: string = process.cwd()): ReceiverConfig {
  const { crm, valid: crmValid } = readCrm(fullEnv);
  const ignoredCrmVariables = otherCrmVariables(fullEnv, crm);
  // The other CRM's variables are not read at all: a stale LIME_RATE_LIMIT must not stop a SuperOffice receiver.
  const env = crm === 'lime' ? fullEnv : withoutVariables(fullEnv, ignoredCrmVariables);
  const parsed = environmentSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '');
        return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
      });
  if (!crmValid) problems.push('CRM must be lime (the default) or superoffice');
  const superOffice =
    crm === 'superoffice'
      ? readSuperOfficeEnvironment(env, list(env['INTERNAL_EMAIL_DOMAINS']), { parseRateLimit }, problems)
      : undefined;
  if ((env['LIME_URL'] === undefined) !== (env['LIME_API_KEY'] === undefined)) {
    problems.push(
      `${env['LIME_URL'] === undefined ? 'LIME_URL' : 'LIME_API_KEY'}: LIME_URL and LIME_API_KEY go together: set both, or neither (deliveries then wait for a connection)`,
    );
  }
  problems.push(...dciProblems(env));
  if (nonEmpty(env['DATABASE_SCHEMA']) && !nonEmpty(env['DATABASE_URL'])) {
    problems.push('DATABASE_SCHEMA: goes with DATABASE_URL (the SQLite store in DATA_DIR has no schemas)');
  }
  problems.push(...listenerProblems(env));
  if (nonEmpty(env['ADMIN_PASSWORD']) && nonEmpty(env['ADMIN_PASSWORD_HASH'])) {
    problems.push('ADMIN_PASSWORD_HASH: set ADMIN_PASSWORD or ADMIN_PASSWORD_HASH, not both');
  }
  const historyTypeMap = nonEmpty(env['HISTORY_TYPE_MAP']) ? parseHistoryTypeMap(env['HISTORY_TYPE_MAP']) : undefined;
  if (historyTypeMap?.ok === false)
    problems.push(...historyTypeMap.problems.map((problem) => `HISTORY_TYPE_MAP: ${problem}`));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  // NOTE_LANGUAGE is one variable for either CRM: the SuperOffice page shows it locked too.
  if (superOffice !== undefined && e.NOTE_LANGUAGE !== undefined) superOffice.settings.noteLanguage = e.NOTE_LANGUAGE;
  const historyType = e.LIME_HISTORY_TYPE?.trim() || undefined;
  const caFile = e.LIME_CA_FILE?.trim() || undefined;
  const password = nonEmpty(e.ADMIN_PASSWORD) ? e.ADMIN_PASSWORD : undefined;
  const passwordHash = nonEmpty(e.ADMIN_PASSWORD_HASH) ? e.ADMIN_PASSWORD_HASH.trim() : undefined;
  const nodeEnv = e.NODE_ENV?.trim();
  return {
    crm,
    superOffice,
    ignoredCrmVariables,
    host: e.HOST?.trim() || '0.0.0.0',
    port: e.PORT,
    adminListener:
      e.ADMIN_PORT === undefined ? undefined : { host: e.ADMIN_HOST?.trim() || '127.0.0.1', port: e.ADMIN_PORT },
    unusedAdminHost: e.ADMIN_PORT === undefined && nonEmpty(e.ADMIN_HOST) ? e.ADMIN_HOST.trim() : undefined,
    nodeEnv: nodeEnv === 'development' || nodeEnv === 'production' ? nodeEnv : undefined,
    dataDir: dataDirFrom({ DATA_DIR: e.DATA_DIR }, cwd),
    store: storeLocation(e, cwd),
    webhookSecrets: e.DCI_WEBHOOK_SECRETS,
    dci: {
      mode: e.DCI_MODE,
      apiUrl: nonEmpty(e.DCI_API_URL) ? e.DCI_API_URL.trim().replace(/\/+$/u, '') : undefined,
      apiToken: nonEmpty(e.DCI_API_TOKEN) ? e.DCI_API_TOKEN.trim() : undefined,
      ratePerMinute: e.DCI_API_RATE_PER_MINUTE,
      pollIntervalMs: e.DCI_POLL_INTERVAL_S * 1000,
      conversationUrlTemplate: nonEmpty(e.DCI_CONVERSATION_URL) ? e.DCI_CONVERSATION_URL.trim() : undefined,
      enrichWaitMs: e.DCI_ENRICH_WAIT_MINUTES * 60 * 1000,
    },
    lime:
      e.LIME_URL !== undefined && e.LIME_API_KEY !== undefined
        ? {
            url: e.LIME_URL.trim(),
            apiKey: e.LIME_API_KEY.trim(),
            historyType: historyType ?? DEFAULT_HISTORY_TYPE,
            createMissingContacts: e.LIME_CREATE_MISSING_CONTACTS,
            caFile,
            rejectUnauthorized: e.LIME_TLS_REJECT_UNAUTHORIZED,
          }
        : undefined,
    defaultRegion: e.DEFAULT_PHONE_REGION,
    internalDomains: e.INTERNAL_EMAIL_DOMAINS,
    timeZone: e.TIME_ZONE,
    noteDate: e.NOTE_DATE ?? 'now',
    companyNotes: e.COMPANY_NOTES,
    linkDeal: nonEmpty(env['LINK_DEAL']) ? e.LINK_DEAL : undefined,
    historyTypeMap: historyTypeMap?.ok === true ? historyTypeMap.map : undefined,
    logLevel: e.LOG_LEVEL ?? 'info',
    maxBodyBytes: e.MAX_BODY_BYTES,
    workerConcurrency: e.WORKER_CONCURRENCY,
    limeRateLimit: superOffice === undefined ? e.LIME_RATE_LIMIT : superOffice.rateLimit,
    maxAttempts: e.MAX_ATTEMPTS,
    maxAgeMs: e.MAX_AGE_HOURS * 3600 * 1000,
    leaseMs: e.LEASE_SECONDS * 1000,
    workerHeartbeatMs: e.WORKER_HEARTBEAT_SECONDS * 1000,
    retentionDays: e.RETENTION_DAYS,
    rematchDays: e.REMATCH_DAYS,
    contactIndexSyncMs: e.CONTACT_INDEX_SYNC_HOURS * 3600 * 1000,
    contactIndexIncrementalMs: e.CONTACT_INDEX_INCREMENTAL_MINUTES * 60 * 1000,
    publicUrl: nonEmpty(e.RECEIVER_PUBLIC_URL) ? e.RECEIVER_PUBLIC_URL.trim().replace(/\/+$/u, '') : undefined,
    adminPublicUrl: nonEmpty(e.ADMIN_PUBLIC_URL) ? e.ADMIN_PUBLIC_URL.trim().replace(/\/+$/u, '') : undefined,
    crmWebUrls: { lime: e.LIME_WEB_URL, superoffice: e.SUPEROFFICE_WEB_URL },
    settingsFromEnv: {
      url: e.LIME_URL?.trim(),
      apiKey: e.LIME_API_KEY?.trim(),
      historyType,
      createMissingContacts: nonEmpty(env['LIME_CREATE_MISSING_CONTACTS']) ? e.LIME_CREATE_MISSING_CONTACTS : undefined,
      internalDomains: e.INTERNAL_EMAIL_DOMAINS.length > 0 ? e.INTERNAL_EMAIL_DOMAINS : undefined,
      companyNotes: nonEmpty(env['COMPANY_NOTES']) ? e.COMPANY_NOTES : undefined,
      noteLanguage: e.NOTE_LANGUAGE,
      linkDeal: nonEmpty(env['LINK_DEAL']) ? e.LINK_DEAL : undefined,
      historyTypeMap: historyTypeMap?.ok === true ? formatHistoryTypeMap(historyTypeMap.map) : undefined,
    },
    limeTls: { caFile, rejectUnauthorized: e.LIME_TLS_REJECT_UNAUTHORIZED },
    admin: password !== undefined || passwordHash !== undefined ? { password, passwordHash } : undefined,
    secretKey: e.SECRET_KEY,
    trustProxy: e.TRUST_PROXY,
    alerts: {
      webhookUrl: nonEmpty(e.ALERT_WEBHOOK_URL) ? e.ALERT_WEBHOOK_URL.trim() : undefined,
      format: e.ALERT_FORMAT,
      afterMs: e.ALERT_AFTER_MINUTES * 60 * 1000,
    },
  };
}

/**
 * `3000/300` → 3,000 requests in 300 s; `off` → undefined; unset → Lime Cloud's limit (or off, `fallback`); anything
 * else → null.
 */
function parseRateLimit(
  value: string | undefined,
  fallback: 'lime' | 'off' = 'lime',
): { requests: number; windowMs: number } | undefined | null {
  const text = value?.trim().toLowerCase() ?? '';
  if (text === '') return fallback === 'off' ? undefined : { requests: 3000, windowMs: 300_000 };
  if (text === 'off') return undefined;
  const match = /^(\d{1,7})\s*\/\s*(\d{1,6})$/u.exec(text);
  const requests = Number(match?.[1]);
  const seconds = Number(match?.[2]);
  if (match === null || requests < 1 || seconds < 1 || seconds > 86_400) return null;
  return { requests, windowMs: seconds * 1000 };
}

function isHttpUrl(text: string, allow: { query?: boolean } = {}): boolean {
  try {
    const url = new URL(text);
    const queryOk = allow.query === true || url.search === '';
    return (url.protocol === 'http:' || url.protocol === 'https:') && queryOk && url.hash === '';
  } catch {
    return false;
  }
}

/**
 * A CRM web client's address, for links an admin's browser opens: http(s) only (never `javascript:` or `data:`),
 * no credentials, query or fragment, so a link built on it can only lead to a record there. Trailing slashes go.
 */
function webClientUrl(name: string, example: string) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return undefined;
      const value = text.trim().replace(/\/+$/u, '');
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      const usable =
        url !== undefined &&
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.username === '' &&
        url.password === '' &&
        url.search === '' &&
        url.hash === '' &&
        !/[\s"'<>`]/u.test(value);
      if (!usable) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be the http(s) address of the web client, without credentials, ? or #, e.g. ${example}`,
        });
        return z.NEVER;
      }
      return value;
    });
}

function isConversationUrlTemplate(text: string): boolean {
  return text.includes('{id}') && isHttpUrl(text.replace('{id}', 'id'));
}

const SECRETS_REQUIRED =
  'DCI_WEBHOOK_SECRETS is required: the secret(s) DCI signs webhooks with, comma-separated (or poll DCI instead: set DCI_API_URL and DCI_API_TOKEN, or DCI_MODE=poll)';

/** What the DCI settings need of each other: webhooks need secrets, polling needs the REST API's address. */
function dciProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const secrets = list(env['DCI_WEBHOOK_SECRETS']).length > 0;
  const token = nonEmpty(env['DCI_API_TOKEN']);
  const url = nonEmpty(env['DCI_API_URL']);
  const mode = env['DCI_MODE']?.trim() || undefined;
  if (token && !url) problems.push("DCI_API_URL: goes with DCI_API_TOKEN (the …/api/v1/rest base of DCI's REST API)");
  if (!secrets && (mode === 'webhook' || mode === 'both' || (mode === undefined && !token))) {
    problems.push(SECRETS_REQUIRED);
  }
  if ((mode === 'poll' || mode === 'both') && !url) {
    problems.push(`DCI_API_URL: DCI_MODE=${mode} polls DCI's REST API, so its base URL is required`);
  }
  return problems;
}

/** Hosts that bind every interface: a port taken on one of them is taken on any address. */
const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '[::]']);

/** The two listeners must not ask for the same address: ADMIN_PORT = PORT on one host cannot be bound twice. */
function listenerProblems(env: Record<string, string | undefined>): string[] {
  const adminPort = env['ADMIN_PORT']?.trim() || undefined;
  if (adminPort === undefined) return [];
  const port = env['PORT']?.trim() || '8080';
  if (Number(adminPort) !== Number(port) || Number(port) === 0) return [];
  const host = env['HOST']?.trim() || '0.0.0.0';
  const adminHost = env['ADMIN_HOST']?.trim() || '127.0.0.1';
  const overlap = host === adminHost || EVERY_INTERFACE.has(host) || EVERY_INTERFACE.has(adminHost);
  return overlap
    ? [
        `ADMIN_PORT: must differ from PORT (both ${port}) on the same host (${host} and ${adminHost}): the admin pages need a listener of their own`,
      ]
    : [];
}

function withoutVariables(
  env: Record<string, string | undefined>,
  names: readonly string[],
): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/**
 * Only the store's location (the CLI's `deliveries`/`requeue` work on the store and need nothing else): `DATABASE_URL`
 * and `DATABASE_SCHEMA`, else `DATA_DIR`. Throws a ConfigError when they are invalid.
 */
export function storeLocationFrom(env: Record<string, string | undefined>, cwd: string = process.cwd()): StoreLocation {
  const parsed = storeEnvironmentSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => issue.message));
  return storeLocation(parsed.data, cwd);
}

const storeEnvironmentSchema = environmentSchema.pick({ DATA_DIR: true, DATABASE_URL: true, DATABASE_SCHEMA: true });

function storeLocation(e: z.infer<typeof storeEnvironmentSchema>, cwd: string): StoreLocation {
  const url = e.DATABASE_URL?.trim();
  return url === undefined || url === ''
    ? { kind: 'sqlite', file: join(dataDirFrom({ DATA_DIR: e.DATA_DIR }, cwd), 'receiver.sqlite') }
    : { kind: 'postgres', connectionString: url, schema: e.DATABASE_SCHEMA?.trim() || 'public' };
}

/** Only the data directory. */
export function dataDirFrom(env: Record<string, string | undefined>, cwd: string = process.cwd()): string {
  const dataDir = env['DATA_DIR']?.trim() || './data';
  return isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir);
}
