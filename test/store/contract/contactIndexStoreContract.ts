import type { ReceiverStore } from '../../../src/receiver/store/receiverStore';
import { ANNA, at, BO, byPerson, CARL, contact, type ContractStores, HOUR, MINUTE } from './contractFixtures';

/** The contract of ContactIndexStore: full syncs, incremental passes, change notifications and lookups. */
export function describeContactIndexStoreContract({ openStore, closeStore }: ContractStores): void {
  describe('contact index', () => {
    async function find(store: ReceiverStore, query: { emails?: string[]; phones?: string[] }, target = 'lime') {
      return byPerson(await store.findContactCandidates(target, { emails: [], phones: [], ...query }));
    }

    it('an incremental update adds and replaces entries, keeps the rest, and moves the high-water mark', async () => {
      const store = await openStore();
      await store.replaceContactIndex('lime', [ANNA, BO], at(0));
      expect(await store.newestContactUpdate('lime')).toBe('2026-11-19T08:30:00.000Z');
      const annaMoved = { ...ANNA, mobileE164: '+46700000002', updatedAt: '2026-11-20T09:00:00.000Z' };
      await store.updateContactIndex('lime', [annaMoved, CARL]);
      expect(await store.contactIndexState('lime')).toMatchObject({ size: 3 });
      expect(await store.findContactCandidates('lime', { emails: [], phones: ['+46701234567'] })).toEqual([]);
      expect(await store.findContactCandidates('lime', { emails: [], phones: ['+46700000002'] })).toEqual([annaMoved]);
      expect(await store.newestContactUpdate('lime')).toBe('2026-11-20T09:00:00.000Z');
      expect(await store.newestContactUpdate('other')).toBeUndefined();
    });

    it('reports e-mails and numbers that several persons share, a number counting as mobile or phone', async () => {
      const store = await openStore();
      const twinMail = contact(1010, { email: 'anna@customer.se' });
      const sharedAsPhone = contact('p-2', { phoneE164: '+46701234567' });
      const alone = contact(1011, { email: 'unique@customer.se', mobileE164: '+46700000001' });
      await store.replaceContactIndex('lime', [ANNA, BO, CARL, twinMail, sharedAsPhone, alone], at(0));

      const duplicates = await store.contactIndexDuplicates('lime', 10);
      expect(duplicates.map((d) => ({ ...d, personIds: [...d.personIds].map(String).sort() }))).toEqual(
        expect.arrayContaining([
          { kind: 'email', value: 'anna@customer.se', personIds: ['1001', '1010'] },
          { kind: 'phone', value: '+46701234567', personIds: ['1001', 'p-2'] },
        ]),
      );
      expect(duplicates).toHaveLength(2);
      expect(await store.contactIndexDuplicates('other', 10)).toEqual([]);
      expect(await store.contactIndexDuplicates('lime', 1)).toHaveLength(1);
    });

    it('finds entries by e-mail, mobile, phone or company main number, with every field as written', async () => {
      const store = await openStore();
      await store.replaceContactIndex('lime', [ANNA, BO, CARL], at(0));

      expect(await find(store, { emails: ['anna@customer.se'] })).toEqual([ANNA]);
      expect(await find(store, { phones: ['+46709876543'] })).toEqual([BO]);
      expect(await find(store, { phones: ['+4686001000'] })).toEqual([ANNA]);
      expect(await find(store, { phones: ['+4686000000'] })).toEqual(byPerson([ANNA, CARL]));
      expect(await find(store, { emails: ['bo@other.se'], phones: ['+46701234567'] })).toEqual(byPerson([ANNA, BO]));
    });

    it('finds nothing for empty lists or unknown values', async () => {
      const store = await openStore();
      await store.replaceContactIndex('lime', [ANNA, BO, CARL], at(0));

      expect(await find(store, {})).toEqual([]);
      expect(await find(store, { emails: ['nobody@customer.se'], phones: ['+46700000000'] })).toEqual([]);
    });

    it('a person matching on several values is found once', async () => {
      const store = await openStore();
      await store.replaceContactIndex('lime', [ANNA], at(0));

      expect(
        await find(store, { emails: ['anna@customer.se'], phones: ['+46701234567', '+4686001000', '+4686000000'] }),
      ).toEqual([ANNA]);
    });

    it('string and number ids keep their type; 123 and "123" are different persons', async () => {
      const store = await openStore();
      const entries = [
        contact(123, { email: 'x@customer.se', companyId: 9 }),
        contact('123', { email: 'x@customer.se', companyId: '9' }),
        contact('person-abc', { email: 'x@customer.se' }),
      ];
      await store.replaceContactIndex('lime', entries, at(0));

      expect(await find(store, { emails: ['x@customer.se'] })).toEqual(byPerson(entries));
      expect(await store.contactIndexState('lime')).toEqual({ size: 3, syncedAt: at(0) });
    });

    it('a second replace removes the entries it does not hold and updates the others', async () => {
      const store = await openStore();
      await store.replaceContactIndex('lime', [ANNA, BO, CARL], at(0));
      const moved = { ...ANNA, email: 'anna@new-customer.se', inactive: true };

      await store.replaceContactIndex('lime', [moved, CARL], at(HOUR));

      expect(await find(store, { emails: ['bo@other.se', 'anna@customer.se'] })).toEqual([]);
      expect(await find(store, { emails: ['anna@new-customer.se'] })).toEqual([moved]);
      expect(await find(store, { phones: ['+4686000000'] })).toEqual(byPerson([moved, CARL]));
      expect(await store.contactIndexState('lime')).toEqual({ size: 2, syncedAt: at(HOUR) });
    });

    it('a replace with no entries empties the index but records the sync', async () => {
      const store = await openStore();
      await store.replaceContactIndex('lime', [ANNA], at(0));

      await store.replaceContactIndex('lime', [], at(HOUR));

      expect(await find(store, { emails: ['anna@customer.se'] })).toEqual([]);
      expect(await store.contactIndexState('lime')).toEqual({ size: 0, syncedAt: at(HOUR) });
    });

    it('a person given twice in one replace is stored once, the last one winning', async () => {
      const store = await openStore();
      const later = { ...ANNA, mobileE164: '+46701111111' };

      await store.replaceContactIndex('lime', [ANNA, BO, later], at(0));

      expect(await find(store, { emails: ['anna@customer.se'] })).toEqual([later]);
      expect(await store.contactIndexState('lime')).toEqual({ size: 2, syncedAt: at(0) });
    });

    it('targets have separate indexes', async () => {
      const store = await openStore();
      await store.replaceContactIndex('lime', [ANNA, BO], at(0));
      await store.replaceContactIndex('other-crm', [ANNA], at(MINUTE));

      await store.replaceContactIndex('lime', [CARL], at(HOUR));

      expect(await find(store, { emails: ['anna@customer.se'] }, 'other-crm')).toEqual([ANNA]);
      expect(await find(store, { emails: ['anna@customer.se'] }, 'lime')).toEqual([]);
      expect(await find(store, { emails: ['anna@customer.se'] }, 'never-synced')).toEqual([]);
      expect(await store.contactIndexState('other-crm')).toEqual({ size: 1, syncedAt: at(MINUTE) });
      expect(await store.contactIndexState('lime')).toEqual({ size: 1, syncedAt: at(HOUR) });
    });

    it('a target never synced has an empty index and no sync time', async () => {
      const store = await openStore();

      const state = await store.contactIndexState('lime');

      expect(state.size).toBe(0);
      expect(state.syncedAt).toBeUndefined();
    });

    it('a change notification replaces a person, removes one, and gives a changed company to all its persons', async () => {
      const store = await openStore();
      const dora = contact(1004, { email: 'dora@customer.se', companyId: 2001, companyName: 'Customer AB' });
      await store.replaceContactIndex('lime', [ANNA, BO, CARL, dora], at(0));
      const annaMoved = { ...ANNA, mobileE164: '+46700000009', updatedAt: '2026-11-20T09:00:00.000Z' };

      await store.applyContactChange('lime', {
        upsert: [annaMoved],
        removePersons: ['bo-77'],
        companies: [{ companyId: 2001, companyName: 'Customer Group AB', companyMainE164: '+4686009999' }],
        removeCompanies: [],
      });

      expect(await find(store, { emails: ['bo@other.se'] })).toEqual([]);
      expect(await find(store, { phones: ['+46701234567'] })).toEqual([]);
      // The upsert is the person as the CRM holds it now: it wins over the company change for that person.
      expect(await find(store, { phones: ['+46700000009'] })).toEqual([annaMoved]);
      expect(await find(store, { phones: ['+4686009999'] })).toEqual(
        byPerson([
          { ...CARL, companyName: 'Customer Group AB', companyMainE164: '+4686009999' },
          { ...dora, companyName: 'Customer Group AB', companyMainE164: '+4686009999' },
        ]),
      );
      expect(await find(store, { phones: ['+4686000000'] })).toEqual([annaMoved]);
      expect(await store.contactIndexState('lime')).toEqual({ size: 3, syncedAt: at(0) });
    });

    it('a deleted company leaves its persons in the index without a company', async () => {
      const store = await openStore();
      await store.replaceContactIndex('lime', [ANNA, BO, CARL], at(0));

      await store.applyContactChange('lime', {
        upsert: [],
        removePersons: [],
        companies: [],
        removeCompanies: [2001],
      });

      expect(await find(store, { phones: ['+4686000000'] })).toEqual([]);
      expect(await find(store, { emails: ['anna@customer.se'] })).toEqual([
        { ...ANNA, companyId: undefined, companyName: undefined, companyMainE164: undefined },
      ]);
      expect(await find(store, { emails: ['bo@other.se'] })).toEqual([BO]);
      expect(await store.contactIndexState('lime')).toMatchObject({ size: 3 });
    });

    it('a change adds a person the index did not hold, and removing an unknown person changes nothing', async () => {
      const store = await openStore();
      await store.replaceContactIndex('lime', [ANNA], at(0));
      const eve = contact('eve-5', { email: 'eve@customer.se', companyId: 'c-9' });

      await store.applyContactChange('lime', {
        upsert: [eve],
        removePersons: [999, '1001'],
        companies: [{ companyId: '2001', companyName: 'Not the same id' }],
        removeCompanies: [],
      });

      expect(await find(store, { emails: ['eve@customer.se', 'anna@customer.se'] })).toEqual(byPerson([ANNA, eve]));
      expect(await store.contactIndexState('lime')).toMatchObject({ size: 2 });
      expect(await find(store, { emails: ['eve@customer.se'] }, 'other')).toEqual([]);
    });

    describe("an admin's search", () => {
      const LARS = contact(2101, { personName: 'Lars Öberg', email: 'lars.oberg@kund.se', mobileE164: '+46701112233' });
      const ASA = contact(2102, { personName: 'Åsa Lindqvist', email: 'asa@kund.se', phoneE164: '+4686001122' });
      const LARSA = contact('p-3', { personName: 'Larsa 50%_off', email: 'larsa@annat.se', inactive: true });
      const NAMELESS = contact(2104, { email: 'lars@kund.se' });
      const ids = (result: { entries: Array<{ personId: unknown }> }) => result.entries.map((e) => e.personId);

      it('finds by name whatever the case and diacritics, by the start of an e-mail and by a mobile or phone', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [LARS, ASA, LARSA, NAMELESS], at(0));

        expect(await store.searchContacts('lime', { kind: 'name', text: '  OBERG ' }, 20)).toEqual({
          entries: [LARS],
          more: false,
        });
        expect(ids(await store.searchContacts('lime', { kind: 'name', text: 'lars' }, 20))).toEqual([2101, 'p-3']);
        expect(ids(await store.searchContacts('lime', { kind: 'name', text: 'asa lind' }, 20))).toEqual([2102]);
        expect(ids(await store.searchContacts('lime', { kind: 'name', text: '50%_' }, 20))).toEqual(['p-3']);
        expect(ids(await store.searchContacts('lime', { kind: 'name', text: '%' }, 20))).toEqual(['p-3']);
        expect(ids(await store.searchContacts('lime', { kind: 'email', prefix: 'LARS' }, 20))).toEqual([
          2101,
          'p-3',
          2104,
        ]);
        expect(ids(await store.searchContacts('lime', { kind: 'email', prefix: 'asa@kund.se' }, 20))).toEqual([2102]);
        expect(ids(await store.searchContacts('lime', { kind: 'email', prefix: 'a_a' }, 20))).toEqual([]);
        expect(
          ids(await store.searchContacts('lime', { kind: 'phone', e164s: ['+4686001122', '+46701112233'] }, 20)),
        ).toEqual([2102, 2101]);
        expect(await store.searchContacts('other', { kind: 'name', text: 'lars' }, 20)).toEqual({
          entries: [],
          more: false,
        });
      });

      it('an empty search finds nothing, never the whole index', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [LARS, ASA, LARSA, NAMELESS], at(0));

        for (const search of [
          { kind: 'name', text: '   ' },
          { kind: 'email', prefix: ' ' },
          { kind: 'phone', e164s: [] },
        ] as const) {
          expect(await store.searchContacts('lime', search, 20)).toEqual({ entries: [], more: false });
        }
      });

      it('returns at most the limit, by name, and says there are more', async () => {
        const store = await openStore();
        const many = Array.from({ length: 25 }, (_, i) =>
          contact(3000 + i, { personName: `Lars ${String(i).padStart(2, '0')}` }),
        );
        await store.replaceContactIndex('lime', many, at(0));

        const found = await store.searchContacts('lime', { kind: 'name', text: 'lars' }, 20);
        expect(found.more).toBe(true);
        expect(found.entries.map((e) => e.personName)).toEqual(many.slice(0, 20).map((e) => e.personName));
        expect((await store.searchContacts('lime', { kind: 'name', text: 'lars 2' }, 20)).more).toBe(false);
      });

      it('names change with incremental passes and notifications, and count as missing until a sync brings them', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [ANNA, BO, NAMELESS], at(0));
        expect(await store.contactsWithoutName('lime')).toBe(3);

        await store.updateContactIndex('lime', [{ ...ANNA, personName: 'Anna Andersson' }]);
        await store.applyContactChange('lime', {
          upsert: [{ ...NAMELESS, personName: 'Lars Nilsson' }],
          removePersons: [],
          companies: [],
          removeCompanies: [],
        });

        expect(await store.contactsWithoutName('lime')).toBe(1);
        expect(ids(await store.searchContacts('lime', { kind: 'name', text: 'nilsson' }, 20))).toEqual([2104]);
        expect((await store.searchContacts('lime', { kind: 'name', text: 'anna' }, 20)).entries).toEqual([
          { ...ANNA, personName: 'Anna Andersson' },
        ]);
        await store.updateContactIndex('lime', [{ ...ANNA, personName: 'Anna Berg' }]);
        expect(await store.searchContacts('lime', { kind: 'name', text: 'andersson' }, 20)).toEqual({
          entries: [],
          more: false,
        });
      });

      it('the entry of an erased e-mail is no longer found by its name', async () => {
        const store = await openStore();
        await store.replaceContactIndex('lime', [LARS, ASA], at(0));

        await store.erasePersonalData({ eventIds: [], email: 'lars.oberg@kund.se', now: at(HOUR) });

        expect(ids(await store.searchContacts('lime', { kind: 'name', text: 'lars' }, 20))).toEqual([]);
        expect(ids(await store.searchContacts('lime', { kind: 'email', prefix: 'lars' }, 20))).toEqual([]);
        expect(await store.contactIndexState('lime')).toMatchObject({ size: 1 });
      });
    });

    it('the index survives close and reopen', async () => {
      const first = await openStore();
      await first.replaceContactIndex('lime', [ANNA, BO], at(0));
      await closeStore(first);

      const reopened = await openStore();

      expect(await find(reopened, { phones: ['+46709876543'] })).toEqual([BO]);
      expect(await reopened.contactIndexState('lime')).toEqual({ size: 2, syncedAt: at(0) });
    });

    it('replaces 5,000 entries and looks them up with long lists', async () => {
      const store = await openStore();
      const entries = Array.from({ length: 5000 }, (_, index) =>
        contact(index % 2 === 0 ? index : `p-${index}`, {
          email: `person${index}@customer.se`,
          mobileE164: `+4670${String(index).padStart(7, '0')}`,
          companyId: Math.floor(index / 10),
          companyMainE164: `+468${String(Math.floor(index / 10)).padStart(7, '0')}`,
        }),
      );

      await store.replaceContactIndex('lime', entries, at(0));

      expect(await store.contactIndexState('lime')).toEqual({ size: 5000, syncedAt: at(0) });
      expect(await find(store, { emails: ['person4321@customer.se'] })).toEqual([entries[4321]]);
      expect(await find(store, { phones: ['+4680000123'] })).toHaveLength(10);
      // Longer lists than a statement takes parameters in SQLite's and PostgreSQL's defaults.
      const emails = Array.from({ length: 40_000 }, (_, index) => `person${index}@customer.se`);
      const phones = Array.from({ length: 70_000 }, (_, index) => `+4670${String(index).padStart(7, '0')}`);
      expect(await store.findContactCandidates('lime', { emails, phones })).toHaveLength(5000);
    });
  });
}
