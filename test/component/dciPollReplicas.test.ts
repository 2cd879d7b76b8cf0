import { DciClient } from '../../src/dci-api';
import { LimeConnector } from '../../src/lime-addon';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { createLogger } from '../../src/receiver/observability/logger';
import { POLL_JOB } from '../../src/receiver/poll/dciPoller';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import type { DeliveryRow } from '../../src/receiver/store/receiverStore';
import { startDciEmulator, type DciEmulator, type TokenSettings } from '../../src/sandbox/dci';
import { seedDemoData, type LimeEmulator } from '../../src/sandbox/lime';
import { ANNA, dciNotes, LARS, meeting } from '../support/dci';
import { closeAll, startLime, TEST_API_KEY } from '../support/lime';
import { dropSchema, postgresAvailable, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { waitFor } from '../support/waitFor';

// Two receivers on one PostgreSQL schema in poll mode: exactly one polls DCI (the holder of the poll lease); when it
// stops, the other takes over and delivers what DCI completes afterwards. Each replica has a token of its own here,
// so DCI's request log shows which replica asked (a real deployment gives both the same token).

jest.setTimeout(60_000);

const schema = uniqueSchema('dci_poll_replicas');
const describeWithPostgres = postgresAvailable() ? describe : describe.skip;

/** DCI's log names a token by its first 11 characters: these two differ there. */
const TOKENS = ['mt_replica1_token_aaaaaaaa', 'mt_replica2_token_bbbbbbbb'] as const;
const prefixOf = (token: string) => token.slice(0, 11);
const SCOPES: TokenSettings = { scopes: ['conversations', 'recordings'], includeRecordings: true, ratePerMinute: 1000 };

describeWithPostgres('polling DCI with two replicas on one PostgreSQL', () => {
  let dci: DciEmulator;
  let lime: LimeEmulator;
  const replicas: RunningReceiver[] = [];

  beforeAll(async () => {
    dci = await startDciEmulator({ tokens: { [TOKENS[0]]: SCOPES, [TOKENS[1]]: SCOPES } });
    lime = await startLime();
    seedDemoData(lime);
    for (const token of TOKENS) {
      const config = loadConfig({
        PORT: '0',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        DCI_API_URL: dci.baseUrl,
        DCI_API_TOKEN: token,
        DCI_API_RATE_PER_MINUTE: '1000',
        DCI_POLL_INTERVAL_S: '5',
        LIME_URL: lime.baseUrl,
        LIME_API_KEY: TEST_API_KEY,
        INTERNAL_EMAIL_DOMAINS: 'seller.se',
        CONTACT_INDEX_SYNC_HOURS: '0',
      });
      replicas.push(
        await startReceiver(config, {
          logger: createLogger('silent'),
          makeConnector: (options) => new LimeConnector(options),
          makeDciApi: (options) => new DciClient({ ...options, timeoutMs: 2000 }),
          host: '127.0.0.1',
        }),
      );
    }
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await dci?.close();
    await closeAll();
    await dropSchema(schema);
  });

  async function jobState(replica: RunningReceiver) {
    const state = await replica.store.readJobState(POLL_JOB);
    const saved = state?.state as { last?: { at: string } } | undefined;
    return { holder: state?.holder, lastPollAt: saved?.last === undefined ? 0 : Date.parse(saved.last.at) };
  }

  /** Waits until the poll lease's holder has finished `count` more polls. */
  async function morePolls(replica: RunningReceiver, count: number): Promise<void> {
    for (let seen = 0; seen < count; seen += 1) {
      const before = (await jobState(replica)).lastPollAt;
      await waitFor(async () => (await jobState(replica)).lastPollAt > before, 15_000, 'the next poll', 50);
    }
  }

  async function delivered(replica: RunningReceiver, conversationId: string): Promise<DeliveryRow[]> {
    let rows: DeliveryRow[] = [];
    await waitFor(
      async () => {
        rows = (await replica.store.listDeliveries({ search: conversationId, limit: 5 })).filter(
          (row) => row.conversationId === conversationId,
        );
        return rows.length > 0 && rows.every((row) => row.status === 'delivered');
      },
      30_000,
      `conversation ${conversationId} delivered`,
    );
    return rows;
  }

  const listRequests = () => dci.requests.filter((request) => request.path === '/conversations');

  it('exactly one replica polls; when it stops, the other takes over and delivers what DCI completes next', async () => {
    // Both replicas ran their Test connection for DCI at start (one list request each): wait for it, then watch.
    await waitFor(() => replicas.every((replica) => replica.dci.lastCheck() !== undefined), 10_000, 'the checks');
    await waitFor(async () => (await jobState(replicas[0]!)).holder !== undefined, 15_000, 'a poll lease holder');
    const holderId = (await jobState(replicas[0]!)).holder;
    const polling = replicas.findIndex((replica) => replica.poller.holder === holderId);
    expect(polling).toBeGreaterThanOrEqual(0);
    const [active, standby] = polling === 0 ? [replicas[0]!, replicas[1]!] : [replicas[1]!, replicas[0]!];
    const activeToken = TOKENS[polling]!;
    const standbyToken = TOKENS[1 - polling]!;
    dci.clearRequests();

    const first = meeting(dci, [{ name: ANNA.name, email: ANNA.email, role: 'customer' }]);
    dci.completeConversation(first, { summary: 'Found by the replica that polls.' });
    const [firstRow] = await delivered(standby, first);
    await morePolls(active, 2);

    expect(firstRow?.source).toBe('poll');
    expect(await standby.poller.pollOnce()).toEqual({ kind: 'standby' });
    expect((await jobState(standby)).holder).toBe(active.poller.holder);
    expect(listRequests().length).toBeGreaterThanOrEqual(3);
    expect(new Set(listRequests().map((request) => request.tokenPrefix))).toEqual(new Set([prefixOf(activeToken)]));

    // The polling replica stops (gives its lease back); the other takes the lease at its next tick.
    await active.close();
    dci.clearRequests();
    const second = meeting(dci, [{ name: LARS.name, email: LARS.email, role: 'customer' }]);
    dci.completeConversation(second, { summary: 'Completed after the first replica stopped.' });
    const [secondRow] = await delivered(standby, second);

    expect(secondRow?.source).toBe('poll');
    expect((await jobState(standby)).holder).toBe(standby.poller.holder);
    expect(new Set(listRequests().map((request) => request.tokenPrefix))).toEqual(new Set([prefixOf(standbyToken)]));
    // Each conversation delivered once: one delivery, one attempt, one note per person.
    await morePolls(standby, 1);
    for (const [id, row] of [
      [first, firstRow],
      [second, secondRow],
    ] as const) {
      expect(await standby.store.listDeliveries({ search: id, limit: 5 })).toHaveLength(1);
      expect((await standby.store.getDelivery(row!.id))?.attemptLog).toHaveLength(1);
      expect(dciNotes(lime, id)).toHaveLength(1);
    }
  });
});
