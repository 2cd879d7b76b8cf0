import { DEFAULT_HISTORY_TYPE } from '../../src/receiver/config/loadConfig';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LimeConnector } from '../../src/lime-addon';
import { closeAll, connectTo, startLime, TEST_API_KEY } from '../support/lime';

afterEach(closeAll);

const tlsFile = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'tls', name), 'utf8');
const ALL = ['read', 'create', 'update', 'delete'] as const;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function connector(baseUrl: string, options: Partial<ConstructorParameters<typeof LimeConnector>[0]> = {}) {
  return new LimeConnector({
    baseUrl,
    apiKey: TEST_API_KEY,
    historyType: DEFAULT_HISTORY_TYPE,
    timeouts: { connectMs: 2000, headersMs: 2000 },
    ...options,
  });
}

describe('Test connection', () => {
  it('succeeds against a working Lime, and reports the note types and note length', async () => {
    const lime = await startLime({ app: 'Lime CRM' });
    const check = await connectTo(lime).testConnection();
    expect(check).toMatchObject({ ok: true, noteMaxLength: 4000 });
    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['reach', true],
      ['authenticate', true],
      ['permissions', true],
      ['schema', true],
    ]);
    expect(check.steps[0]?.message).toContain('/Lime%20CRM/api/v1/');
    expect(check.noteTypes).toContainEqual({ key: 'comment', text: 'Comment' });
    expect(check.noteTypes?.map((type) => type.key)).not.toContain('empty');
  });

  it('an unknown host fails with dns_failed and says to check the host name', async () => {
    const check = await connector('http://lime.invalid/lime').testConnection();
    expect(check).toMatchObject({ ok: false, code: 'dns_failed' });
    expect(check.steps.at(-1)?.message).toMatch(/lime\.invalid could not be found.*Check the host name/u);
  });

  it('a port nobody listens on fails with connection_refused and mentions the firewall', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const check = await connector(`http://127.0.0.1:${port}/lime`).testConnection();
    expect(check).toMatchObject({ ok: false, code: 'connection_refused' });
    expect(check.steps.at(-1)?.message).toContain('firewall');
  });

  it('a self-signed (private CA) certificate fails with tls_failed, and passes with that CA configured', async () => {
    const lime = await startLime({ tls: { key: tlsFile('server.key'), cert: tlsFile('server.crt') } });
    expect(lime.baseUrl.startsWith('https://')).toBe(true);
    const strict = await connector(lime.baseUrl).testConnection();
    expect(strict).toMatchObject({ ok: false, code: 'tls_failed' });
    expect(strict.steps.at(-1)?.message).toContain('CA certificate');
    expect(await connector(lime.baseUrl, { ca: tlsFile('ca.crt') }).testConnection()).toMatchObject({ ok: true });
    expect(await connector(lime.baseUrl, { rejectUnauthorized: false }).testConnection()).toMatchObject({ ok: true });
  });

  it('a Lime that does not answer in time fails with timeout', async () => {
    const lime = await startLime({ latencyMs: 3000 });
    const check = await connector(lime.baseUrl, { timeouts: { headersMs: 200 } }).testConnection();
    expect(check).toMatchObject({ ok: false, code: 'timeout' });
    lime.setLatency(0);
  });

  it('a URL without the application segment fails with wrong_base_url and shows the expected form', async () => {
    const lime = await startLime({ app: 'acme' });
    const origin = new URL(lime.baseUrl).origin;
    const check = await connector(origin).testConnection();
    expect(check).toMatchObject({ ok: false, code: 'wrong_base_url' });
    expect(check.steps.at(-1)?.message).toContain('application name included');
  });

  it('a web server that is not Lime fails with wrong_base_url', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>Welcome</html>');
    });
    const port = await listen(server);
    try {
      const check = await connector(`http://127.0.0.1:${port}/lime`).testConnection();
      expect(check).toMatchObject({ ok: false, code: 'wrong_base_url' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('an invalid API key fails with unauthorized after the server was reached', async () => {
    const lime = await startLime();
    const check = await new LimeConnector({
      baseUrl: lime.baseUrl,
      apiKey: 'wrong',
      historyType: DEFAULT_HISTORY_TYPE,
    }).testConnection();
    expect(check).toMatchObject({ ok: false, code: 'unauthorized' });
    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['reach', true],
      ['authenticate', false],
    ]);
    expect(check.steps[1]?.message).toContain('creating a new key');
  });

  it('an API user who may not read history fails with forbidden, naming history', async () => {
    const lime = await startLime({ apiKeys: { [TEST_API_KEY]: { person: ALL, company: ALL, coworker: ALL } } });
    const check = await connectTo(lime).testConnection();
    expect(check).toMatchObject({ ok: false, code: 'forbidden' });
    expect(check.steps.at(-1)?.message).toMatch(/may not read history \(403\)/u);
  });

  it('an API user who may read but not create history fails with forbidden, naming the operation', async () => {
    const lime = await startLime({
      apiKeys: { [TEST_API_KEY]: { person: ALL, company: ALL, coworker: ALL, history: ['read'] } },
    });
    const check = await connectTo(lime).testConnection();
    expect(check).toMatchObject({ ok: false, code: 'forbidden' });
    expect(check.steps.at(-1)?.message).toContain('may not create history, update history');
  });

  it('an API user who may not create persons passes, with a warning about "Create contacts in CRM"', async () => {
    const lime = await startLime({
      apiKeys: { [TEST_API_KEY]: { person: ['read'], company: ['read'], coworker: ['read'], history: ALL } },
    });
    const check = await connectTo(lime).testConnection();
    expect(check.ok).toBe(true);
    expect(check.steps[2]?.message).toContain('"Create contacts in CRM" would fail');
  });

  it('a history type Lime does not offer fails with schema_mismatch, listing what Lime offers', async () => {
    const lime = await startLime();
    const check = await connectTo(lime, { historyType: 'dcisummary' }).testConnection();
    expect(check).toMatchObject({ ok: false, code: 'schema_mismatch' });
    expect(check.steps.at(-1)?.message).toMatch(
      /"dcisummary" is not an active option of history\.type \(offered: comment, /u,
    );
    expect(check.noteTypes?.length).toBeGreaterThan(0);
  });

  it('a configured field with the wrong type fails with schema_mismatch, naming the field and types', async () => {
    const lime = await startLime();
    const check = await connectTo(lime, { fields: { person: { email: 'inactive' } } }).testConnection();
    expect(check.steps.at(-1)?.message).toContain(
      'person.inactive is of type yesno; it must be string or text or phone or link.',
    );
  });
});
