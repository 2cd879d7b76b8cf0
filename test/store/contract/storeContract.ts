import type { ReceiverStore } from '../../../src/receiver/store/receiverStore';
import { describeContactIndexStoreContract } from './contactIndexStoreContract';
import { describeDeliveryQueueContract } from './deliveryQueueContract';
import { describeDeliveryReadsContract } from './deliveryReadsContract';
import { describeDeliveryStatsContract } from './deliveryStatsContract';
import { describeJobLeasesContract } from './jobLeasesContract';
import { describeOtherCrmDeliveriesContract } from './otherCrmDeliveriesContract';
import { describeParticipantKeysContract } from './participantKeysContract';
import { describePartialEnrichmentsContract } from './partialEnrichmentsContract';
import { describeParticipantResolutionsContract } from './participantResolutionsContract';
import { describePersonalDataStoreContract } from './personalDataStoreContract';
import { describeRateBucketsContract } from './rateBucketsContract';
import { describeRateBudgetStoreContract } from './rateBudgetStoreContract';
import { describeSettingsStoreContract } from './settingsStoreContract';
import { describeStoreHealthContract } from './storeHealthContract';
import { describeSuperOfficeDeliveriesContract } from './superOfficeDeliveriesContract';
import { describeWorkerRegistryContract } from './workerRegistryContract';

// The behaviour every ReceiverStore adapter must show, one suite per port, registered as Jest blocks so each
// adapter's test file runs the same suites: `describeStoreContract('SQLite', () => openSqliteStore({ file }))`.

/**
 * Registers every port's contract suite. `open` opens the database under test: every call within one test opens the
 * same database (a second instance, or the same data again after close), and the caller gives each test a fresh,
 * empty one (in a `beforeEach`). The suites close what they opened.
 */
export function describeStoreContract(name: string, open: () => Promise<ReceiverStore>): void {
  describe(`${name} store (contract)`, () => {
    const opened = new Set<ReceiverStore>();
    const stores = {
      async openStore(): Promise<ReceiverStore> {
        const store = await open();
        opened.add(store);
        return store;
      },
      async closeStore(store: ReceiverStore): Promise<void> {
        opened.delete(store);
        await store.close();
      },
    };

    afterEach(async () => {
      const all = [...opened];
      opened.clear();
      await Promise.all(all.map((store) => store.close()));
    });

    describeDeliveryQueueContract(stores);
    describeDeliveryReadsContract(stores);
    describeDeliveryStatsContract(stores);
    describeSettingsStoreContract(stores);
    describeContactIndexStoreContract(stores);
    describePersonalDataStoreContract(stores);
    describeParticipantKeysContract(stores);
    describePartialEnrichmentsContract(stores);
    describeJobLeasesContract(stores);
    describeRateBucketsContract(stores);
    describeRateBudgetStoreContract(stores);
    describeStoreHealthContract(stores);
    describeWorkerRegistryContract(stores);
    describeSuperOfficeDeliveriesContract(stores);
    describeOtherCrmDeliveriesContract(stores);
    describeParticipantResolutionsContract(stores);
  });
}
