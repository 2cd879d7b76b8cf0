import {
  seedDemoData,
  startSuperOfficeEmulator,
  type DemoDataIds,
  type SuperOfficeEmulator,
} from '../../src/sandbox/superoffice';
import { SuperOfficeConnector, type SuperOfficeConnectorOptions } from '../../src/superoffice-addon';
import type { DeliverOptions } from '../../src/crm/crmConnector';

export const SO_TOKEN = 'test-token';

/** An emulated tenant with the demo data, and its ids. */
export async function startSeededSuperOffice(
  options: Parameters<typeof startSuperOfficeEmulator>[0] = {},
): Promise<{ so: SuperOfficeEmulator; ids: DemoDataIds }> {
  const so = await startSuperOfficeEmulator({ tokens: [SO_TOKEN], ...options });
  return { so, ids: seedDemoData(so) };
}

/**
 * The receiver's connector for an emulated tenant, signed in with a fixed SOTicket (what the emulator accepts
 * besides Bearer): the task type Meeting, a short timeout so the fault tests do not wait long.
 */
export function superOfficeConnectorFor(
  so: SuperOfficeEmulator,
  overrides: Partial<SuperOfficeConnectorOptions> = {},
): SuperOfficeConnector {
  return new SuperOfficeConnector({
    baseUrl: so.baseUrl,
    credentials: { kind: 'ticket', ticket: SO_TOKEN },
    taskTypeName: 'Meeting',
    rejectUnauthorized: true,
    timeoutMs: 2_000,
    ...overrides,
  });
}

/** DeliverOptions as the script's default configuration (the demo's own domain internal), overridable. */
export function superOfficeDeliverOptions(overrides: Partial<DeliverOptions> = {}): DeliverOptions {
  return {
    internalDomains: ['seller.se'],
    defaultRegion: 'SE',
    timeZone: 'Europe/Stockholm',
    createMissingContacts: false,
    noteDate: 'meeting_start',
    companyNotes: true,
    ...overrides,
  };
}
