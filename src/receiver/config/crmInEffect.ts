import type { CrmName } from './superOfficeConfig';

/** How people read each CRM's name (pages, dead-letter advice, CLI output). */
const DISPLAY_NAMES: Record<CrmName, string> = { lime: 'Lime', superoffice: 'SuperOffice' };

/**
 * The CRM as people read it, from a CRM name or a delivery's queue target (a target this version does not know reads
 * as Lime, the default CRM: every target but `superoffice` was written for Lime).
 */
export function crmDisplayName(crm: string | undefined): string {
  return crm === 'superoffice' ? DISPLAY_NAMES.superoffice : DISPLAY_NAMES.lime;
}

/**
 * `CRM` from the environment, read one way for the receiver and the CLI: `crm` is the CRM in effect (lime unless the
 * value names superoffice), `valid` whether the value is one loadConfig accepts (unset counts as lime).
 */
export function readCrm(env: Record<string, string | undefined>): { crm: CrmName; valid: boolean } {
  const text = env['CRM']?.trim().toLowerCase() || 'lime';
  return { crm: text === 'superoffice' ? 'superoffice' : 'lime', valid: text === 'lime' || text === 'superoffice' };
}
