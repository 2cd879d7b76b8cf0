import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { isSupportedRegion, isValidTimeZone } from '../core';
import phoneRegions from './phoneRegions.json';

/**
 * The regions whose phone numbers the script reads: the build keeps libphonenumber's metadata for these only (the
 * full metadata would be half the script). A number of another country code is not matched by phone.
 */
export const SCRIPT_PHONE_REGIONS: readonly string[] = phoneRegions;

/**
 * The configuration block at the top of the built script (`const DCI_CONFIG = {…}`), which admins edit in
 * SuperOffice's script editor. Parsed like any other boundary: a typo gives a clear 500 naming the setting.
 */
export const scriptConfigSchema = z.object({
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
   * The tenant's base time zone (IANA name): appointment start/end are written as its wall-clock time (NetServer
   * stores date+time unchanged in the base zone when no `SO-Timezone` header is sent), and the dates in the text are
   * shown in it. Default Europe/Stockholm: DCI's customers are mostly Nordic; a tenant elsewhere must set it.
   */
  timeZone: z
    .string()
    .check(z.refine(isValidTimeZone, { error: 'timeZone must be an IANA zone such as Europe/Stockholm' })),
  /** Longest description SuperOffice keeps: its text table holds 2047 significant characters. */
  maxDescriptionLength: z.number().check(z.int(), z.minimum(200), z.maximum(100_000)),
});

/** The configuration block parsed; zod's English wording where the schema has none (`zod/mini` loads no locale). */
export function parseScriptConfig(value: unknown) {
  return scriptConfigSchema.safeParse(value, { error: en().localeError });
}

export type ScriptConfig = z.infer<typeof scriptConfigSchema>;

/** What the build writes into the configuration block. */
export const DEFAULT_SCRIPT_CONFIG: ScriptConfig = {
  taskTypeName: 'Meeting',
  defaultAssociateId: 0,
  phoneRegion: 'SE',
  internalDomains: [],
  createMissingContacts: false,
  timeZone: 'Europe/Stockholm',
  maxDescriptionLength: 2047,
};
