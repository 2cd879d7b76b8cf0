// The demo's SuperOffice: the SuperOffice emulator with its demo data (the Lime demo's people and companies, so the
// sample meetings end the same way), as an Online tenant whose receiver signs in as a system user — a key pair made
// for this run, the PartnerSystemUser exchange for a ticket — the way `npm run sandbox -- superoffice` sets it up.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { conversationReference } from '../../core';
import { startSuperOfficeSandbox } from '../../sandbox/superoffice/startSuperOfficeSandbox';
import type { DemoCrm } from './demoCrm';

export async function startDemoSuperOffice(): Promise<DemoCrm> {
  const { emulator, environment } = await startSuperOfficeSandbox({ port: 0, auth: 'system_user' });
  const env = Object.fromEntries(
    environment.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  // The sandbox writes the run's private key to a temporary directory of its own: removed when the demo ends.
  const keyFile = env['SUPEROFFICE_PRIVATE_KEY_FILE'];
  const descriptions = () =>
    emulator
      .appointments()
      .map((appointment) => appointment.description)
      .filter((text) => text.includes('dci-conversation:'));
  return {
    name: 'superoffice',
    title: 'SuperOffice',
    record: 'appointment',
    banner: [
      `SuperOffice emulator: ${emulator.baseUrl}   (the same demo companies and persons)`,
      `  signing in as an Online system user: PartnerSystemUser at ${emulator.loginUrl ?? '?'}`,
    ],
    environment: env,
    recordText: (conversationId) => descriptions().find((text) => text.includes(conversationReference(conversationId))),
    countRecords: () => descriptions().length,
    epilogue: () => [
      `The receiver signed in with ${emulator.exchangeCount} system-user ticket exchange(s) (SOTicket + SO-AppToken).`,
    ],
    close: async () => {
      await emulator.close();
      if (keyFile !== undefined) rmSync(dirname(keyFile), { recursive: true, force: true });
    },
  };
}
