// The real Lime server's unknowns (issue 16), over real HTTP against the Lime emulator set as strict as a real
// server might be: a 2,000-character request-line limit (the emulator's default), a page cap, a server refusing
// `_timestamp`, an API root answering without JSON, a PUT that may not carry a secret.
import type { ContactIndexEntry } from '../../src/crm/crmConnector';
import { CrmError } from '../../src/crm/crmError';
import type { LimeConnector } from '../../src/lime-addon';
import { queryObjects } from '../../src/lime-addon/queryObjects';
import { syncContactIndex, updateContactIndex } from '../../src/receiver/contactIndex/syncContactIndex';
import type { LimeEmulator, LimeRequestLogEntry } from '../../src/sandbox/lime';
import { buildParticipant, buildSummary } from '../support/payloads';
import { closeAll, connectTo, DELIVER, startLime } from '../support/lime';
import { buildReceiver } from '../support/receiver';
import { waitFor } from '../support/waitFor';

afterEach(closeAll);

/** The request line a logged request came with (the emulator logs the path below the app prefix). */
function requestLineOf(lime: LimeEmulator, entry: LimeRequestLogEntry): string {
  const app = new URL(lime.baseUrl).pathname;
  return `${entry.method} ${app}${entry.path}${entry.query === '' ? '' : `?${entry.query}`} HTTP/1.1`;
}

const isQuery = (entry: { method: string; path: string }) => entry.method === 'GET' && entry.path === '/api/v1/query/';
const isNoteWrite = (entry: { method: string; path: string }) =>
  entry.method === 'POST' && entry.path === '/api/v1/limeobject/history/';

/** Customers p0…p(n-1) at Acme, each with an e-mail and a mobile number, and the presenter as a coworker. */
function seedCustomers(lime: LimeEmulator, count: number): void {
  const acme = lime.insert('company', { name: 'Acme AB', phone: '08-555 000 00' });
  for (let i = 0; i < count; i += 1) {
    lime.insert('person', {
      firstname: `P${i}`,
      lastname: 'Kund',
      email: `p${i}@acme.se`,
      mobilephone: `070-100 00 ${String(i).padStart(2, '0')}`,
      company: acme,
    });
  }
  lime.insert('coworker', { firstname: 'Sara', email: 'sara@seller.se' });
}

function meetingWith(count: number, conversationId: string, offset = 0) {
  return buildSummary({
    id: conversationId,
    participants: Array.from({ length: count }, (_, index) => {
      const i = index + offset;
      return buildParticipant({
        email: `p${i}@acme.se`,
        name: `P${i} Kund`,
        mobile_phone: `+46 70 100 00 ${String(i).padStart(2, '0')}`,
      });
    }),
  });
}

async function deliverAll(connector: LimeConnector, count: number, conversationId: string) {
  const report = await connector.deliver(meetingWith(count, conversationId), DELIVER);
  return report.outcomes.map((outcome) => outcome.outcome);
}

describe('Lime behind a 2,000-character request-line limit', () => {
  it('a 20-participant meeting with phones gets all 20 notes, and no request line is longer than 2,000', async () => {
    const lime = await startLime(); // the emulator answers 414 past 2,000 characters by default
    seedCustomers(lime, 20);
    const outcomes = await deliverAll(connectTo(lime), 20, 'conv-twenty');

    expect(outcomes).toEqual(Array.from({ length: 20 }, () => 'written'));
    expect(lime.requests.filter((entry) => entry.status === 414)).toEqual([]);
    const queries = lime.requests.filter(isQuery);
    expect(queries.length).toBeGreaterThan(2); // the candidate query was split
    for (const entry of lime.requests) expect(requestLineOf(lime, entry).length).toBeLessThanOrEqual(2_000);
  });

  it('the emulator answers a longer request line with 414, as a proxy in front of Lime would', async () => {
    const lime = await startLime();
    const response = await fetch(`${lime.baseUrl}/api/v1/query/?q=${'x'.repeat(2_100)}`);
    expect(response.status).toBe(414);
    await response.arrayBuffer();
  });

  it('one value too long to fit any request line fails with a clear bad_request, nothing sent', async () => {
    const lime = await startLime();
    seedCustomers(lime, 1);
    const connector = connectTo(lime);
    await connector.testConnection();
    lime.clearRequests();
    const failure = await queryObjects(connector.http, {
      limetype: 'person',
      responseFormat: { object: { _id: null } },
      anyOf: [{ keys: ['email'], values: ['short@acme.se', `${'a'.repeat(1_900)}@acme.se`] }],
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CrmError);
    expect(failure).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/alone makes a Query API/u) });
    expect(lime.requests.filter(isQuery)).toEqual([]);
  });
});

describe('Lime capping Query API pages at 100', () => {
  it('a meeting whose candidates pass 100 still finds its person, and the cap is learned once', async () => {
    const lime = await startLime({ maxQueryLimit: 100 });
    const acme = lime.insert('company', { name: 'Acme AB', phone: '08-555 000 00' });
    // 150 persons share the participant's number (a switchboard written on persons); the one with her e-mail comes
    // after them in id order: cut at 100 candidates, she would be missing and the number ambiguous.
    for (let i = 0; i < 150; i += 1) {
      lime.insert('person', { firstname: `S${i}`, lastname: 'Växel', phone: '08-555 123 45', company: acme });
    }
    const anna = lime.insert('person', { firstname: 'Anna', email: 'anna@acme.se', phone: '08-555 123 45' });
    const connector = connectTo(lime);

    const report = await connector.deliver(
      buildSummary({ participants: [buildParticipant({ email: 'anna@acme.se', phone: '+46 8 555 123 45' })] }),
      DELIVER,
    );

    expect(report.outcomes).toEqual([expect.objectContaining({ outcome: 'written', personId: anna })]);
    expect(connector.http.traits.cap).toBe(100);
    const limits = lime.requests.filter(isQuery).map((entry) => {
      const document = JSON.parse(new URLSearchParams(entry.query).get('q') ?? '{}') as { limit?: number };
      return document.limit;
    });
    expect(limits.slice(-2)).toEqual([100, 100]); // after the cap was learned, pages of 100 are asked
  });

  it('the contact index export reads every person, in pages of the learned cap', async () => {
    const lime = await startLime({ maxQueryLimit: 100 });
    seedCustomers(lime, 250);
    const connector = connectTo(lime);
    const exported: number[] = [];
    for await (const page of connector.exportContacts({ defaultRegion: 'SE' })) {
      exported.push(...page.map((entry) => Number(entry.personId)));
    }
    const all = lime.all('person').map((person) => person['_id']);
    expect(new Set(exported).size).toBe(250);
    expect(exported.sort((a, b) => a - b)).toEqual(all);
  });
});

describe('Lime refusing _timestamp in queries', () => {
  it('deliveries and the index work without it, and the refused query is not sent again', async () => {
    const lime = await startLime({ refuseTimestampInQueries: true });
    seedCustomers(lime, 4);
    const connector = connectTo(lime);

    expect(await deliverAll(connector, 2, 'conv-ts-1')).toEqual(['written', 'written']);
    const refusedAtFirst = lime.requests.filter((entry) => entry.status === 400).length;
    expect(refusedAtFirst).toBeGreaterThan(0); // the first meeting's query parts, at once
    expect(await deliverAll(connector, 4, 'conv-ts-2')).toEqual(['written', 'written', 'written', 'written']);
    const entries: ContactIndexEntry[] = [];
    for await (const page of connector.exportContacts({ defaultRegion: 'SE' })) entries.push(...page);
    expect(entries).toHaveLength(4);
    expect(entries.every((entry) => entry.updatedAt === undefined)).toBe(true);
    const notification = await connector.readContactNotification(
      { event: 'person.update', body: { id: entries[0]?.personId, values: {}, original_values: { email: 'x' } } },
      { defaultRegion: 'SE' },
    );
    expect(notification).toMatchObject({ kind: 'change', change: { upsert: [expect.anything()] } });

    // Remembered for the connection: nothing refused after the first meeting, and nothing asks _timestamp.
    expect(lime.requests.filter((entry) => entry.status === 400)).toHaveLength(refusedAtFirst);
    const asked = lime.requests.filter((entry) => entry.status !== 400 && entry.query.includes('_timestamp'));
    expect(asked).toEqual([]);
    expect(connector.http.traits.timestampRefused).toBe(true);

    // The incremental pass filters on _timestamp: it says at once that it cannot (the receiver keeps to full syncs).
    const before = lime.requests.length;
    const pages = connector.exportContactsChangedSince('2026-01-01T00:00:00Z', { defaultRegion: 'SE' });
    await expect(pages[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'bad_request' });
    expect(lime.requests.length).toBe(before);
  });

  it('the receiver keeps to full syncs: its incremental pass says it cannot run, without asking Lime', async () => {
    const lime = await startLime({ refuseTimestampInQueries: true });
    seedCustomers(lime, 3);
    const connector = connectTo(lime);
    const receiver = await buildReceiver({ connector });
    try {
      const options = { target: 'lime', defaultRegion: 'SE' };
      expect(await syncContactIndex(receiver.store, connector, { ...options, now: () => new Date() })).toBe(3);
      const before = lime.requests.length;
      await expect(updateContactIndex(receiver.store, connector, options)).rejects.toMatchObject({
        code: 'bad_request',
      });
      expect(lime.requests.length).toBe(before);
    } finally {
      await receiver.close();
    }
  });

  it('a 400 for another reason is not blamed on _timestamp', async () => {
    const lime = await startLime();
    seedCustomers(lime, 1);
    const connector = connectTo(lime);
    await connector.testConnection();
    lime.failWhen(isQuery, { kind: 'status', status: 400 }, 2);
    const delivered = connector.deliver(meetingWith(1, 'conv-400'), { ...DELIVER, knownNotesComplete: true });
    await expect(delivered).rejects.toMatchObject({ code: 'bad_request' });
    expect(connector.http.traits.timestampRefused).toBe(false);
  });

  it('one stray 400 that does not name _timestamp does not cost the connection its update times; a second does', async () => {
    const lime = await startLime();
    seedCustomers(lime, 1);
    const connector = connectTo(lime);
    await connector.testConnection();
    const DELIVER_ONCE = { ...DELIVER, knownNotesComplete: true };
    const isPersonQuery = (entry: { method: string; path: string; query: string }) =>
      isQuery(entry) && decodeURIComponent(entry.query).includes('"limetype":"person"');

    lime.failWhen(isPersonQuery, { kind: 'status', status: 400 }, 1);
    expect((await connector.deliver(meetingWith(1, 'conv-stray-1'), DELIVER_ONCE)).outcomes).toHaveLength(1);
    expect(connector.http.traits.timestampRefused).toBe(false);

    lime.failWhen(isPersonQuery, { kind: 'status', status: 400 }, 1);
    expect((await connector.deliver(meetingWith(1, 'conv-stray-2'), DELIVER_ONCE)).outcomes).toHaveLength(1);
    expect(connector.http.traits.timestampRefused).toBe(true);
  });
});

describe('Test connection against an API root that answers without JSON', () => {
  it('a 2xx without a JSON body counts as reached; the data model read says the rest', async () => {
    const lime = await startLime();
    lime.failWhen((request) => request.method === 'GET' && request.path === '/api/v1/', {
      kind: 'status',
      status: 200,
      body: 'OK',
    });
    const check = await connectTo(lime).testConnection();
    expect(check).toMatchObject({ ok: true });
    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['reach', true],
      ['authenticate', true],
      ['permissions', true],
      ['schema', true],
    ]);
  });

  it('with a wrong key, the data model read reports unauthorized at the authenticate step', async () => {
    const lime = await startLime();
    lime.failWhen((request) => request.method === 'GET' && request.path === '/api/v1/', {
      kind: 'status',
      status: 200,
      body: '',
    });
    const check = await connectTo(lime, { apiKey: 'wrong' }).testConnection();
    expect(check).toMatchObject({ ok: false, code: 'unauthorized' });
    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['reach', true],
      ['authenticate', false],
    ]);
  });
});

describe('Webhook secret rotation', () => {
  const TARGET = 'https://receiver.example/api/v1/lime/webhook';

  it('a new secret creates a new subscription first and then deletes the old one; no PUT carries a secret', async () => {
    const lime = await startLime();
    const connector = connectTo(lime);
    const first = await connector.subscribeToContactChanges({ targetUrl: TARGET, secret: 'old-secret' });
    lime.clearRequests();

    const second = await connector.subscribeToContactChanges({ targetUrl: TARGET, secret: 'new-secret' });

    expect(lime.subscriptions).toEqual([expect.objectContaining({ target_url: TARGET, secret: 'new-secret' })]);
    expect(second).toMatchObject({ kind: 'subscribed', id: String(lime.subscriptions[0]?.id) });
    expect(second).not.toMatchObject({ id: first.kind === 'subscribed' ? first.id : '' });
    const writes = lime.requests.filter((entry) => entry.method !== 'GET').map((entry) => entry.method);
    expect(writes).toEqual(['POST', 'DELETE']); // never a moment without a subscription
  });

  it('the emulator refuses a secret in a PUT, as Lime documents none there', async () => {
    const lime = await startLime();
    const connector = connectTo(lime);
    const subscribed = await connector.subscribeToContactChanges({ targetUrl: TARGET, secret: 's' });
    const id = subscribed.kind === 'subscribed' ? subscribed.id : '0';
    await expect(connector.http.putJson(`subscription/${id}/`, { secret: 'other' })).rejects.toMatchObject({
      code: 'bad_request',
      status: 400,
    });
    await connector.http.putJson(`subscription/${id}/`, { enabled: false });
    expect(lime.subscriptions[0]).toMatchObject({ enabled: false, secret: 's' });
  });
});

describe('Round trips per meeting', () => {
  it('a 10-participant meeting is two round trips: every read at once, then every note at once', async () => {
    const lime = await startLime();
    seedCustomers(lime, 30);
    const connector = connectTo(lime);
    await deliverAll(connector, 1, 'conv-warm'); // data model, page size and the presenter are known from here on

    // Counted from the emulator's log: the reads (candidate query parts and our notes' search) and one write each.
    lime.clearRequests();
    const counted = await connector.deliver(meetingWith(10, 'conv-counted', 10), DELIVER);
    expect(counted.outcomes.map((outcome) => outcome.outcome)).toEqual(Array.from({ length: 10 }, () => 'written'));
    const reads = lime.requests.filter(isQuery).length;
    expect(lime.requests.filter(isNoteWrite)).toHaveLength(10);
    expect(lime.requests).toHaveLength(reads + 10);
    expect(reads).toBeLessThanOrEqual(6);

    // Held by the emulator: all the reads arrive while none is answered (one round trip), then all ten writes
    // arrive while none is answered (the second).
    lime.clearRequests();
    const heldReads = Array.from({ length: reads }, () => lime.hold(isQuery));
    const heldWrites = Array.from({ length: 10 }, () => lime.hold(isNoteWrite));
    const delivered = connector.deliver(meetingWith(10, 'conv-held', 20), DELIVER);
    await Promise.all(heldReads.map((held) => held.reached));
    expect(lime.requests.filter(isNoteWrite)).toHaveLength(0);
    for (const held of heldReads) held.release();
    await Promise.all(heldWrites.map((held) => held.reached));
    for (const held of heldWrites) held.release();
    const report = await delivered;
    expect(report.outcomes.filter((outcome) => outcome.outcome === 'written')).toHaveLength(10);
    await waitFor(() => lime.requests.length === reads + 10, 5_000, 'every request logged');
  });
});
