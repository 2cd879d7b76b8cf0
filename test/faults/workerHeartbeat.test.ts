import { DeliveryWorker } from '../../src/receiver/deliver/deliveryWorker';
import { WorkerHeartbeat } from '../../src/receiver/deliver/workerHeartbeat';
import { createLogger } from '../../src/receiver/observability/logger';
import { openPostgresStore } from '../../src/receiver/store/postgres/postgresStore';
import type { ReceiverStore } from '../../src/receiver/store/receiverStore';
import { dropSchema, postgresAvailable, runSql, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';
import { waitFor } from '../support/waitFor';
import { acceptedSummary, at, claim, detail, HOUR, queue, SECOND } from '../store/contract/contractFixtures';
import { closeAll, connectTo, DELIVER, startLime } from '../support/lime';

// A replica cut off from PostgreSQL (a TCP proxy between its store and the server, cut): it must neither take back
// the deliveries of replicas that could not beat either, nor claim or go on writing once the others may presume it
// dead. And replicas judge each other's silence on the server's clock, each by the other's own beat interval.

// postgresAvailable prints why PostgreSQL is not there, and throws under REQUIRE_POSTGRES=1 instead of skipping.
const withPostgres = postgresAvailable();
if (!withPostgres) {
  process.stdout.write('workerHeartbeat: PostgreSQL is not reachable; the heartbeat fault tests are skipped\n');
}
const describeWithPostgres = withPostgres ? describe : describe.skip;
/** A worker that dies in a test beats every 10 ms: presumed dead 40 ms (server time) after its last beat. */
const DYING_INTERVAL_MS = 10;

describeWithPostgres('the worker heartbeat of a replica cut off from PostgreSQL', () => {
  const INTERVAL_MS = SECOND;
  let proxy: TcpProxy;
  let schema: string;
  let direct: ReceiverStore;
  let cutOff: ReceiverStore;

  beforeEach(async () => {
    const server = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    schema = uniqueSchema('worker_heartbeat');
    direct = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    cutOff = await openPostgresStore({
      connectionString: viaProxy.href,
      schema,
      connectTimeoutMs: 2000,
      onConnectionError: () => undefined,
    });
  });

  afterEach(async () => {
    await closeAll();
    await cutOff.close();
    await direct.close();
    await proxy.close();
    await dropSchema(schema);
  });

  function heartbeat(
    now: () => Date,
    counts: { takenBack: number; silent: number },
    intervalMs = INTERVAL_MS,
    options: { store?: ReceiverStore; workerId?: string; onClaimsPaused?: (paused: boolean) => void } = {},
  ) {
    return new WorkerHeartbeat({
      store: options.store ?? cutOff,
      workerId: options.workerId ?? 'worker-b',
      intervalMs,
      logger: createLogger('silent'),
      onTakenBack: () => (counts.takenBack += 1),
      onSilent: () => (counts.silent += 1),
      onClaimsPaused: options.onClaimsPaused,
      now,
    });
  }

  /** Whether `workerId` has been silent for four of its own intervals, on the server's clock. */
  async function silentOnTheServer(workerId: string): Promise<boolean> {
    const rows = await runSql(
      `SELECT now() - beat_at > interval_ms * 4 * interval '1 millisecond' AS silent FROM "${schema}".workers
       WHERE id = $1`,
      [workerId],
    );
    return rows[0]?.['silent'] === true;
  }

  it('after its own beat failed, it takes nothing back until it has beaten on time again', async () => {
    const counts = { takenBack: 0, silent: 0 };
    const beats = heartbeat(() => at(0), counts);
    expect(await beats.beatOnce()).toEqual({ workers: [], deliveryIds: [] });
    await direct.beatWorker({ workerId: 'worker-a', now: at(0), intervalMs: DYING_INTERVAL_MS });
    const held = await queue(direct, acceptedSummary());
    await claim(direct, at(0), 'worker-a');

    proxy.cut();
    expect(await beats.beatOnce()).toBeUndefined();
    proxy.restore();
    await waitFor(() => silentOnTheServer('worker-a'), 10_000, 'worker-a to be silent for four of its beats');
    // worker-a has been silent for long enough, but this one could not beat either: worker-a may only have been cut
    // off too.
    expect(await beats.beatOnce()).toBeUndefined();
    expect(await direct.getDelivery(held)).toMatchObject({ status: 'in_progress' });
    expect(counts.takenBack).toBe(0);

    expect(await beats.beatOnce()).toEqual({ workers: ['worker-a'], deliveryIds: [held] });
    expect(counts.takenBack).toBe(1);
  });

  it('a worker whose beats fail claims nothing, though its claims would reach the database, until a beat succeeds', async () => {
    const lime = await startLime();
    // The worker claims on connections of their own (direct); only its beats go through the cut link.
    const worker = new DeliveryWorker({
      store: direct,
      getConnector: () => connectTo(lime),
      deliverOptions: DELIVER,
      logger: createLogger('silent'),
      concurrency: 4,
      maxAttempts: 25,
      maxAgeMs: 72 * HOUR,
    });
    const paused: boolean[] = [];
    const beats = heartbeat(() => new Date(), { takenBack: 0, silent: 0 }, INTERVAL_MS, {
      workerId: worker.workerId,
      onClaimsPaused: (value) => {
        paused.push(value);
        worker.pauseClaims(value);
      },
    });
    expect(await beats.beatOnce()).toEqual({ workers: [], deliveryIds: [] });
    const due = await queue(direct, acceptedSummary());

    proxy.cut();
    expect(await beats.beatOnce()).toBeUndefined();
    expect(await worker.drainOnce()).toBe(0);
    expect(await beats.beatOnce()).toBeUndefined();
    expect(await worker.drainOnce()).toBe(0);
    expect(await direct.getDelivery(due)).toMatchObject({ status: 'pending' });

    proxy.restore();
    // This beat reaches the database (it takes nothing back, the one after a failed one never does).
    await beats.beatOnce();
    expect(await worker.drainOnce()).toBe(1);
    expect(await direct.getDelivery(due)).not.toMatchObject({ status: 'pending' });
    // Told once when the beats stopped reaching the database, once when one did again.
    expect(paused).toEqual([true, false]);
  });

  it('a replica beating every minute is not presumed dead by one beating every 10 ms, which finds its own kind dead', async () => {
    const slow = heartbeat(() => new Date(), { takenBack: 0, silent: 0 }, 60 * SECOND, {
      store: direct,
      workerId: 'worker-slow',
    });
    await slow.beatOnce();
    const held = await queue(direct, acceptedSummary());
    await claim(direct, new Date(), 'worker-slow');
    // A replica at the quick setting that died after the slow one beat.
    await direct.beatWorker({ workerId: 'worker-dead', now: new Date(), intervalMs: DYING_INTERVAL_MS });
    const quick = heartbeat(() => new Date(), { takenBack: 0, silent: 0 }, DYING_INTERVAL_MS, {
      store: direct,
      workerId: 'worker-quick',
    });

    let taken: string[] = [];
    await waitFor(
      async () => (taken = (await quick.beatOnce())?.workers ?? []).length > 0,
      10_000,
      'the dead quick replica to be found',
      5,
    );

    // Silent for four of the quick replica's intervals, and more: judged by its own minute, it runs.
    expect(taken).toEqual(['worker-dead']);
    expect(await detail(direct, held)).toMatchObject({ status: 'in_progress' });
    expect(await quick.beatOnce()).toEqual({ workers: [], deliveryIds: [] });
  });

  it("replicas whose clocks are an hour off are judged on the database's clock", async () => {
    const behind = () => new Date(Date.now() - HOUR);
    const ahead = () => new Date(Date.now() + HOUR);
    // A live replica whose clock is an hour behind: its beats are not an hour old.
    const late = heartbeat(behind, { takenBack: 0, silent: 0 }, SECOND, { store: direct, workerId: 'worker-late' });
    await late.beatOnce();
    const held = await queue(direct, acceptedSummary());
    await claim(direct, behind(), 'worker-late');
    // A dead replica whose clock was an hour ahead: its last beat is not an hour in the future.
    const early = heartbeat(ahead, { takenBack: 0, silent: 0 }, DYING_INTERVAL_MS, {
      store: direct,
      workerId: 'worker-early',
    });
    await early.beatOnce();
    const judge = heartbeat(ahead, { takenBack: 0, silent: 0 }, SECOND, { store: direct, workerId: 'worker-judge' });

    let taken: string[] = [];
    await waitFor(
      async () => (taken = (await judge.beatOnce())?.workers ?? []).length > 0,
      10_000,
      'the dead replica to be found',
      5,
    );

    expect(taken).toEqual(['worker-early']);
    expect(await detail(direct, held)).toMatchObject({ status: 'in_progress' });
  });

  it('once its beats have not reached the database for three intervals, it tells its worker to stop the attempts in flight, once a silence', async () => {
    const counts = { takenBack: 0, silent: 0 };
    const beats = heartbeat(() => new Date(), counts, 100);
    const lastBeat = async () =>
      Number(
        (
          await runSql(`SELECT extract(epoch FROM beat_at) * 1000 AS ms FROM "${schema}".workers WHERE id = 'worker-b'`)
        )[0]?.['ms'] ?? 0,
      );
    await beats.start();
    try {
      proxy.cut();
      await waitFor(() => counts.silent > 0, 10_000, 'the worker to stop its attempts');
      const restoredAt = Date.now();
      proxy.restore();
      await waitFor(async () => (await lastBeat()) >= restoredAt, 10_000, 'a beat with the server back');
      // Told once for that silence (not at every tick while it lasted); a new silence tells it again.
      expect(counts.silent).toBe(1);
      proxy.cut();
      await waitFor(() => counts.silent > 1, 10_000, 'the worker to stop its attempts again');
      proxy.restore();
    } finally {
      await beats.stop();
    }
  });
});
