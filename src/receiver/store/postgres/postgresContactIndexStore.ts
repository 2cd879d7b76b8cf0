import { z } from 'zod';
import { latestPerPerson } from '../latestPerPerson';
import { assertNever } from '../../../core';
import { escapeLike, foldName } from '../foldName';
import type { ContactIndexStore, ContactSearch } from '../ports/contactIndexStore';
import { CONTACT_COLUMNS } from '../storedRowReaders';
import type { PostgresConnection } from './postgresConnection';
import { contactColumnParams, toContactIndexEntry, toContactIndexState } from './postgresRows';

/** Contact index rows per INSERT: bounds one statement's size on a large sync. */
const CONTACT_INSERT_CHUNK = 1000;

export function postgresContactIndexStore({ pool, transaction }: PostgresConnection): ContactIndexStore {
  return {
    async replaceContactIndex(target, entries, syncedAt) {
      const distinct = latestPerPerson(entries);
      await transaction(async (db) => {
        // The state row first: its row lock makes concurrent replaces of one target wait for each other, so the
        // second one's DELETE (a new statement, after the first commits) sees and removes the first one's rows.
        await db.query(
          `INSERT INTO contact_index_state (target, synced_at, size) VALUES ($1, $2, $3)
           ON CONFLICT (target) DO UPDATE SET synced_at = excluded.synced_at, size = excluded.size`,
          [target, syncedAt, distinct.length],
        );
        await db.query('DELETE FROM contact_index WHERE target = $1', [target]);
        for (let start = 0; start < distinct.length; start += CONTACT_INSERT_CHUNK) {
          await db.query(
            `INSERT INTO contact_index (target, ${CONTACT_COLUMNS}, name_folded)
             SELECT $1, person_id::jsonb, email, mobile_e164, phone_e164, company_id::jsonb, company_name,
               company_main_e164, inactive, updated_at, person_name, name_folded
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
               $9::boolean[], $10::text[], $11::text[], $12::text[])
               AS entry (person_id, email, mobile_e164, phone_e164, company_id, company_name, company_main_e164,
                 inactive, updated_at, person_name, name_folded)`,
            [target, ...contactColumnParams(distinct.slice(start, start + CONTACT_INSERT_CHUNK))],
          );
        }
      });
    },

    async updateContactIndex(target, entries) {
      const distinct = latestPerPerson(entries);
      await transaction(async (db) => {
        // The state row first, as in replaceContactIndex: updates and replaces of one target take turns.
        await db.query('SELECT size FROM contact_index_state WHERE target = $1 FOR UPDATE', [target]);
        for (let start = 0; start < distinct.length; start += CONTACT_INSERT_CHUNK) {
          await db.query(UPSERT_CONTACTS, [
            target,
            ...contactColumnParams(distinct.slice(start, start + CONTACT_INSERT_CHUNK)),
          ]);
        }
        await db.query(
          'UPDATE contact_index_state SET size = (SELECT COUNT(*) FROM contact_index WHERE target = $1) WHERE target = $1',
          [target],
        );
      });
    },

    async applyContactChange(target, change) {
      const distinct = latestPerPerson(change.upsert);
      await transaction(async (db) => {
        // The state row first, as in replaceContactIndex: changes and replaces of one target take turns.
        await db.query('SELECT size FROM contact_index_state WHERE target = $1 FOR UPDATE', [target]);
        const companyIs = 'target = $1 AND company_id = $2::jsonb';
        for (const companyId of change.removeCompanies) {
          await db.query(
            `UPDATE contact_index SET company_id = NULL, company_name = NULL, company_main_e164 = NULL WHERE ${companyIs}`,
            [target, JSON.stringify(companyId)],
          );
        }
        for (const company of change.companies) {
          await db.query(`UPDATE contact_index SET company_name = $3, company_main_e164 = $4 WHERE ${companyIs}`, [
            target,
            JSON.stringify(company.companyId),
            company.companyName ?? null,
            company.companyMainE164 ?? null,
          ]);
        }
        if (distinct.length > 0) {
          await db.query(UPSERT_CONTACTS, [target, ...contactColumnParams(distinct)]);
        }
        for (const personId of change.removePersons) {
          await db.query('DELETE FROM contact_index WHERE target = $1 AND person_id = $2::jsonb', [
            target,
            JSON.stringify(personId),
          ]);
        }
        await db.query(
          'UPDATE contact_index_state SET size = (SELECT COUNT(*) FROM contact_index WHERE target = $1) WHERE target = $1',
          [target],
        );
      });
    },

    async newestContactUpdate(target) {
      const { rows } = await pool.query('SELECT MAX(updated_at) AS newest FROM contact_index WHERE target = $1', [
        target,
      ]);
      return z.object({ newest: z.string().nullable() }).parse(rows[0]).newest ?? undefined;
    },

    async findContactCandidates(target, query) {
      if (query.emails.length === 0 && query.phones.length === 0) return [];
      // Each list is one array parameter, however long; each `= ANY` uses its column's index (a bitmap OR).
      const result = await pool.query(
        `SELECT ${CONTACT_COLUMNS} FROM contact_index
         WHERE target = $1
           AND (email = ANY($2::text[]) OR mobile_e164 = ANY($3::text[]) OR phone_e164 = ANY($3::text[])
             OR company_main_e164 = ANY($3::text[]))
         ORDER BY person_id`,
        [target, [...query.emails], [...query.phones]],
      );
      return result.rows.map(toContactIndexEntry);
    },

    async contactIndexDuplicates(target, limit) {
      const { rows } = await pool.query(
        `SELECT kind, value, jsonb_agg(person_id ORDER BY person_id) AS ids FROM (
           SELECT 'email' AS kind, email AS value, person_id FROM contact_index WHERE target = $1 AND email IS NOT NULL
           UNION
           SELECT 'phone', mobile_e164, person_id FROM contact_index WHERE target = $1 AND mobile_e164 IS NOT NULL
           UNION
           SELECT 'phone', phone_e164, person_id FROM contact_index WHERE target = $1 AND phone_e164 IS NOT NULL
         ) AS held GROUP BY kind, value HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC, value LIMIT $2`,
        [target, limit],
      );
      return rows.map((row: unknown) => {
        const { kind, value, ids } = duplicateRowSchema.parse(row);
        return { kind, value, personIds: ids };
      });
    },

    async searchContacts(target, search, limit) {
      const condition = searchCondition(search);
      if (condition === undefined) return { entries: [], more: false };
      const { rows } = await pool.query(
        `SELECT ${CONTACT_COLUMNS} FROM contact_index WHERE target = $1 AND ${condition.where}
         ORDER BY name_folded IS NULL, name_folded, person_id LIMIT $3`,
        [target, condition.param, limit + 1],
      );
      return { entries: rows.slice(0, limit).map(toContactIndexEntry), more: rows.length > limit };
    },

    async contactsWithoutName(target) {
      const { rows } = await pool.query(
        'SELECT COUNT(*)::integer AS n FROM contact_index WHERE target = $1 AND person_name IS NULL',
        [target],
      );
      return z.object({ n: z.number() }).parse(rows[0]).n;
    },

    async contactIndexState(target) {
      const row = (await pool.query('SELECT size, synced_at FROM contact_index_state WHERE target = $1', [target]))
        .rows[0];
      return row === undefined ? { size: 0 } : toContactIndexState(row);
    },
  };
}

/** Adds or replaces index entries given as column arrays (`contactColumnParams`), $1 being the target. */
const UPSERT_CONTACTS = `INSERT INTO contact_index (target, ${CONTACT_COLUMNS}, name_folded)
  SELECT $1, person_id::jsonb, email, mobile_e164, phone_e164, company_id::jsonb, company_name, company_main_e164,
    inactive, updated_at, person_name, name_folded
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[],
    $10::text[], $11::text[], $12::text[])
    AS entry (person_id, email, mobile_e164, phone_e164, company_id, company_name, company_main_e164, inactive,
      updated_at, person_name, name_folded)
  ON CONFLICT (target, person_id) DO UPDATE SET email = excluded.email, mobile_e164 = excluded.mobile_e164,
    phone_e164 = excluded.phone_e164, company_id = excluded.company_id, company_name = excluded.company_name,
    company_main_e164 = excluded.company_main_e164, inactive = excluded.inactive, updated_at = excluded.updated_at,
    person_name = excluded.person_name, name_folded = excluded.name_folded`;

/** The WHERE condition of an admin's search ($1 the target, $2 its parameter); undefined: it would find everything. */
function searchCondition(search: ContactSearch): { where: string; param: unknown } | undefined {
  switch (search.kind) {
    case 'name': {
      const folded = foldName(search.text);
      if (folded === '') return undefined;
      return { where: `name_folded LIKE $2 ESCAPE '\\'`, param: `%${escapeLike(folded)}%` };
    }
    case 'email': {
      const prefix = search.prefix.trim().toLowerCase();
      if (prefix === '') return undefined;
      return { where: `email LIKE $2 ESCAPE '\\'`, param: `${escapeLike(prefix)}%` };
    }
    case 'phone':
      if (search.e164s.length === 0) return undefined;
      return { where: '(mobile_e164 = ANY($2::text[]) OR phone_e164 = ANY($2::text[]))', param: [...search.e164s] };
    default:
      return assertNever(search);
  }
}

const duplicateRowSchema = z.object({
  kind: z.enum(['email', 'phone']),
  value: z.string(),
  ids: z.array(z.union([z.number(), z.string()])),
});
