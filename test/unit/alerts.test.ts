import { describeAlert, type AlertEvent } from '../../src/receiver/alerts/alertEvents';
import { alertBody, ALERT_FORMATS } from '../../src/receiver/alerts/alertFormats';
import { ConfigError, loadConfig } from '../../src/receiver/config/loadConfig';

const minimal = { DCI_WEBHOOK_SECRETS: 'secret-one' };
const at = new Date('2026-12-04T10:00:00Z');

const EVENTS: AlertEvent[] = [
  { kind: 'connection_lost', code: 'unauthorized' },
  { kind: 'connection_lost', code: 'schema_mismatch' },
  { kind: 'outage', since: at, code: 'server_error' },
  { kind: 'outage_over', since: at, until: new Date(at.getTime() + 20 * 60_000) },
  { kind: 'dead_letters', count: 3, byCode: { unauthorized: 2, server_error: 1 } },
  { kind: 'dci_failing', code: 'dci_unauthorized' },
  { kind: 'dci_failing', code: 'dci_unavailable', since: at },
  { kind: 'dci_recovered' },
];

describe('alert bodies', () => {
  it.each(EVENTS.map((event) => [event.kind, event] as const))(
    '%s has words and a body in every format',
    (_kind, event) => {
      const words = describeAlert(event);
      expect(words.title.length).toBeGreaterThan(0);
      for (const format of ALERT_FORMATS) {
        const body = alertBody(format, event, words, { at, adminUrl: 'https://companion.example.com/admin' });
        expect(JSON.stringify(body)).toContain(words.title);
      }
    },
  );

  it('chat is {"text"} only (Slack and Teams connector webhooks), teams_workflow an Adaptive Card message', () => {
    const event: AlertEvent = { kind: 'outage', since: at, code: 'timeout' };
    const words = describeAlert(event);
    expect(Object.keys(alertBody('chat', event, words, { at }))).toEqual(['text']);
    expect(alertBody('teams_workflow', event, words, { at })).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } }],
    });
    expect(alertBody('generic', event, words, { at })).toMatchObject({
      event: 'outage',
      severity: 'warning',
      at: at.toISOString(),
      details: { code: 'timeout', since: at.toISOString() },
    });
  });
});

describe('alert configuration', () => {
  it('is off by default: chat format, 15 minutes', () => {
    expect(loadConfig(minimal).alerts).toEqual({ webhookUrl: undefined, format: 'chat', afterMs: 15 * 60_000 });
  });

  it('reads the webhook (a query string is allowed: Teams Workflows URLs carry one), the format and the threshold', () => {
    const url =
      'https://prod.example.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=xyz';
    expect(
      loadConfig({ ...minimal, ALERT_WEBHOOK_URL: url, ALERT_FORMAT: 'teams_workflow', ALERT_AFTER_MINUTES: '5' })
        .alerts,
    ).toEqual({ webhookUrl: url, format: 'teams_workflow', afterMs: 5 * 60_000 });
  });

  it('names each wrong alert variable without echoing the URL (it is a secret)', () => {
    const secret = 'ftp://hooks.example.com/T000/B000/secret-token';
    let error: unknown;
    try {
      loadConfig({ ...minimal, ALERT_WEBHOOK_URL: secret, ALERT_FORMAT: 'email', ALERT_AFTER_MINUTES: '-1' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual([
      expect.stringContaining('ALERT_WEBHOOK_URL must be the http(s) address of an incoming webhook'),
      expect.stringContaining('ALERT_FORMAT must be chat, teams_workflow or generic'),
      expect.stringContaining('ALERT_AFTER_MINUTES must be a whole number from 0 to 10080'),
    ]);
    expect(message).not.toContain('secret-token');
  });
});
