// The admin pages under attack: password guessing, stolen or planted session cookies, forged forms, shared
// browsers and caches. The app is the one production builds (createApp with the admin pages, a real SQLite store
// and the real settings service) on a clock the test moves, so session lifetimes are checked without waiting.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import type { ReceiverApp } from '../../src/receiver/http/createApp';
import request from 'supertest';
import { LimeConnector } from '../../src/lime-addon';
import { adminApp, type AdminDeps } from '../../src/receiver/admin/adminApp';
import { SESSION_IDLE_MS, SESSION_MAX_MS } from '../../src/receiver/admin/adminSessions';
import { SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_MS } from '../../src/receiver/admin/signInLimiter';
import { loadConfig, type TrustProxy } from '../../src/receiver/config/loadConfig';
import { createApp } from '../../src/receiver/http/createApp';
import { createLogger } from '../../src/receiver/observability/logger';
import { createMetrics } from '../../src/receiver/observability/metrics';
import { verifyAdminPassword } from '../../src/receiver/secrets/adminPassword';
import {
  createConnectionSettingsService,
  type OwnedConnectionSettingsService,
} from '../../src/receiver/settings/connectionSettingsService';
import { openSqliteStore, type SqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import { buildParticipant, buildPayload } from '../support/payloads';
import { signedDci, TestClock, WEBHOOK_SECRET } from '../support/receiver';

const PASSWORD = 'admin-security-password';
const logger = createLogger('silent');

interface AdminUnderTest {
  app: ReceiverApp;
  /** The admin app built from the same deps: its router lists the routes (a new route is tested automatically). */
  adminRoutes: Route[];
  clock: TestClock;
  store: SqliteStore;
  settings: OwnedConnectionSettingsService;
  close(): Promise<void>;
}

interface Route {
  method: string;
  path: string;
}

let dataDir: string;
let under: AdminUnderTest;

async function buildAdmin(options: { trustProxy?: TrustProxy } = {}): Promise<AdminUnderTest> {
  const store = await openSqliteStore({ file: join(dataDir, `receiver-${Math.random()}.sqlite`) });
  const config = loadConfig({
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: WEBHOOK_SECRET,
    ADMIN_PASSWORD: PASSWORD,
    SECRET_KEY: 'ef'.repeat(32),
  });
  const settings = await createConnectionSettingsService({
    store,
    config,
    secretKey: config.secretKey,
    makeConnector: (connection) => new LimeConnector(connection),
    logger,
  });
  const clock = new TestClock();
  const admin: AdminDeps = {
    store,
    settings,
    checkPassword: (password) => verifyAdminPassword(password, PASSWORD),
    wakeWorker: () => undefined,
    logger,
    now: clock.now,
  };
  const app = createApp({
    store,
    logger,
    metrics: createMetrics(store, clock.now),
    webhookSecrets: [WEBHOOK_SECRET],
    maxBodyBytes: 1024 * 1024,
    target: 'lime',
    connectionState: () => undefined,
    onQueued: () => undefined,
    admin,
    now: clock.now,
    trustProxy: options.trustProxy,
  });
  return {
    app,
    adminRoutes: routesOf(adminApp(admin)),
    clock,
    store,
    settings,
    close: async () => {
      await settings.close();
      await store.close();
    },
  };
}

/** Every route an Express app declares (routers included), one entry per method. */
function routesOf(app: Express): Route[] {
  const walk = (stack: unknown[]): Route[] =>
    stack.flatMap((layer) => {
      const { route, handle } = layer as {
        route?: { path: string; methods: Record<string, boolean> };
        handle?: unknown;
      };
      if (route) {
        return Object.keys(route.methods)
          .filter((method) => route.methods[method])
          .map((method) => ({ method: method.toUpperCase(), path: route.path }));
      }
      const inner = (handle as { stack?: unknown[] } | undefined)?.stack;
      return Array.isArray(inner) ? walk(inner) : [];
    });
  return walk((app as unknown as { router: { stack: unknown[] } }).router.stack);
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/u.exec(html)?.[1] ?? '';
const sessionCookieOf = (response: request.Response) =>
  [response.headers['set-cookie'] ?? []].flat().find((cookie) => cookie.startsWith('dci_admin=')) ?? '';

/** A browser-like agent (cookies kept) that signed in, with its CSRF token. */
async function signIn(app: ReceiverApp = under.app) {
  const agent = request.agent(app);
  const page = await agent.get('/admin/sign-in');
  const response = await agent
    .post('/admin/sign-in')
    .type('form')
    .send({ _csrf: csrfOf(page.text), password: PASSWORD });
  expect(response.status).toBe(303);
  const overview = await agent.get('/admin');
  expect(overview.status).toBe(200);
  return { agent, csrf: csrfOf(overview.text), cookie: sessionCookieOf(response) };
}

async function isSignedIn(agent: ReturnType<typeof request.agent>): Promise<boolean> {
  const response = await agent.get('/admin');
  return response.status === 200;
}

/** A stored summary, so the routes with a delivery id have a real one to act on. */
async function storedDeliveryId(): Promise<string> {
  const { body, headers } = signedDci(
    buildPayload({ id: 'conv-admin-security', participants: [buildParticipant({ email: 'a@acme.se' })] }),
  );
  const accepted = await request(under.app).post('/api/v1/dci/webhook').set(headers).send(body);
  expect(accepted.status).toBe(202);
  return String((accepted.body as { id: string }).id);
}

const concrete = (path: string, id: string) => path.replace(/:id\b/gu, encodeURIComponent(id));

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dci-admin-security-'));
  under = await buildAdmin();
});
afterEach(async () => {
  await under.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('admin sign-in: password guessing', () => {
  it(`after ${SIGN_IN_MAX_FAILURES} wrong passwords even the right one is refused (429) until the window has passed`, async () => {
    const agent = request.agent(under.app);
    const csrf = csrfOf((await agent.get('/admin/sign-in')).text);
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i += 1) {
      expect(
        (
          await agent
            .post('/admin/sign-in')
            .type('form')
            .send({ _csrf: csrf, password: `guess-${i}` })
        ).status,
      ).toBe(401);
    }
    const blocked = await agent.post('/admin/sign-in').type('form').send({ _csrf: csrf, password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.text).toContain('Too many failed attempts');

    under.clock.advance(SIGN_IN_WINDOW_MS + 1000);
    const later = await agent.post('/admin/sign-in').type('form').send({ _csrf: csrf, password: PASSWORD });
    expect(later.status).toBe(303);
  });

  it('twenty guesses sent at once get at most the allowed number of password checks; the rest wait', async () => {
    const agent = request.agent(under.app);
    const csrf = csrfOf((await agent.get('/admin/sign-in')).text);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        agent
          .post('/admin/sign-in')
          .type('form')
          .send({ _csrf: csrf, password: `parallel-guess-${i}` }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(SIGN_IN_MAX_FAILURES);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(20 - SIGN_IN_MAX_FAILURES);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
  });

  it('a forged X-Forwarded-For does not give a guesser a fresh allowance (no proxy is trusted by default)', async () => {
    const agent = request.agent(under.app);
    const csrf = csrfOf((await agent.get('/admin/sign-in')).text);
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i += 1) {
      await agent
        .post('/admin/sign-in')
        .type('form')
        .send({ _csrf: csrf, password: `guess-${i}` });
    }
    const forged = await agent
      .post('/admin/sign-in')
      .set('X-Forwarded-For', '203.0.113.77')
      .type('form')
      .send({ _csrf: csrf, password: 'another-guess' });
    expect(forged.status).toBe(429);
  });

  it('behind a trusted proxy each client address has its own allowance, and many addresses together are capped', async () => {
    await under.close();
    under = await buildAdmin({ trustProxy: ['loopback'] });
    // Each guess from a browser of its own: a fresh session and its token.
    const guess = async (address: string, password = 'guess') => {
      const agent = request.agent(under.app);
      const csrf = csrfOf((await agent.get('/admin/sign-in')).text);
      return agent.post('/admin/sign-in').set('X-Forwarded-For', address).type('form').send({ _csrf: csrf, password });
    };

    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i += 1) expect((await guess('198.51.100.1')).status).toBe(401);
    expect((await guess('198.51.100.1')).status).toBe(429);
    // Another admin, behind the same proxy, is not locked out by someone else's guessing.
    expect((await guess('198.51.100.2', PASSWORD)).status).toBe(303);

    // A guesser spreading over many addresses: after 100 failures in the window everyone waits.
    let refused = 0;
    for (let host = 10; host < 40 && refused === 0; host += 1) {
      for (let i = 0; i < SIGN_IN_MAX_FAILURES; i += 1) {
        if ((await guess(`198.51.100.${host}`)).status === 429) refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect((await guess('198.51.100.250', PASSWORD)).status).toBe(429);
  });
});

describe('admin sessions: lifetime and rotation', () => {
  it(`a session left idle for more than ${SESSION_IDLE_MS / 60_000} minutes is signed out`, async () => {
    const { agent } = await signIn();
    under.clock.advance(SESSION_IDLE_MS - 60_000);
    expect(await isSignedIn(agent)).toBe(true); // activity keeps it alive
    under.clock.advance(SESSION_IDLE_MS + 1000);
    const expired = await agent.get('/admin/connection');
    expect(expired.status).toBe(303);
    expect(expired.headers['location']).toBe('/admin/sign-in');
  });

  it(`an active session still ends ${SESSION_MAX_MS / 3_600_000} hours after sign-in, and its cookie says so`, async () => {
    const { agent, cookie } = await signIn();
    const maxAge = Number(/Max-Age=(\d+)/u.exec(cookie)?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge * 1000).toBeLessThanOrEqual(SESSION_MAX_MS);
    const step = SESSION_IDLE_MS / 2;
    for (let elapsed = step; elapsed < SESSION_MAX_MS; elapsed += step) {
      under.clock.advance(step);
      expect(await isSignedIn(agent)).toBe(true);
    }
    under.clock.advance(step + 1000);
    expect(await isSignedIn(agent)).toBe(false);
  });

  it('a session cookie planted before sign-in is worthless afterwards (no session fixation)', async () => {
    // The attacker fetches the sign-in page, keeps its cookie and CSRF token, and plants the cookie in the victim's browser.
    const planted = await request(under.app).get('/admin/sign-in');
    const plantedCookie = sessionCookieOf(planted).split(';')[0] ?? '';
    const plantedCsrf = csrfOf(planted.text);
    expect(plantedCookie).toMatch(/^dci_admin=./u);

    const victim = await request(under.app)
      .post('/admin/sign-in')
      .set('Cookie', plantedCookie)
      .type('form')
      .send({ _csrf: plantedCsrf, password: PASSWORD });
    expect(victim.status).toBe(303);
    const victimCookie = sessionCookieOf(victim).split(';')[0] ?? '';
    expect(victimCookie).toMatch(/^dci_admin=./u);
    expect(victimCookie).not.toBe(plantedCookie);

    const attacker = await request(under.app).get('/admin').set('Cookie', plantedCookie);
    expect(attacker.status).toBe(303);
    const forged = await request(under.app)
      .post('/admin/connection/disconnect')
      .set('Cookie', victimCookie)
      .type('form')
      .send({ _csrf: plantedCsrf });
    expect(forged.status).toBe(403); // the pre-sign-in CSRF token does not carry over either
    const victimPage = await request(under.app).get('/admin').set('Cookie', victimCookie);
    expect(victimPage.status).toBe(200);
  });

  it('after sign-out the old session cookie opens nothing', async () => {
    const { agent, csrf, cookie } = await signIn();
    expect((await agent.post('/admin/sign-out').type('form').send({ _csrf: csrf })).status).toBe(303);
    const replayed = await request(under.app)
      .get('/admin')
      .set('Cookie', cookie.split(';')[0] ?? '');
    expect(replayed.status).toBe(303);
  });
});

describe('admin forms: CSRF on every state-changing route', () => {
  it('the admin app declares state-changing routes, and GET routes change nothing', () => {
    const changing = under.adminRoutes.filter((route) => !SAFE.has(route.method));
    // The list is read from the app: a new POST/PUT/DELETE route is tested below without touching this file.
    expect(changing.length).toBeGreaterThanOrEqual(8);
    expect(changing).toEqual(expect.arrayContaining([{ method: 'POST', path: '/connection' }]));
  });

  it('outside /admin the only state-changing route is the signed webhook', () => {
    // DCI's webhook is answered before Express (the ingest hot path); every other route is Express's.
    const changing = [...under.app.directRoutes, ...routesOf(under.app.express)].filter(
      (route) => !SAFE.has(route.method),
    );
    expect(changing).toEqual([{ method: 'POST', path: '/api/v1/dci/webhook' }]);
  });

  it('every state-changing admin route refuses a request without the token, or with another session’s, and changes nothing', async () => {
    const id = await storedDeliveryId();
    const { agent } = await signIn();
    const other = await signIn();
    const snapshot = async () =>
      JSON.stringify({
        deliveries: await under.store.listDeliveries({ limit: 100 }),
        settings: await under.settings.view(),
      });
    const before = await snapshot();
    const changing = under.adminRoutes.filter((route) => !SAFE.has(route.method));
    for (const route of changing) {
      const path = `/admin${concrete(route.path, id)}`;
      const form = { password: PASSWORD, url: 'https://attacker.example/app', apiKey: 'attacker-key-0123456789' };
      const call = (body: Record<string, string>) =>
        agent[route.method.toLowerCase() as 'post' | 'put' | 'delete' | 'patch'](path).type('form').send(body);
      const without = await call(form);
      expect({ route, status: without.status }).toEqual({ route, status: 403 });
      const foreign = await call({ ...form, _csrf: other.csrf });
      expect({ route, status: foreign.status }).toEqual({ route, status: 403 });
      const asJson = await agent[route.method.toLowerCase() as 'post'](path).send({ ...form, _csrf: other.csrf });
      expect({ route, status: asJson.status }).toEqual({ route, status: 403 });
    }
    expect(await snapshot()).toBe(before);
    expect(await isSignedIn(agent)).toBe(true); // sign-out without the token did not sign out
  });

  it('a PUT, PATCH or DELETE to an admin address needs the token too (not only POST)', async () => {
    const { agent } = await signIn();
    for (const method of ['put', 'patch', 'delete'] as const) {
      const response = await agent[method]('/admin/connection').type('form').send({ url: 'https://x.example' });
      expect({ method, status: response.status }).toEqual({ method, status: 403 });
    }
  });
});

describe('admin pages: caching and cookies', () => {
  it('every admin page, signed in or not, and every error answer is sent with Cache-Control: no-store', async () => {
    const id = await storedDeliveryId();
    const { agent } = await signIn();
    const pages = under.adminRoutes.filter((route) => route.method === 'GET').map((route) => concrete(route.path, id));
    expect(pages.length).toBeGreaterThanOrEqual(6);
    const extra = ['/deliveries/no-such-id', '/no-such-page', '/deliveries?status=dead&q=x'];
    for (const path of [...pages, ...extra]) {
      for (const client of [agent, request(under.app)]) {
        const response = await client.get(`/admin${path}`);
        expect({ path, cacheControl: response.headers['cache-control'] }).toEqual({ path, cacheControl: 'no-store' });
      }
    }
    const refused = await agent.post('/admin/connection').type('form').send({});
    expect(refused.status).toBe(403);
    expect(refused.headers['cache-control']).toBe('no-store');
  });

  it('the session cookie is HttpOnly, SameSite=Strict, limited to /admin, and not Secure over plain HTTP', async () => {
    const { cookie } = await signIn();
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/admin');
    expect(cookie).not.toContain('Secure');
  });

  it('a forged X-Forwarded-Proto is not believed without TRUST_PROXY; behind a trusted TLS proxy the cookie is Secure', async () => {
    const page = await request(under.app).get('/admin/sign-in').set('X-Forwarded-Proto', 'https');
    expect(sessionCookieOf(page)).not.toContain('Secure');

    await under.close();
    under = await buildAdmin({ trustProxy: ['loopback'] });
    const viaProxy = await request(under.app).get('/admin/sign-in').set('X-Forwarded-Proto', 'https');
    expect(sessionCookieOf(viaProxy)).toMatch(/; Secure/u);
    const signedIn = await request(under.app)
      .post('/admin/sign-in')
      .set('Cookie', sessionCookieOf(viaProxy).split(';')[0] ?? '')
      .set('X-Forwarded-Proto', 'https')
      .type('form')
      .send({ _csrf: csrfOf(viaProxy.text), password: PASSWORD });
    expect(signedIn.status).toBe(303);
    const cookie = sessionCookieOf(signedIn);
    expect(cookie).toContain('; Secure');
    expect(cookie).toContain('; HttpOnly');
    expect(cookie).toContain('; SameSite=Strict');
  });

  it('TRUST_PROXY is read from the environment: a number of hops or addresses; anything else is refused at start', () => {
    const base = { DCI_WEBHOOK_SECRETS: 'x' };
    expect(loadConfig({ ...base }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY must be/u);
  });
});
