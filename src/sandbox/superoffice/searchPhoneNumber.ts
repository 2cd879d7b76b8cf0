// The emulator's model of `phone.searchPhoneNumber`, the column the archives' `searchPhone/formattedNumber`
// restriction is compared with. What SuperOffice's docs say, and what the emulator makes of it:
//
// - [verified: SuperOfficeDocs/superoffice-docs docs/en/database/tables/phone.md] the phone table keeps `phone`
//   ("Actual phone number as enterd by the user") and `searchPhoneNumber` ("Stripped phone number for searching,
//   takes over for search_phone", indexed).
// - [verified: docs/en/api/localization/phoneformatter.md] `PhoneFormatter.GetInternationalNumber(578, "96458551")`
//   gives "4796458551" (country code + number, digits only); `GetBaseNumber(578, "+47 779 645 855")` gives
//   "779645855".
// - [verified: docs/en/api/archive-providers/reference/person.md, contact.md] both archives have
//   `searchPhone/formattedNumber`, restriction type string, not sortable.
// - [verified: SO.COM.IDatabase help, IPhone.StrippedPhone, superofficedocs.github.io/superoffice-docs/downloads/
//   api/COM/SO.COM.IDatabase.zip] "the phone number stripped for spaces, but with country prefix".
// - [verified: @superoffice/webapi 12.4 __tests__/Person210.json] an entity's phone `Value` "00 44 78 1791 3882"
//   comes with `StrippedValue` "00447817913882" (digits of the displayed form, international prefix included).
// - [assumption] which of these forms searchPhoneNumber holds is not documented. The emulator stores the
//   GetInternationalNumber form — country calling code + national significant number, digits only, no "+",
//   no "00", no trunk "0" ("+46 (0)70-123 45 67" and "070-123 45 67" → "46701234567") — and compares a
//   restriction's value with it exactly, without stripping the value: a caller must send that form. A number
//   written without a country code is read in SEARCH_PHONE_REGION (the emulator has no countries on companies
//   or persons; SuperOffice would use the owner's country). A text that is no valid number keeps its digits.

import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The region a number written without a country code is read in. */
export const SEARCH_PHONE_REGION = 'SE';

/** The stripped search form of one written phone number. */
export function searchPhoneNumber(written: string): string {
  const parsed = parsePhoneNumberFromString(written, SEARCH_PHONE_REGION);
  if (parsed?.isValid()) return `${parsed.countryCallingCode}${parsed.nationalNumber}`;
  return written.replace(/\D/gu, '');
}
