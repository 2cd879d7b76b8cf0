import { createHash } from 'node:crypto';
import { resolveDciMode, type DciConfig, type DciMode } from '../config/loadConfig';
import type { DciApi, DciRequestBudget } from '../../dci-api/dciApi';
import { testDciConnection, type DciConnectionCheck } from '../../dci-api/testDciConnection';
import type { Logger } from '../observability/logger';
import type { RateBuckets } from '../store/ports/rateBuckets';
import type { SettingsStore } from '../store/ports/settingsStore';
import { openSecret, sealSecret, SecretBoxError } from '../secrets/secretBox';
import { ConfigError } from '../config/loadConfig';

/** What a DCI REST client is built from. */
export interface DciApiOptions {
  baseUrl: string;
  token: string;
  budget: DciRequestBudget;
}

/** Builds the REST client (injected by the composition root, like the CRM connector). */
export type MakeDciApi = (options: DciApiOptions) => DciApi;

/** DCI's side of the connection as the admin pages show it: never the token itself. */
export interface DciSettingsView {
  url?: string | undefined;
  tokenSet: boolean;
  /** The token's first characters (`mt_ab12…`), as DCI lists tokens. */
  tokenHint?: string | undefined;
  mode: DciMode;
  /** Set by the environment: shown, not editable. */
  locked: Array<'url' | 'token'>;
}

/** An invalid DCI setting, by field: shown next to it. */
export class DciSettingsError extends Error {
  readonly field: 'url' | 'token';
  constructor(field: 'url' | 'token', message: string) {
    super(message);
    this.name = 'DciSettingsError';
    this.field = field;
  }
}

/** The DCI REST API connection: environment first (locked), else what the admin pages saved (the token sealed). */
export interface DciSettings {
  view(): DciSettingsView;
  /** The REST client for the settings in effect, or undefined while no URL and token are set. */
  api(): DciApi | undefined;
  /** The mode in effect now (a token saved on the admin pages can turn `webhook` into `both`). */
  mode(): DciMode;
  save(input: { url?: string | undefined; token?: string | undefined }): Promise<void>;
  /** Removes the saved URL and token. */
  clear(): Promise<void>;
  /** Runs Test connection for DCI now and remembers the result; undefined while no URL and token are set. */
  testConnection(signal?: AbortSignal): Promise<DciConnectionCheck | undefined>;
  /** The last DCI Test connection result, with when it ran. */
  lastCheck(): (DciConnectionCheck & { at: Date }) | undefined;
}

const KEYS = { url: 'dci.url', token: 'dci.apiToken' } as const;

/** The rate bucket's key: per token (DCI limits each token), without revealing it. */
export function rateBucketKey(token: string): string {
  return `dci:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

export async function createDciSettings(deps: {
  store: SettingsStore & RateBuckets;
  config: { dci: DciConfig; webhookSecrets: readonly string[] };
  secretKey?: Buffer | undefined;
  /** Without it the receiver never calls DCI: `api()` stays undefined whatever is configured. */
  makeApi?: MakeDciApi | undefined;
  logger: Logger;
  onChange?: (() => void) | undefined;
}): Promise<DciSettings> {
  const { store, config, secretKey, makeApi, logger } = deps;
  const env = { url: config.dci.apiUrl, token: config.dci.apiToken };
  const locked = (['url', 'token'] as const).filter((name) => env[name] !== undefined);
  const saved = await store.readSettings();
  const savedUrl = saved[KEYS.url];
  let storedUrl = typeof savedUrl === 'string' ? savedUrl : undefined;
  let storedToken: string | undefined;
  const sealed = saved[KEYS.token];
  if (typeof sealed === 'string' && env.token === undefined) {
    if (secretKey === undefined) {
      throw new ConfigError(['SECRET_KEY: a DCI API token is saved (admin pages) and SECRET_KEY is needed to open it']);
    }
    try {
      storedToken = openSecret(sealed, secretKey);
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      throw new ConfigError([
        'SECRET_KEY: does not open the saved DCI API token (was SECRET_KEY changed?); set the key it was saved with',
      ]);
    }
  }

  let api: DciApi | undefined;
  let lastCheck: (DciConnectionCheck & { at: Date }) | undefined;
  const rebuild = () => {
    lastCheck = undefined;
    const url = env.url ?? storedUrl;
    const token = env.token ?? storedToken;
    if (url === undefined || token === undefined || makeApi === undefined) {
      api = undefined;
      return;
    }
    const key = rateBucketKey(token);
    const perMinute = config.dci.ratePerMinute;
    api = makeApi({
      baseUrl: url,
      token,
      budget: {
        take: (now) => store.takeRateToken({ key, now, perMinute }),
        pauseUntil: (until) => store.pauseRateBucket({ key, until }),
      },
    });
  };
  rebuild();

  const mode = () =>
    resolveDciMode(config.dci, {
      secrets: config.webhookSecrets.length > 0,
      token: (env.token ?? storedToken) !== undefined,
    });

  return {
    view: () => {
      const token = env.token ?? storedToken;
      return {
        url: env.url ?? storedUrl,
        tokenSet: token !== undefined,
        tokenHint: token === undefined ? undefined : `${token.slice(0, Math.min(7, token.length - 4))}…`,
        mode: mode(),
        locked: [...locked],
      };
    },
    api: () => api,
    mode,
    async save(input) {
      const values: Record<string, unknown> = {};
      const url = input.url?.trim();
      if (url !== undefined && url !== '' && !locked.includes('url')) {
        if (!/^https?:\/\/[^\s/?#]+[^\s?#]*$/iu.test(url)) {
          throw new DciSettingsError(
            'url',
            "The DCI API URL must be the http(s) base of DCI's REST API, ending in /api/v1/rest.",
          );
        }
        values[KEYS.url] = url.replace(/\/+$/u, '');
      }
      const token = input.token?.trim();
      if (token !== undefined && token !== '' && !locked.includes('token')) {
        if (!/^\S{8,512}$/u.test(token)) {
          throw new DciSettingsError('token', 'The DCI API token is one word (DCI shows it once, starting with mt_).');
        }
        if (secretKey === undefined) {
          throw new DciSettingsError(
            'token',
            'The DCI API token cannot be saved: set SECRET_KEY (32 bytes, e.g. `openssl rand -hex 32`) so it is stored encrypted, and restart.',
          );
        }
        values[KEYS.token] = sealSecret(token, secretKey);
      }
      // A saved token goes only to the host it was saved for: a new host needs the token typed again.
      const newUrl = values[KEYS.url];
      const hostChanges = typeof newUrl === 'string' && hostOf(newUrl) !== hostOf(env.url ?? storedUrl);
      if (hostChanges && values[KEYS.token] === undefined && env.token === undefined && storedToken !== undefined) {
        throw new DciSettingsError(
          'token',
          'Enter the DCI API token again for the new address: a saved token is only sent to the host it was saved for.',
        );
      }
      if (Object.keys(values).length === 0) return;
      await store.writeSettings(values);
      if (values[KEYS.url] !== undefined) storedUrl = String(values[KEYS.url]);
      if (token !== undefined && values[KEYS.token] !== undefined) storedToken = token;
      rebuild();
      logger.info({ changed: Object.keys(values) }, 'DCI settings saved');
      deps.onChange?.();
    },
    async testConnection(signal) {
      if (api === undefined) return undefined;
      const check = await testDciConnection(api, signal);
      lastCheck = { ...check, at: new Date() };
      return check;
    },
    lastCheck: () => lastCheck,
    async clear() {
      await store.writeSettings({ [KEYS.url]: undefined, [KEYS.token]: undefined });
      storedUrl = undefined;
      storedToken = undefined;
      rebuild();
      logger.info('DCI settings removed');
      deps.onChange?.();
    },
  };
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}
