import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { LimeConnector } from '../../src/lime-addon';
import { ConfigError, loadConfig } from '../../src/receiver/config/loadConfig';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { createLogger } from '../../src/receiver/observability/logger';
import { RetentionPurge } from '../../src/receiver/privacy/retentionPurge';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { ADMIN_PASSWORD, ADMIN_WEBHOOK_SECRET, startAdminReceiver, untilDeliveryStatus } from '../support/adminHarness';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { loggerInto } from '../support/capturedLogs';

// Retention: a delivered meeting's personal data (payload, title, matching traces) is purged RETENTION_DAYS after its
// delivery by the running receiver (at start, then hourly); what remains still shows on the admin pages.

const DAY = 24 * 3600 * 1000;
const SECRET = 'retention-test-secret';
const TITLE = 'Offer review with Anna Andersson';
const EMAIL = 'anna.andersson@acme.se';

afterAll(() => closeAll());

async function post(url: string, secret: string, payload: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${url}/api/v1/dci/webhook`, { method: 'POST', headers: signDci(body, secret), body });
  expect(response.status).toBe(202);
}

function annaMeeting(conversationId: string): Record<string, unknown> {
  return buildPayload({ id: conversationId, title: TITLE, participants: [buildParticipant({ email: EMAIL })] });
}

describe('RETENTION_DAYS', () => {
  const base = { DCI_WEBHOOK_SECRETS: SECRET };

  it('defaults to 30 days and takes 0 (purge right after delivery)', () => {
    expect(loadConfig(base).retentionDays).toBe(30);
    expect(loadConfig({ ...base, RETENTION_DAYS: '0' }).retentionDays).toBe(0);
    expect(loadConfig({ ...base, RETENTION_DAYS: '365' }).retentionDays).toBe(365);
  });

  it.each(['-1', '1.5', 'never', '3651'])('refuses %s with a message naming the variable and its range', (value) => {
    expect(() => loadConfig({ ...base, RETENTION_DAYS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, RETENTION_DAYS: value })).toThrow(
      'RETENTION_DAYS must be a whole number from 0 to 3650',
    );
  });
});

describe('the retention purge', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dci-retention-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('purges deliveries delivered more than RETENTION_DAYS ago and keeps the younger ones', async () => {
    const store = await openSqliteStore({ file: join(dir, 'receiver.db') });
    try {
      const t0 = Date.parse('2026-10-01T08:00:00Z');
      const deliverAt = async (conversationId: string, deliveredAt: number) => {
        await store.acceptSummary({
          deliveryKey: conversationId,
          scheme: 'dci',
          receivedAt: new Date(deliveredAt),
          rawBody: Buffer.from(JSON.stringify(annaMeeting(conversationId))),
          conversationId,
          title: TITLE,
          target: 'lime',
        });
        const [claimed] = await store.claimDue({
          workerId: 'w',
          now: new Date(deliveredAt),
          limit: 1,
          leaseMs: 60_000,
        });
        if (claimed === undefined) throw new Error('nothing to claim');
        await store.completeDelivery({
          deliveryId: claimed.deliveryId,
          workerId: 'w',
          version: claimed.version,
          attempt: { attempt: claimed.attempt, startedAt: new Date(deliveredAt), durationMs: 5, outcome: 'delivered' },
          outcomes: [{ participantIndex: 0, outcome: 'written', personId: 1, noteId: 2, trace: `email ${EMAIL} → 1` }],
          now: new Date(deliveredAt),
        });
        return claimed.deliveryId;
      };
      const old = await deliverAt('conv-old', t0);
      const young = await deliverAt('conv-young', t0 + 2 * DAY);
      const purge = new RetentionPurge({
        store,
        retentionDays: 30,
        logger: createLogger('silent'),
        now: () => new Date(t0 + 31 * DAY),
      });

      expect(await purge.runOnce()).toEqual({ deliveries: 1, payloads: 1 });

      expect(await store.getDelivery(old)).toMatchObject({ title: '', payloadRemoved: { reason: 'retention' } });
      expect(await store.getDelivery(young)).toMatchObject({
        title: TITLE,
        outcomes: [{ trace: `email ${EMAIL} → 1` }],
      });
    } finally {
      await store.close();
    }
  });
});

describe('the running receiver', () => {
  let lime: LimeEmulator;
  let dataDir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    lime = await startLime();
    seedDemoData(lime);
    dataDir = mkdtempSync(join(tmpdir(), 'dci-retention-receiver-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function start(retentionDays: string): Promise<RunningReceiver> {
    const config = loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      DCI_WEBHOOK_SECRETS: SECRET,
      LIME_URL: lime.baseUrl,
      LIME_API_KEY: TEST_API_KEY,
      INTERNAL_EMAIL_DOMAINS: 'seller.se',
      CONTACT_INDEX_SYNC_HOURS: '0',
      RETENTION_DAYS: retentionDays,
    });
    const logger = loggerInto(logs, 'info');
    return startReceiver(config, {
      logger,
      makeConnector: (options) => new LimeConnector(options),
      host: '127.0.0.1',
    });
  }

  /** The purge's log lines, parsed. */
  function purgeLogs(): Array<Record<string, unknown>> {
    return logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry['msg'] === 'retention purge done');
  }

  async function untilPurgeLogged(count: number): Promise<void> {
    for (let i = 0; i < 500 && purgeLogs().length < count; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(purgeLogs()).toHaveLength(count);
  }

  it('purges at start: with 30 days a fresh delivery stays; restarted with 0 its personal data goes', async () => {
    const first = await start('30');
    let deliveryId: string;
    try {
      await post(first.url, SECRET, annaMeeting('conv-retention-1'));
      deliveryId = (await untilDeliveryStatus(first, 'conv-retention-1', 'delivered')).id;
      await untilPurgeLogged(1);
      expect((await first.store.getDelivery(deliveryId))?.payloadRemoved).toBeUndefined();
    } finally {
      await first.close();
    }

    const second = await start('0');
    try {
      await untilPurgeLogged(2);
      const detail = await second.store.getDelivery(deliveryId);
      expect(detail).toMatchObject({ status: 'delivered', title: '', payloadRemoved: { reason: 'retention' } });
      expect(detail?.outcomes[0]).toMatchObject({ outcome: 'written', trace: '' });
      expect(await second.store.getEventBody(detail?.eventId ?? '')).toBeUndefined();
    } finally {
      await second.close();
    }

    // Logged with counts only: no title, address or summary text.
    expect(
      purgeLogs().map(({ retentionDays, deliveries, payloads }) => ({ retentionDays, deliveries, payloads })),
    ).toEqual([
      { retentionDays: 30, deliveries: 0, payloads: 0 },
      { retentionDays: 0, deliveries: 1, payloads: 1 },
    ]);
    const purgeLines = logs.filter((line) => line.includes('retention purge'));
    for (const line of purgeLines) {
      expect(line).not.toContain(EMAIL);
      expect(line).not.toContain('Anna');
    }
  });
});

describe('the admin pages, for a purged delivery', () => {
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/u.exec(html)?.[1] ?? '';

  it('still show its status, attempts and Lime ids, say the payload was purged, and offer no Retry or Dry run', async () => {
    const { receiver, lime, close } = await startAdminReceiver();
    try {
      lime.setApiKey(TEST_API_KEY, 'all');
      const agent = request.agent(receiver.url);
      const signInPage = await agent.get('/admin/sign-in');
      await agent
        .post('/admin/sign-in')
        .type('form')
        .send({ _csrf: csrfOf(signInPage.text), password: ADMIN_PASSWORD });
      const csrf = csrfOf((await agent.get('/admin')).text);
      await agent
        .post('/admin/connection')
        .type('form')
        .send({ _csrf: csrf, url: lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' });
      await post(receiver.url, ADMIN_WEBHOOK_SECRET, annaMeeting('conv-retention-admin'));
      const row = await untilDeliveryStatus(receiver, 'conv-retention-admin', 'delivered');
      await receiver.store.purgeDeliveredPayloads({ deliveredBefore: new Date(), now: new Date() });

      const page = await agent.get(`/admin/deliveries/${row.id}`);

      expect(page.status).toBe(200);
      expect(page.text).toContain('The payload was purged under the retention policy');
      expect(page.text).toMatch(/history note \d+/u);
      expect(page.text).toContain('removed with the payload');
      expect(page.text).not.toContain(EMAIL);
      expect(page.text).not.toContain(TITLE);
      // A delivered meeting's actions, shown but disabled: they need the payload.
      for (const label of ['Match again and update the notes', 'Dry run \\(writes nothing\\)']) {
        expect(page.text).toMatch(
          new RegExp(`<button type="submit" aria-describedby="[^"]+" disabled>${label}</button>`, 'u'),
        );
      }
      // A stale page's button still posts: nothing is requeued, and the page says why.
      const retried = await agent.post(`/admin/deliveries/${row.id}/retry`).type('form').send({ _csrf: csrf });
      expect(retried.status).toBe(303);
      expect((await receiver.store.getDelivery(row.id))?.status).toBe('delivered');
      const dryRun = await agent.post(`/admin/deliveries/${row.id}/dry-run`).type('form').send({ _csrf: csrf });
      expect(dryRun.text).toContain('The payload was removed: there is nothing to match.');
      const list = await agent.get('/admin/deliveries?q=conv-retention-admin');
      expect(list.text).toContain('Title removed');
    } finally {
      await close();
    }
  });
});
