import type { ContactIndexEntry, CrmConnector } from '../../crm/crmConnector';
import { CrmError } from '../../crm/crmError';
import type { ContactIndexStore } from '../store/ports/contactIndexStore';

/**
 * A full sync of the local contact index: every person the CRM exports, normalized, replacing the target's index
 * in one store transaction. Returns how many entries it holds now; undefined when the CRM offers no export.
 */
export async function syncContactIndex(
  store: ContactIndexStore,
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

/**
 * An incremental pass: the persons the CRM changed since the newest change the index holds, added or replaced in
 * the index (deletions wait for the next full sync). Returns how many changed; undefined when there is no index
 * yet (a full sync comes first). A CRM that cannot filter on its change time throws (`bad_request`), and so does an
 * index whose entries have no change time at all (a Lime that refuses `_timestamp`: there is no "since" to ask).
 */
export async function updateContactIndex(
  store: ContactIndexStore,
  connector: CrmConnector,
  options: {
    target: string;
    defaultRegion: string;
    signal?: AbortSignal | undefined;
    /** Told of the changed persons once they are in the index (re-matching, issue 19). */
    onChanged?: ((entries: readonly ContactIndexEntry[]) => void) | undefined;
  },
): Promise<number | undefined> {
  if (!connector.exportContactsChangedSince) return undefined;
  const since = await store.newestContactUpdate(options.target);
  if (since === undefined) {
    if ((await store.contactIndexState(options.target)).size === 0) return undefined;
    throw new CrmError(
      'bad_request',
      'The CRM gives its contacts no change time: changes since a moment cannot be asked for',
      {
        operation: 'incremental contact index pass',
      },
    );
  }
  const entries: ContactIndexEntry[] = [];
  for await (const page of connector.exportContactsChangedSince(since, {
    defaultRegion: options.defaultRegion,
    signal: options.signal,
  })) {
    entries.push(...page);
  }
  await store.updateContactIndex(options.target, entries);
  if (entries.length > 0) options.onChanged?.(entries);
  return entries.length;
}
