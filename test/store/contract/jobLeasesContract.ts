import { at, type ContractStores, MINUTE, SECOND } from './contractFixtures';

/** The contract of JobLeases: leases that let one replica at a time run a job, and the state it saves. */
export function describeJobLeasesContract({ openStore }: ContractStores): void {
  describe('job leases', () => {
    const lease = (holder: string, now: Date, name = 'dci-poller') => ({ name, holder, now, leaseMs: MINUTE });

    it('a job that never ran has no state', async () => {
      const store = await openStore();

      expect(await store.readJobState('dci-poller')).toBeUndefined();
    });

    it('a held lease is refused to another holder until it expires, then taken over', async () => {
      const store = await openStore();

      expect(await store.takeLease(lease('replica-a', at(0)))).toBe(true);
      expect(await store.takeLease(lease('replica-b', at(MINUTE - 1)))).toBe(false);
      expect(await store.takeLease(lease('replica-b', at(MINUTE)))).toBe(true);
      expect(await store.takeLease(lease('replica-a', at(MINUTE + 1)))).toBe(false);
      expect(await store.readJobState('dci-poller')).toMatchObject({
        holder: 'replica-b',
        heldUntil: at(2 * MINUTE),
      });
    });

    it('the holder renews its lease, and each name is a lease of its own', async () => {
      const store = await openStore();
      await store.takeLease(lease('replica-a', at(0)));

      expect(await store.takeLease(lease('replica-a', at(30 * SECOND)))).toBe(true);

      expect(await store.takeLease(lease('replica-b', at(MINUTE)))).toBe(false);
      expect(await store.readJobState('dci-poller')).toMatchObject({
        holder: 'replica-a',
        heldUntil: at(90 * SECOND),
      });
      expect(await store.takeLease(lease('replica-b', at(MINUTE), 'backfill'))).toBe(true);
    });

    it('a released lease is free at once; only its holder can release it', async () => {
      const store = await openStore();
      await store.takeLease(lease('replica-a', at(0)));

      await store.releaseLease({ name: 'dci-poller', holder: 'replica-b' });
      expect(await store.takeLease(lease('replica-b', at(SECOND)))).toBe(false);

      await store.releaseLease({ name: 'dci-poller', holder: 'replica-a' });
      expect(await store.takeLease(lease('replica-b', at(SECOND)))).toBe(true);
      await store.releaseLease({ name: 'never-taken', holder: 'replica-a' });
      expect(await store.readJobState('never-taken')).toBeUndefined();
    });

    it('job state is saved only while its holder holds an unexpired lease', async () => {
      const store = await openStore();
      await store.takeLease(lease('replica-a', at(0)));
      expect(await store.readJobState('dci-poller')).toMatchObject({ holder: 'replica-a', state: undefined });
      const saved = { cursor: '2026-11-20T09:00:00.000Z', seen: ['c-1', 'c-2'], pages: 3 };

      expect(
        await store.writeJobState({ name: 'dci-poller', holder: 'replica-a', state: saved, now: at(SECOND) }),
      ).toBe(true);
      expect(await store.writeJobState({ name: 'dci-poller', holder: 'replica-b', state: {}, now: at(SECOND) })).toBe(
        false,
      );
      expect(await store.writeJobState({ name: 'dci-poller', holder: 'replica-a', state: {}, now: at(MINUTE) })).toBe(
        false,
      );
      expect(await store.writeJobState({ name: 'other-job', holder: 'replica-a', state: {}, now: at(SECOND) })).toBe(
        false,
      );

      expect(await store.readJobState('dci-poller')).toEqual({
        holder: 'replica-a',
        heldUntil: at(MINUTE),
        state: saved,
        updatedAt: at(SECOND),
      });
      await store.takeLease(lease('replica-b', at(MINUTE)));
      expect(await store.writeJobState({ name: 'dci-poller', holder: 'replica-a', state: {}, now: at(MINUTE) })).toBe(
        false,
      );
      expect(
        await store.writeJobState({ name: 'dci-poller', holder: 'replica-b', state: 'text', now: at(MINUTE) }),
      ).toBe(true);
      expect(await store.readJobState('dci-poller')).toMatchObject({ holder: 'replica-b', state: 'text' });
    });

    it('of replicas on one database taking a free lease at once, exactly one gets it', async () => {
      const stores = [await openStore(), await openStore()];

      const taken = await Promise.all(
        Array.from({ length: 8 }, (_, i) => stores[i % 2]!.takeLease(lease(`replica-${i}`, at(0)))),
      );

      expect(taken.filter(Boolean)).toHaveLength(1);
      const holder = `replica-${taken.indexOf(true)}`;
      expect(await stores[1]!.readJobState('dci-poller')).toMatchObject({ holder });
      expect(await stores[0]!.takeLease(lease('late-replica', at(SECOND)))).toBe(false);
    });
  });
}
