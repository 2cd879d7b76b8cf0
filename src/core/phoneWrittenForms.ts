import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * The ways people commonly write one number in a CRM's free-text phone field, for an exact-match search
 * (`IN` over these forms): E.164, international with spaces and with a `(0)`, the `00` form, national with the
 * usual grouping, with spaces instead of dashes, without separators. A search on these finds most stored
 * numbers; whatever it finds is still confirmed by normalizing the stored value.
 */
export function phoneWrittenForms(e164: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return [e164];
  const countryCode = parsed.countryCallingCode;
  const national = parsed.formatNational(); // "070-123 45 67", "08-123 456 78"
  const international = parsed.formatInternational(); // "+46 70 123 45 67"
  const nationalDigits = national.replace(/\D/gu, ''); // "0701234567"
  const significant = parsed.nationalNumber; // "701234567"
  const afterCountryCode = international.slice(`+${countryCode} `.length); // "70 123 45 67"

  const hasTrunkPrefix = national.startsWith('0');

  const forms = new Set<string>([
    e164,
    international,
    `+${countryCode} ${significant}`,
    ...(hasTrunkPrefix ? [`+${countryCode} (0)${afterCountryCode}`, `+${countryCode} (0)${significant}`] : []),
    `00${countryCode}${significant}`,
    `00${countryCode} ${afterCountryCode}`,
    `${countryCode}${significant}`,
    national,
    national.replace(/-/gu, ' '),
    national.replace(/ /gu, ''),
    national.replace(/-/gu, ' - '),
    nationalDigits,
  ]);
  return [...forms];
}
