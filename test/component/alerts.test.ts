import { AlertSender } from '../../src/receiver/alerts/alertSender';
import { AlertWatch } from '../../src/receiver/alerts/alertWatch';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { ALL_SCOPES, DCI_TOKEN, startDciSetup } from '../support/dci';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { startOutageReceiver, type OutageReceiver } from '../support/outageHarness';
import { waitFor } from '../support/waitFor';
import { startWebhookTarget, type WebhookTarget } from '../support/webhookTarget';

let lime: LimeEmulator;
let sink: WebhookTarget;
let receiver: OutageReceiver | undefined;
let watch: AlertWatch | undefined;
let sender: AlertSender | undefined;

const ADMIN_URL = 'https://companion.example.com/admin';

beforeEach(async () => {
  lime = await startLime();
  const acme = lime.insert('company', { name: 'Acme AB' });
  lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', phone: '+46701234567', company: acme });
  sink = await startWebhookTarget('/hooks/alerts?sig=secret-token');
});
afterEach(async () => {
  await watch?.stop();
  await sender?.settled();
  await receiver?.close();
  await sink.close();
  await closeAll();
  receiver = watch = sender = undefined;
});

/** The receiver's delivery side with alerting wired as startReceiver wires it, posting to the sink. */
async function start(options: { format?: 'chat' | 'teams_workflow' | 'generic' } = {}) {
  let alertWatch: AlertWatch | undefined;
  receiver = await startOutageReceiver(lime, {
    maxAttempts: 1,
    firstProbeMs: 50,
    probeCapMs: 200,
    worker: { onSettled: (settled) => alertWatch?.settled(settled) },
  });
  sender = new AlertSender({
    webhookUrl: sink.url,
    format: options.format ?? 'generic',
    adminUrl: ADMIN_URL,
    logger: receiver.logger,
    retryDelaysMs: [50, 50, 50],
  });
  const alerts = sender;
  watch = alertWatch = new AlertWatch({
    send: (event) => alerts.send(event),
    availability: receiver.availability,
    afterMs: 300,
    deadLetterWindowMs: 400,
    deadLetterGroupingMs: 200,
    logger: receiver.logger,
  });
  alertWatch.start();
  return receiver;
}

const bodies = () =>
  sink.received.map((request) => JSON.parse(request.body.toString('utf8')) as Record<string, unknown>);
const events = () => bodies().map((body) => body['event']);

function expectNothingPersonal() {
  const all = sink.received.map((request) => request.body.toString('utf8')).join('\n');
  for (const personal of ['anna@acme.se', '+46701234567', '0701234567', 'Anna', 'Offer review', 'three-year term']) {
    expect(all).not.toContain(personal);
  }
}

describe('alerts', () => {
  it('a revoked key sends "connection lost" once and the dead letters grouped, with nothing personal in them', async () => {
    const running = await start();
    lime.setApiKey(TEST_API_KEY, undefined);
    for (const id of ['conv-1', 'conv-2', 'conv-3', 'conv-4']) await running.accept(id);
    running.worker.start();
    await waitFor(async () => (await running.store.counts()).byStatus.dead === 4, 10_000, 'four dead letters');
    await waitFor(
      () =>
        bodies()
          .filter((body) => body['event'] === 'dead_letters')
          .reduce((sum, body) => sum + Number((body['details'] as { count: number }).count), 0) === 4,
      5_000,
      'every dead letter alerted',
    );

    expect(events().filter((event) => event === 'connection_lost')).toHaveLength(1);
    const grouped = bodies().filter((body) => body['event'] === 'dead_letters');
    // Four dead letters within one window: grouped after the grouping delay, any late ones when the window has passed.
    expect(grouped.length).toBeLessThanOrEqual(2);
    expect(grouped[0]).toMatchObject({
      severity: 'warning',
      adminUrl: ADMIN_URL,
      details: { byCode: { unauthorized: expect.any(Number) } },
    });
    expectNothingPersonal();
    // The URL (it carries the channel's token) is never logged.
    expect(running.logs.join('\n')).not.toContain('secret-token');
  });

  it('an outage longer than ALERT_AFTER_MINUTES is alerted once, and its end once', async () => {
    const running = await start({ format: 'chat' });
    let down = true;
    lime.failWhen(() => down, { kind: 'status', status: 503 }, 1_000_000);
    await running.accept('conv-out');
    running.worker.start();
    await waitFor(() => sink.received.length >= 1, 10_000, 'the outage alert');
    down = false;
    await waitFor(async () => (await running.store.counts()).byStatus.delivered === 1, 10_000, 'the delivery');
    await waitFor(() => sink.received.length >= 2, 5_000, 'the end of the outage');
    await sender!.settled();

    const texts = bodies().map((body) => String(body['text']));
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^DCI CRM Companion: Lime unavailable\. Lime has not answered since .* \(server_error\)/u);
    expect(texts[1]).toMatch(/^DCI CRM Companion: Lime available again\./u);
    // Slack and Teams' connector webhooks need only `text`.
    expect(bodies().every((body) => Object.keys(body).join() === 'text')).toBe(true);
    expectNothingPersonal();
  });

  it('a failed send is tried again and shows as sent on the overview list; nothing blocks the delivery', async () => {
    const running = await start({ format: 'teams_workflow' });
    sink.answers.push(500, 500);
    lime.setApiKey(TEST_API_KEY, undefined);
    await running.accept('conv-x');
    running.worker.start();
    await waitFor(async () => (await running.store.counts()).byStatus.dead === 1, 10_000, 'the dead letter');
    await waitFor(
      () => sender!.recent().some((alert) => alert.event === 'dead_letters'),
      5_000,
      'the dead-letter alert (after the grouping delay)',
    );
    await sender!.settled();

    expect(sink.received.length).toBeGreaterThanOrEqual(3);
    const recent = sender!.recent();
    expect(recent.map((alert) => [alert.event, alert.state])).toEqual(
      expect.arrayContaining([
        ['connection_lost', 'sent'],
        ['dead_letters', 'sent'],
      ]),
    );
    expect(recent.some((alert) => alert.tries > 1)).toBe(true);
    const card = bodies()[0] as { type: string; attachments: Array<{ contentType: string }> };
    expect(card.type).toBe('message');
    expect(card.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const logged = running.logs.filter((line) => line.includes('sending an alert failed'));
    expect(logged.length).toBe(2);
    expect(logged.every((line) => line.includes('"code":"http_500"') && !line.includes('127.0.0.1'))).toBe(true);
  });

  it("DCI's REST API refusing the token is alerted once, and its recovery once (the receiver as it runs)", async () => {
    const setup = await startDciSetup({
      env: {
        DCI_MODE: 'poll',
        DCI_POLL_INTERVAL_S: '5',
        ALERT_WEBHOOK_URL: sink.url,
        ALERT_FORMAT: 'generic',
        RECEIVER_PUBLIC_URL: 'https://companion.example.com',
      },
    });
    try {
      const polls = async () => (await setup.receiver.poller.status()).state?.last;
      await waitFor(async () => (await polls())?.ok === true, 15_000, 'a first poll');
      setup.dci.setToken(DCI_TOKEN, undefined);
      await waitFor(() => events().includes('dci_failing'), 20_000, 'the DCI alert');
      setup.dci.setToken(DCI_TOKEN, ALL_SCOPES);
      await waitFor(() => events().includes('dci_recovered'), 20_000, 'the recovery alert');

      const dciAlerts = bodies().filter((body) => String(body['event']).startsWith('dci_'));
      expect(dciAlerts.map((body) => [body['event'], (body['details'] as { code?: string }).code])).toEqual([
        ['dci_failing', 'dci_unauthorized'],
        ['dci_recovered', undefined],
      ]);
      expect(dciAlerts[0]).toMatchObject({ adminUrl: 'https://companion.example.com/admin', severity: 'critical' });
      expect(sink.received.map((request) => request.body.toString('utf8')).join('\n')).not.toContain(DCI_TOKEN);
    } finally {
      await setup.close();
    }
  }, 60_000);
});
