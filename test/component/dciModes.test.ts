import { catchUpEnrichment } from '../../src/receiver/enrich/enrichmentCatchUp';
import { participantQuery } from '../../src/receiver/secrets/participantLookup';
import { createLogger } from '../../src/receiver/observability/logger';
import { waitFor } from '../support/waitFor';
import { ANNA, DCI_SECRET, dciNotes, LARS, meeting, startDciSetup, type DciSetup } from '../support/dci';

// The receiver as it runs, with DCI's emulator sending its documented webhook (no links, notes or phones) and
// answering its REST API, and the Lime emulator with demo data: what users see in Lime and on the admin pages.

const CONVERSATION_URL = 'https://app.dci.example/conversations/{id}';

// Some cases wait for a retry's first backoff step or for the next poll (5 s, the shortest interval).
jest.setTimeout(45_000);

describe('DCI webhook with enrichment from the REST API', () => {
  let setup: DciSetup;
  afterEach(async () => setup?.close());

  it('the documented webhook plus enrichment gives a note with recording and conversation links, and a caller matched by phone', async () => {
    setup = await startDciSetup({
      env: { DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_MODE: 'webhook', DCI_CONVERSATION_URL: CONVERSATION_URL },
      webhook: true,
    });
    const { dci, lime } = setup;
    const id = meeting(dci, [
      { name: ANNA.name, phone: '070-123 45 67', role: 'customer' },
      { name: LARS.name, email: LARS.email, role: 'customer' },
    ]);

    dci.completeConversation(id, { summary: 'Acme wants a quote for 40 seats.' });
    const row = await setup.delivered(id);

    // The webhook DCI sent had no phone, link or notes: the receiver read them from the REST API.
    const sent = dci.webhookDeliveries.find((delivery) => delivery.conversationId === id);
    expect(sent?.status).toBe(202);
    expect(row.source).toBe('webhook');
    expect(row.enrichment).toMatchObject({
      state: 'complete',
      added: expect.arrayContaining(['conversation link', 'recording link', 'manual notes', 'participant phones']),
    });
    const detail = await setup.receiver.store.getDelivery(row.id);
    expect(detail?.outcomes.map((outcome) => [outcome.outcome, outcome.matchedBy])).toEqual([
      ['written', 'mobile'],
      ['written', 'email'],
    ]);
    const notes = dciNotes(lime, id);
    expect(notes).toHaveLength(2);
    for (const note of notes) {
      expect(String(note['note'])).toContain(`https://app.dci.example/conversations/${id}`);
      expect(String(note['note'])).toMatch(/Recording: https:\/\/recordings\.dci-emulator\.test\/recordings\//u);
      expect(String(note['note'])).toContain('Wants a quote before Friday.');
    }
    // Two REST requests for the conversation: its detail and its recording URL.
    const forIt = dci.requests.filter((request) => request.path.includes(id));
    expect(forIt.map((request) => request.path).sort()).toEqual(
      [`/conversations/${id}`, `/conversations/${id}/recording-url`].sort(),
    );
    // The number only DCI's REST API had finds the meeting on the deliveries page's search (the lookup rows were
    // re-keyed from the enriched payload).
    const query = participantQuery('+46 70 123 45 67', setup.receiver.participantKeys.key, 'SE');
    const hits = await setup.receiver.store.findByParticipantKeys({ hashes: [query?.hash ?? ''] });
    expect(hits.map((hit) => hit.deliveryId)).toEqual([row.id]);
  });

  it('a token without the recordings scope gives notes without the recording link, and the delivery says why', async () => {
    setup = await startDciSetup({
      env: { DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_MODE: 'webhook' },
      token: { scopes: ['conversations'] },
      webhook: true,
    });
    const id = meeting(setup.dci, [{ name: ANNA.name, email: ANNA.email, role: 'customer' }]);

    setup.dci.completeConversation(id, { summary: 'Follow-up on pricing.' });
    const row = await setup.delivered(id);

    expect(String(dciNotes(setup.lime, id)[0]?.['note'])).not.toContain('Recording:');
    expect(row.enrichment?.state).toBe('complete');
    expect(row.enrichment?.missing).toContainEqual({
      part: 'recording link',
      reason: expect.stringMatching(/recordings.*include_recordings/u),
    });
  });

  it('when DCI answers 503 the delivery waits and retries, then is delivered enriched', async () => {
    setup = await startDciSetup({ env: { DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_MODE: 'webhook' }, webhook: true });
    const id = meeting(setup.dci, [{ name: ANNA.name, phone: '070-123 45 67', role: 'customer' }]);
    setup.dci.failWhen((request) => request.path === `/conversations/${id}`, { kind: 'status', status: 503 }, 1);

    setup.dci.completeConversation(id, { summary: 'Call about the renewal.' });
    const retrying = await setup.delivered(id, 'retrying');
    expect(retrying.lastErrorCode).toBe('dci_unavailable');
    expect(dciNotes(setup.lime, id)).toHaveLength(0);

    // The retry comes after the first backoff step (about 15 s): the store holds the time, nothing sleeps.
    const row = await setup.delivered(id);
    expect(row.enrichment?.state).toBe('complete');
    expect(dciNotes(setup.lime, id)).toHaveLength(1);
  });

  it('when DCI cannot be read past the wait, the notes go without its parts (partial), and are completed once DCI answers', async () => {
    setup = await startDciSetup({
      env: { DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_MODE: 'webhook', DCI_ENRICH_WAIT_MINUTES: '0' },
      webhook: true,
    });
    const id = meeting(setup.dci, [{ name: LARS.name, email: LARS.email, role: 'customer' }]);
    setup.dci.failWhen((request) => request.path.startsWith(`/conversations/${id}`), { kind: 'drop' }, 2);

    setup.dci.completeConversation(id, { summary: 'Quarterly review.' });
    const partial = await setup.delivered(id);
    expect(partial.enrichment).toMatchObject({
      state: 'partial',
      missing: expect.arrayContaining([
        { part: 'recording link', reason: expect.stringMatching(/^DCI could not be read/u) },
      ]),
    });
    const [note] = dciNotes(setup.lime, id);
    expect(String(note?.['note'])).not.toContain('Recording:');

    // DCI answers again: the catch-up makes the delivery due and the same note is updated in place.
    const result = await catchUpEnrichment({
      store: setup.receiver.store,
      api: setup.receiver.dci.api(),
      target: 'lime',
      now: new Date(),
      afterMs: 0,
      logger: createLogger('silent'),
    });
    expect(result.requeued).toBe(1);
    setup.receiver.worker.wake();
    await waitFor(
      async () => (await setup.receiver.store.getDelivery(partial.id))?.enrichment?.state === 'complete',
      20_000,
      'the enrichment to be complete',
    );
    const notes = dciNotes(setup.lime, id);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.['_id']).toBe(note?.['_id']);
    expect(String(notes[0]?.['note'])).toContain('Recording:');
  });
});

describe('polling DCI (outbound only) and reconciliation', () => {
  let setup: DciSetup;
  afterEach(async () => setup?.close());

  it('poll mode: a meeting completed in DCI reaches Lime with no inbound webhook, matched by phone, with its links', async () => {
    // A token and no webhook secrets: poll mode. Nothing is subscribed in DCI.
    setup = await startDciSetup({ env: { DCI_CONVERSATION_URL: CONVERSATION_URL, DCI_POLL_INTERVAL_S: '5' } });
    expect(setup.receiver.dci.mode()).toBe('poll');
    const id = meeting(setup.dci, [{ name: ANNA.name, phone: '070-123 45 67', role: 'customer' }]);

    setup.dci.completeConversation(id, { summary: 'Poll-mode meeting.' });
    const row = await setup.delivered(id);

    expect(row.source).toBe('poll');
    expect(setup.dci.webhookDeliveries).toHaveLength(0);
    const detail = await setup.receiver.store.getDelivery(row.id);
    expect(detail?.outcomes[0]).toMatchObject({ outcome: 'written', matchedBy: 'mobile' });
    const [note] = dciNotes(setup.lime, id);
    expect(String(note?.['note'])).toContain('Recording:');
    // No webhook can come in: nothing verifies it.
    const webhook = await fetch(`${setup.receiver.url}/api/v1/dci/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-signature': 'sha256=00' },
      body: '{}',
    });
    expect(webhook.status).toBe(404);
    expect(await webhook.json()).toMatchObject({ error: { code: 'webhooks_off' } });
    // The list item was the whole conversation: only the recording URL was asked for one by one.
    expect(setup.dci.requests.filter((request) => request.path.includes(id)).map((request) => request.path)).toEqual([
      `/conversations/${id}/recording-url`,
    ]);
  });

  it('both: a webhook DCI drops is delivered by reconciliation within one poll interval, exactly one note per person', async () => {
    setup = await startDciSetup({
      env: { DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_POLL_INTERVAL_S: '5' },
      webhook: true,
    });
    expect(setup.receiver.dci.mode()).toBe('both');
    const dropped = meeting(setup.dci, [{ name: LARS.name, email: LARS.email, role: 'customer' }]);
    const sent = meeting(setup.dci, [{ name: ANNA.name, email: ANNA.email, role: 'customer' }]);

    setup.dci.dropNextWebhooks(1);
    setup.dci.completeConversation(dropped, { summary: 'The webhook of this one never arrives.' });
    setup.dci.completeConversation(sent, { summary: 'This one arrives by webhook.' });
    const byWebhook = await setup.delivered(sent);
    const byPoll = await setup.delivered(dropped);

    expect(byWebhook.source).toBe('webhook');
    expect(byPoll.source).toBe('poll');
    // The next poll sees both again: nothing new, nothing written twice.
    await waitFor(
      async () => {
        const state = (await setup.receiver.store.readJobState('dci-poll'))?.state as { last?: { at: string } };
        return state?.last !== undefined && Date.parse(state.last.at) > byPoll.updatedAt.getTime();
      },
      15_000,
      'another poll',
    );
    expect(dciNotes(setup.lime, dropped)).toHaveLength(1);
    expect(dciNotes(setup.lime, sent)).toHaveLength(1);
    expect((await setup.receiver.store.getDelivery(byWebhook.id))?.attemptLog).toHaveLength(1);
  });

  it('a summary DCI regenerates updates the notes in place', async () => {
    setup = await startDciSetup({ env: { DCI_WEBHOOK_SECRETS: DCI_SECRET, DCI_MODE: 'both' }, webhook: true });
    const id = meeting(setup.dci, [{ name: ANNA.name, email: ANNA.email, role: 'customer' }]);
    setup.dci.completeConversation(id, { summary: 'First summary.' });
    const first = await setup.delivered(id);
    const [note] = dciNotes(setup.lime, id);

    setup.dci.updateSummary(id, 'Regenerated summary with the agreed price.', { notify: true });
    await waitFor(
      async () => String(dciNotes(setup.lime, id)[0]?.['note']).includes('agreed price'),
      20_000,
      'the note to be updated',
    );

    const notes = dciNotes(setup.lime, id);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.['_id']).toBe(note?.['_id']);
    expect((await setup.delivered(id)).id).toBe(first.id);
  });
});
