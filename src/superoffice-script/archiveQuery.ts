import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { SuperOfficeAgents } from './superOfficeApi';

/** One archive row: its primary key and its cells, decoded. */
export interface ArchiveRow {
  primaryKey: number;
  cells: Record<string, string | undefined>;
}

/**
 * One archive search (`Archive/GetArchiveListByColumns2`). Archives encode typed cells ("[I:210]" for integers,
 * shared/specs/superoffice.md §3.3); cells are decoded to their plain text here, so callers read numbers with
 * `archiveInt`. Archives refuse a search without restrictions, so callers always pass one.
 */
export async function searchArchive(
  agents: SuperOfficeAgents,
  provider: string,
  columns: readonly string[],
  restriction: string,
  pageSize = 50,
): Promise<ArchiveRow[]> {
  const items = await agents.archive.getArchiveListByColumns2Async(
    provider,
    columns.join(','),
    '',
    restriction,
    '',
    0,
    pageSize,
  );
  return (items ?? []).map((item) => {
    const cells: Record<string, string | undefined> = {};
    for (const column of columns) cells[column] = decodeCell(item.columnData?.[column]?.displayValue);
    return { primaryKey: item.primaryKey ?? 0, cells };
  });
}

/** `"[I:210]"` → `"210"`, `"[D:…]"` → its text; plain text stays; empty → undefined. */
export function decodeCell(display: string | undefined): string | undefined {
  if (display === undefined || display === null) return undefined;
  const typed = /^\[[A-Za-z]+:(.*)\]$/su.exec(display);
  const value = typed ? typed[1] : display;
  return value === undefined || value === '' ? undefined : value;
}

export function archiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/u.test(value.trim())) return undefined;
  const parsed = Number(value);
  return parsed > 0 ? parsed : undefined;
}

export function archiveBool(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes'].includes(value.trim().toLowerCase());
}

/**
 * An archive date cell (`[D:03/04/2026 05:06:07.0000000]`: month/day/year, UTC — inferred from the package's test
 * fixtures) as ISO 8601; ISO input passes through; anything else is no date.
 */
export function archiveDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const us = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?$/u.exec(value.trim());
  if (us) return `${us[3]}-${us[1]}-${us[2]}T${us[4]}:${us[5]}:${us[6]}${us[7] ?? ''}Z`;
  return Number.isNaN(Date.parse(value)) ? undefined : value;
}

/** A restriction string literal: single-quoted, `'` and `\` escaped with a backslash (spec §3.3). */
export function quote(value: string): string {
  return `'${value.replace(/\\/gu, '\\\\').replace(/'/gu, "\\'")}'`;
}

/** `column in ('a', 'b')` for a list of written forms. */
export function inList(column: string, values: readonly string[]): string {
  return `${column} in (${values.map(quote).join(', ')})`;
}

/**
 * The forms a number may have in SuperOffice's stripped search column (`searchPhone/formattedNumber`, table
 * `phone.searchPhoneNumber`), for an `in (...)` restriction. The docs call it a "stripped phone number" without
 * saying which form, so all the stripped forms SuperOffice's own sources show are sent: country code + number
 * ("46701234567", `PhoneFormatter.GetInternationalNumber`), the same with "00" (an entity phone's `StrippedValue`),
 * national digits with the trunk "0" ("0701234567"), the national number alone ("701234567",
 * `GetBaseNumber`) and E.164. Five forms per number whatever way it was written; docs/superoffice.md has the sources.
 */
export function searchPhoneForms(e164: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return [e164];
  const countryCode = parsed.countryCallingCode;
  const significant = parsed.nationalNumber;
  const nationalDigits = parsed.formatNational().replace(/\D/gu, '');
  return [
    ...new Set([`${countryCode}${significant}`, `00${countryCode}${significant}`, nationalDigits, significant, e164]),
  ];
}
