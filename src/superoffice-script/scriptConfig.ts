import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { isSupportedRegion, isValidTimeZone, NOTE_LANGUAGES, parseHistoryTypeMap, type HistoryTypeMap } from '../core';
import phoneRegions from './phoneRegions.json';

/**
 * The regions whose phone numbers the script reads: the build keeps libphonenumber's metadata for these only (the
 * full metadata would be half the script). A number of another country code is not matched by phone.
 */
export const SCRIPT_PHONE_REGIONS: readonly string[] = phoneRegions;

/**
 * The configuration block (`const DCI_CONFIG = {…}`), which admins edit in SuperOffice's script editor: at the top of
 * the one-file script, or alone in the configuration script the endpoint script includes (docs/superoffice.md,
 * "Update"). Parsed like any other boundary: a typo gives a clear 500 naming the setting; an unknown key is refused,
 * so a misspelt setting is never silently ignored.
 */
export const scriptConfigSchema = z.strictObject({
  /** Task type (follow-up type) of the appointments, by its name in SuperOffice, e.g. "Meeting". */
  taskTypeName: z
    .string()
    .check(z.trim(), z.minLength(1, { error: 'taskTypeName must name a SuperOffice task type, e.g. "Meeting"' })),
  /** Owner of the appointment when the presenter is not a SuperOffice user; 0: SuperOffice's default (the script user). */
  defaultAssociateId: z
    .number()
    .check(z.int(), z.nonnegative({ error: 'defaultAssociateId must be 0 or an associate id' })),
  /** Region for phone numbers written without a country code. */
  phoneRegion: z.string().check(
    z.refine((region) => SCRIPT_PHONE_REGIONS.includes(region) && isSupportedRegion(region), {
      error: `phoneRegion must be one of the regions the script reads phone numbers in: ${SCRIPT_PHONE_REGIONS.join(', ')}`,
    }),
  ),
  /** Your own e-mail domains: participants there are colleagues and never matched as customers. */
  internalDomains: z.array(z.string()),
  /** Create a missing company and person when nobody matches (the seed's "Create contact in CRM"). */
  createMissingContacts: z.boolean(),
  /**
   * Company notes: when no person is certain but the company is (its switchboard number, a number or a duplicate
   * e-mail whose persons all work there, an e-mail domain whose every person works there; never free mail or your
   * own domains), one appointment on the company alone. Default true.
   */
  companyNotes: z.boolean(),
  /**
   * The tenant's base time zone (IANA name): appointment start/end are written as its wall-clock time (NetServer
   * stores date+time unchanged in the base zone when no `SO-Timezone` header is sent), and the dates in the text are
   * shown in it. Default Europe/Stockholm: DCI's customers are mostly Nordic; a tenant elsewhere must set it.
   */
  timeZone: z
    .string()
    .check(z.refine(isValidTimeZone, { error: 'timeZone must be an IANA zone such as Europe/Stockholm' })),
  /** Longest description SuperOffice keeps: its text table holds 2047 significant characters. */
  maxDescriptionLength: z.number().check(z.int(), z.minimum(200), z.maximum(100_000)),
  /**
   * The language of the appointment's text: its labels, dates and times (core/noteLabels.ts). The title line keeps
   * the same format in every language. Default 'en'.
   */
  noteLanguage: z.enum(NOTE_LANGUAGES, {
    error: `noteLanguage must be one of ${NOTE_LANGUAGES.map((language) => `'${language}'`).join(', ')}`,
  }),
  /**
   * Link each appointment to its company's only open sale (none or several: no link). The receiver's LINK_DEAL.
   */
  linkSale: z.boolean(),
  /**
   * The task type by the meeting's medium or conversation type, as the receiver's HISTORY_TYPE_MAP:
   * `'medium:call=Phone call, conversation_type:demo=Demo'`; `taskTypeName` where no entry fits. Empty: always
   * `taskTypeName`.
   */
  taskTypeMap: z.string().check(
    z.superRefine((text, context) => {
      const read = parseHistoryTypeMap(text);
      if (!read.ok) {
        for (const problem of read.problems) context.addIssue({ code: 'custom', message: `taskTypeMap ${problem}` });
      }
    }),
  ),
});

export type ScriptConfig = z.infer<typeof scriptConfigSchema>;

/** The configuration's task type map, read (`readScriptConfig` refused an invalid one, so this never fails). */
export function taskTypeMapOf(config: Pick<ScriptConfig, 'taskTypeMap'>): HistoryTypeMap {
  const read = parseHistoryTypeMap(config.taskTypeMap);
  return read.ok ? read.map : [];
}

/** What the build writes into the configuration block. */
export const DEFAULT_SCRIPT_CONFIG: ScriptConfig = {
  taskTypeName: 'Meeting',
  defaultAssociateId: 0,
  phoneRegion: 'SE',
  internalDomains: [],
  createMissingContacts: false,
  companyNotes: true,
  timeZone: 'Europe/Stockholm',
  maxDescriptionLength: 2047,
  noteLanguage: 'en',
  linkSale: false,
  taskTypeMap: '',
};

/** The configuration block as read: the settings, and which of them it leaves out (they take their defaults). */
export type ConfigRead =
  | { ok: true; config: ScriptConfig; defaulted: string[] }
  | { ok: false; code: 'config_missing' | 'config_invalid'; message: string };

declare const __DCI_CONFIG_INCLUDE_ID__: string;

/**
 * Reads the configuration block. A setting it leaves out takes its default and is named in `defaulted` (the setup
 * check lists it): a configuration script saved for an older version keeps working after the endpoint script is
 * updated to one with a new setting. zod's English wording where the schema has none (`zod/mini` loads no locale).
 */
export function readScriptConfig(value: unknown): ConfigRead {
  if (value === undefined) {
    const includeId = typeof __DCI_CONFIG_INCLUDE_ID__ === 'string' ? __DCI_CONFIG_INCLUDE_ID__ : 'dci-summary-config';
    return {
      ok: false,
      code: 'config_missing',
      message: `The script has no configuration (DCI_CONFIG): save dci-summary-config.js as a script with Include name "${includeId}", or paste the one-file form dci-summary-endpoint.js.`,
    };
  }
  const given = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  const defaulted = given === undefined ? [] : Object.keys(DEFAULT_SCRIPT_CONFIG).filter((key) => !(key in given));
  const parsed = scriptConfigSchema.safeParse(given === undefined ? value : { ...DEFAULT_SCRIPT_CONFIG, ...given }, {
    error: en().localeError,
  });
  if (!parsed.success) {
    return {
      ok: false,
      code: 'config_invalid',
      message: `The configuration block is invalid: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`,
    };
  }
  return { ok: true, config: parsed.data, defaulted };
}
