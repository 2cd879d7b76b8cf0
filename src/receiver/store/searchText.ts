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
