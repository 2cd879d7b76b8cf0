import type { CrmId } from '../core';

// The contact index's records: what a CRM adapter exports and the receiver's store keeps. Apart from the CRM port
// (crmConnector.ts), so the store can hold them without depending on the port.

/**
 * One person in the local contact index: what matching needs, normalized once at sync time (phones stored in any
 * written form — "mobil 0701234567", "+46 (0)70-123 45 67" — become E.164 here).
 */
export interface ContactIndexEntry {
  personId: CrmId;
  /** Normalized (lower-case) e-mail. */
  email?: string | undefined;
  mobileE164?: string | undefined;
  phoneE164?: string | undefined;
  companyId?: CrmId | undefined;
  companyName?: string | undefined;
  companyMainE164?: string | undefined;
  inactive: boolean;
  /** The CRM's last change of the person, ISO 8601. */
  updatedAt?: string | undefined;
  /** The person's name as the CRM shows it ("firstname lastname"), for the admin's search. Personal data. */
  personName?: string | undefined;
}

/** Changes to apply to the contact index, in one transaction. */
export interface ContactIndexChange {
  /** Persons added or changed: their entries as the CRM holds them now. */
  upsert: ContactIndexEntry[];
  /** Persons deleted. */
  removePersons: CrmId[];
  /** Companies whose name or main number is now this: every entry of the company takes it. */
  companies: Array<{ companyId: CrmId; companyName?: string | undefined; companyMainE164?: string | undefined }>;
  /** Companies deleted: their persons' entries lose the company. */
  removeCompanies: CrmId[];
}
