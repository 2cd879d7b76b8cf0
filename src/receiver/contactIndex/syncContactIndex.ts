import type { ContactIndexEntry, CrmConnector } from '../crmConnector';
import type { ReceiverStore } from '../store/receiverStore';

/**
 * A full sync of the local contact index: every person the CRM exports, normalized, replacing the target's index
 * in one store transaction. Returns how many entries it holds now; undefined when the CRM offers no export.
 */
export async function syncContactIndex(
  store: ReceiverStore,
  connector: CrmConnector,
  options: { target: string; defaultRegion: string; now: () => Date; signal?: AbortSignal | undefined },
): Promise<number | undefined> {
  if (!connector.exportContacts) return undefined;
  const entries: ContactIndexEntry[] = [];
  for await (const page of connector.exportContacts({ defaultRegion: options.defaultRegion, signal: options.signal })) {
    entries.push(...page);
  }
  await store.replaceContactIndex(options.target, entries, options.now());
  return entries.length;
}
