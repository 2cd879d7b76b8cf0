// Where the receiver connects to: only the configured Lime API, whatever a payload or Lime's own answers contain.
// A canary server counts every connection made to it (HTTP or a TLS attempt); its address is put into every string
// of a payload, and into every link Lime answers with. The receiver is the production assembly (startReceiver).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LimeHttp } from '../../src/lime-addon/limeHttp';
import { CrmError } from '../../src/crm/crmError';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { untilDeliveryStatus } from '../support/adminHarness';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { sendSigned, startLimeReceiver } from '../support/limeReceiver';
import { waitFor } from '../support/waitFor';

const WEBHOOK_SECRET = 'outbound-test-secret';
const tlsFile = (name: string) => join(__dirname, '..', 'fixtures', 'tls', name);

interface Canary {
  origin: string;
  /** Connections accepted so far (a TLS attempt counts too, before any HTTP). */
  connections(): number;
  close(): Promise<void>;
}

async function startCanary(): Promise<Canary> {
  let connections = 0;
  const server: Server = createServer((_request, response) => response.end('canary'));
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let dataDir: string;
let canary: Canary;
const receivers: RunningReceiver[] = [];

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dci-outbound-'));
  canary = await startCanary();
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  await closeAll();
  await canary.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(lime: LimeEmulator, env: Record<string, string> = {}): Promise<RunningReceiver> {
  const receiver = await startLimeReceiver(lime, {
    dataDir,
    webhookSecret: WEBHOOK_SECRET,
    env: { LIME_CREATE_MISSING_CONTACTS: 'true', ...env },
  });
  receivers.push(receiver);
  return receiver;
}

async function send(receiver: RunningReceiver, payload: unknown): Promise<void> {
  expect(await sendSigned(receiver, payload, WEBHOOK_SECRET)).toBe(202);
}

/** A meeting whose every string field carries a link to the canary (http and https), participants included. */
function payloadFullOfLinks(conversationId: string, origin: string): Record<string, unknown> {
  const link = (field: string) => `${origin}/${field}`;
  const tlsLink = (field: string) => `${origin.replace('http:', 'https:')}/${field}`;
  const both = (field: string) => `see ${link(field)} and ${tlsLink(field)} <${link(`${field}-2`)}>`;
  return buildPayload(
    {
      id: conversationId,
      title: `Offer review ${link('title')}`,
      summary: `Summary. ${both('summary')} [x](${link('markdown')}) <img src="${link('img')}">`,
      notes: both('notes'),
      location: link('location'),
      company: `Acme ${link('company')}`,
      url: link('url'),
      recording_url: tlsLink('recording'),
      transcript_url: link('transcript'),
      conversation_type: link('type'),
      department: { id: link('department-id'), name: link('department') },
      user: { id: 'u-17', name: `Sara ${link('user')}`, email: 'sara@seller.se', phone: link('user-phone') },
      avatar_url: link('avatar'),
      links: [link('links-0'), { href: link('links-1') }],
      participants: [
        buildParticipant({
          name: `Anna Andersson ${link('participant')}`,
          email: 'anna.andersson@acme.se',
          company: `Acme AB ${link('participant-company')}`,
          role: 'customer',
          profile_url: link('profile'),
        }),
        buildParticipant({
          name: `New Person ${link('new-person')}`,
          first_name: link('first-name'),
          last_name: 'Person',
          email: 'new.person@newco.example',
          company: `Newco ${tlsLink('new-company')}`,
          phone: link('phone'),
          mobile_phone: tlsLink('mobile'),
          role: link('role'),
          website: link('website'),
        }),
      ],
    },
    {
      callback_url: link('callback'),
      _meta: { token_prefix: link('meta'), delivery_id: `delivery-${conversationId}` },
    },
  );
}

describe('outbound calls: only the configured Lime API', () => {
  it('a payload full of links is delivered, the links are in the note, and nothing but Lime was contacted', async () => {
    const lime = await startLime();
    seedDemoData(lime);
    const receiver = await start(lime);
    await send(receiver, payloadFullOfLinks('conv-links', canary.origin));
    await untilDeliveryStatus(receiver, 'conv-links', 'delivered');
    await receiver.settings.testConnection();

    // The links really went through the receiver: they are in the notes it wrote.
    const notes = lime.all('history').map((note) => String(note['note']));
    expect(notes.some((note) => note.includes(`${canary.origin}/recording`.replace('http:', 'https:')))).toBe(true);
    expect(notes.some((note) => note.includes(`${canary.origin}/summary`))).toBe(true);
    expect(canary.connections()).toBe(0);
  });

  it('links in Lime’s answers that name another origin are never followed: delivery, contact creation, index, check', async () => {
    const lime = await startLime({ hrefOrigin: canary.origin });
    seedDemoData(lime);
    // The emulator really answers with hrefs (and Location headers) on the canary's origin.
    const root = await fetch(`${lime.baseUrl}/api/v1/`, { headers: { 'x-api-key': TEST_API_KEY } });
    expect(await root.text()).toContain(canary.origin);

    const receiver = await start(lime);
    await send(receiver, payloadFullOfLinks('conv-foreign-hrefs', `http://127.0.0.1:1`));
    await untilDeliveryStatus(receiver, 'conv-foreign-hrefs', 'delivered');
    expect(lime.all('person').some((person) => person['email'] === 'new.person@newco.example')).toBe(true);
    expect((await receiver.settings.testConnection())?.ok).toBe(true);
    await waitFor(
      async () => (await receiver.store.contactIndexState('lime')).size > 0,
      10_000,
      'the contact index to be synced',
    );
    expect(lime.requests.length).toBeGreaterThan(5);
    expect(canary.connections()).toBe(0);
  });

  it.each([
    ['an absolute URL', (origin: string) => `${origin}/api/v1/limetype/`],
    ['a protocol-relative path', (origin: string) => `//${new URL(origin).host}/api/v1/`],
    ['a path out of the application', () => '../../other-app/api/v1/limetype/'],
  ])('the Lime client refuses %s outside the configured API, before any connection', async (_what, pathFor) => {
    const lime = await startLime();
    const http = new LimeHttp({ baseUrl: lime.baseUrl, apiKey: TEST_API_KEY });
    try {
      const refused = await http.getJson(pathFor(canary.origin)).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CrmError);
      expect((refused as CrmError).message).toContain('outside the configured Lime API');
      expect(canary.connections()).toBe(0);
      expect(lime.requests).toHaveLength(0);
      // The client still works for paths below the API.
      expect(await http.getJson('limetype/')).toBeDefined();
    } finally {
      await http.close();
    }
  });
});

describe('outbound calls: TLS verification', () => {
  it('a Lime with a certificate from a private CA is refused by default, and trusted with LIME_CA_FILE', async () => {
    const lime = await startLime({
      tls: { key: readFileSync(tlsFile('server.key'), 'utf8'), cert: readFileSync(tlsFile('server.crt'), 'utf8') },
    });
    seedDemoData(lime);
    expect(lime.baseUrl).toMatch(/^https:/u);

    const strict = await start(lime, { CONTACT_INDEX_SYNC_HOURS: '0' });
    expect(await strict.settings.testConnection()).toMatchObject({ ok: false, code: 'tls_failed' });
    await send(
      strict,
      buildPayload({ id: 'conv-tls', participants: [buildParticipant({ email: 'anna.andersson@acme.se' })] }),
    );
    const dead = await untilDeliveryStatus(strict, 'conv-tls', 'dead');
    expect(dead.lastErrorCode).toBe('tls_failed');
    const ourNotes = () => lime.all('history').filter((note) => String(note['note']).includes('conv-tls'));
    expect(ourNotes()).toHaveLength(0);
    await strict.close();

    const trusting = await start(lime, { CONTACT_INDEX_SYNC_HOURS: '0', LIME_CA_FILE: tlsFile('ca.crt') });
    expect(await trusting.settings.testConnection()).toMatchObject({ ok: true });
    await trusting.store.requeueAllDead(new Date());
    trusting.worker.wake();
    await untilDeliveryStatus(trusting, 'conv-tls', 'delivered');
    expect(ourNotes()).toHaveLength(1);
  });
});
