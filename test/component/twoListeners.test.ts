import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LimeConnector } from '../../src/lime-addon';
import { ConfigError, loadConfig } from '../../src/receiver/config/loadConfig';
import { LIME_WEBHOOK_PATH } from '../../src/receiver/contactIndex/limeWebhookRoute';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { ADMIN_PASSWORD, SECRET_KEY } from '../support/adminHarness';
import { closeAll, startLime } from '../support/lime';
import { loggerInto } from '../support/capturedLogs';
import { envOf, readDockerfile } from '../support/dockerfile';
import { startLimeReceiver } from '../support/limeReceiver';
import { buildPayload } from '../support/payloads';

// HOST/PORT and ADMIN_HOST/ADMIN_PORT: with ADMIN_PORT set, DCI's and Lime's webhooks on one listener, the admin pages,
// /metrics and /readyz on the other, each refusing the other's routes (docs/receiver.md: Two listeners).

const SECRET = 'two-listeners-secret';
const DCI_WEBHOOK = '/api/v1/dci/webhook';

let lime: LimeEmulator;
const dataDirs: string[] = [];
const receivers: RunningReceiver[] = [];

beforeAll(async () => {
  lime = await startLime();
  seedDemoData(lime);
});
afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  await closeAll();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<RunningReceiver> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dci-listeners-test-'));
  dataDirs.push(dataDir);
  const receiver = await startLimeReceiver(lime, {
    dataDir,
    webhookSecret: SECRET,
    env: { ADMIN_PASSWORD, SECRET_KEY, CONTACT_INDEX_SYNC_HOURS: '0', ...env },
  });
  receivers.push(receiver);
  return receiver;
}

async function postSummary(baseUrl: string, payload: Record<string, unknown>) {
  const body = JSON.stringify(payload);
  const response = await fetch(`${baseUrl}${DCI_WEBHOOK}`, { method: 'POST', headers: signDci(body, SECRET), body });
  return { status: response.status, body: (await response.json()) as { error?: { code?: string } } };
}

async function get(url: string) {
  const response = await fetch(url, { redirect: 'manual' });
  const text = await response.text();
  return { status: response.status, text, type: response.headers.get('content-type') ?? '' };
}

describe('with ADMIN_PORT set, the receiver listens twice', () => {
  let receiver: RunningReceiver;
  beforeAll(async () => {
    receiver = await start({ ADMIN_PORT: '0' });
  });

  it('the admin listener is another port than the public one', () => {
    expect(receiver.adminUrl).not.toBe(receiver.url);
  });

  it("the public listener takes DCI's webhook; the admin listener refuses it with 404 not_found and stores nothing", async () => {
    const before = (await receiver.store.listDeliveries({ limit: 100 })).length;
    const refused = await postSummary(receiver.adminUrl, buildPayload());
    expect(refused).toEqual({ status: 404, body: { error: expect.objectContaining({ code: 'not_found' }) } });
    expect(await receiver.store.listDeliveries({ limit: 100 })).toHaveLength(before);

    const taken = await postSummary(receiver.url, buildPayload());
    expect(taken.status).toBe(202);
    expect(await receiver.store.listDeliveries({ limit: 100 })).toHaveLength(before + 1);
  });

  it("Lime's webhook route is on the public listener only", async () => {
    const post = (baseUrl: string) =>
      fetch(`${baseUrl}${LIME_WEBHOOK_PATH}`, { method: 'POST', body: '{}' }).then(async (response) => ({
        status: response.status,
        code: ((await response.json()) as { error?: { code?: string } }).error?.code,
      }));
    // Public: the route answers (its own refusal: no signature, or Lime webhooks off here), not an unknown route.
    expect((await post(receiver.url)).code).not.toBe('not_found');
    expect(await post(receiver.adminUrl)).toEqual({ status: 404, code: 'not_found' });
  });

  it('the admin pages, /metrics and /readyz answer on the admin listener and are 404 on the public one', async () => {
    expect((await get(`${receiver.adminUrl}/admin/sign-in`)).status).toBe(200);
    expect((await get(`${receiver.adminUrl}/metrics`)).text).toContain('# HELP');
    expect(JSON.parse((await get(`${receiver.adminUrl}/readyz`)).text)).toMatchObject({ status: 'ready' });
    for (const path of ['/admin', '/admin/sign-in', '/metrics', '/readyz']) {
      const answer = await get(`${receiver.url}${path}`);
      expect({ path, status: answer.status, body: JSON.parse(answer.text) as unknown }).toEqual({
        path,
        status: 404,
        body: { error: expect.objectContaining({ code: 'not_found' }) },
      });
    }
  });

  it('/healthz answers on both', async () => {
    for (const url of [receiver.url, receiver.adminUrl]) {
      expect(JSON.parse((await get(`${url}/healthz`)).text)).toEqual({ status: 'ok' });
    }
  });

  it('closing the receiver closes both listeners', async () => {
    const closing = await start({ ADMIN_PORT: '0' });
    await closing.close();
    await expect(fetch(`${closing.url}/healthz`)).rejects.toThrow();
    await expect(fetch(`${closing.adminUrl}/healthz`)).rejects.toThrow();
  });
});

describe('an admin port that is taken', () => {
  it('fails the start with the reason and stops what it started (no timer left; the same DATA_DIR starts again)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as AddressInfo).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'dci-listeners-test-'));
    dataDirs.push(dataDir);
    const options = { dataDir, webhookSecret: SECRET };
    const env = { ADMIN_PASSWORD, SECRET_KEY, CONTACT_INDEX_SYNC_HOURS: '0' };
    // The receiver's timers that keep the process alive: a failed start must leave none of its own behind.
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    try {
      await expect(
        startLimeReceiver(lime, { ...options, env: { ...env, ADMIN_PORT: String(takenPort) } }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      taken.close();
    }
    expect(timers()).toBeLessThanOrEqual(before);
    // The failed start closed its store (and the public listener): a receiver on the same files starts and answers.
    const again = await startLimeReceiver(lime, { ...options, env: { ...env, ADMIN_PORT: '0' } });
    receivers.push(again);
    expect((await get(`${again.adminUrl}/readyz`)).status).toBe(200);
  });
});

describe('without ADMIN_PORT, one listener serves everything as before', () => {
  it('the webhook, the admin pages, /metrics, /readyz and /healthz all answer on the one port', async () => {
    const receiver = await start({});
    expect(receiver.adminUrl).toBe(receiver.url);
    expect((await postSummary(receiver.url, buildPayload())).status).toBe(202);
    expect((await get(`${receiver.url}/admin/sign-in`)).status).toBe(200);
    expect((await get(`${receiver.url}/metrics`)).text).toContain('# HELP');
    expect((await get(`${receiver.url}/readyz`)).status).toBe(200);
    expect((await get(`${receiver.url}/healthz`)).status).toBe(200);
  });
});

describe('the listeners’ configuration', () => {
  const base = { DCI_WEBHOOK_SECRETS: SECRET };

  it('ADMIN_HOST defaults to 127.0.0.1 and HOST to 0.0.0.0; no ADMIN_PORT, no admin listener', () => {
    expect(loadConfig({ ...base, ADMIN_PORT: '9090' })).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      adminListener: { host: '127.0.0.1', port: 9090 },
    });
    expect(loadConfig(base).adminListener).toBeUndefined();
    expect(loadConfig({ ...base, HOST: '10.0.0.5', ADMIN_HOST: '10.0.0.6', ADMIN_PORT: '9090' })).toMatchObject({
      host: '10.0.0.5',
      adminListener: { host: '10.0.0.6', port: 9090 },
    });
  });

  it('ADMIN_PORT equal to PORT on the same host is a ConfigError that says so', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
        return [];
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.problems;
      }
    };
    expect(problems({ ADMIN_PORT: '8080' })).toEqual([expect.stringMatching(/^ADMIN_PORT: must differ from PORT/u)]);
    expect(problems({ PORT: '9000', ADMIN_PORT: '9000', HOST: '127.0.0.1' })).toHaveLength(1);
    // Different addresses may share a port number: nothing binds both.
    expect(problems({ PORT: '9000', ADMIN_PORT: '9000', HOST: '10.0.0.5', ADMIN_HOST: '127.0.0.1' })).toEqual([]);
    expect(problems({ ADMIN_PORT: 'admin' })).toEqual(['ADMIN_PORT must be a whole number from 0 to 65535']);
  });

  it('ADMIN_HOST without ADMIN_PORT is no error: one listener, and ADMIN_HOST is reported as unused', () => {
    for (const adminPort of [{}, { ADMIN_PORT: '' }, { ADMIN_PORT: '  ' }]) {
      const config = loadConfig({ ...base, ADMIN_HOST: '10.0.0.6', ...adminPort });
      expect(config.adminListener).toBeUndefined();
      expect(config.unusedAdminHost).toBe('10.0.0.6');
    }
    expect(loadConfig({ ...base, ADMIN_HOST: '10.0.0.6', ADMIN_PORT: '9090' }).unusedAdminHost).toBeUndefined();
    expect(loadConfig(base).unusedAdminHost).toBeUndefined();
  });

  it("the container image's environment with ADMIN_PORT= (docker run -e ADMIN_PORT=) loads with one listener", () => {
    const runtime = readDockerfile().find((stage) => stage.name === 'runtime');
    if (runtime === undefined) throw new Error('the Dockerfile has no runtime stage');
    const image = envOf(runtime);
    // What this test relies on: the image binds the admin listener apart, on every interface of the container.
    expect(image).toMatchObject({ ADMIN_HOST: '0.0.0.0', ADMIN_PORT: expect.stringMatching(/^\d+$/u) });
    const config = loadConfig({ ...image, ...base, ADMIN_PORT: '' });
    expect(config).toMatchObject({ host: image['HOST'], port: Number(image['PORT']), adminListener: undefined });
    expect(config.unusedAdminHost).toBe('0.0.0.0');
  });

  it('at start, ADMIN_HOST without ADMIN_PORT is one info line, and the one listener serves the admin pages', async () => {
    const logs: string[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'dci-listeners-test-'));
    dataDirs.push(dataDir);
    const receiver = await startReceiver(
      loadConfig({ ...base, ADMIN_HOST: '0.0.0.0', ADMIN_PORT: '', PORT: '0', DATA_DIR: dataDir }),
      {
        logger: loggerInto(logs, 'info'),
        host: '127.0.0.1',
        makeConnector: (options) => new LimeConnector(options),
      },
    );
    receivers.push(receiver);
    expect(receiver.adminUrl).toBe(receiver.url);
    expect((await get(`${receiver.url}/readyz`)).status).toBe(200);
    const entries = logs.map((line) => JSON.parse(line) as { level: string; msg: string; adminHost?: string });
    expect(entries.filter((entry) => entry.msg.startsWith('ADMIN_HOST is unused'))).toEqual([
      expect.objectContaining({ level: 'info', adminHost: '0.0.0.0' }),
    ]);
  });

  // The default ADMIN_HOST seen from the network: the machine's own non-loopback address reaches the public listener
  // (HOST 0.0.0.0) and not the admin one. A machine without such an address has nothing to reach it from: skipped,
  // with the reason printed, rather than passing on loopback alone.
  const outside = Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === 'IPv4' && !address.internal)?.address;
  if (outside === undefined) {
    console.warn(
      'Skipping the test that the admin listener is unreachable from another address: this machine has no non-loopback IPv4 address to try it from.',
    );
  }
  (outside === undefined ? it.skip : it)(
    `the admin listener is not reachable from another address by default (from ${outside ?? 'none'})`,
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'dci-listeners-test-'));
      dataDirs.push(dataDir);
      const receiver = await startReceiver(
        loadConfig({
          ...base,
          HOST: '0.0.0.0',
          PORT: '0',
          ADMIN_PORT: '0',
          DATA_DIR: dataDir,
          CONTACT_INDEX_SYNC_HOURS: '0',
        }),
        { logger: createLogger('silent'), makeConnector: (options) => new LimeConnector(options) },
      );
      receivers.push(receiver);
      expect((await get(`${receiver.adminUrl}/readyz`)).status).toBe(200);
      const port = (url: string) => new URL(url).port;
      expect((await get(`http://${outside}:${port(receiver.url)}/healthz`)).status).toBe(200);
      await expect(fetch(`http://${outside}:${port(receiver.adminUrl)}/healthz`)).rejects.toThrow();
    },
  );
});
