import { crmDisplayName } from '../config/crmInEffect';
import { countNoun } from '../../core/countNoun';

/**
 * What the receiver alerts an operator about. Counts, codes and times only: never an e-mail, a phone, a meeting
 * title or summary text (an alert leaves for a chat channel that many people read).
 */
export type AlertEvent =
  /** Deliveries die because Lime refuses the key (401), the permissions (403) or the history type (retired). */
  | { kind: 'connection_lost'; code: string }
  /** Lime has not answered for longer than ALERT_AFTER_MINUTES. */
  | { kind: 'outage'; since: Date; code: string }
  /** The outage an `outage` alert announced is over. */
  | { kind: 'outage_over'; since: Date; until: Date }
  /** Dead letters since the last such alert, by error code. */
  | { kind: 'dead_letters'; count: number; byCode: Record<string, number> }
  /** DCI's REST API refuses the token, or has not answered the poll for longer than ALERT_AFTER_MINUTES. */
  | { kind: 'dci_failing'; code: string; since?: Date | undefined }
  /** The poll works again after a `dci_failing` alert. */
  | { kind: 'dci_recovered' };

export type AlertSeverity = 'critical' | 'warning' | 'resolved';

/** An alert in words: a title and one paragraph, the same for every format. */
export interface AlertText {
  severity: AlertSeverity;
  title: string;
  text: string;
}

const time = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const minutes = (ms: number) => `${Math.max(1, Math.round(ms / 60_000))} min`;

const CONNECTION_LOST: Record<string, string> = {
  unauthorized: 'Lime rejects the API key (401): it may have been revoked or replaced.',
  forbidden: 'Lime refuses the API user a permission it needs (403).',
  schema_mismatch: "The history type or a field the notes need is no longer in Lime's data model.",
};

const SUPEROFFICE_CONNECTION_LOST: Record<string, string> = {
  unauthorized:
    'SuperOffice rejects the credentials (401): a ticket expired, a password changed, or the system user token was revoked.',
  forbidden: 'SuperOffice refuses the user the receiver signs in as a right it needs (403).',
  wrong_host: "SuperOffice Online answers 421: the WebAPI URL must be the tenant's numbered host (online3…).",
  schema_mismatch: 'The task type the appointments need is no longer in SuperOffice.',
};

/** The words of one alert; `crm` is the CRM in effect (default Lime). */
export function describeAlert(event: AlertEvent, crm: 'lime' | 'superoffice' = 'lime'): AlertText {
  const crmName = crmDisplayName(crm);
  if (crm === 'superoffice' && event.kind === 'connection_lost') {
    return {
      severity: 'critical',
      title: 'SuperOffice connection lost',
      text: `${SUPEROFFICE_CONNECTION_LOST[event.code] ?? `SuperOffice refuses the deliveries (${event.code}).`} Meetings go to the dead letters until the connection is fixed on the admin pages (SuperOffice connection) or in the SUPEROFFICE_* variables; then requeue them.`,
    };
  }
  switch (event.kind) {
    case 'connection_lost':
      return {
        severity: 'critical',
        title: 'Lime connection lost',
        text: `${CONNECTION_LOST[event.code] ?? `Lime refuses the deliveries (${event.code}).`} Meetings go to the dead letters until the connection is fixed on the admin pages (Lime connection); then requeue them.`,
      };
    case 'outage':
      return {
        severity: 'warning',
        title: `${crmName} unavailable`,
        text: `${crmName} has not answered since ${time(event.since)} (${event.code}). Meetings are kept and delivered when it answers again; nothing is lost.`,
      };
    case 'outage_over':
      return {
        severity: 'resolved',
        title: `${crmName} available again`,
        text: `${crmName} answers again after ${minutes(event.until.getTime() - event.since.getTime())} (since ${time(event.since)}); the waiting meetings are being delivered.`,
      };
    case 'dead_letters': {
      const codes = Object.entries(event.byCode)
        .sort(([, a], [, b]) => b - a)
        .map(([code, count]) => `${code} × ${count}`)
        .join(', ');
      return {
        severity: 'warning',
        title: `${countNoun(event.count, 'meeting')} in the dead letters`,
        text: `${countNoun(event.count, 'meeting')} could not be delivered (${codes}). See Dead letters on the admin pages for what to fix, then requeue them.`,
      };
    }
    case 'dci_failing':
      return {
        severity: 'critical',
        title: "DCI's REST API failing",
        text:
          event.code === 'dci_unauthorized' || event.code === 'dci_forbidden'
            ? `DCI's REST API refuses the API token (${event.code}): the poll gets no meetings. Enter a valid token on the admin pages (DCI).`
            : `DCI's REST API has not answered the poll${event.since === undefined ? '' : ` since ${time(event.since)}`} (${event.code}). Meetings it completes meanwhile are fetched when it answers again.`,
      };
    case 'dci_recovered':
      return { severity: 'resolved', title: "DCI's REST API answers again", text: 'The poll works again.' };
  }
}
