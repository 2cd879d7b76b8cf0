import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type request from 'supertest';
import { startOfLocalDate } from '../../src/receiver/admin/adminTime';
import { lastLocalDates } from '../../src/receiver/admin/overviewFigures';
import { storeLocationFrom } from '../../src/receiver/config/loadConfig';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { openStore } from '../../src/receiver/store/openStore';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { ADMIN_WEBHOOK_SECRET, signInAdmin, startAdminReceiver, untilDeliveryStatus } from '../support/adminHarness';
import { seedSettledDelivery } from '../support/deliveryHistory';
import { closeAll, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';

const ZONE = 'Europe/Stockholm';
const SECOND = 1000;
const HOUR = 3600 * SECOND;

let dataDir: string;
let running: { receiver: RunningReceiver; lime: LimeEmulator; close(): Promise<void> } | undefined;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dci-charts-test-'));
});
afterEach(async () => {
  await running?.close();
  running = undefined;
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<RunningReceiver> {
  running = await startAdminReceiver({ DATA_DIR: dataDir, TIME_ZONE: ZONE });
  running.lime.setApiKey(TEST_API_KEY, 'all');
  return running.receiver;
}

/** Writes history into the receiver's database before it starts (so its worker never sees it due). */
async function seedBeforeStart(seed: (store: Awaited<ReturnType<typeof openStore>>) => Promise<void>) {
  const store = await openStore(storeLocationFrom({ DATA_DIR: dataDir }));
  try {
    await seed(store);
  } finally {
    await store.close();
  }
}

const dayLabel = (date: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' }).format(
    new Date(`${date}T00:00:00Z`),
  );

/** The cells of the row headed `label` in the figure `id`'s table. */
function tableRow(html: string, id: string, label: string): string[] | undefined {
  const figure = new RegExp(`<figure class="chart" id="${id}">([\\s\\S]*?)</figure>`, 'u').exec(html)?.[1] ?? '';
  for (const row of figure.matchAll(/<tr>([\s\S]*?)<\/tr>/gu)) {
    const cells = [...(row[1] ?? '').matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/gu)].map((cell) => cell[1] ?? '');
    if (cells[0] === label) return cells.slice(1);
  }
  return undefined;
}

function figureOf(html: string, id: string): string {
  return new RegExp(`<figure class="chart" id="${id}">([\\s\\S]*?)</figure>`, 'u').exec(html)?.[1] ?? '';
}

async function overview(receiver: RunningReceiver) {
  const { agent } = await signInAdmin(receiver.url);
  return (await agent.get('/admin')).text;
}

jest.setTimeout(30_000);

describe('overview pictures', () => {
  it('with nothing received, each picture says there is nothing to draw', async () => {
    const receiver = await start();

    const html = await overview(receiver);

    expect(html).toContain('Last 30 days');
    expect(figureOf(html, 'chart-deliveries')).toContain('No deliveries in the last 30 days.');
    expect(figureOf(html, 'chart-participants')).toContain(
      'No participants of delivered meetings in the last 30 days.',
    );
    expect(figureOf(html, 'chart-time-to-note')).toContain('No notes written in the last 30 days.');
    expect(html).not.toContain('<svg xmlns="http://www.w3.org/2000/svg" viewBox');
  });

  it('draws the seeded deliveries of a day in the time zone: by outcome, their participants, time to note', async () => {
    const dates = lastLocalDates(new Date(), ZONE, 30);
    const day = dates[26] ?? '';
    const noon = startOfLocalDate(day, ZONE).getTime() + 12 * HOUR;
    const outside = startOfLocalDate(dates[0] ?? '', ZONE).getTime() - HOUR;
    await seedBeforeStart(async (store) => {
      await seedSettledDelivery(store, { receivedAt: new Date(noon), tookMs: 10 * SECOND, outcome: 'delivered' });
      await seedSettledDelivery(store, {
        receivedAt: new Date(noon + HOUR),
        tookMs: 30 * SECOND,
        outcome: 'delivered',
      });
      await seedSettledDelivery(store, { receivedAt: new Date(noon), tookMs: 5 * SECOND, outcome: 'company_only' });
      await seedSettledDelivery(store, { receivedAt: new Date(noon), tookMs: 5 * SECOND, outcome: 'dead' });
      // Before the first day: not counted anywhere.
      await seedSettledDelivery(store, { receivedAt: new Date(outside), tookMs: 5 * SECOND, outcome: 'delivered' });
    });
    const receiver = await start();

    const html = await overview(receiver);

    // Delivered, company only, no match, dead, open.
    expect(tableRow(html, 'chart-deliveries', dayLabel(day))).toEqual(['2', '1', '0', '1', '0']);
    expect(tableRow(html, 'chart-deliveries', dayLabel(dates[29] ?? ''))).toEqual(['0', '0', '0', '0', '0']);
    const deliveries = figureOf(html, 'chart-deliveries');
    expect(deliveries).toContain('role="img"');
    expect(deliveries).toMatch(/<title id="chart-deliveries-title">Deliveries per day, the last 30 days<\/title>/u);
    expect(deliveries).toContain(
      '4 deliveries settled in the last 30 days: 2 delivered, 1 company only, 0 no match, 1 dead',
    );
    expect(deliveries).toContain(`data-label="${dayLabel(day)}"`);
    expect(deliveries).toMatch(/data-series="Delivered" data-value="2"/u);
    expect(deliveries).toContain(`Day (${ZONE})`);

    expect(tableRow(html, 'chart-participants', 'Matched by e-mail')).toEqual(['2']);
    expect(tableRow(html, 'chart-participants', 'Company only')).toEqual(['1']);
    expect(tableRow(html, 'chart-participants', 'Internal')).toEqual(['3']);
    expect(tableRow(html, 'chart-participants', 'No match')).toBeUndefined();

    // Notes, p50, p95 of 10 s and 30 s: interpolated like percentile_cont.
    expect(tableRow(html, 'chart-time-to-note', dayLabel(day))).toEqual(['2', '20 s', '29 s']);
    expect(figureOf(html, 'chart-time-to-note')).toContain('Time to note (log scale)');
  });

  it('the worker counts what each delivery came to: the overview and /metrics show the same figures', async () => {
    const receiver = await start();
    const { agent, csrf } = await signInAdmin(receiver.url);
    await connectLime(agent, csrf);
    const participants = {
      delivered: buildParticipant({ email: 'anna.andersson@acme.se' }),
      noMatch: buildParticipant({ name: 'Nobody', email: 'nobody@unknown-company.se', company: 'Unknown AB' }),
      companyOnly: { name: 'Caller', phone: '08-555 000 00', role: 'customer' },
    };
    // First, right after connecting (as adminPages.test.ts does): the fault meets this delivery's first request.
    running?.lime.failNext(1, { kind: 'status', status: 400, body: { error: 'Bad Request', message: 'Invalid.' } });
    await push(receiver, 'conv-chart-dead', [participants.delivered]);
    await untilDeliveryStatus(receiver, 'conv-chart-dead', 'dead');
    for (const [id, participant] of Object.entries(participants)) {
      await push(receiver, `conv-chart-${id}`, [participant]);
      await untilDeliveryStatus(receiver, `conv-chart-${id}`, 'delivered');
    }

    const html = (await agent.get('/admin')).text;
    const metrics = await (await fetch(`${receiver.url}/metrics`)).text();

    const today = lastLocalDates(new Date(), ZONE, 1)[0] ?? '';
    expect(tableRow(html, 'chart-deliveries', dayLabel(today))).toEqual(['1', '1', '1', '1', '0']);
    expect(metrics).toMatch(/^dci_deliveries_settled_total\{outcome="delivered"\} 1$/mu);
    expect(metrics).toMatch(/^dci_deliveries_settled_total\{outcome="company_only"\} 1$/mu);
    expect(metrics).toMatch(/^dci_deliveries_settled_total\{outcome="no_match"\} 1$/mu);
    expect(metrics).toMatch(/^dci_deliveries_settled_total\{outcome="dead"\} 1$/mu);
    expect(tableRow(html, 'chart-participants', 'Matched by e-mail')).toEqual(['1']);
    expect(tableRow(html, 'chart-participants', 'No match')).toEqual(['1']);
    expect(tableRow(html, 'chart-participants', 'Company only')).toEqual(['1']);
    expect(metrics).toMatch(/^dci_participant_outcomes_total\{outcome="matched_email"\} 1$/mu);
    expect(metrics).toMatch(/^dci_participant_outcomes_total\{outcome="no_match"\} 1$/mu);
    expect(metrics).toMatch(/^dci_participant_outcomes_total\{outcome="company_only"\} 1$/mu);
    expect(tableRow(html, 'chart-time-to-note', dayLabel(today))?.[0]).toBe('1');
    expect(metrics).toMatch(/^dci_delivery_time_to_note_seconds_count 1$/mu);
    expect(metrics).toMatch(/^dci_delivery_time_to_note_seconds_bucket\{le="86400"\} 1$/mu);
    // No personal data in the labels.
    expect(metrics).not.toMatch(/acme|anna|unknown-company|555/iu);
  });
});

async function connectLime(agent: ReturnType<typeof request.agent>, csrf: string) {
  const lime = running?.lime;
  if (!lime) throw new Error('not started');
  await agent.post('/admin/connection').type('form').send({
    _csrf: csrf,
    url: lime.baseUrl,
    apiKey: TEST_API_KEY,
    historyType: 'comment',
    internalDomains: 'seller.se',
  });
  // Saving starts a background connection check; let it finish so it does not take the fault meant for a delivery.
  for (let i = 0; i < 200 && running?.receiver.settings.lastCheck() === undefined; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function push(receiver: RunningReceiver, conversationId: string, participants: unknown[]) {
  const body = JSON.stringify(buildPayload({ id: conversationId, participants }));
  const response = await fetch(`${receiver.url}/api/v1/dci/webhook`, {
    method: 'POST',
    headers: signDci(body, ADMIN_WEBHOOK_SECRET),
    body,
  });
  expect(response.status).toBe(202);
}
