import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CrmConnector, DeliverOptions } from '../../src/crm/crmConnector';
import { DeliveryWorker } from '../../src/receiver/deliver/deliveryWorker';
import { createApp, type ReceiverApp } from '../../src/receiver/http/createApp';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { createMetrics } from '../../src/receiver/observability/metrics';
import type { DeliveryStatus, ReceiverStore } from '../../src/receiver/store/receiverStore';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import type { ConnectionCheck } from '../../src/crm/crmConnector';
import { loggerInto } from './capturedLogs';

export const WEBHOOK_SECRET = 'test-webhook-secret';

/** A clock a test moves by hand: retries become due when the test says so, not after real waiting. */
export class TestClock {
  private current: number;
  constructor(start = Date.parse('2026-11-20T10:00:00Z')) {
    this.current = start;
  }
  now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface TestReceiver {
  app: ReceiverApp;
  store: ReceiverStore;
  worker: DeliveryWorker;
  clock: TestClock;
  /** Every log line written, as JSON text. */
  logs: string[];
  /** Swaps the CRM connection (undefined: none configured). */
  setConnector(connector: CrmConnector | undefined): void;
  setConnectionCheck(check: ConnectionCheck | undefined): void;
  close(): Promise<void>;
}

export const RECEIVER_DELIVER_OPTIONS: Omit<DeliverOptions, 'signal'> = {
  internalDomains: ['seller.se'],
  defaultRegion: 'SE',
  timeZone: 'Europe/Stockholm',
  createMissingContacts: false,
  noteDate: 'now',
};

/**
 * The receiver as production assembles it (createApp + SQLite store in a temp dir + worker), with a test clock.
 * The worker does not run its loop: tests call `worker.drainOnce()` and wait on store state.
 */
export async function buildReceiver(
  options: {
    connector?: CrmConnector;
    secrets?: string[];
    maxBodyBytes?: number;
    maxAttempts?: number;
    shutdownGraceMs?: number;
    leaseMs?: number;
    /** Delivery options over RECEIVER_DELIVER_OPTIONS (e.g. `companyNotes: true`). */
    deliverOptions?: Partial<Omit<DeliverOptions, 'signal'>>;
  } = {},
): Promise<TestReceiver> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-receiver-test-'));
  const store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
  const logs: string[] = [];
  const logger = loggerInto(logs);
  const clock = new TestClock();
  const metrics = createMetrics(store, clock.now);
  let connector = options.connector;
  let check: ConnectionCheck | undefined;
  const worker = new DeliveryWorker({
    store,
    getConnector: () => connector,
    deliverOptions: { ...RECEIVER_DELIVER_OPTIONS, ...options.deliverOptions },
    logger,
    metrics,
    concurrency: 4,
    maxAttempts: options.maxAttempts ?? 25,
    maxAgeMs: 72 * 3600 * 1000,
    now: clock.now,
    random: () => 0.5,
    pollMs: 20,
    shutdownGraceMs: options.shutdownGraceMs,
    leaseMs: options.leaseMs,
  });
  const app = createApp({
    store,
    logger,
    metrics,
    webhookSecrets: options.secrets ?? [WEBHOOK_SECRET],
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    target: 'lime',
    connectionState: () => check,
    onQueued: () => undefined,
    now: clock.now,
  });
  return {
    app,
    store,
    worker,
    clock,
    logs,
    setConnector: (next) => {
      connector = next;
    },
    setConnectionCheck: (next) => {
      check = next;
    },
    close: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A body and DCI's headers for it. */
export function signedDci(payload: unknown, deliveryId?: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  return { body, headers: signDci(body, WEBHOOK_SECRET, deliveryId === undefined ? {} : { deliveryId }) };
}

/** Runs the worker until the delivery of `conversationId` reaches `status` (bounded: fails instead of hanging). */
export async function deliverUntil(receiver: TestReceiver, conversationId: string, status: DeliveryStatus) {
  for (let round = 0; round < 20; round += 1) {
    const row = (await receiver.store.listDeliveries({ search: conversationId, limit: 1 }))[0];
    if (row?.status === status) return row;
    await receiver.worker.drainOnce();
  }
  const row = (await receiver.store.listDeliveries({ search: conversationId, limit: 1 }))[0];
  throw new Error(`delivery of ${conversationId} is ${row?.status ?? 'missing'}, expected ${status}`);
}
