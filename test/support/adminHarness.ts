import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { makeCrmConnector } from '../../src/receiver/makeCrmConnector';
import { createLogger, type Logger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { startLime } from './lime';

export const ADMIN_PASSWORD = 'correct horse battery staple';
export const SECRET_KEY = 'a'.repeat(64);
export const ADMIN_WEBHOOK_SECRET = 'admin-test-webhook-secret';

/** A running receiver with admin pages on, no Lime connection yet, and a seeded Lime emulator to connect to. */
export async function startAdminReceiver(env: Record<string, string> = {}): Promise<{
  receiver: RunningReceiver;
  lime: LimeEmulator;
  close(): Promise<void>;
}> {
  const lime = await startLime();
  seedDemoData(lime);
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-admin-test-'));
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: ADMIN_WEBHOOK_SECRET,
    ADMIN_PASSWORD,
    SECRET_KEY,
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    // No background contact-index sync: these tests inject Lime faults that a sync's queries must not take.
    CONTACT_INDEX_SYNC_HOURS: '0',
    ...env,
  });
  const receiver = await startReceiver(config, {
    logger: createLogger('silent'),
    makeConnector: (options) => new LimeConnector(options),
    host: '127.0.0.1',
  });
  return {
    receiver,
    lime,
    close: async () => {
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A running receiver with CRM=superoffice and admin pages on, on `dataDir`, no connection saved unless `env` gives
 * one. Its connector is main.ts's choice (makeCrmConnector), and asking it for a Lime connector fails the test.
 */
export async function startSuperOfficeAdminReceiver(
  dataDir: string,
  env: Record<string, string> = {},
  logger: Logger = createLogger('silent'),
): Promise<RunningReceiver> {
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: ADMIN_WEBHOOK_SECRET,
    ADMIN_PASSWORD,
    SECRET_KEY,
    CRM: 'superoffice',
    CONTACT_INDEX_SYNC_HOURS: '0',
    ...env,
  });
  return startReceiver(config, {
    logger,
    makeCrmConnector: (options) => {
      if (options.crm !== 'superoffice') throw new Error('CRM=superoffice built a Lime connector');
      return makeCrmConnector(options);
    },
    host: '127.0.0.1',
  });
}

/** Waits (bounded, on store state) until the delivery of `conversationId` has `status`, nudging the worker. */
export async function untilDeliveryStatus(receiver: RunningReceiver, conversationId: string, status: string) {
  for (let i = 0; i < 300; i += 1) {
    const [row] = await receiver.store.listDeliveries({ search: conversationId, limit: 1 });
    if (row?.status === status) return row;
    receiver.worker.wake();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`delivery ${conversationId} did not become ${status}`);
}

/** The CSRF token of a page's forms. */
export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/u.exec(html)?.[1] ?? '';

/** Signs in to a running receiver's admin pages: a browser-like agent (cookies kept) and its CSRF token. */
export async function signInAdmin(url: string) {
  const agent = request.agent(url);
  const page = await agent.get('/admin/sign-in');
  const response = await agent
    .post('/admin/sign-in')
    .type('form')
    .send({ _csrf: csrfOf(page.text), password: ADMIN_PASSWORD });
  if (response.status !== 303) throw new Error(`sign-in answered ${response.status}`);
  const overview = await agent.get('/admin');
  return { agent, csrf: csrfOf(overview.text) };
}
