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
