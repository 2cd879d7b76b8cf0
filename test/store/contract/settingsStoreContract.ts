import type { ContractStores } from './contractFixtures';

/** The contract of SettingsStore: the settings saved on the admin pages. */
export function describeSettingsStoreContract({ openStore, closeStore }: ContractStores): void {
  describe('settings', () => {
    it('a new store has no settings', async () => {
      const store = await openStore();
      expect(await store.readSettings()).toEqual({});
    });

    it('saved settings read back as written: text, booleans, lists, objects', async () => {
      const store = await openStore();
      const values = {
        'lime.url': 'https://lime.example.com/Lime CRM',
        'lime.createMissingContacts': true,
        'lime.internalDomains': ['seller.se', 'seller.no'],
        'other.nested': { count: 3, text: 'Åsa', none: null },
      };
      await store.writeSettings(values);
      expect(await store.readSettings()).toEqual(values);
    });

    it('writing a key again replaces its value; keys not given stay', async () => {
      const store = await openStore();
      await store.writeSettings({ 'lime.url': 'https://a.example.com/x', 'lime.historyType': 'comment' });
      await store.writeSettings({ 'lime.url': 'https://b.example.com/y' });
      expect(await store.readSettings()).toEqual({
        'lime.url': 'https://b.example.com/y',
        'lime.historyType': 'comment',
      });
    });

    it('undefined removes a key (removing a missing one is fine); false and empty values are kept', async () => {
      const store = await openStore();
      await store.writeSettings({ 'lime.url': 'https://a.example.com/x', 'lime.apiKey': 'v1:sealed' });
      await store.writeSettings({
        'lime.url': undefined,
        'lime.apiKey': undefined,
        'never.stored': undefined,
        'lime.createMissingContacts': false,
        'lime.internalDomains': [],
      });
      expect(await store.readSettings()).toEqual({ 'lime.createMissingContacts': false, 'lime.internalDomains': [] });
    });

    it('saved settings survive close and reopen', async () => {
      const first = await openStore();
      await first.writeSettings({ 'lime.historyType': 'dcisummary' });
      await closeStore(first);
      const reopened = await openStore();
      expect(await reopened.readSettings()).toEqual({ 'lime.historyType': 'dcisummary' });
    });
  });
}
