import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/receiver/config/loadConfig';
import { makeCrmConnector } from '../../src/receiver/makeCrmConnector';
import { createLogger } from '../../src/receiver/observability/logger';
import { startReceiver, type RunningReceiver } from '../../src/receiver/startReceiver';
import type { DeliveryRow } from '../../src/receiver/store/receiverStore';
import {
  seedDemoData,
  startSuperOfficeEmulator,
  type DemoDataIds,
  type SuperOfficeAuthModel,
  type SuperOfficeEmulator,
} from '../../src/sandbox/superoffice';
import { ADMIN_PASSWORD, SECRET_KEY } from './adminHarness';
import { sendSigned } from './limeReceiver';
import { buildParticipant, buildPayload } from './payloads';
import { waitFor } from './waitFor';

// The receiver as main.ts builds it for CRM=superoffice, configured by the environment only, against an emulated
// SuperOffice Online tenant that authenticates as SuperOffice documents it (tenantAuthentication.ts): one registered
// application with its key pair, one system user token from an administrator's consent.

export const SO_WEBHOOK_SECRET = 'so-receiver-test-secret';
export const SO_CLIENT_ID = 'c0ffee00d1c1a2b3c4d5e6f708192a3b';
export const SO_CLIENT_SECRET = 'client-secret-4d9e2f-never-shown';
export const SO_SYSTEM_USER_TOKEN = 'DCI CRM Companion-sut-8Hq2ZxWv';
const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const SO_PRIVATE_KEY = keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** An Online tenant with the demo data, a data directory, and the receivers started on them. */
export interface OnlineScene {
  so: SuperOfficeEmulator;
  ids: DemoDataIds;
  dataDir: string;
  /** The system user's variables, as docs/receiver.md lists them. */
  systemUserEnv(): Record<string, string>;
  /** Starts the receiver with CRM=superoffice, SUPEROFFICE_URL and `env` (admin pages on). */
  start(env: Record<string, string>): Promise<RunningReceiver>;
  close(): Promise<void>;
}

/**
 * `auth`: another tenant model instead of the Online one (e.g. `{ kind: 'onsite', tickets }`); the system user's
 * variables then name credentials that tenant does not know.
 */
export async function startOnlineScene(auth?: SuperOfficeAuthModel): Promise<OnlineScene> {
  const dataDir = mkdtempSync(join(tmpdir(), 'so-receiver-'));
  const keyFile = join(dataDir, 'superoffice-app.pem');
  writeFileSync(keyFile, SO_PRIVATE_KEY, { mode: 0o600 });
  const so = await startSuperOfficeEmulator({
    auth: auth ?? {
      kind: 'online',
      applications: [
        {
          clientId: SO_CLIENT_ID,
          clientSecret: SO_CLIENT_SECRET,
          publicKeyPem: keyPair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
      ],
      systemUsers: [{ systemUserToken: SO_SYSTEM_USER_TOKEN, clientId: SO_CLIENT_ID }],
    },
  });
  const ids = seedDemoData(so);
  const receivers: RunningReceiver[] = [];
  return {
    so,
    ids,
    dataDir,
    systemUserEnv: () => ({
      SUPEROFFICE_AUTH: 'system_user',
      SUPEROFFICE_CLIENT_ID: SO_CLIENT_ID,
      SUPEROFFICE_CLIENT_SECRET: SO_CLIENT_SECRET,
      SUPEROFFICE_PRIVATE_KEY_FILE: keyFile,
      SUPEROFFICE_SYSTEM_USER_TOKEN: SO_SYSTEM_USER_TOKEN,
      SUPEROFFICE_LOGIN_URL: so.loginUrl ?? '',
    }),
    async start(env) {
      const config = loadConfig({
        PORT: '0',
        DATA_DIR: dataDir,
        DCI_WEBHOOK_SECRETS: SO_WEBHOOK_SECRET,
        ADMIN_PASSWORD,
        SECRET_KEY,
        CRM: 'superoffice',
        SUPEROFFICE_URL: so.baseUrl,
        INTERNAL_EMAIL_DOMAINS: 'seller.se',
        ...env,
      });
      const receiver = await startReceiver(config, {
        logger: createLogger('silent'),
        // main.ts's factory: the CRM in effect picks the connector.
        makeCrmConnector,
        host: '127.0.0.1',
      });
      receivers.push(receiver);
      return receiver;
    },
    async close() {
      await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
      await so.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A signed meeting with Anna and Erik (both matched by e-mail), acknowledged with 202. */
export async function sendMeeting(receiver: RunningReceiver, conversationId: string): Promise<void> {
  const payload = buildPayload({
    id: conversationId,
    participants: [
      buildParticipant({ email: 'anna.andersson@acme.se' }),
      buildParticipant({ name: 'Erik Ek', email: 'erik.ek@fjallbo.se', company: 'Fjällbo' }),
    ],
  });
  const status = await sendSigned(receiver, payload, SO_WEBHOOK_SECRET);
  if (status !== 202) throw new Error(`the webhook answered ${status}`);
}

/** The delivery once it has settled (delivered, retrying or dead), so a wrong outcome shows its error. */
export async function settledDelivery(
  receiver: RunningReceiver,
  conversationId: string,
  statuses: readonly string[] = ['delivered', 'retrying', 'dead'],
  timeoutMs = 20_000,
): Promise<DeliveryRow> {
  const row = async () => (await receiver.store.listDeliveries({ search: conversationId, limit: 1 }))[0];
  await waitFor(
    async () => statuses.includes((await row())?.status ?? ''),
    timeoutMs,
    `the delivery of ${conversationId} to be ${statuses.join(' or ')}`,
  );
  const found = await row();
  if (found === undefined) throw new Error(`no delivery for ${conversationId}`);
  return found;
}
