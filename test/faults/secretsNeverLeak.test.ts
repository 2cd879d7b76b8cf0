// One full run of the compiled receiver as a child process, logging at `trace`, with recognisable secrets: the Lime
// API key (and a wrong one an admin typed first), two DCI webhook secrets (a rotation), the admin password and
// SECRET_KEY. Everything a person or a log collector could see is captured: every HTTP answer (admin pages, webhook
// answers, /metrics, health, errors), every log line, the CLI's output. Then each secret is looked for in every
// capture, in the forms it could take (as is, hex, base64, URL-encoded, JSON-escaped), and the payloads' personal
// data (e-mails, phones, summary text) in everything but the admin pages, which exist to show it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { openSecret, parseSecretKey } from '../../src/receiver/secrets/secretBox';
import type { DeliveryRow, DeliveryStatus } from '../../src/receiver/store/receiverStore';
import { openSqliteStore, type SqliteStore } from '../../src/receiver/store/sqlite/sqliteStore';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { closeAll, startLime } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import {
  builtProduct,
  killAllReceivers,
  startReceiverProcess,
  withOutputOf,
  type ReceiverProcess,
} from '../support/receiverProcess';
import { formsOf, leaksIn, type Capture } from '../support/secretScan';
import { waitFor } from '../support/waitFor';

jest.setTimeout(240_000);

const SECRETS = {
  limeApiKey: 'LimeKey-7Qw3Zp9Rk2Vx5Nb8Lm4Tj6Hc1',
  wrongLimeApiKey: 'WrongLimeKey-4Fd8Gs2Kp7Yx3Vb9Qe',
  webhookSecret: 'dci-whsec-current-8Hn3Kq7Zt2Wp5Rv',
  oldWebhookSecret: 'dci-whsec-previous-3Jm9Xc4Lb8Ds1Fy',
  adminPassword: 'AdminPw-9Tz4 Qn7&Kd2=Vh5',
  secretKey: '4f1c9e7a2b8d6035e1f47a9c0b3d5e7f61a2c4e8b0d9f3a57c6e1b2d4f8a0c9e',
  // Nothing listens on port 9 (discard): every alert send fails, and the failure is logged.
  alertWebhookUrl: 'http://127.0.0.1:9/hooks/T0AlertTok3n/B8Vq2Lm5Xz?sig=Ws7Pd3Kf9Qa',
} as const;

/** Personal data in the payloads: never in logs, metrics, health or error answers. */
const PERSONAL = {
  emails: ['birgitta.lindqvist@acme.se', 'okand.kontakt@newco-leak.example', 'anna.andersson@acme.se'],
  phones: ['070-987 65 43', '+46709876543', '0709876543', '46709876543'],
  summary: 'Birgittas kvartalsbudget landar på fyra komma två miljoner',
  notes: 'Privat anteckning om uppsägningen',
};

const captures: Capture[] = [];
let workDir: string;
let dataDir: string;
let outDir: string;
let lime: LimeEmulator;
let receiver: ReceiverProcess;
let store: SqliteStore;
let cookie = '';
let csrf = '';
const limeCallsWithKey = { ok: 0 };
const ingest: Record<string, number> = {};

/** One HTTP exchange with the receiver, captured whole (status, headers, body). */
async function call(
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string>; form?: Record<string, string> } = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...init.headers };
  let body = init.body;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const send = () =>
    fetch(`${receiver.url}${path}`, {
      method,
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
  // A kept-alive connection the receiver closed after idling (the CLI steps take a while) fails before any byte
  // is answered: send once more on a new connection.
  const response = await send()
    .catch(send)
    .catch((error: unknown) => {
      throw new Error(`${method} ${path} failed: ${String((error as { cause?: unknown }).cause ?? error)}`);
    });
  const text = await response.text();
  const setCookie = response.headers.getSetCookie().find((value) => value.startsWith('dci_admin='));
  if (setCookie) cookie = setCookie.split(';')[0] ?? '';
  const found = /name="_csrf" value="([^"]+)"/u.exec(text)?.[1];
  if (found) csrf = found;
  captures.push({
    where: `${method} ${path} → ${response.status}`,
    text: `${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${text}`,
    adminPage: path.startsWith('/admin'),
  });
  return { status: response.status, text, headers: response.headers };
}

const page = (path: string) => call('GET', path);
const act = (path: string, form: Record<string, string> = {}) => call('POST', path, { form: { _csrf: csrf, ...form } });

async function post(payload: unknown, secret: string = SECRETS.webhookSecret, extra: Record<string, string> = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return call('POST', '/api/v1/dci/webhook', { body, headers: { ...signDci(body, secret), ...extra } });
}

async function readyCrm(): Promise<string> {
  const response = await fetch(`${receiver.url}/readyz`);
  return String(((await response.json()) as { crm?: unknown }).crm);
}

async function deliveryOf(conversationId: string): Promise<DeliveryRow | undefined> {
  return (await store.listDeliveries({ search: conversationId, limit: 1 }))[0];
}

async function until(conversationId: string, statuses: DeliveryStatus[]): Promise<DeliveryRow> {
  await waitFor(
    async () => statuses.includes((await deliveryOf(conversationId))?.status ?? 'pending'),
    20_000,
    `${conversationId} to be ${statuses.join(' or ')}`,
  );
  return (await deliveryOf(conversationId))!;
}

/** A meeting full of personal data. */
function meeting(id: string): Record<string, unknown> {
  return buildPayload({
    id,
    title: `Budget review ${id}`,
    summary: `${PERSONAL.summary}. Next step: a revised offer.`,
    notes: PERSONAL.notes,
    participants: [
      buildParticipant({
        name: 'Birgitta Lindqvist',
        email: PERSONAL.emails[0],
        phone: PERSONAL.phones[0],
        company: 'Acme AB',
      }),
      buildParticipant({ name: 'Anna Andersson', email: PERSONAL.emails[2], company: 'Acme AB' }),
      buildParticipant({ name: 'Okänd Kontakt', email: PERSONAL.emails[1], mobile_phone: PERSONAL.phones[1] }),
    ],
  });
}

function cli(args: string[], input?: string): void {
  const result = spawnSync(process.execPath, [join(outDir, 'receiver', 'cli', 'dciCompanion.js'), ...args], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_PATH: join(__dirname, '..', '..', 'node_modules'),
      DATA_DIR: dataDir,
      PORT: new URL(receiver.url).port,
      DCI_WEBHOOK_SECRETS: `${SECRETS.oldWebhookSecret},${SECRETS.webhookSecret}`,
    },
    encoding: 'utf8',
    timeout: 30_000,
    ...(input === undefined ? {} : { input }),
  });
  captures.push({
    where: `cli ${args.join(' ')} → exit ${String(result.status)}`,
    text: `${result.stdout}${result.stderr}`,
    adminPage: false,
  });
}

beforeAll(async () => {
  try {
    await runEverything();
  } catch (error) {
    const started = receiver as ReceiverProcess | undefined;
    throw started === undefined ? error : withOutputOf([started], error);
  }
});

/** The whole run, captured into `captures`. */
async function runEverything(): Promise<void> {
  workDir = mkdtempSync(join(tmpdir(), 'dci-secrets-leak-'));
  outDir = builtProduct().distDir;
  dataDir = join(workDir, 'data');
  lime = await startLime({ apiKeys: { [SECRETS.limeApiKey]: 'all' } });
  seedDemoData(lime);
  lime.insert('person', {
    firstname: 'Birgitta',
    lastname: 'Lindqvist',
    email: PERSONAL.emails[0],
    phone: PERSONAL.phones[0],
    company: lime.all('company')[0]?.['_id'],
  });

  receiver = await startReceiverProcess(join(outDir, 'receiver', 'main.js'), {
    DATA_DIR: dataDir,
    DCI_WEBHOOK_SECRETS: `${SECRETS.oldWebhookSecret},${SECRETS.webhookSecret}`,
    ADMIN_PASSWORD: SECRETS.adminPassword,
    SECRET_KEY: SECRETS.secretKey,
    LOG_LEVEL: 'trace',
    INTERNAL_EMAIL_DOMAINS: 'seller.se',
    LIME_CREATE_MISSING_CONTACTS: 'true',
    CONTACT_INDEX_SYNC_HOURS: '0', // its Lime calls would take the faults queued below
    MAX_ATTEMPTS: '1', // a failure is a dead letter at once: no retry takes a fault meant for the next delivery
    LEASE_SECONDS: '5', // an attempt is stopped after 4 s: the timeout case
    MAX_BODY_BYTES: '65536',
    ALERT_WEBHOOK_URL: SECRETS.alertWebhookUrl,
  });
  store = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });

  // Admin: a wrong password, then the right one; a wrong Lime key (tested), then the right one.
  await page('/admin/sign-in');
  await act('/admin/sign-in', { password: `${SECRETS.adminPassword}x` });
  expect((await act('/admin/sign-in', { password: SECRETS.adminPassword })).status).toBe(303);
  await page('/admin');
  const connection = { url: lime.baseUrl, historyType: 'comment', internalDomains: 'seller.se' };
  expect((await act('/admin/connection', { ...connection, apiKey: SECRETS.wrongLimeApiKey })).status).toBe(303);
  await waitFor(async () => (await readyCrm()) === 'unauthorized', 10_000, 'the check of the wrong key');
  await act('/admin/connection/test');
  await page('/admin/connection');
  expect((await act('/admin/connection', { ...connection, apiKey: SECRETS.limeApiKey })).status).toBe(303);
  await waitFor(async () => (await readyCrm()) === 'ok', 10_000, 'the check of the right key');
  await page('/admin/connection');

  // Ingest: good (either webhook secret), bad signature, missing signature, bad JSON, bad payload, too large, not JSON.
  ingest['good'] = (await post(meeting('conv-good'))).status;
  ingest['goodOldSecret'] = (await post(meeting('conv-old-secret'), SECRETS.oldWebhookSecret)).status;
  await until('conv-good', ['delivered']);
  await until('conv-old-secret', ['delivered']);
  ingest['badSignature'] = (await post(meeting('conv-forged'), 'attacker-guess')).status;
  ingest['missingSignature'] = (
    await call('POST', '/api/v1/dci/webhook', {
      body: JSON.stringify(meeting('conv-unsigned')),
      headers: { 'content-type': 'application/json' },
    })
  ).status;
  ingest['badJson'] = (await post(`{"summary": "${PERSONAL.summary}", "email": "${PERSONAL.emails[0]}"`)).status;
  const invalid = meeting('conv-invalid');
  (invalid['data'] as { conversation: Record<string, unknown> }).conversation['date'] = PERSONAL.phones[0];
  (invalid['data'] as { conversation: Record<string, unknown> }).conversation['title'] = { email: PERSONAL.emails[0] };
  ingest['badPayload'] = (await post(invalid)).status;
  ingest['tooLarge'] = (await post({ ...meeting('conv-large'), padding: PERSONAL.summary.repeat(2000) })).status;
  const plain = `${PERSONAL.summary} ${PERSONAL.emails[0]}`;
  ingest['notJson'] = (
    await call('POST', '/api/v1/dci/webhook', {
      body: plain,
      headers: { ...signDci(plain, SECRETS.webhookSecret), 'content-type': 'text/plain' },
    })
  ).status;

  // Lime failures, one delivery each: 401 whose message echoes the key, 503 echoing it too, a timeout, a reset.
  const faults = [
    {
      id: 'conv-lime-401',
      fault: {
        kind: 'status',
        status: 401,
        body: { error: 'Unauthorized', message: `The API key ${SECRETS.limeApiKey} is not valid.` },
      },
    },
    {
      id: 'conv-lime-503',
      fault: {
        kind: 'status',
        status: 503,
        // Short: a 503 marks Lime unavailable, and the delivery waits for the probe after Retry-After.
        retryAfterSec: 1,
        body: { error: 'Service Unavailable', message: `upstream failed for x-api-key=${SECRETS.limeApiKey}` },
      },
    },
    { id: 'conv-lime-timeout', fault: { kind: 'delay', ms: 6_000 } },
    { id: 'conv-lime-reset', fault: { kind: 'drop' } },
  ] as const;
  for (const { id, fault } of faults) {
    lime.failNext(1, fault);
    await post(meeting(id));
    await until(id, ['dead', 'delivered']);
  }
  limeCallsWithKey.ok = lime.requests.filter(
    (entry) => entry.apiKey === SECRETS.limeApiKey && entry.status < 300,
  ).length;

  // Every admin page and action.
  const rows = await store.listDeliveries({ limit: 50 });
  await page('/admin');
  await page('/admin/connection');
  await page('/admin/deliveries');
  await page('/admin/deliveries?status=dead');
  await page('/admin/deliveries?q=Budget');
  await page('/admin/dead-letters');
  for (const row of rows) {
    await page(`/admin/deliveries/${encodeURIComponent(row.id)}`);
    await page(`/admin/deliveries/${encodeURIComponent(row.id)}?summary=1`);
  }
  const good = (await deliveryOf('conv-good'))!;
  const dead = (await deliveryOf('conv-lime-401'))!;
  await act(`/admin/deliveries/${encodeURIComponent(good.id)}/dry-run`);
  await act(`/admin/deliveries/${encodeURIComponent(good.id)}/rerun`);
  await act(`/admin/deliveries/${encodeURIComponent(dead.id)}/retry`);
  await until('conv-lime-401', ['delivered']);
  await act(`/admin/dead-letters/${encodeURIComponent((await deliveryOf('conv-lime-503'))!.id)}/requeue`);
  await act('/admin/dead-letters/requeue-all');
  await until('conv-lime-timeout', ['delivered']);
  await page('/admin/dead-letters');
  await call('POST', '/admin/connection/disconnect', { form: { _csrf: 'forged' } }); // CSRF refusal page
  await page('/admin/no-such-page');
  await page('/admin/deliveries/no-such-delivery');
  await act('/admin/connection', { url: 'not a url', apiKey: SECRETS.limeApiKey }); // refused with the field
  await act('/admin/connection/test');
  await page('/admin/connection');

  // Operator endpoints and errors.
  await page('/metrics');
  await page('/healthz');
  await page('/readyz');
  await page('/no-such-route');
  await call('GET', '/api/v1/dci/webhook');

  // The CLI.
  cli(['deliveries']);
  cli(['deliveries', '--status', 'dead']);
  cli(['requeue', '--dead']);
  cli(['send-sample', '--sample', '1']);
  cli(['send-sample', '--secret', 'a-wrong-one', '--sample', '1']);
  cli(['hash-password'], `${SECRETS.adminPassword}\n`);
  cli(['no-such-command']);

  await act('/admin/sign-out');
  await store.close();
  await receiver.stop('SIGTERM');
  captures.push({ where: 'receiver log (stdout and stderr)', text: receiver.output(), adminPage: false });
}

afterAll(async () => {
  await killAllReceivers();
  await closeAll();
  rmSync(workDir, { recursive: true, force: true });
});

const logLines = () => captures.find((capture) => capture.where.startsWith('receiver log'))?.text ?? '';

describe('secrets never leak: the run really used them', () => {
  it('every kind of exchange happened: ingest answers, admin pages and actions, CLI, metrics, logs at trace', () => {
    expect(ingest).toEqual({
      good: 202,
      goodOldSecret: 202,
      badSignature: 401,
      missingSignature: 401,
      badJson: 400,
      badPayload: 400,
      tooLarge: 413,
      notJson: 415,
    });
    expect(captures.filter((capture) => capture.adminPage).length).toBeGreaterThan(30);
    expect(captures.filter((capture) => capture.where.startsWith('cli ')).length).toBe(7);
    expect(captures.some((capture) => capture.where.startsWith('GET /metrics → 200'))).toBe(true);
    // Logged at LOG_LEVEL=trace: info and warnings of every step are there.
    expect(logLines()).toContain('"msg":"admin sign-in failed"');
    expect(logLines()).toContain('"msg":"delivery dead-lettered"');
    expect(logLines().split('\n').length).toBeGreaterThan(30);
  });

  it('the Lime key was sent to Lime, the wrong one was tried, and the admin pages showed the 401 of the wrong key', () => {
    expect(limeCallsWithKey.ok).toBeGreaterThan(5);
    expect(lime.requests.some((entry) => entry.apiKey === SECRETS.wrongLimeApiKey && entry.status === 401)).toBe(true);
    expect(
      captures.some((capture) => capture.adminPage && capture.text.includes('Lime rejected the API key (401)')),
    ).toBe(true);
  });

  it('the saved Lime key is stored sealed under SECRET_KEY (it opens with it), the admin password signed in', async () => {
    const reopened = await openSqliteStore({ file: join(dataDir, 'receiver.sqlite') });
    try {
      const sealed = String((await reopened.readSettings())['lime.apiKey']);
      expect(sealed).not.toContain(SECRETS.limeApiKey);
      expect(openSecret(sealed, parseSecretKey(SECRETS.secretKey)!)).toBe(SECRETS.limeApiKey);
    } finally {
      await reopened.close();
    }
    expect(captures.some((capture) => capture.where === 'POST /admin/sign-in → 303')).toBe(true);
    expect(captures.some((capture) => capture.where === 'POST /admin/sign-in → 401')).toBe(true);
  });

  it('the scan finds a secret wherever it is written, in any of its forms (so a leak cannot go unnoticed)', () => {
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const form of formsOf(secret)) {
        const planted = [{ where: 'planted', text: `log line ${form} end`, adminPage: false }];
        expect(leaksIn(planted, { [name]: secret })).toHaveLength(1);
      }
    }
    expect(
      personalDataIn([{ where: 'planted', text: `x ${PERSONAL.phones[1]} y`, adminPage: false }]).length,
    ).toBeGreaterThan(0);
  });
});

/** Where the payloads' personal data was found. */
function personalDataIn(list: readonly Capture[]): string[] {
  const needles = [...PERSONAL.emails, ...PERSONAL.phones, PERSONAL.summary, PERSONAL.notes];
  return list.flatMap((capture) =>
    needles.filter((needle) => capture.text.includes(needle)).map((needle) => `${needle} in ${capture.where}`),
  );
}

describe('secrets never leak: the scan', () => {
  it('no secret appears in any page, answer, header, log line, metric or CLI output', () => {
    expect(leaksIn(captures, SECRETS)).toEqual([]);
  });

  it('no e-mail, phone number, summary or note text of a payload appears in the logs, metrics, health, webhook answers or CLI output', () => {
    expect(personalDataIn(captures.filter((capture) => !capture.adminPage))).toEqual([]);
  });
});
