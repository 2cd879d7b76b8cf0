// `npm run sandbox -- superoffice`: the emulator with demo data and a tenant that signs in the way `--auth` asks, plus
// the receiver's environment for it (the variable names the receiver's configuration reads).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SuperOfficeSandboxAuth } from '../parseSandboxArgs';
import { seedDemoData } from './demoData';
import { startSuperOfficeEmulator } from './superOfficeEmulator';
import type { SuperOfficeAuthModel, SuperOfficeEmulator } from './types';

export interface SuperOfficeSandbox {
  emulator: SuperOfficeEmulator;
  /** `NAME=value` lines for the receiver's environment. */
  environment: string[];
}

const DEMO_CLIENT_ID = 'demo-client-id-0123456789abcdef';
const DEMO_CLIENT_SECRET = 'demo-client-secret';
const DEMO_SYSTEM_USER_TOKEN = 'DCI CRM Companion-demo4711';
const DEMO_TICKET = '7T:demo-onsite-ticket';
const DEMO_USER = { username: 'ADMIN0', password: 'demo-password' };
/** The fixed token of `--auth none` (the emulator's own scheme, as the script's tests use it). */
const DEMO_TOKEN = 'demo-token';

export async function startSuperOfficeSandbox(settings: {
  port: number;
  auth: SuperOfficeSandboxAuth;
}): Promise<SuperOfficeSandbox> {
  const { model, privateKeyPem } = authModel(settings.auth);
  const emulator = await startSuperOfficeEmulator({
    port: settings.port,
    ...(model === undefined ? { tokens: [DEMO_TOKEN] } : { auth: model }),
  });
  seedDemoData(emulator);
  const environment = ['CRM=superoffice', `SUPEROFFICE_URL=${emulator.baseUrl}`];
  switch (settings.auth) {
    case 'none':
      environment.push('SUPEROFFICE_AUTH=ticket', `SUPEROFFICE_TICKET=${DEMO_TOKEN}`);
      break;
    case 'ticket':
      environment.push('SUPEROFFICE_AUTH=ticket', `SUPEROFFICE_TICKET=${DEMO_TICKET}`);
      break;
    case 'basic':
      environment.push(
        'SUPEROFFICE_AUTH=basic',
        `SUPEROFFICE_USERNAME=${DEMO_USER.username}`,
        `SUPEROFFICE_PASSWORD=${DEMO_USER.password}`,
      );
      break;
    case 'system_user': {
      // The key stays on this machine, readable by its owner only, in a fresh temp directory.
      const directory = mkdtempSync(join(tmpdir(), 'superoffice-sandbox-'));
      const keyFile = join(directory, 'application-private-key.pem');
      writeFileSync(keyFile, privateKeyPem ?? '', { mode: 0o600 });
      environment.push(
        'SUPEROFFICE_AUTH=system_user',
        `SUPEROFFICE_CLIENT_ID=${DEMO_CLIENT_ID}`,
        `SUPEROFFICE_CLIENT_SECRET=${DEMO_CLIENT_SECRET}`,
        `SUPEROFFICE_PRIVATE_KEY_FILE=${keyFile}`,
        `SUPEROFFICE_SYSTEM_USER_TOKEN=${DEMO_SYSTEM_USER_TOKEN}`,
        `SUPEROFFICE_LOGIN_URL=${emulator.loginUrl ?? ''}`,
      );
      break;
    }
  }
  return { emulator, environment };
}

function authModel(auth: SuperOfficeSandboxAuth): {
  model: SuperOfficeAuthModel | undefined;
  privateKeyPem: string | undefined;
} {
  switch (auth) {
    case 'none':
      return { model: undefined, privateKeyPem: undefined };
    case 'ticket':
      return { model: { kind: 'onsite', tickets: [DEMO_TICKET] }, privateKeyPem: undefined };
    case 'basic':
      return { model: { kind: 'onsite', users: [DEMO_USER] }, privateKeyPem: undefined };
    case 'system_user': {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      return {
        model: {
          kind: 'online',
          applications: [{ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET, publicKeyPem }],
          systemUsers: [{ systemUserToken: DEMO_SYSTEM_USER_TOKEN, clientId: DEMO_CLIENT_ID }],
        },
        privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      };
    }
  }
}
