import type { DciMode } from '../config/loadConfig';
import type { EnrichResult } from '../enrich/enrichPayload';
import type { MeetingSummary } from '../../core';
import type { BackfillJob } from '../poll/backfillJob';
import { DCI_WINDOW_MS, type PollStatus } from '../poll/dciPoller';
import type { DciSettings } from '../settings/dciSettings';
import type { EnrichmentRecord, SummarySource } from '../store/ports/deliveryQueue';
import type { Badge } from './outcomeBadges';

/** The path DCI posts `conversation.completed` to. */
export const DCI_WEBHOOK_PATH = '/api/v1/dci/webhook';

const DAY_MS = 24 * 3600 * 1000;

/** Enrichment as the worker runs it (DCI's REST API, DCI_CONVERSATION_URL, the wait), for Dry run. */
export type EnrichFn = (
  payload: Record<string, unknown>,
  summary: MeetingSummary,
  context: { firstReceivedAt: Date; signal?: AbortSignal | undefined },
) => Promise<EnrichResult>;

/** What the admin pages need of DCI's side; every field optional, so the pages work without it (no DCI section). */
export interface DciAdminDeps {
  /** DCI's REST API settings and the mode in effect; absent: the pages show no DCI section. */
  dci?: DciSettings | undefined;
  /** Why the mode in effect is the one it is, in words (`set by DCI_MODE` …). */
  dciModeReason?: (() => string) | undefined;
  /** The saved poll state and who holds the poll lease. */
  pollState?: (() => Promise<PollStatus>) | undefined;
  /** The backfill the overview starts. */
  backfill?: Pick<BackfillJob, 'start' | 'state'> | undefined;
  /** Enrichment as the worker runs it, so Dry run sees what the real delivery sees. */
  enrich?: EnrichFn | undefined;
  /** `RECEIVER_PUBLIC_URL`: the address DCI reaches the receiver at, for the webhook URL to enter in DCI. */
  publicUrl?: string | undefined;
}

/** What the connection page's DCI section reads. */
export type DciSectionDeps = Pick<DciAdminDeps, 'dci' | 'dciModeReason' | 'publicUrl'>;

/** What the overview's DCI panel reads. */
export type DciOverviewDeps = Pick<DciAdminDeps, 'dci' | 'dciModeReason' | 'pollState' | 'backfill'>;

/** One line on what each mode means. */
export const MODE_MEANING: Record<DciMode, string> = {
  webhook: 'DCI posts each finished conversation to this receiver (DCI must reach it over HTTPS).',
  poll: "The receiver asks DCI's REST API for finished conversations (outbound only: nothing needs to be reachable from outside).",
  both: "DCI's webhook brings conversations at once; polling DCI's REST API catches any whose webhook never arrived.",
};

/** Where a delivery's payload came from, in words. */
export const SOURCE_LABEL: Record<SummarySource, string> = {
  webhook: 'DCI webhook',
  poll: "poll of DCI's REST API",
  backfill: 'backfill',
};

/** The enrichment state as a badge. */
export function enrichmentBadge(record: EnrichmentRecord | undefined): Badge | undefined {
  if (record === undefined) return undefined;
  switch (record.state) {
    case 'complete':
      return {
        label: 'complete',
        tone: 'ok',
        help: "Every part DCI's REST API has was added; what DCI has not is listed with why.",
      };
    case 'partial':
      return {
        label: 'partial',
        tone: 'warn',
        help: 'DCI could not be read in time; the notes will be completed when it answers.',
      };
    case 'off':
      return {
        label: 'off',
        tone: 'muted',
        help: 'No DCI API token: the notes carry only what the webhook had.',
      };
  }
}

/** `YYYY-MM-DD` of a time (UTC). */
export function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The webhook URL to enter in DCI: RECEIVER_PUBLIC_URL's when set, else the shape with a placeholder host. */
export function dciWebhookUrl(publicUrl: string | undefined): { url: string; known: boolean } {
  return publicUrl === undefined
    ? { url: `https://<this receiver's public address>${DCI_WEBHOOK_PATH}`, known: false }
    : { url: `${publicUrl.replace(/\/+$/u, '')}${DCI_WEBHOOK_PATH}`, known: true };
}

/** The connection page's DCI section. */
export function dciConnectionSection(
  deps: DciSectionDeps,
  extra: {
    error?: { field: 'url' | 'token'; message: string } | undefined;
    typedUrl?: string | undefined;
    /** A token was typed with the error: it is not sent back, the page asks for it again. */
    tokenTyped?: boolean | undefined;
    notice?: unknown;
  } = {},
) {
  if (deps.dci === undefined) return undefined;
  const view = deps.dci.view();
  const notice = typeof extra.notice === 'string' ? extra.notice : undefined;
  return {
    view,
    mode: view.mode,
    meaning: MODE_MEANING[view.mode],
    reason: deps.dciModeReason?.(),
    configured: view.url !== undefined && view.tokenSet,
    missing: [...(view.url === undefined ? ['the DCI API URL'] : []), ...(view.tokenSet ? [] : ['the DCI API token'])],
    check: deps.dci.lastCheck(),
    webhook: dciWebhookUrl(deps.publicUrl),
    error: extra.error,
    typedUrl: extra.typedUrl,
    tokenTyped: extra.tokenTyped === true,
    notice: notice !== undefined && ['saved', 'tested', 'removed', 'off'].includes(notice) ? notice : undefined,
  };
}

/** The overview's DCI panel. */
export async function dciOverviewPanel(deps: DciOverviewDeps, now: Date, notice: unknown) {
  if (deps.dci === undefined) return undefined;
  const view = deps.dci.view();
  const configured = view.url !== undefined && view.tokenSet;
  const check = deps.dci.lastCheck();
  const failed = check?.steps.find((step) => !step.ok);
  const warned = check?.steps.find((step) => step.warning === true);
  const api = !configured
    ? {
        tone: 'muted',
        label: 'not configured',
        message: 'No DCI API URL and token: notes carry only what the webhook has.',
      }
    : check === undefined
      ? { tone: 'muted', label: 'not tested yet', message: 'Test connection runs in the background after a change.' }
      : failed !== undefined
        ? { tone: 'bad', label: 'failing', message: failed.message }
        : warned !== undefined
          ? { tone: 'warn', label: 'OK, with a warning', message: warned.message }
          : { tone: 'ok', label: 'OK', message: 'The last test passed.' };
  const polls = view.mode !== 'webhook';
  const today = now.getTime();
  return {
    mode: view.mode,
    meaning: MODE_MEANING[view.mode],
    reason: deps.dciModeReason?.(),
    configured,
    api: { ...api, at: check?.at },
    poll: polls && deps.pollState ? await deps.pollState() : undefined,
    polls,
    backfill: {
      last: await deps.backfill?.state(),
      since: dayOf(today - 7 * DAY_MS),
      min: dayOf(today - DCI_WINDOW_MS + DAY_MS),
      max: dayOf(today),
      notice:
        typeof notice === 'string' && ['started', 'running', 'off', 'invalid'].includes(notice) ? notice : undefined,
    },
  };
}
