import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DciClient } from '../../src/dci-api';
import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import type { DeliveryRow } from '../../src/receiver/store/receiverStore';
import {
  startDciEmulator,
  type DciConversationInput,
  type DciEmulator,
  type DciEmulatorOptions,
  type TokenSettings,
} from '../../src/sandbox/dci';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { startLime, TEST_API_KEY } from './lime';
import { waitFor } from './waitFor';

export const DCI_TOKEN = 'mt_ab12cd34testtoken0001';
export const DCI_SECRET = 'dci-test-webhook-secret';
export const ALL_SCOPES: TokenSettings = {
  scopes: ['conversations', 'recordings', 'transcripts', 'users'],
  includeRecordings: true,
};

/** The Lime emulator's demo customer (src/sandbox/lime/demoData.ts): found by e-mail, and by mobile 070-123 45 67. */
export const ANNA = { name: 'Anna Andersson', email: 'anna.andersson@acme.se', mobile: '+46701234567' };
/** Lars Öberg at Acme: mobile +46 (0)76 111 22 33. */
export const LARS = { name: 'Lars Öberg', email: 'lars.oberg@acme.se', mobile: '+46761112233' };

/** A meeting of today, with the seller as host and the given customers, in DCI's emulator. */
export function meeting(
  dci: DciEmulator,
  participants: DciConversationInput['participants'],
  fields: Partial<DciConversationInput> = {},
): string {
  const date = new Date(dci.now().getTime() - 40 * 60_000).toISOString();
  return dci.addConversation({
    title: 'Discovery call — Acme',
    company: 'Acme',
    date,
    duration: 1800,
    user: { id: '67c869eb-30b1-4eb3-bd2c-be8c912a9827', name: 'Sara Säljare', email: 'sara.saljare@seller.se' },
    participants,
    recording: true,
    notes: 'Wants a quote before Friday.',
    ...fields,
  }).id;
}

export interface DciSetup {
  dci: DciEmulator;
  lime: LimeEmulator;
  receiver: RunningReceiver;
  dataDir: string;
  /** Waits until the conversation's delivery has the status. */
  delivered(conversationId: string, status?: DeliveryRow['status']): Promise<DeliveryRow>;
  close(): Promise<void>;
}

/**
 * The receiver as it runs (startReceiver with the real Lime connector and DCI client) on a fresh SQLite database,
 * the Lime emulator with its demo data and DCI's emulator; `env` is added to the receiver's environment (an empty
 * `DCI_API_URL` and `DCI_API_TOKEN` start it without DCI's REST API, to connect it on the admin pages).
 */
export async function startDciSetup(
  options: {
    env?: Record<string, string>;
    token?: TokenSettings;
    dci?: Omit<DciEmulatorOptions, 'tokens'>;
    /** Subscribe the receiver's webhook URL in DCI (webhook and both modes). */
    webhook?: boolean;
  } = {},
): Promise<DciSetup> {
  const dci = await startDciEmulator({
    tokens: { [DCI_TOKEN]: options.token ?? ALL_SCOPES },
    webhookRetryDelaysMs: [10, 20, 40],
    ...options.dci,
  });
  const lime = await startLime();
  seedDemoData(lime);
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-modes-'));
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    LIME_URL: lime.baseUrl,
    LIME_API_KEY: TEST_API_KEY,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    CONTACT_INDEX_SYNC_HOURS: '0',
    DCI_API_URL: dci.baseUrl,
    DCI_API_TOKEN: DCI_TOKEN,
    ...options.env,
  });
  const receiver = await startReceiver(config, {
    logger: createLogger('silent'),
    makeConnector: (connectorOptions) => new LimeConnector(connectorOptions),
    makeDciApi: (apiOptions) => new DciClient({ ...apiOptions, timeoutMs: 2000 }),
    host: '127.0.0.1',
  });
  if (options.webhook) dci.subscribe({ url: `${receiver.url}/api/v1/dci/webhook`, secret: DCI_SECRET });
  // The start-up connection check asks DCI too (a recording URL, when there is a conversation): let it finish first,
  // so what a test counts in DCI's request log is the delivery's own.
  if (receiver.dci.api() !== undefined) {
    await waitFor(() => receiver.dci.lastCheck() !== undefined, 10_000, 'the start-up DCI connection check');
  }
  const delivered = async (conversationId: string, status: DeliveryRow['status'] = 'delivered') => {
    let row: DeliveryRow | undefined;
    await waitFor(
      async () => {
        row = (await receiver.store.listDeliveries({ search: conversationId, limit: 5 })).find(
          (candidate) => candidate.conversationId === conversationId,
        );
        return row?.status === status;
      },
      30_000,
      `conversation ${conversationId} ${status}`,
    );
    return row!;
  };
  return {
    dci,
    lime,
    receiver,
    dataDir,
    delivered,
    close: async () => {
      await receiver.close();
      await dci.close();
      await lime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The DCI history notes in Lime (the ones carrying our conversation reference). */
export function dciNotes(lime: LimeEmulator, conversationId: string): Array<Record<string, unknown>> {
  return lime.all('history').filter((note) => String(note['note']).includes(`dci-conversation:${conversationId}`));
}
