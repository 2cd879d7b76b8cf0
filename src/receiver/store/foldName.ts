/**
 * A name as the admin's search compares it: Unicode-normalized, diacritics removed, lower-case, runs of white space
 * as one space ("  Lars  ÖBERG" → "lars oberg"), so "oberg" finds "Öberg" and "Åsa" is found by "asa". Both the stored
 * folded name and what the admin typed go through this, so the database compares plain text with LIKE.
 */
export function foldName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{Diacritic}/gu, '')
    .replace(/ø/gu, 'o')
    .replace(/Ø/gu, 'o')
    .replace(/æ/gu, 'ae')
    .replace(/Æ/gu, 'ae')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

/** `text` for a LIKE pattern with `\` as its escape character: `%`, `_` and `\` match themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/gu, (character) => `\\${character}`);
}
