import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestBudget, RequestPurpose } from '../../src/crm/requestBudget';
import { CrmAvailability } from '../../src/receiver/deliver/crmAvailability';
import { DeliveryWorker, type DeliveryWorkerOptions } from '../../src/receiver/deliver/deliveryWorker';
import type { Logger } from '../../src/receiver/observability/logger';
import { createMetrics, type ReceiverMetrics } from '../../src/receiver/observability/metrics';
import type { ReceiverStore } from '../../src/receiver/store/receiverStore';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import type { LimeEmulator } from '../../src/sandbox/lime';
import { connectTo } from './lime';
import { buildParticipant, buildPayload } from './payloads';
import { RECEIVER_DELIVER_OPTIONS } from './receiver';
import { loggerInto } from './capturedLogs';

/** Every request the Lime connector asked the budget for, in order: what it was for and when. */
export interface CountingBudget extends RequestBudget {
  readonly taken: Array<{ purpose: RequestPurpose; at: number }>;
}

/** A RequestBudget that never makes anyone wait and writes down every request (the port, not a stand-in for Lime). */
export function countingBudget(): CountingBudget {
  const taken: Array<{ purpose: RequestPurpose; at: number }> = [];
  return {
    taken,
    take: async (purpose) => {
      taken.push({ purpose, at: Date.now() });
    },
    rateLimited: () => undefined,
  };
}

export interface OutageReceiver {
  store: ReceiverStore;
  worker: DeliveryWorker;
  availability: CrmAvailability;
  budget: CountingBudget;
  logger: Logger;
  metrics: ReceiverMetrics;
  /** Every log line written, as JSON text. */
  logs: string[];
  /** Stores a summary for `email` as ingest would; returns its conversation id. */
  accept(conversationId: string, email?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A receiver's delivery side as startReceiver assembles it (SQLite in a temp dir, the outage circuit, the worker
 * running its loop on the real clock) in front of a Lime emulator, over real HTTP.
 */
export async function startOutageReceiver(
  lime: LimeEmulator,
  options: {
    concurrency?: number;
    firstProbeMs?: number;
    probeCapMs?: number;
    maxAttempts?: number;
    now?: () => Date;
    worker?: Partial<DeliveryWorkerOptions>;
  } = {},
): Promise<OutageReceiver> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-outage-test-'));
  const store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
  const logs: string[] = [];
  const logger = loggerInto(logs);
  const budget = countingBudget();
  const connector = connectTo(lime, { budget });
  const availability = new CrmAvailability({
    getConnector: () => connector,
    logger,
    firstProbeMs: options.firstProbeMs ?? 100,
    probeCapMs: options.probeCapMs ?? 1000,
  });
  const metrics = createMetrics(store);
  const worker = new DeliveryWorker({
    store,
    getConnector: () => connector,
    deliverOptions: RECEIVER_DELIVER_OPTIONS,
    logger,
    metrics,
    concurrency: options.concurrency ?? 4,
    maxAttempts: options.maxAttempts ?? 25,
    maxAgeMs: 72 * 3600 * 1000,
    pollMs: 50,
    availability,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...options.worker,
  });
  return {
    store,
    worker,
    availability,
    budget,
    logger,
    metrics,
    logs,
    accept: async (conversationId, email = 'anna@acme.se') => {
      const payload = buildPayload({ id: conversationId, participants: [buildParticipant({ email })] });
      const result = await store.acceptSummary({
        deliveryKey: `key-${conversationId}`,
        scheme: 'dci',
        receivedAt: options.now?.() ?? new Date(),
        rawBody: Buffer.from(JSON.stringify(payload)),
        conversationId,
        title: 'Offer review — Acme',
        target: 'lime',
      });
      if (result.kind !== 'queued') throw new Error(`summary ${conversationId} not queued: ${result.kind}`);
      return conversationId;
    },
    close: async () => {
      await worker.stop();
      availability.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
