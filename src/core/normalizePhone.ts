import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** The outcome of reading one written phone number. */
export type NormalizedPhone =
  | {
      kind: 'valid';
      /** The number in E.164 (`+46701234567`), the only form numbers are ever compared in. */
      e164: string;
      /** The extension written after the number (`ankn. 123`, `ext 123`), kept apart: never part of `e164`. */
      extension?: string;
      /** The region the number belongs to (`SE`, `NO`), as libphonenumber reports it. */
      region?: string;
      /** `mobile` when the numbering plan says so; `fixed_or_other` for everything else. */
      type: 'mobile' | 'fixed_or_other';
    }
  | { kind: 'invalid'; reason: PhoneInvalidReason };

export type PhoneInvalidReason = 'empty' | 'no_number_found' | 'not_a_valid_number';

/**
 * Extension markers libphonenumber does not know: Swedish `ankn.`/`anknytning`, the switchboard marker
 * `vx`/`växel`, Norwegian/Danish `lokal(nummer)`, and a spaced `/` used as "extension" in Nordic writing
 * ("08-123 456 00 / 123"; an unspaced `08/123456` is an area code, not an extension). English `ext`/`x`
 * are handled here too, so every extension takes one path.
 */
const EXTENSION =
  /(?:\s*\b(?:ankn(?:ytning)?|anknytn|vx|växel|vxl|lokal(?:nummer)?|ext(?:ension)?|x)\.?:?|\s+\/)\s*(\d{1,6})\s*$/iu;

/**
 * A number written without `+` or `00` but with a country code ("46701234567", "4741234567") is only read as
 * international when it is long enough that a country code plus a full national number fits; shorter strings
 * ("412 34 567") stay national, so a Norwegian number typed without prefix becomes `invalid`, never Swedish.
 */
const MIN_DIGITS_FOR_BARE_COUNTRY_CODE = 10;

/**
 * Reads a written phone number into E.164 with libphonenumber's full metadata.
 *
 * `defaultRegion` interprets numbers written without a country code (`070-123 45 67` with `SE`). A number
 * that is not valid in its region is reported `invalid` rather than guessed at: matching on a wrong number
 * links a summary to a stranger.
 */
export function normalizePhone(raw: string, defaultRegion: string): NormalizedPhone {
  let text = raw.normalize('NFKC').trim();
  if (text === '') return { kind: 'invalid', reason: 'empty' };

  let extension: string | undefined;
  const ext = EXTENSION.exec(text);
  if (ext && ext.index > 0) {
    extension = ext[1];
    text = text.slice(0, ext.index);
  }

  const region = defaultRegion.toUpperCase() as CountryCode;
  let parsed = parse(text, region);
  if (!parsed?.isValid()) {
    const digits = text.replace(/\D/gu, '');
    // No country code starts with 0, so a trunk-prefixed national number never gets here as "bare".
    const bareCountryCode = !text.trim().startsWith('+') && digits.length >= MIN_DIGITS_FOR_BARE_COUNTRY_CODE;
    const international = bareCountryCode ? parse(`+${digits}`, region) : undefined;
    if (international?.isValid()) parsed = international;
  }
  // Several numbers in one field ("0701234571, växel 08-555 00 00"): the first one is the field's number.
  if (!parsed?.isValid() && /[,;]/u.test(text)) {
    const [first = ''] = text.split(/[,;]/u);
    const firstParsed = first.trim() === '' ? undefined : parse(first, region);
    if (firstParsed?.isValid()) parsed = firstParsed;
  }
  if (!parsed) return { kind: 'invalid', reason: 'no_number_found' };
  if (!parsed.isValid()) return { kind: 'invalid', reason: 'not_a_valid_number' };

  const type = parsed.getType() === 'MOBILE' ? 'mobile' : 'fixed_or_other';
  const extensionFound = extension ?? parsed.ext;
  return {
    kind: 'valid',
    e164: parsed.number,
    type,
    ...(extensionFound !== undefined ? { extension: extensionFound } : {}),
    ...(parsed.country !== undefined ? { region: parsed.country } : {}),
  };
}

/** The E.164 form of a written number, or `undefined` when it cannot be read safely. */
export function toE164(raw: string | undefined, defaultRegion: string): string | undefined {
  if (raw === undefined) return undefined;
  const result = normalizePhone(raw, defaultRegion);
  return result.kind === 'valid' ? result.e164 : undefined;
}

function parse(text: string, region: CountryCode) {
  // Extract mode: labels and remarks around the number ("mobil 070…", "070… (Janes)") are skipped.
  return parsePhoneNumberFromString(text, { defaultCountry: region });
}

/** True when `region` is a two-letter region libphonenumber knows (`SE`, `NO`, `DK`, `FI`, …). */
export { isSupportedCountry as isSupportedRegion } from 'libphonenumber-js/max';

/**
 * What a CRM that holds `e164` written in its national form only (no country code: Danish "33 21 72 84", Finnish
 * "09 840 9008") reads it as with its `defaultRegion`: another E.164 number ("+4633217284", a Swedish one), or
 * `undefined` when the national form is unreadable there or the number is in `defaultRegion` already (then it reads
 * back unchanged). Matching uses it to see every possible holder of a foreign number, so a team line half of whose
 * holders were typed nationally is never taken for one person's number.
 */
export function readAsWrittenNationally(e164: string, defaultRegion: string): string | undefined {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed?.isValid()) return undefined;
  const misread = toE164(parsed.formatNational(), defaultRegion);
  return misread === e164 ? undefined : misread;
}

/** The region an E.164 number belongs to (`+4533217284` → `DK`), or `undefined` when it names none. */
export function regionOf(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}
