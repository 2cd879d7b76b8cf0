import { z } from 'zod';
import { latestPerPerson } from '../latestPerPerson';
import { assertNever } from '../../../core';
import { escapeLike, foldName } from '../foldName';
import type { ContactIndexStore, ContactSearch } from '../ports/contactIndexStore';
import { CONTACT_COLUMNS } from '../storedRowReaders';
import type { SqliteConnection } from './sqliteConnection';
import { contactParams, toContactIndexEntry, toContactIndexState } from './sqliteRows';

export function sqliteContactIndexStore({ sql, writeTransaction }: SqliteConnection): ContactIndexStore {
  return {
    async replaceContactIndex(target, entries, syncedAt) {
      const distinct = latestPerPerson(entries);
      writeTransaction(() => {
        sql('DELETE FROM contact_index WHERE target = ?').run(target);
        const insert = sql(
          `INSERT INTO contact_index (target, ${CONTACT_COLUMNS}, name_folded)
           VALUES (@target, @personId, @email, @mobileE164, @phoneE164, @companyId, @companyName, @companyMainE164,
             @inactive, @updatedAt, @personName, @nameFolded)`,
        );
        for (const entry of distinct) insert.run(contactParams(target, entry));
        sql(
          `INSERT INTO contact_index_state (target, synced_at, size) VALUES (@target, @syncedAt, @size)
           ON CONFLICT (target) DO UPDATE SET synced_at = excluded.synced_at, size = excluded.size`,
        ).run({ target, syncedAt: syncedAt.getTime(), size: distinct.length });
      });
    },

    async updateContactIndex(target, entries) {
      const distinct = latestPerPerson(entries);
      writeTransaction(() => {
        const upsert = sql(UPSERT_CONTACT);
        for (const entry of distinct) upsert.run(contactParams(target, entry));
        sql(
          `UPDATE contact_index_state SET size = (SELECT COUNT(*) FROM contact_index WHERE target = @target)
           WHERE target = @target`,
        ).run({ target });
      });
    },

    async applyContactChange(target, change) {
      writeTransaction(() => {
        const companyIs = 'target = @target AND company_id = @companyId';
        for (const companyId of change.removeCompanies) {
          sql(
            `UPDATE contact_index SET company_id = NULL, company_name = NULL, company_main_e164 = NULL WHERE ${companyIs}`,
          ).run({ target, companyId: JSON.stringify(companyId) });
        }
        for (const company of change.companies) {
          sql(`UPDATE contact_index SET company_name = @name, company_main_e164 = @main WHERE ${companyIs}`).run({
            target,
            companyId: JSON.stringify(company.companyId),
            name: company.companyName ?? null,
            main: company.companyMainE164 ?? null,
          });
        }
        const upsert = sql(UPSERT_CONTACT);
        for (const entry of latestPerPerson(change.upsert)) upsert.run(contactParams(target, entry));
        const remove = sql('DELETE FROM contact_index WHERE target = ? AND person_id = ?');
        for (const personId of change.removePersons) remove.run(target, JSON.stringify(personId));
        sql(
          `UPDATE contact_index_state SET size = (SELECT COUNT(*) FROM contact_index WHERE target = @target)
           WHERE target = @target`,
        ).run({ target });
      });
    },

    async newestContactUpdate(target) {
      const row = sql('SELECT MAX(updated_at) AS newest FROM contact_index WHERE target = ?').get(target);
      return z.object({ newest: z.string().nullable() }).parse(row).newest ?? undefined;
    },

    async findContactCandidates(target, query) {
      if (query.emails.length === 0 && query.phones.length === 0) return [];
      return sql(FIND_CONTACTS)
        .all({ target, emails: JSON.stringify(query.emails), phones: JSON.stringify(query.phones) })
        .map(toContactIndexEntry);
    },

    async contactIndexDuplicates(target, limit) {
      const rows = sql(
        `SELECT kind, value, json_group_array(json(person_id)) AS ids FROM (
           SELECT 'email' AS kind, email AS value, person_id FROM contact_index WHERE target = @target AND email IS NOT NULL
           UNION
           SELECT 'phone', mobile_e164, person_id FROM contact_index WHERE target = @target AND mobile_e164 IS NOT NULL
           UNION
           SELECT 'phone', phone_e164, person_id FROM contact_index WHERE target = @target AND phone_e164 IS NOT NULL
         ) GROUP BY kind, value HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC, value LIMIT @limit`,
      ).all({ target, limit });
      return rows.map((row) => {
        const { kind, value, ids } = duplicateRowSchema.parse(row);
        return { kind, value, personIds: z.array(z.union([z.number(), z.string()])).parse(JSON.parse(ids)) };
      });
    },

    async searchContacts(target, search, limit) {
      const condition = searchCondition(search);
      if (condition === undefined) return { entries: [], more: false };
      const rows = sql(
        `SELECT ${CONTACT_COLUMNS} FROM contact_index WHERE target = @target AND ${condition.where}
         ORDER BY name_folded IS NULL, name_folded, person_id LIMIT @limit`,
      ).all({ target, ...condition.params, limit: limit + 1 });
      return { entries: rows.slice(0, limit).map(toContactIndexEntry), more: rows.length > limit };
    },

    async contactsWithoutName(target) {
      const row = sql('SELECT COUNT(*) AS n FROM contact_index WHERE target = ? AND person_name IS NULL').get(target);
      return z.object({ n: z.number() }).parse(row).n;
    },

    async contactIndexState(target) {
      const row = sql('SELECT size, synced_at FROM contact_index_state WHERE target = ?').get(target);
      return row === undefined ? { size: 0 } : toContactIndexState(row);
    },
  };
}

/** The WHERE condition of an admin's search, with its parameters; undefined when it would find everything. */
function searchCondition(search: ContactSearch): { where: string; params: Record<string, string> } | undefined {
  switch (search.kind) {
    case 'name': {
      const folded = foldName(search.text);
      if (folded === '') return undefined;
      return { where: `name_folded LIKE @pattern ESCAPE '\\'`, params: { pattern: `%${escapeLike(folded)}%` } };
    }
    case 'email': {
      const prefix = search.prefix.trim().toLowerCase();
      if (prefix === '') return undefined;
      return { where: `email LIKE @pattern ESCAPE '\\'`, params: { pattern: `${escapeLike(prefix)}%` } };
    }
    case 'phone':
      if (search.e164s.length === 0) return undefined;
      return {
        where: `(mobile_e164 IN (SELECT value FROM json_each(@phones)) OR phone_e164 IN (SELECT value FROM json_each(@phones)))`,
        params: { phones: JSON.stringify(search.e164s) },
      };
    default:
      return assertNever(search);
  }
}

/** Adds an index entry, or replaces the one the person has. */
const UPSERT_CONTACT = `
  INSERT INTO contact_index (target, ${CONTACT_COLUMNS}, name_folded)
  VALUES (@target, @personId, @email, @mobileE164, @phoneE164, @companyId, @companyName, @companyMainE164,
    @inactive, @updatedAt, @personName, @nameFolded)
  ON CONFLICT (target, person_id) DO UPDATE SET email = excluded.email, mobile_e164 = excluded.mobile_e164,
    phone_e164 = excluded.phone_e164, company_id = excluded.company_id, company_name = excluded.company_name,
    company_main_e164 = excluded.company_main_e164, inactive = excluded.inactive, updated_at = excluded.updated_at,
    person_name = excluded.person_name, name_folded = excluded.name_folded`;

const INDEXED_CONTACT = CONTACT_COLUMNS.split(', ')
  .map((column) => `c.${column}`)
  .join(', ');
/**
 * Index entries of `@target` whose e-mail is in the JSON list `@emails` or a number in `@phones`. A list is one
 * parameter (json_each), so none is too long for SQLite's parameter limit. One branch per column, each looking every
 * wanted value up in that column's index (CROSS JOIN keeps json_each the outer loop: an OR of IN lists used only the
 * target prefix, scanning the target's whole index); UNION drops a person found twice.
 */
const FIND_CONTACTS = `
  SELECT ${INDEXED_CONTACT} FROM json_each(@emails) AS wanted CROSS JOIN contact_index AS c
    WHERE c.target = @target AND c.email = wanted.value
  UNION
  SELECT ${INDEXED_CONTACT} FROM json_each(@phones) AS wanted CROSS JOIN contact_index AS c
    WHERE c.target = @target AND c.mobile_e164 = wanted.value
  UNION
  SELECT ${INDEXED_CONTACT} FROM json_each(@phones) AS wanted CROSS JOIN contact_index AS c
    WHERE c.target = @target AND c.phone_e164 = wanted.value
  UNION
  SELECT ${INDEXED_CONTACT} FROM json_each(@phones) AS wanted CROSS JOIN contact_index AS c
    WHERE c.target = @target AND c.company_main_e164 = wanted.value
  ORDER BY person_id`;

const duplicateRowSchema = z.object({ kind: z.enum(['email', 'phone']), value: z.string(), ids: z.string() });
