/**
 * A pragmatic address check: one `@`, a local part without spaces, and a domain with a dot and a
 * top-level label of letters. It accepts every address a CRM would store and rejects the typos we see in
 * calendar data ("anna@acme", "anna.acme.se", "anna@@acme.se"). Full RFC 5322 is deliberately not the goal.
 */
const EMAIL =
  /^[^\s@"<>()[\]\\,;:.]+(?:\.[^\s@"<>()[\]\\,;:.]+)*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u;

/**
 * Folds compatibility forms (full-width letters) with NFKC, trims, strips a `mailto:` prefix or surrounding angle brackets, lower-cases and validates an address.
 * Returns `undefined` for anything that is not a usable address, so callers never match on garbage.
 * Lower-casing the local part is what every CRM search does in practice (Lime, SuperOffice, HubSpot).
 */
export function normalizeEmail(raw: string): string | undefined {
  let value = raw.normalize('NFKC').trim();
  if (value.startsWith('<') && value.endsWith('>')) value = value.slice(1, -1).trim();
  if (value.toLowerCase().startsWith('mailto:')) value = value.slice('mailto:'.length).trim();
  value = value.toLowerCase();
  if (value.length > 254 || !EMAIL.test(value)) return undefined;
  return value;
}

/** The domain part of an already normalized address. */
export function emailDomain(normalizedEmail: string): string {
  return normalizedEmail.slice(normalizedEmail.lastIndexOf('@') + 1);
}
