// SuperOffice authentication over real HTTP: the receiver's authorizers (src/superoffice-addon) against the emulator's
// tenant models (src/sandbox/superoffice/tenantAuthentication.ts), with the real @superoffice/webapi agents built
// with explicit options and the authorizer's headers, as the connector builds them.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { AppointmentAgent, type WebApiOptions } from '@superoffice/webapi';
import { CrmError } from '../../src/crm/crmError';
import { superOfficeAuthorizer } from '../../src/superoffice-addon/superOfficeAuth';
import type { SuperOfficeAuthorizer, SuperOfficeCredentials } from '../../src/superoffice-addon/superOfficeOptions';
import { RENEW_AFTER_IDLE_MS } from '../../src/superoffice-addon/systemUserAuthorizer';
import { webApiSession } from '../../src/superoffice-addon/webApiAgents';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SuperOfficeConnector } from '../../src/superoffice-addon/superOfficeConnector';
import {
  seedDemoData,
  startSuperOfficeEmulator,
  type SuperOfficeAuthModel,
  type SuperOfficeEmulator,
} from '../../src/sandbox/superoffice';

const CLIENT_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const CLIENT_SECRET = 'client-secret-7f3a9c';
const SYSTEM_USER_TOKEN = 'DCI CRM Companion-q8Zr2xTw';
const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_KEY = keyPair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ONLINE: SuperOfficeAuthModel = {
  kind: 'online',
  applications: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, publicKeyPem: PUBLIC_KEY }],
  systemUsers: [{ systemUserToken: SYSTEM_USER_TOKEN, clientId: CLIENT_ID }],
};

let clockMs = Date.parse('2026-12-04T09:00:00Z');
const emulators: SuperOfficeEmulator[] = [];

async function start(auth: SuperOfficeAuthModel): Promise<SuperOfficeEmulator> {
  const emulator = await startSuperOfficeEmulator({ auth, now: () => new Date(clockMs) });
  emulators.push(emulator);
  seedDemoData(emulator);
  return emulator;
}

const servers: Server[] = [];
const TLS = join(__dirname, '..', 'fixtures', 'tls');

/** An HTTPS front (test CA's certificate for 127.0.0.1) for the emulator's login host: path, method, body passed on. */
async function startHttpsLoginFront(emulator: SuperOfficeEmulator): Promise<string> {
  const target = new URL(emulator.loginUrl ?? '').origin;
  const server = createHttpsServer(
    { cert: readFileSync(join(TLS, 'server.crt')), key: readFileSync(join(TLS, 'server.key')) },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        void fetch(`${target}${request.url ?? ''}`, {
          method: request.method ?? 'GET',
          headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
          ...(body.length > 0 ? { body } : {}),
        }).then(
          async (answer) => {
            response
              .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' })
              .end(Buffer.from(await answer.arrayBuffer()));
          },
          () => response.writeHead(502).end(),
        );
      });
    },
  );
  servers.push(server as unknown as Server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return `https://127.0.0.1:${port}/login`;
}

afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** A plain HTTP server on loopback answering with `answer`; what reached it (path and body) is in `received`. */
async function startServer(
  answer: (
    request: IncomingMessage,
    body: string,
  ) => { status: number; headers?: Record<string, string>; body?: string },
): Promise<{ origin: string; received: { path: string; body: string }[] }> {
  const received: { path: string; body: string }[] = [];
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ path: request.url ?? '', body });
      const reply = answer(request, body);
      response.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? '');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, received };
}

function systemUser(
  emulator: SuperOfficeEmulator,
  overrides: Partial<Extract<SuperOfficeCredentials, { kind: 'system_user' }>> = {},
  options: { baseUrl?: string; now?: () => number; jwksUrl?: string } = {},
): SuperOfficeAuthorizer {
  return superOfficeAuthorizer(
    {
      kind: 'system_user',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      privateKeyPem: PRIVATE_KEY,
      systemUserToken: SYSTEM_USER_TOKEN,
      loginUrl: emulator.loginUrl,
      ...overrides,
    },
    { baseUrl: options.baseUrl ?? emulator.baseUrl, now: options.now ?? (() => clockMs), jwksUrl: options.jwksUrl },
  );
}

function agent(baseUrl: string, headers: Record<string, string>): AppointmentAgent {
  const options: WebApiOptions = { baseUrl, axiosConfig: { headers }, timezone: 'UTC', timezoneInclude: true };
  return new AppointmentAgent(options);
}

function statusOf(error: unknown): number | undefined {
  return (error as { response?: { status?: number } }).response?.status;
}

/** One WebAPI call as the connector makes it: headers from the authorizer; on a 401, `rejected(sent)` and one retry. */
async function listTasks(emulator: SuperOfficeEmulator, authorizer: SuperOfficeAuthorizer): Promise<number> {
  const sent = await authorizer.headers();
  try {
    return (await agent(emulator.baseUrl, sent).getTaskListItemsAsync(false)).length;
  } catch (error) {
    if (statusOf(error) !== 401 || !authorizer.rejected(sent)) throw error;
    return (await agent(emulator.baseUrl, await authorizer.headers()).getTaskListItemsAsync(false)).length;
  }
}

async function failure(promise: Promise<unknown>): Promise<CrmError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CrmError) return error;
    throw error;
  }
  throw new Error('expected a CrmError');
}

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(CLIENT_SECRET);
  expect(text).not.toContain(SYSTEM_USER_TOKEN);
  expect(text).not.toContain('PRIVATE KEY');
}

describe('Online: the system user flow', () => {
  it('exchanges the signed system user token for a ticket the WebAPI accepts with the client secret as SO-AppToken', async () => {
    const emulator = await start(ONLINE);
    const authorizer = systemUser(emulator);

    const headers = await authorizer.headers();

    expect(headers.Authorization).toMatch(/^SOTicket 7T:/u);
    expect(headers['SO-AppToken']).toBe(CLIENT_SECRET);
    expect(await listTasks(emulator, authorizer)).toBeGreaterThan(0);
    expect(emulator.exchangeCount).toBe(1);
    expectNoSecrets(authorizer.describe());
    expect(authorizer.describe()).toContain('a1b2c3d4');
  });

  it('reuses the ticket: one exchange for many requests, and one for many waiting at once (single-flight)', async () => {
    const emulator = await start(ONLINE);
    const authorizer = systemUser(emulator);

    const concurrent = await Promise.all(Array.from({ length: 10 }, () => authorizer.headers()));
    for (let call = 0; call < 5; call += 1) await listTasks(emulator, authorizer);

    expect(new Set(concurrent.map((headers) => headers.Authorization)).size).toBe(1);
    expect(emulator.exchangeCount).toBe(1);
  });

  it('renews a ticket idle for more than 5 hours before using it', async () => {
    const emulator = await start(ONLINE);
    const authorizer = systemUser(emulator);
    const first = await authorizer.headers();
    await listTasks(emulator, authorizer);

    clockMs += RENEW_AFTER_IDLE_MS - 60_000;
    expect(await authorizer.headers()).toEqual(first);
    clockMs += RENEW_AFTER_IDLE_MS + 60_000;
    const renewed = await authorizer.headers();

    expect(renewed.Authorization).not.toBe(first.Authorization);
    expect(emulator.exchangeCount).toBe(2);
    expect(await listTasks(emulator, authorizer)).toBeGreaterThan(0);
  });

  it('the emulator expires a ticket 6 hours after its issue, however often it was used (absolute, stricter)', async () => {
    const emulator = await start(ONLINE);
    const ticket = emulator.issueTicketFor(CLIENT_ID);
    const headers = { Authorization: `SOTicket ${ticket}`, 'SO-AppToken': CLIENT_SECRET };
    for (let hour = 0; hour < 5; hour += 1) {
      clockMs += 60 * 60 * 1000;
      await agent(emulator.baseUrl, headers).getTaskListItemsAsync(false);
    }
    clockMs += 60 * 60 * 1000 + 1000; // used an hour ago, issued 6 hours and a second ago

    await expect(agent(emulator.baseUrl, headers).getTaskListItemsAsync(false)).rejects.toMatchObject({
      response: { status: 401, data: { Message: 'The ticket has expired.' } },
    });
  });

  it('renews a ticket in use all along before it is 6 hours old (not only after 5 idle hours)', async () => {
    const emulator = await start(ONLINE);
    const authorizer = systemUser(emulator);
    const first = await authorizer.headers();
    for (let hour = 0; hour < 5; hour += 1) {
      clockMs += 60 * 60 * 1000 - 60_000;
      expect(await authorizer.headers()).toEqual(first);
      await listTasks(emulator, authorizer);
    }
    clockMs += 10 * 60_000; // 5 h 5 min after the exchange, last used a few minutes ago

    const renewed = await authorizer.headers();
    expect(renewed.Authorization).not.toBe(first.Authorization);
    expect(emulator.exchangeCount).toBe(2);
    clockMs += 60 * 60 * 1000; // the first ticket is now past its 6 hours; the renewed one works
    expect(await listTasks(emulator, authorizer)).toBeGreaterThan(0);
    expect(emulator.requests.filter((request) => request.status === 401)).toEqual([]);
  });

  it('advanceClock moves the emulator’s clock: a ticket expires 6 hours after its issue', async () => {
    const emulator = await start(ONLINE);
    const headers = { Authorization: `SOTicket ${emulator.issueTicketFor(CLIENT_ID)}`, 'SO-AppToken': CLIENT_SECRET };
    emulator.advanceClock(6 * 60 * 60 * 1000 - 1000);
    await agent(emulator.baseUrl, headers).getTaskListItemsAsync(false);

    emulator.advanceClock(6 * 60 * 60 * 1000 + 1000);

    await expect(agent(emulator.baseUrl, headers).getTaskListItemsAsync(false)).rejects.toMatchObject({
      response: { status: 401, data: { Message: 'The ticket has expired.' } },
    });
  });

  it('a late 401 for a ticket already replaced does not drop its replacement: 2 exchanges, not 3', async () => {
    const emulator = await start(ONLINE);
    const authorizer = systemUser(emulator);
    const old = await authorizer.headers();
    authorizer.rejected(old); // the first request with the expired ticket
    const renewed = await authorizer.headers();
    authorizer.rejected(old); // a second request in parallel, answered 401 later, for the same old ticket
    const again = await authorizer.headers();

    expect(renewed.Authorization).not.toBe(old.Authorization);
    expect(again).toEqual(renewed);
    expect(emulator.exchangeCount).toBe(2);
  });

  it('through the connector’s agents: requests in parallel meeting one expiry share one new ticket', async () => {
    const emulator = await start(ONLINE);
    const authorizer = systemUser(emulator);
    const transport = {
      baseUrl: emulator.baseUrl,
      authorizer,
      httpAgent: new HttpAgent(),
      httpsAgent: new HttpsAgent(),
      timeoutMs: 10_000,
    };
    await webApiSession(transport, 'delivery').agents.appointment.getTaskListItemsAsync(false);
    emulator.expireTickets();

    const lists = await Promise.all(
      Array.from({ length: 4 }, () =>
        webApiSession(transport, 'delivery').agents.appointment.getTaskListItemsAsync(false),
      ),
    );

    expect(lists.every((list) => list.length > 0)).toBe(true);
    expect(emulator.exchangeCount).toBe(2);
    transport.httpAgent.destroy();
  });

  it('a ticket the WebAPI refuses (401) is exchanged anew after rejected(), and the call succeeds', async () => {
    const emulator = await start(ONLINE);
    const authorizer = systemUser(emulator);
    await listTasks(emulator, authorizer);

    emulator.expireTickets();
    emulator.clearRequests();

    expect(await listTasks(emulator, authorizer)).toBeGreaterThan(0);
    expect(emulator.exchangeCount).toBe(2);
    expect(emulator.requests.map((request) => request.status)).toEqual([401, 200, 200]);
  });

  it('refuses a ticket with a wrong or missing SO-AppToken, and Basic auth, with 401', async () => {
    const emulator = await start(ONLINE);
    const ticket = emulator.issueTicketFor(CLIENT_ID);
    const call = (headers: Record<string, string>) => agent(emulator.baseUrl, headers).getTaskListItemsAsync(false);

    await expect(call({ Authorization: `SOTicket ${ticket}`, 'SO-AppToken': 'another-secret' })).rejects.toMatchObject({
      response: { status: 401 },
    });
    await expect(call({ Authorization: `SOTicket ${ticket}` })).rejects.toMatchObject({ response: { status: 401 } });
    const basic = `Basic ${Buffer.from('ADMIN0:pw').toString('base64')}`;
    await expect(call({ Authorization: basic })).rejects.toMatchObject({ response: { status: 401 } });
    expect(await call({ Authorization: `SOTicket ${ticket}`, 'SO-AppToken': CLIENT_SECRET })).not.toHaveLength(0);
  });

  it('answers 421 "Wrong subdomain used to access tenant" on the unnumbered host, with a valid ticket', async () => {
    const emulator = await start(ONLINE);
    const authorizer = systemUser(emulator);
    const headers = await authorizer.headers();

    await expect(agent(emulator.unnumberedBaseUrl ?? '', headers).getTaskListItemsAsync(false)).rejects.toMatchObject({
      response: { status: 421, data: { Message: 'Wrong subdomain used to access tenant' } },
    });
  });

  it.each<[string, (emulator: SuperOfficeEmulator) => SuperOfficeAuthorizer, RegExp]>([
    ['a wrong client secret', (e) => systemUser(e, { clientSecret: 'client-secret-wrong1' }), /client secret/u],
    [
      'a revoked system user token',
      (e) => {
        e.revokeSystemUserToken(SYSTEM_USER_TOKEN);
        return systemUser(e);
      },
      /revoked.*consent/u,
    ],
    [
      'a private key that is not the registered one',
      (e) =>
        systemUser(e, {
          privateKeyPem: generateKeyPairSync('rsa', { modulusLength: 2048 })
            .privateKey.export({ type: 'pkcs8', format: 'pem' })
            .toString(),
        }),
      /private key/u,
    ],
    [
      'a wrong customer id',
      (e) => systemUser(e, {}, { baseUrl: e.baseUrl.replace('Cust12345', 'Cust99999') }),
      /customer id.*Cust99999|Cust99999.*customer id/u,
    ],
    ['a clock 10 minutes off', (e) => systemUser(e, {}, { now: () => clockMs + 10 * 60_000 }), /clock/u],
  ])('%s → CrmError unauthorized naming the cause, without secrets', async (_name, build, cause) => {
    const emulator = await start(ONLINE);
    const error = await failure(build(emulator).headers());

    expect(error.code).toBe('unauthorized');
    expect(error.message).toMatch(cause);
    expectNoSecrets(error.message);
    expectNoSecrets(JSON.stringify({ ...error, message: error.message }).replace(/"detail":"[^"]*"/u, ''));
  });

  it('login service unreachable → a retryable network CrmError naming the login service', async () => {
    const emulator = await start(ONLINE);
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const loginUrl = `http://127.0.0.1:${closedPort}/login/api/PartnerSystemUser/Authenticate`;

    const error = await failure(systemUser(emulator, { loginUrl }).headers());

    expect(error.code).toBe('connection_refused');
    expect(error.message).toContain('login service');
    expectNoSecrets(error.message);
  });

  it.each([301, 302, 307, 308])(
    'a %i from the login service is not followed: the secrets never reach the other host, and the error names the login URL',
    async (status) => {
      const emulator = await start(ONLINE);
      const elsewhere = await startServer(() => ({ status: 200, body: '{}' }));
      const redirecting = await startServer(() => ({
        status,
        headers: { location: `${elsewhere.origin}/login/api/PartnerSystemUser/Authenticate` },
      }));
      const loginUrl = `${redirecting.origin}/login/api/PartnerSystemUser/Authenticate`;

      const error = await failure(systemUser(emulator, { loginUrl }).headers());

      expect(elsewhere.received).toEqual([]);
      expect(redirecting.received).toHaveLength(1);
      expect(error).toMatchObject({ code: 'unexpected_status', status });
      expect(error.message).toContain(loginUrl);
      expect(error.message).toContain('SUPEROFFICE_LOGIN_URL');
      expectNoSecrets(error.message);
    },
  );

  it.each(['{}', '{"Token":"x"}', '{"IsSuccessful":"true","Token":"x"}'])(
    'a 200 answer without the documented IsSuccessful (%s) is a bad_response, not a refusal',
    async (body) => {
      const emulator = await start(ONLINE);
      const proxy = await startServer(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body }));

      const error = await failure(
        systemUser(emulator, { loginUrl: `${proxy.origin}/login/api/PartnerSystemUser/Authenticate` }).headers(),
      );

      expect(error.code).toBe('bad_response');
      expect(error.message).toContain('documented JSON');
    },
  );

  it.each([
    ['the login service’s base', '/login'],
    ['its base with a slash', '/login/'],
    ['the whole address', '/login/api/PartnerSystemUser/Authenticate'],
    ['the whole address in the documented case', '/Login/api/PartnerSystemUser/Authenticate'],
  ])('SUPEROFFICE_LOGIN_URL as %s (%s) reaches the exchange', async (_name, path) => {
    const emulator = await start(ONLINE);
    const origin = new URL(emulator.loginUrl ?? '').origin;

    const headers = await systemUser(emulator, { loginUrl: `${origin}${path}` }).headers();

    expect(headers.Authorization).toMatch(/^SOTicket /u);
    expect(emulator.exchangeCount).toBe(1);
  });

  it('a login URL where no exchange answers (404) → not_found naming SUPEROFFICE_LOGIN_URL, not advice about secrets', async () => {
    const emulator = await start(ONLINE);
    const origin = new URL(emulator.loginUrl ?? '').origin;

    const error = await failure(systemUser(emulator, { loginUrl: `${origin}/elsewhere/login` }).headers());

    expect(error).toMatchObject({ code: 'not_found', status: 404 });
    expect(error.message).toContain('SUPEROFFICE_LOGIN_URL');
    expect(error.message).toContain(`${origin}/elsewhere/login/api/PartnerSystemUser/Authenticate`);
    expect(error.message).not.toMatch(/client secret|clock/u);
  });

  it('a login service refusing the POST (405) → not_found naming SUPEROFFICE_LOGIN_URL', async () => {
    const emulator = await start(ONLINE);
    const getOnly = await startServer(() => ({ status: 405, headers: { allow: 'GET' } }));

    const error = await failure(systemUser(emulator, { loginUrl: `${getOnly.origin}/login` }).headers());

    expect(error).toMatchObject({ code: 'not_found', status: 405 });
    expect(error.message).toContain('SUPEROFFICE_LOGIN_URL');
    expect(getOnly.received.map((request) => request.path)).toEqual(['/login/api/PartnerSystemUser/Authenticate']);
  });

  it('a redirect for the public keys is not followed either', async () => {
    const emulator = await start(ONLINE);
    const elsewhere = await startServer(() => ({ status: 200, body: '{"keys":[]}' }));
    const redirecting = await startServer(() => ({ status: 307, headers: { location: `${elsewhere.origin}/jwks` } }));

    const error = await failure(
      systemUser(emulator, {}, { jwksUrl: `${redirecting.origin}/login/.well-known/jwks` }).headers(),
    );

    expect(elsewhere.received).toEqual([]);
    expect(error).toMatchObject({ code: 'unexpected_status', status: 307, operation: 'GET .well-known/jwks' });
  });

  it('an Ed25519 private key is refused when the authorizer is made (not later as a retried network error)', async () => {
    const emulator = await start(ONLINE);
    const ed25519 = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

    expect(() => systemUser(emulator, { privateKeyPem: ed25519 })).toThrow(/ed25519 key, not RSA/u);
    expect(emulator.exchangeCount).toBe(0);
  });

  it('refuses a JWT not signed with the login service’s published key (bad_response), and gets no ticket', async () => {
    const emulator = await start(ONLINE);
    const other = await start(ONLINE);
    const otherJwks = (other.loginUrl ?? '').replace('/api/PartnerSystemUser/Authenticate', '/.well-known/jwks');

    const error = await failure(systemUser(emulator, {}, { jwksUrl: otherJwks }).headers());

    expect(error.code).toBe('bad_response');
    expect(error.message).toContain('signature');
  });

  it('a caller that aborts stops waiting; the shared exchange still serves the others', async () => {
    const emulator = await start(ONLINE);
    const authorizer = systemUser(emulator);
    const controller = new AbortController();
    const aborted = authorizer.headers(controller.signal);
    const patient = authorizer.headers();
    controller.abort();

    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    expect((await patient).Authorization).toMatch(/^SOTicket /u);
    expect(emulator.exchangeCount).toBe(1);
  });
});

describe('Online: the exchange uses the connector’s TLS options (SUPEROFFICE_CA_FILE, …_TLS_REJECT_UNAUTHORIZED)', () => {
  async function connectorVia(emulator: SuperOfficeEmulator, tls: { ca?: string; rejectUnauthorized: boolean }) {
    const connector = new SuperOfficeConnector({
      baseUrl: emulator.baseUrl,
      credentials: {
        kind: 'system_user',
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        privateKeyPem: PRIVATE_KEY,
        systemUserToken: SYSTEM_USER_TOKEN,
        loginUrl: await startHttpsLoginFront(emulator),
      },
      taskTypeName: 'Meeting',
      now: () => clockMs,
      timeoutMs: 5_000,
      ...tls,
    });
    return connector;
  }

  it('a login service whose certificate the configured CA signed is reached (exchange and keys)', async () => {
    const emulator = await start(ONLINE);
    const connector = await connectorVia(emulator, {
      ca: readFileSync(join(TLS, 'ca.crt'), 'utf8'),
      rejectUnauthorized: true,
    });

    await connector.probe();
    await connector.close();

    expect(emulator.exchangeCount).toBe(1);
  });

  it('without that CA the certificate is refused: tls_failed naming SUPEROFFICE_CA_FILE; verification off reaches it', async () => {
    const emulator = await start(ONLINE);
    const strict = await connectorVia(emulator, { rejectUnauthorized: true });
    const error = await failure(strict.probe());
    await strict.close();
    expect(error.code).toBe('tls_failed');
    expect(error.message).toContain('SUPEROFFICE_CA_FILE');
    expect(emulator.exchangeCount).toBe(0);

    const unverified = await connectorVia(emulator, { rejectUnauthorized: false });
    await unverified.probe();
    await unverified.close();
    expect(emulator.exchangeCount).toBe(1);
  });
});

describe('Onsite', () => {
  it('basic auth with a SuperOffice user name and password works, a wrong password is a 401', async () => {
    const emulator = await start({ kind: 'onsite', users: [{ username: 'ADMIN0', password: 'secret-pw' }] });
    const good = superOfficeAuthorizer({ kind: 'basic', username: 'ADMIN0', password: 'secret-pw' });
    const bad = superOfficeAuthorizer({ kind: 'basic', username: 'ADMIN0', password: 'wrong-pw' });

    expect(await listTasks(emulator, good)).toBeGreaterThan(0);
    await expect(listTasks(emulator, bad)).rejects.toMatchObject({ response: { status: 401 } });
    expect(bad.rejected({ Authorization: 'Basic x' })).toBe(false);
    expect(good.describe()).not.toContain('secret-pw');
  });

  it('a fixed SOTicket works without an app token; Bearer is refused (Online only)', async () => {
    const emulator = await start({ kind: 'onsite', tickets: ['7T:onsite-ticket'] });
    const ticket = superOfficeAuthorizer({ kind: 'ticket', ticket: '7T:onsite-ticket' });

    expect(await listTasks(emulator, ticket)).toBeGreaterThan(0);
    await expect(
      agent(emulator.baseUrl, { Authorization: 'Bearer 7T:onsite-ticket' }).getTaskListItemsAsync(false),
    ).rejects.toMatchObject({ response: { status: 401 } });
    expect(emulator.loginUrl).toBeUndefined();
  });

  it('a fixed Onsite SOTicket expires 6 hours after the tenant started, and expireTickets() covers it', async () => {
    const aging = await start({ kind: 'onsite', tickets: ['7T:onsite-aging'] });
    const expired = await start({ kind: 'onsite', tickets: ['7T:onsite-expired'] });
    const call = (emulator: SuperOfficeEmulator, ticket: string) =>
      agent(emulator.baseUrl, { Authorization: `SOTicket ${ticket}` }).getTaskListItemsAsync(false);
    const refusal = { response: { status: 401, data: { Message: 'The ticket has expired.' } } };

    expired.expireTickets();
    await expect(call(expired, '7T:onsite-expired')).rejects.toMatchObject(refusal);

    clockMs += 6 * 60 * 60 * 1000 - 1000;
    await call(aging, '7T:onsite-aging');
    clockMs += 2000;
    await expect(call(aging, '7T:onsite-aging')).rejects.toMatchObject(refusal);
  });
});
