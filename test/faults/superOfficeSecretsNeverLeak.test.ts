// secretsNeverLeak.test.ts for CRM=superoffice: the compiled receiver as a child process, logging at `trace`, with
// recognisable SuperOffice secrets of every kind — Online's system user (client secret, a wrong one typed first,
// the private key, the system user token, and the tickets the exchange gives), Onsite's basic password and a fixed
// SOTicket — besides the admin password and SECRET_KEY. SuperOffice is made to echo secrets in its error bodies
// (SoExceptionInfo `Message`), which the receiver stores as the CRM's words for admins. Everything a person or a
// log collector could see is captured (admin pages and actions, webhook answers, /metrics, health, the logs) and
// every secret is looked for in it, in the forms it could take.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { openSecret, parseSecretKey } from '../../src/receiver/secrets/secretBox';
import { openSqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import {
  seedDemoData,
  startSuperOfficeEmulator,
  type SuperOfficeAuthModel,
  type SuperOfficeEmulator,
} from '../../src/sandbox/superoffice';
import { buildParticipant, buildPayload } from '../support/payloads';
import { builtProduct, killAllReceivers, startReceiverProcess, type ReceiverProcess } from '../support/receiverProcess';
import { formsOf, leaksIn, type Capture } from '../support/secretScan';
import { waitFor } from '../support/waitFor';

jest.setTimeout(240_000);

const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_KEY = keyPair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
/** A line from the middle of the key's base64 body: a partial leak is a leak. */
const PRIVATE_KEY_LINE = PRIVATE_KEY.split('\n')[8] ?? '';

const CLIENT_ID = 'leakcheck0a1b2c3d4e5f60718293a4b5';
const USERNAME = 'dci-receiver';
const SECRETS = {
  clientSecret: 'SoClientSecret-6Hw2Kq9Zt4Vp7Rx',
  wrongClientSecret: 'WrongSoClientSecret-3Nd8Fs5Lb1',
  privateKey: PRIVATE_KEY,
  privateKeyLine: PRIVATE_KEY_LINE,
  systemUserToken: 'DCI CRM Companion-SutLeak-5Gz8Wq',
  password: 'SoPassw0rd-8Kd3 Qz&Lm=Vt6',
  basicCredentials: `${USERNAME}:SoPassw0rd-8Kd3 Qz&Lm=Vt6`,
  ticket: '7T:FixedOnsiteTicket-2Jr7Xc4Nv9Bq',
  webhookSecret: 'so-whsec-4Tm8Kp2Zx6Wq',
  adminPassword: 'SoAdminPw-3Rt8 Vn6&Qs1',
  secretKey: '9e2d4c6a8b0f1e3d5c7a9b1d3f5e7c9a0b2d4f6e8a1c3e5d7f9b0a2c4e6d8f1a',
} as const;

const PERSONAL = {
  emails: ['anna.andersson@acme.se', 'erik.ek@fjallbo.se'],
  summary: 'Annas kvartalsbudget landar på fyra komma två miljoner',
};

const captures: Capture[] = [];
/** The tickets the Online tenant issued during the run (from its request log): secrets too. */
const issuedTickets = new Set<string>();
let workDir: string;
let mainJs: string;
const emulators: SuperOfficeEmulator[] = [];
let online: SuperOfficeEmulator;
let sealedSettings: Record<string, unknown> = {};
const outcomes: Record<string, string> = {};

/** One receiver process and its admin session. */
class Session {
  private cookie = '';
  private csrf = '';
  constructor(
    readonly receiver: ReceiverProcess,
    readonly name: string,
  ) {}

  async call(
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string>; form?: Record<string, string> } = {},
  ): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { ...(this.cookie ? { cookie: this.cookie } : {}), ...init.headers };
    let body = init.body;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const send = () =>
      fetch(`${this.receiver.url}${path}`, {
        method,
        headers,
        redirect: 'manual',
        ...(body === undefined ? {} : { body }),
      });
    const response = await send().catch(send);
    const text = await response.text();
    const setCookie = response.headers.getSetCookie().find((value) => value.startsWith('dci_admin='));
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? '';
    const found = /name="_csrf" value="([^"]+)"/u.exec(text)?.[1];
    if (found) this.csrf = found;
    captures.push({
      where: `${this.name}: ${method} ${path} → ${response.status}`,
      text: `${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${text}`,
      adminPage: path.startsWith('/admin'),
    });
    return { status: response.status, text };
  }

  page(path: string) {
    return this.call('GET', path);
  }

  act(path: string, form: Record<string, string> = {}) {
    return this.call('POST', path, { form: { _csrf: this.csrf, ...form } });
  }

  async signIn(): Promise<void> {
    await this.page('/admin/sign-in');
    expect((await this.act('/admin/sign-in', { password: SECRETS.adminPassword })).status).toBe(303);
    await this.page('/admin');
  }

  async post(payload: unknown): Promise<number> {
    const body = JSON.stringify(payload);
    return (await this.call('POST', '/api/v1/dci/webhook', { body, headers: signDci(body, SECRETS.webhookSecret) }))
      .status;
  }

  /** Every admin page, each delivery's page and its summary, /metrics and health. */
  async visitEverything(dataDir: string): Promise<void> {
    for (const path of ['/admin', '/admin/connection', '/admin/deliveries', '/admin/dead-letters']) {
      await this.page(path);
    }
    const store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
    try {
      for (const row of await store.listDeliveries({ limit: 50 })) {
        await this.page(`/admin/deliveries/${encodeURIComponent(row.id)}`);
        await this.page(`/admin/deliveries/${encodeURIComponent(row.id)}?summary=1`);
      }
    } finally {
      await store.close();
    }
    await this.act('/admin/connection/test');
    await this.page('/admin/connection');
    for (const path of ['/metrics', '/healthz', '/readyz']) await this.page(path);
  }

  async stop(): Promise<void> {
    await this.act('/admin/sign-out');
    await this.receiver.stop('SIGTERM');
    captures.push({ where: `${this.name}: receiver log`, text: this.receiver.output(), adminPage: false });
  }
}

async function statusOf(dataDir: string, conversationId: string): Promise<string | undefined> {
  const store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
  try {
    return (await store.listDeliveries({ search: conversationId, limit: 1 }))[0]?.status;
  } finally {
    await store.close();
  }
}

async function settled(dataDir: string, conversationId: string): Promise<string> {
  let status: string | undefined;
  await waitFor(
    async () => ['delivered', 'dead'].includes((status = await statusOf(dataDir, conversationId)) ?? ''),
    30_000,
    `${conversationId} to be delivered or dead`,
  );
  outcomes[conversationId] = status ?? '';
  return status ?? '';
}

function meeting(id: string): unknown {
  return buildPayload({
    id,
    title: `Budget review ${id}`,
    summary: `${PERSONAL.summary}. Next step: a revised offer.`,
    participants: [
      buildParticipant({ name: 'Anna Andersson', email: PERSONAL.emails[0] }),
      buildParticipant({ name: 'Erik Ek', email: PERSONAL.emails[1], company: 'Fjällbo' }),
    ],
  });
}

async function startTenant(auth: SuperOfficeAuthModel): Promise<SuperOfficeEmulator> {
  const so = await startSuperOfficeEmulator({ auth });
  emulators.push(so);
  seedDemoData(so);
  return so;
}

async function start(name: string, dataDir: string, env: Record<string, string>): Promise<Session> {
  const receiver = await startReceiverProcess(mainJs, {
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: SECRETS.webhookSecret,
    ADMIN_PASSWORD: SECRETS.adminPassword,
    SECRET_KEY: SECRETS.secretKey,
    LOG_LEVEL: 'trace',
    CRM: 'superoffice',
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    MAX_ATTEMPTS: '1', // a failure is a dead letter at once: no retry takes a fault meant for the next delivery
    ...env,
  });
  return new Session(receiver, name);
}

/** A 4xx/5xx whose SoExceptionInfo echoes `secret`, as a careless server might. */
function echoing(status: number, secret: string) {
  return {
    kind: 'status' as const,
    status,
    body: { Message: `Request refused for credentials ${secret}`, ExceptionType: 'SoSecurityException' },
  };
}

/** Online, server to server, every credential entered on the admin pages (a wrong client secret first). */
async function runOnline(): Promise<void> {
  online = await startTenant({
    kind: 'online',
    applications: [{ clientId: CLIENT_ID, clientSecret: SECRETS.clientSecret, publicKeyPem: PUBLIC_KEY }],
    systemUsers: [{ systemUserToken: SECRETS.systemUserToken, clientId: CLIENT_ID }],
  });
  const dataDir = join(workDir, 'online');
  const session = await start('online', dataDir, {});
  try {
    await session.signIn();
    await session.page('/admin/connection');
    const form = {
      url: online.baseUrl,
      auth: 'system_user',
      clientId: CLIENT_ID,
      clientSecret: SECRETS.wrongClientSecret,
      privateKey: SECRETS.privateKey,
      systemUserToken: SECRETS.systemUserToken,
      loginUrl: online.loginUrl ?? '',
      taskType: 'Meeting',
      internalDomains: 'seller.se',
    };
    expect((await session.act('/admin/connection', form)).status).toBe(303);
    await session.act('/admin/connection/test');
    const refused = await session.page('/admin/connection');
    // The wrong secret really was tried: Test connection shows SuperOffice refusing it.
    outcomes['wrong secret shown'] = String(
      refused.text.includes('<span class="badge bad">Failed</span> <strong>authenticate</strong>') &&
        online.requests.some(
          (request) =>
            request.path.endsWith('/PartnerSystemUser/Authenticate') &&
            (request.body as { ApplicationToken?: unknown } | undefined)?.ApplicationToken ===
              SECRETS.wrongClientSecret,
        ),
    );
    expect((await session.act('/admin/connection', { ...form, clientSecret: SECRETS.clientSecret })).status).toBe(303);
    await session.act('/admin/connection/test');
    await session.page('/admin/connection');

    expect(await session.post(meeting('so-good'))).toBe(202);
    await settled(dataDir, 'so-good');
    online.expireTickets(); // renewed by a new exchange
    expect(await session.post(meeting('so-renewed'))).toBe(202);
    await settled(dataDir, 'so-renewed');
    for (const [id, fault] of [
      ['so-echo-400', echoing(400, SECRETS.clientSecret)],
      ['so-echo-503', echoing(503, SECRETS.systemUserToken)],
      ['so-echo-ticket', echoing(403, [...ticketsSoFar()].at(-1) ?? 'none')],
    ] as const) {
      // The delivery's first person lookup: not a request of a connection check running meanwhile.
      online.failWhen((request) => request.path.endsWith('/Archive/GetArchiveListByColumns2'), fault);
      expect(await session.post(meeting(id))).toBe(202);
      await settled(dataDir, id);
    }
    await session.visitEverything(dataDir);
  } finally {
    for (const ticket of ticketsSoFar()) issuedTickets.add(ticket);
    await session.stop();
  }
  const store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
  try {
    sealedSettings = await store.readSettings();
  } finally {
    await store.close();
  }
}

function ticketsSoFar(): Set<string> {
  return new Set(online.requests.flatMap((request) => (request.token === undefined ? [] : [request.token])));
}

/** Onsite: basic authentication, then a fixed SOTicket, both from the environment. */
async function runOnsite(): Promise<void> {
  const onsite = await startTenant({
    kind: 'onsite',
    users: [{ username: USERNAME, password: SECRETS.password }],
    tickets: [SECRETS.ticket],
  });
  const runs = [
    ['basic', { SUPEROFFICE_AUTH: 'basic', SUPEROFFICE_USERNAME: USERNAME, SUPEROFFICE_PASSWORD: SECRETS.password }],
    ['ticket', { SUPEROFFICE_AUTH: 'ticket', SUPEROFFICE_TICKET: SECRETS.ticket }],
  ] as const;
  for (const [name, env] of runs) {
    const dataDir = join(workDir, name);
    const session = await start(name, dataDir, { SUPEROFFICE_URL: onsite.baseUrl, ...env });
    try {
      await session.signIn();
      expect(await session.post(meeting(`so-${name}-good`))).toBe(202);
      await settled(dataDir, `so-${name}-good`);
      const secret = name === 'basic' ? SECRETS.password : SECRETS.ticket;
      onsite.failWhen((request) => request.path.endsWith('/Archive/GetArchiveListByColumns2'), echoing(401, secret));
      expect(await session.post(meeting(`so-${name}-echo-401`))).toBe(202);
      await settled(dataDir, `so-${name}-echo-401`);
      await session.visitEverything(dataDir);
    } finally {
      await session.stop();
    }
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'dci-so-secrets-leak-'));
  mainJs = builtProduct().mainJs;
  try {
    await runOnline();
    await runOnsite();
  } catch (error) {
    const running = captures.filter((capture) => capture.where.endsWith('receiver log'));
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n${running.map((c) => c.text).join('\n')}`,
    );
  }
});

afterAll(async () => {
  await killAllReceivers();
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
  rmSync(workDir, { recursive: true, force: true });
});

function allSecrets(): Record<string, string> {
  const tickets = Object.fromEntries([...issuedTickets].map((ticket, index) => [`issued ticket ${index + 1}`, ticket]));
  return { ...SECRETS, ...tickets };
}

describe('SuperOffice secrets never leak: the run really used them', () => {
  it('deliveries went through each way of signing in, and the echoing failures were dead letters', () => {
    expect(outcomes).toMatchObject({
      'so-good': 'delivered',
      'so-renewed': 'delivered',
      'so-echo-400': 'dead',
      // A 5xx marks SuperOffice unavailable: the delivery waits for it to answer again instead of spending attempts.
      'so-echo-503': 'delivered',
      'so-echo-ticket': 'dead',
      'so-basic-good': 'delivered',
      'so-basic-echo-401': 'dead',
      'so-ticket-good': 'delivered',
      'so-ticket-echo-401': 'dead',
    });
    expect(online.requests.filter((request) => request.status === 503)).toHaveLength(1);
    // Two exchanges at least (the first, and the renewal after the tickets expired): their tickets are scanned too.
    expect(issuedTickets.size).toBeGreaterThanOrEqual(2);
    expect(online.exchangeCount).toBeGreaterThanOrEqual(3); // the wrong secret's exchange was refused
    expect(outcomes['wrong secret shown']).toBe('true');
    expect(captures.filter((capture) => capture.adminPage).length).toBeGreaterThan(30);
    const logs = captures.filter((capture) => capture.where.endsWith('receiver log')).map((capture) => capture.text);
    expect(logs).toHaveLength(3);
    for (const log of logs) expect(log).toContain('"msg":"delivery dead-lettered"');
  });

  it('the SuperOffice secrets saved on the admin pages are stored sealed under SECRET_KEY (they open with it)', () => {
    const key = parseSecretKey(SECRETS.secretKey)!;
    const stored = JSON.stringify(sealedSettings);
    for (const secret of [SECRETS.clientSecret, SECRETS.privateKeyLine, SECRETS.systemUserToken]) {
      expect(stored).not.toContain(secret);
    }
    expect(openSecret(String(sealedSettings['superoffice.clientSecret']), key)).toBe(SECRETS.clientSecret);
    expect(openSecret(String(sealedSettings['superoffice.privateKey']), key).trim()).toBe(SECRETS.privateKey.trim());
    expect(openSecret(String(sealedSettings['superoffice.systemUserToken']), key)).toBe(SECRETS.systemUserToken);
  });

  it('the scan finds a secret wherever it is written, in any of its forms', () => {
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const form of formsOf(secret)) {
        expect(
          leaksIn([{ where: 'planted', text: `log ${form} end`, adminPage: false }], { [name]: secret }),
        ).toHaveLength(1);
      }
    }
  });
});

describe('SuperOffice secrets never leak: the scan', () => {
  it('no SuperOffice credential, ticket or key appears in any page, answer, header, log line or metric', () => {
    expect(leaksIn(captures, allSecrets())).toEqual([]);
  });

  it('no e-mail or summary text of a payload appears in the logs, metrics, health or webhook answers', () => {
    const needles = [...PERSONAL.emails, PERSONAL.summary];
    const found = captures
      .filter((capture) => !capture.adminPage)
      .flatMap((capture) =>
        needles.filter((needle) => capture.text.includes(needle)).map((n) => `${n} in ${capture.where}`),
      );
    expect(found).toEqual([]);
  });
});
