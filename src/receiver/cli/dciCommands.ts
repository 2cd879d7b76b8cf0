// `dci-companion test-connection` and `dci-companion backfill`. The CLI is an entry point, like main.ts: it is a
// composition root of its own, so it builds DCI's REST client (DciClient) itself, and the CRM's connector through
// main.ts's factory (makeCrmConnector: Lime's or SuperOffice's, as CRM says). Everything else goes through the
// receiver's own code: the settings services (environment first, else what the admin pages saved, the secrets
// opened with SECRET_KEY), the store, the backfill walk, enrichment and the connector's dry run.
import { participantKeyer } from '../ingest/participantKeysIndex';
import { resolveLookupKey } from '../secrets/participantLookup';
import { crmDisplayName } from '../config/crmInEffect';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNever, type MeetingSummary } from '../../core';
import { DciClient, DciError, type DciApi, type DciConnectionCheck } from '../../dci-api';
import { ConfigError, loadConfig, type ReceiverConfig } from '../config/loadConfig';
import type { CrmName } from '../config/superOfficeConfig';
import { makeCrmConnector } from '../makeCrmConnector';
import type { ConnectionCheck, CrmConnector, DeliverOptions, ParticipantOutcome } from '../../crm/crmConnector';
import { CrmError } from '../../crm/crmError';
import { enrichPayload } from '../enrich/enrichPayload';
import { createLogger } from '../observability/logger';
import { runBackfill } from '../poll/backfill';
import { RateBudgets, spendingBudget } from '../rateBudget/rateBudgets';
import { BACKFILL_JOB } from '../poll/backfillJob';
import { DCI_WINDOW_MS } from '../poll/dciPoller';
import {
  createConnectionSettingsService,
  type OwnedConnectionSettingsService,
} from '../settings/connectionSettingsService';
import { createSuperOfficeSettingsService } from '../settings/superOfficeSettingsService';
import { createDciSettings, type DciSettings } from '../settings/dciSettings';
import { openStore } from '../store/openStore';
import type { ReceiverStore } from '../store/receiverStore';
import { missingDatabase } from './cliStore';

type Output = (line: string) => void;
type Env = Record<string, string | undefined>;

/** What the commands work with: the configuration, the store, and both connections as the receiver sees them. */
export interface Connections {
  config: ReceiverConfig;
  /** The whole store (the assign command reads deliveries and records outcomes too). */
  store: ReceiverStore;
  dci: DciSettings;
  /** The CRM in effect (`CRM`): Lime by default. */
  crmName: CrmName;
  /** Its connection settings and connector, as startReceiver builds them for that CRM. */
  crm: OwnedConnectionSettingsService;
  close(): Promise<void>;
}

/**
 * Reads the full configuration and opens what the receiver would: the store (for the settings saved on the admin
 * pages and the token's shared request budget) and the two connections. Undefined (after saying why) on a
 * configuration error. A DATA_DIR without a database (mistyped, or before the receiver's first start) is never given
 * an empty one: `refuse` says so and opens nothing, `create` starts one (--create), `temporary` works on an empty
 * store in a temporary folder, removed on close, after saying (on `err`, a warning) that no saved settings are read.
 */
export async function openConnections(
  env: Env,
  err: Output,
  whenMissing: { database: 'refuse' | 'create' | 'temporary' },
): Promise<Connections | undefined> {
  let config: ReceiverConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(error.message);
    return undefined;
  }
  const missing = whenMissing.database === 'create' ? undefined : missingDatabase(config.store, env);
  let temporary: string | undefined;
  if (missing !== undefined) {
    if (whenMissing.database !== 'temporary') {
      err(missing);
      return undefined;
    }
    err(
      `${missing.replace(/, or pass --create.*$/u, '.')} Settings saved on the admin pages are not read: ` +
        'testing what the environment sets.',
    );
    temporary = mkdtempSync(join(tmpdir(), 'dci-companion-test-connection-'));
  }
  const removeTemporary = () => {
    if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
  };
  const logger = createLogger('silent');
  const clients: DciClient[] = [];
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(
      temporary === undefined ? config.store : { kind: 'sqlite', file: join(temporary, 'receiver.sqlite') },
    );
  } catch (error) {
    removeTemporary();
    throw error;
  }
  const crmName: CrmName = config.crm ?? 'lime';
  let crm: OwnedConnectionSettingsService | undefined;
  try {
    // Test connection spends the CRM's request budget (LIME_RATE_LIMIT or SUPEROFFICE_RATE_LIMIT) like the receivers
    // on the same store.
    const makeConnector = spendingBudget(
      makeCrmConnector,
      config.limeRateLimit === undefined ? undefined : new RateBudgets({ store, limit: config.limeRateLimit, logger }),
    );
    const settingsDeps = { store, config, secretKey: config.secretKey, logger };
    // The settings service of the CRM in effect, as startReceiver picks it.
    crm =
      crmName === 'superoffice'
        ? await createSuperOfficeSettingsService({ ...settingsDeps, makeConnector })
        : await createConnectionSettingsService({
            ...settingsDeps,
            makeConnector: (options) => makeConnector({ crm: 'lime', ...options }),
          });
    const dci = await createDciSettings({
      store,
      config,
      secretKey: config.secretKey,
      makeApi: (options) => {
        const client = new DciClient(options);
        clients.push(client);
        return client;
      },
      logger,
    });
    const opened = crm;
    return {
      config,
      store,
      dci,
      crmName,
      crm: opened,
      close: async () => {
        await Promise.all(clients.map((client) => client.close()));
        await opened.close();
        await store.close();
        removeTemporary();
      },
    };
  } catch (error) {
    await crm?.close();
    await store.close();
    removeTemporary();
    if (!(error instanceof ConfigError)) throw error;
    err(error.message);
    return undefined;
  }
}

/**
 * `test-connection`: Test connection for DCI's REST API and for the CRM in effect (Lime or SuperOffice, as CRM says),
 * as the admin pages run them, each step with its message. 0 when every configured check passes (warnings allowed),
 * 1 when one fails, 2 on a configuration error or when nothing is configured.
 */
export async function testConnection(env: Env, out: Output, err: Output): Promise<number> {
  const opened = await openConnections(env, err, { database: 'temporary' });
  if (opened === undefined) return 2;
  try {
    const { dci, crm, crmName } = opened;
    const dciView = dci.view();
    const crmView = await crm.view();
    const dciPolls = dci.mode() !== 'webhook';
    if (dci.api() === undefined && !dciPolls && !crmView.connected) {
      err(
        `Nothing to test: neither DCI's REST API (DCI_API_URL and DCI_API_TOKEN) nor ${crmDisplayName(crmName)} ` +
          `(${CRM_VARIABLES[crmName]}) is configured, here or on the admin pages.`,
      );
      return 2;
    }
    let failed = false;

    const token = dciView.tokenHint === undefined ? '' : `, token ${dciView.tokenHint}`;
    out(`DCI REST API (${dciView.url ?? 'no URL'}${token}; mode ${dci.mode()})`);
    if (dci.api() === undefined) {
      if (dciPolls) {
        failed = true;
        out(
          `  FAILED   DCI_MODE=${dci.mode()} polls DCI's REST API, but no ${dciView.url === undefined ? 'URL and ' : ''}` +
            'API token is set: set DCI_API_TOKEN (or save it on the admin pages; Connect DCI says how to create it).',
        );
      } else {
        out('  not configured: webhooks only, notes are not enriched from DCI (set DCI_API_URL and DCI_API_TOKEN).');
      }
    } else {
      const check = await dci.testConnection();
      if (check !== undefined) {
        for (const line of dciCheckLines(check)) out(line);
        failed ||= !check.ok;
      }
    }

    out(crmHeading(opened, crmView.settings.url));
    if (!crmView.connected) {
      out(`  not configured: deliveries wait for a connection (${notConfigured(opened)}).`);
    } else {
      const check = await crm.testConnection();
      if (check !== undefined) {
        for (const line of crmCheckLines(check)) out(line);
        failed ||= !check.ok;
      }
    }
    out(failed ? 'A check failed: see FAILED above.' : 'Every configured check passed.');
    return failed ? 1 : 0;
  } finally {
    await opened.close();
  }
}

/** What connects each CRM from the environment (the admin pages can instead). */
const CRM_VARIABLES: Record<CrmName, string> = {
  lime: 'LIME_URL and LIME_API_KEY',
  superoffice: 'SUPEROFFICE_URL, SUPEROFFICE_AUTH and its credentials',
};

/** The CRM's heading: its URL and, for SuperOffice, how it signs in (never a secret). */
function crmHeading(opened: Connections, url: string | undefined): string {
  const auth = opened.crm.superOffice?.view().settings.auth;
  return `${crmDisplayName(opened.crmName)} (${url ?? 'no URL'}${auth === undefined ? '' : `; signs in with ${auth}`})`;
}

/** What to set for a CRM that is not connected; SuperOffice names the settings still missing. */
function notConfigured(opened: Connections): string {
  const missing = opened.crm.superOffice?.view().missing ?? [];
  const what = `set ${CRM_VARIABLES[opened.crmName]}, or the admin pages`;
  return missing.length === 0 ? what : `missing: ${missing.join(', ')}; ${what}`;
}

function dciCheckLines(check: DciConnectionCheck): string[] {
  return check.steps.map((step) => {
    const state = !step.ok ? 'FAILED' : step.warning ? 'warning' : 'ok';
    return `  ${state.padEnd(8)} ${step.step}: ${step.message}`;
  });
}

function crmCheckLines(check: ConnectionCheck): string[] {
  return check.steps.map((step) => `  ${(step.ok ? 'ok' : 'FAILED').padEnd(8)} ${step.step}: ${step.message}`);
}

/** `--since YYYY-MM-DD`: midnight UTC of that day, or an error message. */
export function parseSince(text: string | true | undefined, now: Date): Date | string {
  if (typeof text !== 'string') return 'backfill needs --since YYYY-MM-DD (at most 30 days ago).';
  const match = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(text);
  const date = match === null ? undefined : new Date(`${text}T00:00:00.000Z`);
  if (date === undefined || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    return `--since must be a date written YYYY-MM-DD, e.g. ${now.toISOString().slice(0, 10)}.`;
  }
  if (date.getTime() > now.getTime()) return '--since must not be in the future.';
  return date;
}

/**
 * `backfill --since DATE [--dry-run]`: every conversation DCI lists since DATE (at most its 30-day window) goes
 * through the normal path: stored as `backfill`, and delivered by the running receiver's worker. With `dryRun`,
 * nothing is stored and nothing is written to the CRM (Lime or SuperOffice): each conversation that would be delivered is enriched and
 * matched like the worker does, and what would be written is printed per participant.
 */
/** How long the command's hold on the backfill lasts without a page read (renewed page by page). */
const CLI_BACKFILL_LEASE_MS = 2 * 60_000;

export async function backfill(
  options: { since: string | true | undefined; dryRun: boolean; create?: boolean | undefined },
  env: Env,
  out: Output,
  err: Output,
  now: () => Date = () => new Date(),
): Promise<number> {
  const since = parseSince(options.since, now());
  if (typeof since === 'string') {
    err(since);
    return 2;
  }
  // What it stores is for the receiver on this store: a mistyped DATA_DIR must not get a database of its own.
  const opened = await openConnections(env, err, { database: options.create === true ? 'create' : 'refuse' });
  if (opened === undefined) return 2;
  try {
    const api = opened.dci.api();
    if (api === undefined) {
      err(
        "backfill reads DCI's REST API: set DCI_API_URL and DCI_API_TOKEN (or save them on the admin pages; " +
          'docs/connect-dci.md says how to create the token).',
      );
      return 2;
    }
    const crmLabel = crmDisplayName(opened.crmName);
    const connector = opened.crm.connector();
    if (options.dryRun && connector === undefined) {
      err(
        `A dry run matches in ${crmLabel}: set ${CRM_VARIABLES[opened.crmName]} (or connect ${crmLabel} on the admin pages).`,
      );
      return 2;
    }
    if (since.getTime() < now().getTime() - DCI_WINDOW_MS) {
      out(
        `--since ${since.toISOString().slice(0, 10)} is older than the 30 days DCI lists: going back 30 days instead.`,
      );
    }
    const dryRun =
      options.dryRun && connector !== undefined
        ? new DryRun(
            connector,
            { ...opened.crm.deliverOptions(), dryRun: true },
            { config: opened.config, crm: opened.crmName, api, now, out },
          )
        : undefined;
    // One backfill at a time, whoever started it (this command, or the admin pages on any replica): a dry run stores
    // nothing and needs no lease.
    const holder = `cli-${randomUUID()}`;
    const lease = () =>
      opened.store.takeLease({ name: BACKFILL_JOB, holder, now: now(), leaseMs: CLI_BACKFILL_LEASE_MS });
    if (dryRun === undefined && !(await lease())) {
      err(
        'A backfill is already running (started on the admin pages or by another backfill command): try again when it has finished.',
      );
      return 1;
    }
    let result;
    try {
      result = await runBackfill(
        // The CRM target the receiver delivers to (startReceiver's: CRM).
        {
          api,
          store: opened.store,
          target: opened.config.crm ?? 'lime',
          now,
          participantKeys: participantKeyer(
            await resolveLookupKey(opened.config.secretKey, (candidate) => opened.store.claimLookupSeed(candidate)),
            opened.config.defaultRegion,
          ),
        },
        {
          since,
          onFound: dryRun === undefined ? undefined : (found) => dryRun.show(found),
          onPage: dryRun === undefined ? lease : undefined,
        },
      );
    } catch (error) {
      if (!(error instanceof DciError)) throw error;
      err(`DCI's REST API failed (${error.code}): ${error.message}`);
      return 1;
    } finally {
      if (dryRun === undefined) await opened.store.releaseLease({ name: BACKFILL_JOB, holder });
    }
    out(
      `${dryRun ? 'Dry run: nothing stored, nothing written. ' : ''}Conversations DCI lists since ` +
        `${result.from.toISOString()}: ${result.listed} (${result.pages} page${result.pages === 1 ? '' : 's'}).`,
    );
    out(
      dryRun
        ? `  would be delivered: ${result.queued}`
        : `  queued for delivery: ${result.queued} (the running receiver's worker delivers them)`,
    );
    out(`  unchanged, already held or delivered: ${result.unchanged}`);
    out(`  not ready yet (DCI has no summary yet): ${result.notReady.length}`);
    out(`  invalid (do not pass the payload contract): ${result.invalid}`);
    if (dryRun !== undefined && dryRun.failures > 0) {
      out(`  could not be matched (${crmLabel} or DCI failed): ${dryRun.failures}`);
      return 1;
    }
    return 0;
  } finally {
    await opened.close();
  }
}

/** Shows what the worker would write for each conversation found, without writing anything. */
class DryRun {
  failures = 0;

  constructor(
    private readonly connector: CrmConnector,
    private readonly deliverOptions: DeliverOptions,
    private readonly context: {
      config: ReceiverConfig;
      crm: CrmName;
      api: DciApi;
      now: () => Date;
      out: Output;
    },
  ) {}

  async show(found: { summary: MeetingSummary; rawBody: Buffer }): Promise<void> {
    const { out, config, api, now, crm } = this.context;
    out(`${found.summary.conversationId}  ${found.summary.startsAt}  ${found.summary.title}`);
    try {
      const payload = JSON.parse(found.rawBody.toString('utf8')) as Record<string, unknown>;
      // Enriched like the worker does, but never waiting: what DCI cannot give now is reported as missing.
      const enriched = await enrichPayload(
        payload,
        found.summary,
        { firstReceivedAt: now() },
        {
          api,
          conversationUrlTemplate: config.dci.conversationUrlTemplate,
          waitMs: 0,
          now,
        },
      );
      const summary = enriched.kind === 'ready' ? enriched.summary : found.summary;
      if (enriched.kind === 'ready') {
        for (const missing of enriched.record.missing) out(`    (no ${missing.part}: ${missing.reason})`);
      }
      const report = await this.connector.deliver(summary, this.deliverOptions);
      if (report.outcomes.length === 0) out('    no participants');
      for (const outcome of report.outcomes) out(`    ${participantLine(summary, outcome, crm)}`);
    } catch (error) {
      if (!(error instanceof CrmError) && !(error instanceof DciError)) throw error;
      this.failures += 1;
      out(`    could not be matched: ${error.message}`);
    }
  }
}

/** One participant of a dry run: name, outcome, how matched, the CRM's person. */
export function participantLine(summary: MeetingSummary, outcome: ParticipantOutcome, crm: CrmName = 'lime'): string {
  const label = crmDisplayName(crm);
  const participant = summary.participants[outcome.participantIndex];
  const name =
    participant?.name ??
    ([participant?.firstName, participant?.lastName].filter(Boolean).join(' ') ||
      `participant ${outcome.participantIndex + 1}`);
  const person = outcome.personId === undefined ? '' : `, ${label} person ${String(outcome.personId)}`;
  const by = outcome.matchedBy === undefined ? '' : `, matched by ${outcome.matchedBy}`;
  switch (outcome.outcome) {
    case 'would_write':
      if (outcome.wouldCreate !== undefined) {
        return `${name}: would write, creating the person${outcome.wouldCreate.company ? ' (and the company if ${label} has none)' : ''}`;
      }
      if (outcome.personId === undefined && outcome.companyId !== undefined) {
        return `${name}: would write a company note${by}, ${label} company ${String(outcome.companyId)}`;
      }
      return `${name}: would write${by}${person}`;
    case 'written':
    case 'updated':
      return `${name}: ${outcome.outcome}${by}${person}`;
    case 'same_person':
      return `${name}: same person as another participant (one note)${person}`;
    case 'company_note':
      return `${name}: company note, no person certain${by}, ${label} company ${String(outcome.companyId)}`;
    case 'no_match':
      return `${name}: no match (nothing written)`;
    case 'ambiguous':
      return `${name}: ambiguous, several ${label} persons fit (nothing written)`;
    case 'internal':
      return `${name}: internal, a colleague (never matched)`;
    case 'not_matchable':
      return `${name}: not matchable (no e-mail or readable phone)`;
    default:
      return assertNever(outcome.outcome);
  }
}
