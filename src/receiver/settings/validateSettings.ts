import { formatHistoryTypeMap, isNoteLanguage, parseHistoryTypeMap, type NoteLanguage } from '../../core';
import { SettingsError, type SettingName, type SettingsInput } from './connectionSettings';

/** Submitted settings, checked and normalized; a setting left out (absent, locked, or an empty URL/key) is kept. */
export interface ValidSettings {
  url?: string | undefined;
  apiKey?: string | undefined;
  historyType?: string | undefined;
  createMissingContacts?: boolean | undefined;
  internalDomains?: string[] | undefined;
  companyNotes?: boolean | undefined;
  noteLanguage?: NoteLanguage | undefined;
  linkDeal?: boolean | undefined;
  /** The map as `formatHistoryTypeMap` writes it ('' for none). */
  historyTypeMap?: string | undefined;
}

/**
 * Checks what the admin submitted, ignoring locked settings (the environment's). Throws `SettingsError` for the
 * first invalid field. An empty URL or API key means "keep the stored one": removing them is Disconnect.
 */
export function validateSettingsInput(input: SettingsInput, locked: readonly SettingName[]): ValidSettings {
  const open = (name: SettingName) => !locked.includes(name) && input[name] !== undefined;
  const valid: ValidSettings = {};

  const url = input.url?.trim() ?? '';
  if (open('url') && url !== '') valid.url = validUrl(url);

  const apiKey = input.apiKey?.trim() ?? '';
  if (open('apiKey') && apiKey !== '') {
    if (/\s/u.test(apiKey)) throw new SettingsError('apiKey', 'The API key has spaces in it: paste the key alone.');
    valid.apiKey = apiKey;
  }

  if (open('historyType')) {
    const historyType = input.historyType?.trim() ?? '';
    if (historyType === '') throw new SettingsError('historyType', 'Choose the history type our notes get.');
    valid.historyType = historyType;
  }

  if (open('createMissingContacts')) valid.createMissingContacts = input.createMissingContacts === true;

  if (open('internalDomains')) valid.internalDomains = validDomains(input.internalDomains ?? []);
  if (open('companyNotes')) valid.companyNotes = input.companyNotes === true;

  if (open('noteLanguage')) valid.noteLanguage = validNoteLanguage(input.noteLanguage);
  if (open('linkDeal')) valid.linkDeal = input.linkDeal === true;
  if (open('historyTypeMap')) valid.historyTypeMap = validHistoryTypeMap(input.historyTypeMap ?? '');
  return valid;
}

/** The URL as the admin copied it (spaces in the application name allowed), http or https, with a host. */
function validUrl(text: string): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new SettingsError('url', 'Enter the Lime address as a full URL, such as https://acme.lime-crm.com/acme.');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new SettingsError('url', 'The Lime address must start with https:// (or http://).');
  }
  if (parsed.hostname === '') throw new SettingsError('url', 'The Lime address has no host name.');
  return text;
}

/** One of the note languages, or a SettingsError on the note language's field. */
export function validNoteLanguage(value: string | undefined): NoteLanguage {
  if (!isNoteLanguage(value)) throw new SettingsError('noteLanguage', 'Choose one of the note languages offered.');
  return value;
}

/**
 * HISTORY_TYPE_MAP's text, normalized (`medium:call=talkedto, conversation_type:demo=customervisit`); each badly
 * written entry named. Whether the CRM offers its types is Test connection's to say.
 */
export function validHistoryTypeMap(text: string, field: 'historyTypeMap' = 'historyTypeMap'): string {
  const read = parseHistoryTypeMap(text);
  if (!read.ok) throw new SettingsError(field, `The type by meeting type has a problem: ${read.problems.join('; ')}.`);
  return formatHistoryTypeMap(read.map);
}

/** Trimmed, lower-cased, without duplicates; `anna@seller.se` or `@seller.se` is refused (a domain is `seller.se`). */
export function validDomains(domains: readonly string[]): string[] {
  const result: string[] = [];
  for (const domain of domains.map((each) => each.trim().toLowerCase()).filter((each) => each !== '')) {
    if (domain.includes('@')) {
      throw new SettingsError('internalDomains', `Enter domains without "@": seller.se, not ${domain}.`);
    }
    if (/\s/u.test(domain) || !domain.includes('.') || domain.startsWith('.') || domain.endsWith('.')) {
      throw new SettingsError('internalDomains', `"${domain}" is not a domain such as seller.se.`);
    }
    if (!result.includes(domain)) result.push(domain);
  }
  return result;
}
