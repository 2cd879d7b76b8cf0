import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/receiver/cli/dciCompanion';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { openStore } from '../../src/receiver/store/openStore';
import type { AcceptedSummary, ReceiverStore } from '../../src/receiver/store/receiverStore';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import { csrfOf, signInAdmin, startAdminReceiver } from '../support/adminHarness';
import { closeAll } from '../support/lime';

// A receiver that delivered to SuperOffice (CRM=superoffice) is started again with CRM=lime: the store still holds
// SuperOffice's deliveries, which no worker here claims. They must not count as open (the queue gauges would hold
// docs/operate.md's `dci_oldest_pending_age_seconds > 3600` alert up forever), the pages name them apart, Requeue
// all leaves SuperOffice's dead letters as they are, and a requeue of one of them says why it is refused.

const HOUR = 3600 * 1000;
const SO = 'superoffice';

let dataDir: string;
let closeReceiver: (() => Promise<void>) | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dci-crm-switch-'));
});
afterEach(async () => {
  await closeReceiver?.();
  closeReceiver = undefined;
  await closeAll();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The store of a receiver on `dir` (DATA_DIR), as the receiver and the CLI open it. */
function openStoreAt(dir: string): Promise<ReceiverStore> {
  return openStore(loadConfig({ DATA_DIR: dir, DCI_WEBHOOK_SECRETS: 'unused', SECRET_KEY: 'a'.repeat(64) }).store);
}

let sequence = 0;
function summary(target: string, receivedAt: Date, title: string): AcceptedSummary {
  sequence += 1;
  return {
    deliveryKey: `crm-switch-${sequence}-${Date.now()}`,
    scheme: 'dci',
    receivedAt,
    rawBody: Buffer.from(JSON.stringify({ event: 'conversation.completed', sequence })),
    conversationId: `conversation-${sequence}-${Date.now()}`,
    eventTimestamp: receivedAt.toISOString(),
    title,
    target,
  };
}

async function queued(store: ReceiverStore, accepted: AcceptedSummary): Promise<string> {
  const result = await store.acceptSummary(accepted);
  if (result.kind !== 'queued') throw new Error(`expected queued, got ${result.kind}`);
  return result.deliveryId;
}

/** Claims the one due delivery of `target` and dead-letters it, as a worker of that CRM would. */
async function deadLetterOne(store: ReceiverStore, target: string, now: Date): Promise<string> {
  const [claimed] = await store.claimDue({ workerId: `${target}-before`, now, limit: 1, leaseMs: 60_000, target });
  if (claimed === undefined) throw new Error(`nothing of ${target} to claim`);
  await store.deadLetterDelivery({
    deliveryId: claimed.deliveryId,
    workerId: `${target}-before`,
    version: claimed.version,
    attempt: {
      attempt: claimed.attempt,
      startedAt: now,
      durationMs: 5,
      outcome: 'dead',
      errorCode: 'unauthorized',
      errorMessage: 'the CRM refused the credentials',
      crmStatus: 401,
    },
    now,
  });
  return claimed.deliveryId;
}

/**
 * What the store holds when CRM=lime is set again: SuperOffice's two open deliveries (2 and 3 hours old) and one
 * dead letter, and one Lime dead letter from before SuperOffice.
 */
async function seedBeforeSwitch() {
  const store = await openStoreAt(dataDir);
  try {
    const now = Date.now();
    const limeDead = await queued(store, summary('lime', new Date(now - 5 * HOUR), 'Kickoff (Lime)'));
    await deadLetterOne(store, 'lime', new Date(now - 5 * HOUR));
    const soDead = await queued(store, summary(SO, new Date(now - 4 * HOUR), 'Offer review (SuperOffice)'));
    await deadLetterOne(store, SO, new Date(now - 4 * HOUR));
    await queued(store, summary(SO, new Date(now - 3 * HOUR), 'Weekly sync (SuperOffice)'));
    await queued(store, summary(SO, new Date(now - 2 * HOUR), 'Planning (SuperOffice)'));
    return { limeDead, soDead };
  } finally {
    await store.close();
  }
}

async function startLimeReceiverOnIt(): Promise<RunningReceiver> {
  const started = await startAdminReceiver({ DATA_DIR: dataDir, CRM: 'lime' });
  closeReceiver = started.close;
  return started.receiver;
}

async function metricsText(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

describe('a receiver started with CRM=lime on a store holding SuperOffice deliveries', () => {
  it('does not count them as open: the queue gauges stay at zero, so the stale-queue alert never fires', async () => {
    await seedBeforeSwitch();
    const running = await startLimeReceiverOnIt();

    const metrics = await metricsText(running.url);

    expect(metrics).toMatch(/^dci_queue_depth 0$/mu);
    expect(metrics).toMatch(/^dci_oldest_pending_age_seconds 0$/mu);
  });

  it('the overview and the deliveries list say they wait for SuperOffice instead of counting them as open', async () => {
    await seedBeforeSwitch();
    const running = await startLimeReceiverOnIt();
    const { agent } = await signInAdmin(running.url);
    const waiting =
      '2 deliveries wait for SuperOffice (CRM=superoffice): they are delivered when CRM=superoffice is set again.';

    const overview = (await agent.get('/admin')).text;
    expect(overview).toContain(waiting);
    expect(overview).toMatch(/Queue: <strong>0<\/strong> open\./u);

    const list = (await agent.get('/admin/deliveries')).text;
    expect(list).toContain(waiting);
    expect(list.match(/>waits for SuperOffice</gu)).toHaveLength(2);
  });

  it('Requeue all requeues the Lime dead letter only and says SuperOffice’s was left', async () => {
    const { limeDead, soDead } = await seedBeforeSwitch();
    const running = await startLimeReceiverOnIt();
    const { agent } = await signInAdmin(running.url);

    const page = (await agent.get('/admin/dead-letters')).text;
    expect(page).toContain('Requeue all 1 dead letter');
    expect(page).toContain('>for SuperOffice</span>');
    const posted = await agent
      .post('/admin/dead-letters/requeue-all')
      .type('form')
      .send({ _csrf: csrfOf(page) });
    expect(posted.status).toBe(303);

    const after = (await agent.get('/admin/dead-letters')).text;
    expect(after).toContain('1 delivery requeued: it is tried again now with fresh attempts.');
    expect(after).toContain(
      '1 dead letter of SuperOffice (CRM=superoffice) was left as it is: requeue it when CRM=superoffice is set again.',
    );
    expect((await running.store.getDelivery(limeDead))?.status).toBe('pending');
    expect((await running.store.getDelivery(soDead))?.status).toBe('dead');
    // Nothing of SuperOffice's was reopened into the wait: the queue still has no SuperOffice delivery open.
    expect((await running.store.counts('lime')).waitingForOtherCrm).toEqual([{ target: SO, count: 2 }]);
  });

  it('a requeue of one SuperOffice dead letter says why it is refused, and leaves it dead', async () => {
    const { soDead } = await seedBeforeSwitch();
    const running = await startLimeReceiverOnIt();
    const { agent, csrf } = await signInAdmin(running.url);
    const refusal =
      'Nothing was requeued: this delivery is for SuperOffice (CRM=superoffice), and this receiver delivers to Lime (CRM=lime); requeued now it would only wait. Requeue it when CRM=superoffice is set again.';

    await agent
      .post(`/admin/dead-letters/${encodeURIComponent(soDead)}/requeue`)
      .type('form')
      .send({ _csrf: csrf });
    expect((await agent.get('/admin/dead-letters')).text).toContain(refusal);

    await agent
      .post(`/admin/deliveries/${encodeURIComponent(soDead)}/retry`)
      .type('form')
      .send({ _csrf: csrf });
    expect((await agent.get(`/admin/deliveries/${encodeURIComponent(soDead)}`)).text).toContain(refusal);

    expect((await running.store.getDelivery(soDead))?.status).toBe('dead');
  });
});

describe('the CLI with CRM=lime on a store holding SuperOffice deliveries', () => {
  async function cli(args: string[]) {
    const lines: string[] = [];
    const code = await runCli(
      args,
      { DATA_DIR: dataDir, CRM: 'lime' },
      (line) => lines.push(line),
      (line) => lines.push(line),
    );
    return { code, text: lines.join('\n') };
  }

  it('requeue --dead requeues the Lime dead letter and names SuperOffice’s left', async () => {
    const { limeDead, soDead } = await seedBeforeSwitch();

    const run = await cli(['requeue', '--dead']);

    expect(run.code).toBe(0);
    expect(run.text).toContain('1 dead delivery requeued.');
    expect(run.text).toContain('1 dead letter of SuperOffice (CRM=superoffice) was left as it is');
    const store = await openStoreAt(dataDir);
    try {
      expect((await store.getDelivery(limeDead))?.status).toBe('pending');
      expect((await store.getDelivery(soDead))?.status).toBe('dead');
    } finally {
      await store.close();
    }
  });

  it('requeue of a SuperOffice dead letter is refused with what to do', async () => {
    const { soDead } = await seedBeforeSwitch();

    const run = await cli(['requeue', soDead]);

    expect(run.code).toBe(1);
    expect(run.text).toContain('this delivery is for SuperOffice (CRM=superoffice)');
    expect(run.text).toContain('Requeue it when CRM=superoffice is set again.');
  });
});
