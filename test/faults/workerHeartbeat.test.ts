import { WorkerHeartbeat } from '../../src/receiver/deliver/workerHeartbeat';
import { createLogger } from '../../src/receiver/observability/logger';
import { openPostgresStore } from '../../src/receiver/store/postgres/postgresStore';
import type { ReceiverStore } from '../../src/receiver/store/receiverStore';
import { dropSchema, postgresAvailable, runSql, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';
import { waitFor } from '../support/waitFor';
import { acceptedSummary, at, claim, queue, SECOND } from '../store/contract/contractFixtures';

// A replica cut off from PostgreSQL (a TCP proxy between its store and the server, cut): it must neither take back
// the deliveries of replicas that could not beat either, nor go on writing once the others may presume it dead.

const describeWithPostgres = postgresAvailable() ? describe : describe.skip;

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
    await cutOff.close();
    await direct.close();
    await proxy.close();
    await dropSchema(schema);
  });

  function heartbeat(now: () => Date, counts: { takenBack: number; silent: number }, intervalMs = INTERVAL_MS) {
    return new WorkerHeartbeat({
      store: cutOff,
      workerId: 'worker-b',
      intervalMs,
      logger: createLogger('silent'),
      onTakenBack: () => (counts.takenBack += 1),
      onSilent: () => (counts.silent += 1),
      now,
    });
  }

  it('after its own beat failed, it takes nothing back until it has beaten on time again', async () => {
    await direct.beatWorker({ workerId: 'worker-a', now: at(0) });
    const held = await queue(direct, acceptedSummary());
    await claim(direct, at(0), 'worker-a');
    let clock = at(0);
    const counts = { takenBack: 0, silent: 0 };
    const beats = heartbeat(() => clock, counts);

    expect(await beats.beatOnce()).toEqual({ workers: [], deliveryIds: [] });
    proxy.cut();
    clock = at(10 * SECOND);
    expect(await beats.beatOnce()).toBeUndefined();
    proxy.restore();
    // worker-a has been silent for ten seconds, but so was this one: worker-a may only have been cut off too.
    clock = at(11 * SECOND);
    expect(await beats.beatOnce()).toBeUndefined();
    expect(await direct.getDelivery(held)).toMatchObject({ status: 'in_progress' });
    expect(counts.takenBack).toBe(0);

    clock = at(12 * SECOND);
    expect(await beats.beatOnce()).toEqual({ workers: ['worker-a'], deliveryIds: [held] });
    expect(counts.takenBack).toBe(1);
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
