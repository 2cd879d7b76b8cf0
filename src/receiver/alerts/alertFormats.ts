import type { AlertEvent, AlertText } from './alertEvents';

/**
 * `ALERT_FORMAT`: the body an alert webhook gets.
 * - `chat` (default): `{"text": "…"}`. Slack's incoming webhooks take a JSON body whose `text` is the message
 *   (api.slack.com/messaging/webhooks; they answer 200, or 400 `invalid_payload` / 403 / 404 / 410 with a reason:
 *   api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks). Teams' incoming webhooks of the
 *   Office 365 (now Microsoft 365) connectors take the same `{"text": …}` body (learn.microsoft.com, Teams platform,
 *   "Create and send messages", cURL example). Those connectors are being retired.
 * - `teams_workflow`: Teams' Workflows webhooks ("When a Teams webhook request is received"), which replace them,
 *   "support Adaptive Cards only" and not the connectors' message format (same Microsoft page, Known issues): a
 *   message with one Adaptive Card attachment. Slack would not show it, so it is a format of its own.
 * - `generic`: a plain JSON document for anything else (an incident tool, a script): event, severity, title, text,
 *   time and the admin page's address, and the event's counts and codes.
 */
export type AlertFormat = 'chat' | 'teams_workflow' | 'generic';

export const ALERT_FORMATS: readonly AlertFormat[] = ['chat', 'teams_workflow', 'generic'];

/** The JSON body of one alert in `format`. `adminUrl`: the admin overview's address, when it is known. */
export function alertBody(
  format: AlertFormat,
  event: AlertEvent,
  words: AlertText,
  context: { at: Date; adminUrl?: string | undefined },
): Record<string, unknown> {
  const link = context.adminUrl === undefined ? '' : ` Admin pages: ${context.adminUrl}`;
  switch (format) {
    case 'chat':
      return { text: `DCI CRM Companion: ${words.title}. ${words.text}${link}` };
    case 'teams_workflow':
      return {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              body: [
                {
                  type: 'TextBlock',
                  size: 'Medium',
                  weight: 'Bolder',
                  text: `DCI CRM Companion: ${words.title}`,
                  wrap: true,
                },
                { type: 'TextBlock', text: words.text, wrap: true },
              ],
              ...(context.adminUrl === undefined
                ? {}
                : { actions: [{ type: 'Action.OpenUrl', title: 'Open the admin pages', url: context.adminUrl }] }),
            },
          },
        ],
      };
    case 'generic':
      return {
        source: 'dci-crm-companion',
        event: event.kind,
        severity: words.severity,
        title: words.title,
        text: words.text,
        at: context.at.toISOString(),
        ...(context.adminUrl === undefined ? {} : { adminUrl: context.adminUrl }),
        details: eventDetails(event),
      };
  }
}

/** The event's counts, codes and times (no personal data is in any event). */
function eventDetails(event: AlertEvent): Record<string, unknown> {
  switch (event.kind) {
    case 'connection_lost':
      return { code: event.code };
    case 'outage':
      return { code: event.code, since: event.since.toISOString() };
    case 'outage_over':
      return { since: event.since.toISOString(), until: event.until.toISOString() };
    case 'dead_letters':
      return { count: event.count, byCode: event.byCode };
    case 'dci_failing':
      return { code: event.code, ...(event.since === undefined ? {} : { since: event.since.toISOString() }) };
    case 'dci_recovered':
      return {};
  }
}
