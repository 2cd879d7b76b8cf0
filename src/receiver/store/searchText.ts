import type { DeliveryStatus } from './ports/deliveryQueue';

// How the stores search the delivery log: titles folded in the application, so the match is the same on every
// adapter and whatever the database's collation, and LIKE patterns built from what the admin typed.

/** Titles are searched case-insensitively beyond ASCII (SQLite's LIKE folds only A–Z): Å matches å. */
export function foldForSearch(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

/** `text` as a LIKE pattern that matches it literally (with `ESCAPE '\'`): % and _ are plain characters. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * The delivery log's WHERE clause over `DELIVERY_FROM` (empty when nothing filters): the status, and what the admin
 * typed found in the folded title, at the start of the conversation id, or (`participantKeyHash`, when what was typed
 * is an e-mail or a number) among the lookup hashes of the delivery's participants. `param` binds a value and
 * returns its placeholder in the dialect's syntax.
 */
export function deliveryLogFilter(
  query: { status?: DeliveryStatus | undefined; search?: string | undefined; participantKeyHash?: string | undefined },
  param: (value: string) => string,
): string {
  const conditions: string[] = [];
  if (query.status !== undefined) conditions.push(`d.status = ${param(query.status)}`);
  const search = query.search?.trim() ?? '';
  if (search !== '') {
    const titleContains = param(`%${escapeLike(foldForSearch(search))}%`);
    const idPrefix = param(`${escapeLike(search)}%`);
    const participant =
      query.participantKeyHash === undefined
        ? ''
        : ` OR EXISTS (SELECT 1 FROM participant_keys k WHERE k.delivery_id = d.id AND k.key_hash = ${param(query.participantKeyHash)})`;
    conditions.push(
      `(d.title_folded LIKE ${titleContains} ESCAPE '\\' OR d.conversation_id LIKE ${idPrefix} ESCAPE '\\'${participant})`,
    );
  }
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}
