import { DEFAULT_HISTORY_TYPE } from '../../src/receiver/config/loadConfig';
import { LimeConnector, type LimeConnectorOptions } from '../../src/lime-addon';
import type { DeliverOptions } from '../../src/crm/crmConnector';
import { startLimeEmulator, type LimeEmulator, type LimeEmulatorOptions } from '../../src/sandbox/lime';

export const TEST_API_KEY = 'test-api-key';

/** Delivery settings of a Swedish customer whose own domain is seller.se, contacts not created. */
export const DELIVER: DeliverOptions = {
  internalDomains: ['seller.se'],
  defaultRegion: 'SE',
  timeZone: 'Europe/Stockholm',
  createMissingContacts: false,
  noteDate: 'now',
};

/** Emulators and connectors started by a test file, closed by `closeAll` in afterEach/afterAll. */
const open: Array<{ close(): Promise<void> }> = [];

export async function startLime(options: LimeEmulatorOptions = {}): Promise<LimeEmulator> {
  const emulator = await startLimeEmulator({ apiKeys: { [TEST_API_KEY]: 'all' }, ...options });
  open.push(emulator);
  return emulator;
}

export function connectTo(emulator: LimeEmulator, options: Partial<LimeConnectorOptions> = {}): LimeConnector {
  const connector = new LimeConnector({
    baseUrl: emulator.baseUrl,
    apiKey: TEST_API_KEY,
    historyType: DEFAULT_HISTORY_TYPE,
    ...options,
  });
  open.push(connector);
  return connector;
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((item) => item.close()));
}

/** The stored history notes of a person, serialized as Lime returns them. */
export function notesOf(emulator: LimeEmulator, personId: number): Array<Record<string, unknown>> {
  return emulator.all('history').filter((note) => note['person'] === personId);
}
