/**
 * Which note type a meeting gets, by what DCI says it was: `HISTORY_TYPE_MAP` (receiver), the endpoint script's
 * `taskTypeMap`. Written for an environment variable, one entry per meeting kind, separated by commas, semicolons or
 * line breaks:
 *
 *   medium:call=talkedto, conversation_type:demo=customervisit
 *
 * `medium` is DCI's channel (only `call` is documented: shared/specs/dci-api.md §4 [verified]), `conversation_type`
 * an account-defined free-text label [inferred, same section]; both compared case-insensitively. A conversation type
 * is more specific than a medium, so it wins when both have an entry. The target is the CRM's own name for the type
 * (a Lime history type key, a SuperOffice task type name), checked against the CRM's data model by the connector,
 * not here.
 */

/** What an entry keys on: the payload's `medium` or its `conversation_type`. */
export type HistoryTypeDimension = 'medium' | 'conversation_type';

export interface HistoryTypeMapEntry {
  on: HistoryTypeDimension;
  /** The DCI value, lower-cased and trimmed. */
  value: string;
  /** The CRM's type, as written (trimmed). */
  type: string;
}

export type HistoryTypeMap = readonly HistoryTypeMapEntry[];

export type HistoryTypeMapRead = { ok: true; map: HistoryTypeMap } | { ok: false; problems: string[] };

/** An entry as the admin writes it: `medium:call=talkedto`. */
export function historyTypeMapEntryText(entry: HistoryTypeMapEntry): string {
  return `${entry.on}:${entry.value}=${entry.type}`;
}

/** The map as one line, the form `parseHistoryTypeMap` reads (for settings pages and messages). */
export function formatHistoryTypeMap(map: HistoryTypeMap): string {
  return map.map(historyTypeMapEntryText).join(', ');
}

/**
 * Reads the map's text. Every problem is reported, each naming its entry as written (`entry 2 "medum:call=x": …`),
 * so an admin fixes them in one go. Empty text (or only separators) is an empty map: every meeting gets the fallback.
 */
export function parseHistoryTypeMap(text: string): HistoryTypeMapRead {
  const problems: string[] = [];
  const map: HistoryTypeMapEntry[] = [];
  const written = text
    .split(/[,;\n\r]/u)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  written.forEach((raw, index) => {
    const named = `entry ${index + 1} "${raw}"`;
    const equals = raw.indexOf('=');
    const colon = raw.indexOf(':');
    if (equals < 0) {
      problems.push(`${named}: no "=": write it as medium:<value>=<type> or conversation_type:<value>=<type>`);
      return;
    }
    if (colon < 0 || colon > equals) {
      problems.push(`${named}: say what it keys on, medium:<value> or conversation_type:<value>, before the "="`);
      return;
    }
    const dimension = raw.slice(0, colon).trim().toLowerCase().replace(/[\s-]/gu, '_');
    const value = raw
      .slice(colon + 1, equals)
      .trim()
      .toLowerCase();
    const type = raw.slice(equals + 1).trim();
    const on = dimension === 'medium' ? 'medium' : dimension === 'conversation_type' ? 'conversation_type' : undefined;
    if (on === undefined) {
      problems.push(`${named}: "${raw.slice(0, colon).trim()}" is neither medium nor conversation_type`);
      return;
    }
    if (value === '') {
      problems.push(`${named}: no ${on} value before the "="`);
      return;
    }
    if (type === '') {
      problems.push(`${named}: no type after the "="`);
      return;
    }
    const earlier = map.find((entry) => entry.on === on && entry.value === value);
    if (earlier !== undefined) {
      if (earlier.type !== type)
        problems.push(`${named}: ${on} "${value}" is already mapped to "${earlier.type}" by an earlier entry`);
      return;
    }
    map.push({ on, value, type });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, map };
}

/** The type a meeting gets, and the entry that chose it (undefined: the fallback). */
export interface PickedHistoryType {
  type: string;
  entry?: HistoryTypeMapEntry | undefined;
}

/**
 * The meeting's type: its conversation type's entry, else its medium's, else `fallback` (the single configured
 * type). Values are compared trimmed and case-insensitively.
 */
export function pickHistoryType(
  map: HistoryTypeMap,
  meeting: { medium?: string | undefined; conversationType?: string | undefined },
  fallback: string,
): PickedHistoryType {
  const find = (on: HistoryTypeDimension, value: string | undefined) => {
    const key = value?.trim().toLowerCase();
    return key === undefined || key === '' ? undefined : map.find((entry) => entry.on === on && entry.value === key);
  };
  const entry = find('conversation_type', meeting.conversationType) ?? find('medium', meeting.medium);
  return entry === undefined ? { type: fallback } : { type: entry.type, entry };
}

/**
 * The entries whose type the CRM does not offer, each as a message naming the entry and what the CRM has
 * (`medium:call=talkedtoo: "talkedtoo" is not a history type Lime offers (offered: comment, talkedto)`). `sameType`
 * says when a CRM name fits (Lime keys exactly, SuperOffice names case-insensitively).
 */
export function unknownHistoryTypes(
  map: HistoryTypeMap,
  offered: readonly string[],
  words: { type: string; crm: string },
  sameType: (configured: string, offeredType: string) => boolean = (a, b) => a === b,
): string[] {
  return map
    .filter((entry) => !offered.some((type) => sameType(entry.type, type)))
    .map(
      (entry) =>
        `${historyTypeMapEntryText(entry)}: "${entry.type}" is not a ${words.type} ${words.crm} offers (offered: ${offered.join(', ') || 'none'})`,
    );
}
