import { z } from 'zod';
import {
  DEFAULT_NOTE_LANGUAGE,
  NOTE_LANGUAGES,
  parseHistoryTypeMap,
  type HistoryTypeMap,
  type NoteLanguage,
} from '../../core';
import { DEFAULT_HISTORY_TYPE, type ReceiverConfig, type SettingsFromEnv } from '../config/loadConfig';
import type { CrmConnector } from '../../crm/crmConnector';
import type { RequestBudget } from '../../crm/requestBudget';
import type { SuperOfficeConnectorOptions } from '../../superoffice-addon';
import type { Logger } from '../observability/logger';
import type { SettingsStore } from '../store/ports/settingsStore';
import {
  SettingsError,
  type ConnectionSettingsService,
  type LimeConnectionSettings,
  type SettingName,
  type SettingsInput,
  type SettingsView,
} from './connectionSettings';
import {
  createConnectorInEffect,
  credentialsStayWithHost,
  deliverOptionsOf,
  hintOf,
  openSavedSecret,
  readCaFile,
  SET_SECRET_KEY_TO_SAVE,
} from './connectorInEffect';
import { validateSettingsInput } from './validateSettings';
import { sealSecret } from '../secrets/secretBox';

/** What a connector is built from: the settings in effect plus the TLS options of the environment. */
export interface ConnectorOptions {
  baseUrl: string;
  apiKey: string;
  historyType: string;
  /** `HISTORY_TYPE_MAP`: the history type by the meeting's medium or conversation type. */
  historyTypeMap?: HistoryTypeMap | undefined;
  /** `LINK_DEAL`: the data model is checked for `history.deal` (DeliverOptions.linkDeal links per delivery). */
  linkDeal?: boolean | undefined;
  /** PEM of `LIME_CA_FILE`, when set. */
  ca?: string | undefined;
  rejectUnauthorized: boolean;
  /** The request budget of the connection's origin (LIME_RATE_LIMIT); none when it is off. */
  budget?: RequestBudget | undefined;
}

export type ClosableConnector = CrmConnector & { close(): Promise<void> };

/**
 * Builds the CRM connector for a set of options. Injected by the composition root (main.ts, the demo), so the
 * settings code never knows which CRM adapter it is.
 */
export type MakeConnector = (options: ConnectorOptions) => ClosableConnector;

/** The options of the CRM in effect (`CRM`): Lime's or SuperOffice's. */
export type CrmConnectorOptions =
  ({ crm: 'lime' } & ConnectorOptions) | ({ crm: 'superoffice' } & SuperOfficeConnectorOptions);

/** Builds the connector of the CRM in effect (main.ts builds LimeConnector or SuperOfficeConnector). */
export type MakeCrmConnector = (options: CrmConnectorOptions) => ClosableConnector;

/** The service as its owner (startReceiver) holds it: `close` closes the connector in use. */
export interface OwnedConnectionSettingsService extends ConnectionSettingsService {
  close(): Promise<void>;
}

/** The store keys the settings live under. The API key is stored sealed (secretBox), never in clear. */
const KEYS = {
  url: 'lime.url',
  apiKey: 'lime.apiKey',
  historyType: 'lime.historyType',
  createMissingContacts: 'lime.createMissingContacts',
  internalDomains: 'lime.internalDomains',
  companyNotes: 'lime.companyNotes',
  noteLanguage: 'lime.noteLanguage',
  linkDeal: 'lime.linkDeal',
  historyTypeMap: 'lime.historyTypeMap',
} as const satisfies Record<SettingName, string>;

/** Each stored value as the service wrote it; anything else is ignored with a warning. */
const storedSchemas = {
  url: z.string().min(1),
  apiKey: z.string().min(1),
  historyType: z.string().min(1),
  createMissingContacts: z.boolean(),
  internalDomains: z.array(z.string()),
  companyNotes: z.boolean(),
  noteLanguage: z.enum(NOTE_LANGUAGES),
  linkDeal: z.boolean(),
  historyTypeMap: z.string(),
} as const satisfies Record<SettingName, z.ZodType>;

interface StoredSettings {
  url?: string | undefined;
  /** Sealed with SECRET_KEY. */
  sealedApiKey?: string | undefined;
  historyType?: string | undefined;
  createMissingContacts?: boolean | undefined;
  internalDomains?: string[] | undefined;
  companyNotes?: boolean | undefined;
  noteLanguage?: NoteLanguage | undefined;
  linkDeal?: boolean | undefined;
  historyTypeMap?: string | undefined;
}

interface EffectiveSettings {
  url?: string | undefined;
  apiKey?: string | undefined;
  historyType: string;
  createMissingContacts: boolean;
  internalDomains: string[];
  companyNotes: boolean;
  noteLanguage: NoteLanguage;
  linkDeal: boolean;
  /** As text (the page's) and read (the connector's). */
  historyTypeMap: string;
  historyTypes: HistoryTypeMap;
}

/**
 * The Lime connection as the environment and the admin pages configure it together (see ConnectionSettingsService).
 * Reads the saved settings and opens the saved API key once, at start: a key that SECRET_KEY does not open stops
 * the start with a ConfigError naming SECRET_KEY, rather than running with a garbled key.
 */
export async function createConnectionSettingsService(deps: {
  store: SettingsStore;
  config: ReceiverConfig;
  /** `SECRET_KEY`: seals the API key saved on the admin pages. */
  secretKey?: Buffer | undefined;
  makeConnector: MakeConnector;
  logger: Logger;
  /** Called after the settings changed (save, disconnect): the worker looks for work, the connection is checked. */
  onChange?: (() => void) | undefined;
}): Promise<OwnedConnectionSettingsService> {
  const { store, config, secretKey, makeConnector, logger } = deps;
  const env = config.settingsFromEnv ?? fromLegacyConfig(config);
  const tls = config.limeTls ?? { caFile: config.lime?.caFile, rejectUnauthorized: config.lime?.rejectUnauthorized };
  const ca = tls.caFile === undefined ? undefined : readCaFile(tls.caFile, 'LIME_CA_FILE');

  let stored = parseStored(await store.readSettings(), logger);
  let storedApiKey = env.apiKey === undefined ? openStoredKey(stored.sealedApiKey, secretKey) : undefined;

  const locked = (Object.keys(KEYS) as SettingName[]).filter((name) => env[name] !== undefined);

  const effective = (): EffectiveSettings => ({
    url: env.url ?? stored.url,
    apiKey: env.apiKey ?? storedApiKey,
    historyType: env.historyType ?? stored.historyType ?? DEFAULT_HISTORY_TYPE,
    createMissingContacts: env.createMissingContacts ?? stored.createMissingContacts ?? false,
    internalDomains: env.internalDomains ?? stored.internalDomains ?? [],
    // COMPANY_NOTES when set, else the page's choice, else COMPANY_NOTES' default (on).
    companyNotes: env.companyNotes ?? stored.companyNotes ?? config.companyNotes ?? true,
    noteLanguage: env.noteLanguage ?? stored.noteLanguage ?? DEFAULT_NOTE_LANGUAGE,
    linkDeal: env.linkDeal ?? stored.linkDeal ?? false,
    historyTypeMap: env.historyTypeMap ?? stored.historyTypeMap ?? '',
    historyTypes: readMap(env.historyTypeMap ?? stored.historyTypeMap ?? ''),
  });

  const connectionOf = (settings: EffectiveSettings): ConnectorOptions | undefined =>
    settings.url === undefined || settings.apiKey === undefined
      ? undefined
      : {
          baseUrl: settings.url,
          apiKey: settings.apiKey,
          historyType: settings.historyType,
          ...(settings.historyTypes.length === 0 ? {} : { historyTypeMap: settings.historyTypes }),
          ...(settings.linkDeal ? { linkDeal: true } : {}),
          ca,
          rejectUnauthorized: tls.rejectUnauthorized ?? true,
        };

  const inEffect = createConnectorInEffect({
    optionsNow: () => connectionOf(effective()),
    makeConnector,
    sameConnection,
    logger,
  });
  await inEffect.rebuild();

  const service: OwnedConnectionSettingsService = {
    async view(): Promise<SettingsView> {
      const settings = effective();
      const view: LimeConnectionSettings = {
        url: settings.url,
        apiKeySet: settings.apiKey !== undefined,
        apiKeyHint: hintOf(settings.apiKey),
        historyType: settings.historyType,
        createMissingContacts: settings.createMissingContacts,
        internalDomains: [...settings.internalDomains],
        companyNotes: settings.companyNotes,
        noteLanguage: settings.noteLanguage,
        linkDeal: settings.linkDeal,
        historyTypeMap: settings.historyTypeMap,
      };
      return { settings: view, locked: [...locked], connected: inEffect.connector() !== undefined };
    },

    save: (input: SettingsInput) =>
      inEffect.serialized(async () => {
        const valid = validateSettingsInput(input, locked);
        // A stored API key does not follow the URL to another host (see credentialsStayWithHost).
        const refusal = credentialsStayWithHost({
          storedUrl: stored.url,
          newUrl: valid.url,
          secretsLeftStored: env.apiKey === undefined && storedApiKey !== undefined && valid.apiKey === undefined,
        });
        if (refusal !== undefined) throw new SettingsError('url', refusal);
        const values: Record<string, unknown> = {};
        if (valid.url !== undefined) values[KEYS.url] = valid.url;
        if (valid.apiKey !== undefined) {
          if (secretKey === undefined) {
            throw new SettingsError('apiKey', `The API key cannot be saved: ${SET_SECRET_KEY_TO_SAVE}`);
          }
          values[KEYS.apiKey] = sealSecret(valid.apiKey, secretKey);
        }
        if (valid.historyType !== undefined) values[KEYS.historyType] = valid.historyType;
        if (valid.createMissingContacts !== undefined) values[KEYS.createMissingContacts] = valid.createMissingContacts;
        if (valid.internalDomains !== undefined) values[KEYS.internalDomains] = valid.internalDomains;
        if (valid.companyNotes !== undefined) values[KEYS.companyNotes] = valid.companyNotes;
        if (valid.noteLanguage !== undefined) values[KEYS.noteLanguage] = valid.noteLanguage;
        if (valid.linkDeal !== undefined) values[KEYS.linkDeal] = valid.linkDeal;
        if (valid.historyTypeMap !== undefined) values[KEYS.historyTypeMap] = valid.historyTypeMap;

        await store.writeSettings(values);
        stored = {
          ...stored,
          ...(valid.url === undefined ? {} : { url: valid.url }),
          ...(valid.apiKey === undefined ? {} : { sealedApiKey: String(values[KEYS.apiKey]) }),
          ...(valid.historyType === undefined ? {} : { historyType: valid.historyType }),
          ...(valid.createMissingContacts === undefined ? {} : { createMissingContacts: valid.createMissingContacts }),
          ...(valid.internalDomains === undefined ? {} : { internalDomains: valid.internalDomains }),
          ...(valid.companyNotes === undefined ? {} : { companyNotes: valid.companyNotes }),
          ...(valid.noteLanguage === undefined ? {} : { noteLanguage: valid.noteLanguage }),
          ...(valid.linkDeal === undefined ? {} : { linkDeal: valid.linkDeal }),
          ...(valid.historyTypeMap === undefined ? {} : { historyTypeMap: valid.historyTypeMap }),
        };
        if (valid.apiKey !== undefined) storedApiKey = valid.apiKey;
        await inEffect.rebuild();
        logger.info(
          { changed: (Object.keys(KEYS) as SettingName[]).filter((name) => valid[name] !== undefined) },
          'connection settings saved',
        );
        deps.onChange?.();
      }),

    disconnect: () =>
      inEffect.serialized(async () => {
        await store.writeSettings({ [KEYS.url]: undefined, [KEYS.apiKey]: undefined });
        stored = { ...stored, url: undefined, sealedApiKey: undefined };
        storedApiKey = undefined;
        await inEffect.rebuild();
        logger.info({ connected: inEffect.connector() !== undefined }, 'stored Lime connection removed');
        deps.onChange?.();
      }),

    connector: () => inEffect.connector(),
    deliverOptions: () => deliverOptionsOf(config, effective()),
    testConnection: () => inEffect.testConnection(),
    lastCheck: () => inEffect.lastCheck(),
    close: () => inEffect.close(),
  };
  return service;
}

/** The stored settings, each parsed; a value that does not parse is left out (and logged without its content). */
function parseStored(raw: Record<string, unknown>, logger: Logger): StoredSettings {
  const read = <N extends SettingName>(name: N): z.infer<(typeof storedSchemas)[N]> | undefined => {
    const value = raw[KEYS[name]];
    if (value === undefined) return undefined;
    const parsed = storedSchemas[name].safeParse(value);
    if (parsed.success) return parsed.data as z.infer<(typeof storedSchemas)[N]>;
    logger.warn({ setting: KEYS[name] }, 'ignoring a stored setting that is not valid');
    return undefined;
  };
  return {
    url: read('url'),
    sealedApiKey: read('apiKey'),
    historyType: read('historyType'),
    createMissingContacts: read('createMissingContacts'),
    internalDomains: read('internalDomains'),
    companyNotes: read('companyNotes'),
    noteLanguage: read('noteLanguage'),
    linkDeal: read('linkDeal'),
    historyTypeMap: read('historyTypeMap'),
  };
}

/** A stored or environment map as the connector takes it (both were checked when written: never invalid here). */
function readMap(text: string): HistoryTypeMap {
  const read = parseHistoryTypeMap(text);
  return read.ok ? read.map : [];
}

function openStoredKey(sealed: string | undefined, secretKey: Buffer | undefined): string | undefined {
  if (sealed === undefined) return undefined;
  return openSavedSecret(sealed, secretKey, {
    keyNotSet:
      'SECRET_KEY is required (it is not set): a Lime API key saved on the admin pages is stored encrypted with it. ' +
      'Set SECRET_KEY to the key it was saved with; if that key is lost, set LIME_URL and LIME_API_KEY instead, ' +
      'then use Disconnect on the admin pages and save the connection again under a new SECRET_KEY.',
    damaged:
      'SECRET_KEY: the Lime API key saved on the admin pages is damaged in the store (not an encrypted value this ' +
      'receiver wrote). Set LIME_URL and LIME_API_KEY to start, then use Disconnect on the admin pages and save ' +
      'the connection again.',
    wrongKey:
      'SECRET_KEY does not decrypt the Lime API key saved on the admin pages: it is not the key the API key was saved with. ' +
      'Set that SECRET_KEY again; if it is lost, set LIME_URL and LIME_API_KEY instead (or use Disconnect and enter the key again).',
  });
}

/** Configurations built before `settingsFromEnv` existed: the Lime block and the domains are the environment's. */
function fromLegacyConfig(config: ReceiverConfig): SettingsFromEnv {
  return {
    url: config.lime?.url,
    apiKey: config.lime?.apiKey,
    historyType: config.lime?.historyType,
    createMissingContacts: config.lime?.createMissingContacts,
    internalDomains: config.internalDomains.length > 0 ? config.internalDomains : undefined,
  };
}

function sameConnection(a: ConnectorOptions, b: ConnectorOptions | undefined): boolean {
  return (
    b !== undefined &&
    a.baseUrl === b.baseUrl &&
    a.apiKey === b.apiKey &&
    a.historyType === b.historyType &&
    a.linkDeal === b.linkDeal &&
    JSON.stringify(a.historyTypeMap ?? []) === JSON.stringify(b.historyTypeMap ?? [])
  );
}
