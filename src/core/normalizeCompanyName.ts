/**
 * Legal-form words that say nothing about which company is meant, in the Nordic countries and the markets
 * their customers trade with. Compared after lower-casing and after `a/s`-style forms are joined (`as`).
 */
const LEGAL_FORMS = new Set([
  // Sweden
  'ab',
  'aktiebolag',
  'aktiebolaget',
  'publ',
  'hb',
  'handelsbolag',
  'kb',
  'kommanditbolag',
  'ek',
  'för',
  // Norway, Denmark, Iceland
  'as',
  'asa',
  'aps',
  'is',
  'ks',
  'ehf',
  'hf',
  'ans',
  'da',
  // Finland
  'oy',
  'oyj',
  'ky',
  'tmi',
  // English-speaking
  'ltd',
  'limited',
  'inc',
  'incorporated',
  'llc',
  'llp',
  'plc',
  'corp',
  'corporation',
  'co',
  'company',
  // Continental Europe
  'gmbh',
  'ag',
  'kg',
  'bv',
  'nv',
  'sa',
  'sarl',
  'sas',
  'srl',
  'spa',
  'sl',
  'oü',
  'sp',
  'zoo',
]);

/** Legal forms that Swedish and Finnish companies also write first: "AB Volvo", "Oy Karl Fazer Ab". */
const LEADING_LEGAL_FORMS = new Set(['ab', 'aktiebolaget', 'oy', 'oyj']);

/**
 * A comparison key for company names: "ACME AB", "Acme, Inc." and "acme" all give `acme`.
 *
 * Case, whitespace, punctuation and legal-form words (and a dangling "& Co") are folded; letters are
 * otherwise kept as written (å, ä, ö, ø, æ stay: "Åkesson" and "Akesson" are different names). A name made
 * only of legal-form words keeps them, so "AB" never becomes the empty key that would equal every company.
 * Never use the key for display.
 */
export function normalizeCompanyName(raw: string): string {
  const folded = raw
    .normalize('NFKC')
    .toLowerCase()
    // "A/S", "a.s.", "I/S", "K/S" are one legal-form word each once their marks are gone.
    .replace(/\b([aik])\s*[/.]\s*s\b\.?/gu, '$1s')
    .replace(/&/gu, ' & ')
    .replace(/[^\p{L}\p{M}\p{N}&]+/gu, ' ')
    // "Sp. z o.o." is folded after the marks are gone, so "sp.z.o.o." and "Sp z o o" fold too and a key
    // normalized again stays the same key.
    .replace(/(^| )sp ?z ?o ?o(?= |$)/gu, '$1sp zoo')
    .trim();
  const words = folded === '' ? [] : folded.split(' ');

  let end = words.length;
  while (end > 1 && (LEGAL_FORMS.has(words[end - 1] ?? '') || words[end - 1] === '&')) end -= 1;
  let start = 0;
  while (start < end - 1 && LEADING_LEGAL_FORMS.has(words[start] ?? '')) start += 1;

  // The loops stop one word short, so a name made only of legal forms ("AB") keeps a non-empty key.
  return words.slice(start, end).join(' ');
}

/** True when both names are given and name the same company once legal forms and punctuation are folded. */
export function sameCompanyName(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const keyA = normalizeCompanyName(a);
  return keyA !== '' && keyA === normalizeCompanyName(b);
}
