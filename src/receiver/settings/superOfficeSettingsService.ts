import { DEFAULT_NOTE_LANGUAGE, isNoteLanguage } from '../../core';
import type { SuperOfficeConnectorOptions, SuperOfficeCredentials } from '../../superoffice-addon';
import { formatHistoryTypeMap, parseHistoryTypeMap, type HistoryTypeMap } from '../../core';
import type { ReceiverConfig } from '../config/loadConfig';
import {
  DEFAULT_TASK_TYPE,
  isAssociateId,
  isHttpUrl,
  isPrivateKeyPem,
  type SuperOfficeSettingsFromEnv,
} from '../config/superOfficeConfig';
import type { Logger } from '../observability/logger';
import { sealSecret } from '../secrets/secretBox';
import type { SettingsStore } from '../store/ports/settingsStore';
import type { SettingsView } from './connectionSettings';
import type { MakeCrmConnector, OwnedConnectionSettingsService } from './connectionSettingsService';
import {
  createConnectorInEffect,
  credentialsStayWithHost,
  deliverOptionsOf,
  hintOf,
  openSavedSecret,
  readCaFile,
  SET_SECRET_KEY_TO_SAVE,
} from './connectorInEffect';
import {
  FIELDS_OF,
  SUPEROFFICE_LABEL,
  SUPEROFFICE_PLAIN,
  SUPEROFFICE_SECRETS,
  SuperOfficeSettingsError,
  type SuperOfficeConnectionSettings,
  type SuperOfficeSecretName,
  type SuperOfficeSettingName,
  type SuperOfficeSettingsAccess,
  type SuperOfficeSettingsInput,
  type SuperOfficeSettingsView,
} from './superOfficeSettings';
import { validDomains, validHistoryTypeMap } from './validateSettings';

type SuperOfficeOptions = { crm: 'superoffice' } & SuperOfficeConnectorOptions;

/** Store keys: `superoffice.<setting>`; the secrets' values are sealed (secretBox), never in clear. */
const key = (name: SuperOfficeSettingName) => `superoffice.${name}`;

type Values = Partial<Record<SuperOfficeSettingName, unknown>>;

/**
 * The SuperOffice connection as SUPEROFFICE_* variables and the admin pages configure it together: the environment
 * wins (locked on the page), stored settings fill the rest, the secrets sealed with SECRET_KEY like Lime's API key.
 * Serves the same port as Lime's service, so the worker, the overview and the CLI need not know the CRM; the
 * SuperOffice page uses `superOffice`.
 */
export async function createSuperOfficeSettingsService(deps: {
  store: SettingsStore;
  config: ReceiverConfig;
  secretKey?: Buffer | undefined;
  makeConnector: MakeCrmConnector;
  logger: Logger;
  onChange?: (() => void) | undefined;
}): Promise<OwnedConnectionSettingsService & { superOffice: SuperOfficeSettingsAccess }> {
  const { store, config, secretKey, makeConnector, logger } = deps;
  const environment = config.superOffice ?? { settings: {}, tls: { rejectUnauthorized: true } };
  const env: SuperOfficeSettingsFromEnv = {
    ...environment.settings,
    companyNotes: config.settingsFromEnv?.companyNotes,
    // LINK_DEAL and HISTORY_TYPE_MAP are the receiver's, whichever the CRM: set there, they lock this page's fields.
    ...(config.linkDeal === undefined ? {} : { linkDeal: config.linkDeal }),
    ...(config.historyTypeMap === undefined ? {} : { historyTypeMap: formatHistoryTypeMap(config.historyTypeMap) }),
  };
  const ca =
    environment.tls.caFile === undefined ? undefined : readCaFile(environment.tls.caFile, 'SUPEROFFICE_CA_FILE');
  const locked = [...SUPEROFFICE_PLAIN, ...SUPEROFFICE_SECRETS].filter((name) => env[name] !== undefined);

  // Secrets from the environment are never stored; stored ones are opened once, here (a wrong SECRET_KEY stops the start).
  let stored = readStored(await store.readSettings(), secretKey, logger);

  const value = <N extends SuperOfficeSettingName>(name: N): unknown => env[name] ?? stored[name];
  const text = (name: SuperOfficeSettingName) => {
    const found = value(name);
    return typeof found === 'string' && found !== '' ? found : undefined;
  };
  const effective = (): SuperOfficeConnectionSettings => {
    const associate = value('defaultAssociateId');
    const auth = text('auth');
    const noteLanguage = value('noteLanguage');
    return {
      url: text('url'),
      auth: auth === 'basic' || auth === 'ticket' || auth === 'system_user' ? auth : undefined,
      username: text('username'),
      clientId: text('clientId'),
      loginUrl: text('loginUrl'),
      taskType: text('taskType') ?? DEFAULT_TASK_TYPE,
      defaultAssociateId: typeof associate === 'number' ? associate : undefined,
      createMissingContacts: value('createMissingContacts') === true,
      internalDomains: (value('internalDomains') as string[] | undefined) ?? [],
      // COMPANY_NOTES when set, else the page's choice, else COMPANY_NOTES' default (on).
      companyNotes: (value('companyNotes') as boolean | undefined) ?? config.companyNotes ?? true,
      noteLanguage: isNoteLanguage(noteLanguage) ? noteLanguage : DEFAULT_NOTE_LANGUAGE,
      linkDeal: value('linkDeal') === true,
      historyTypeMap: text('historyTypeMap') ?? '',
      secrets: Object.fromEntries(
        SUPEROFFICE_SECRETS.map((name) => [
          name,
          { set: text(name) !== undefined, hint: name === 'password' ? undefined : hintOf(text(name)) },
        ]),
      ) as SuperOfficeConnectionSettings['secrets'],
    };
  };

  const missing = (settings: SuperOfficeConnectionSettings): SuperOfficeSettingName[] => {
    const needed: SuperOfficeSettingName[] = [];
    if (settings.url === undefined) needed.push('url');
    if (settings.auth === undefined) return [...needed, 'auth'];
    for (const name of FIELDS_OF[settings.auth]) {
      if (name === 'appToken' || name === 'loginUrl') continue;
      if (text(name) === undefined) needed.push(name);
    }
    return needed;
  };

  const credentialsOf = (settings: SuperOfficeConnectionSettings): SuperOfficeCredentials | undefined => {
    if (missing(settings).length > 0) return undefined;
    const secret = (name: SuperOfficeSecretName) => text(name) ?? '';
    switch (settings.auth) {
      case 'basic':
        return { kind: 'basic', username: settings.username ?? '', password: secret('password') };
      case 'ticket':
        return { kind: 'ticket', ticket: secret('ticket'), appToken: text('appToken') };
      case 'system_user':
        return {
          kind: 'system_user',
          clientId: settings.clientId ?? '',
          clientSecret: secret('clientSecret'),
          privateKeyPem: secret('privateKey'),
          systemUserToken: secret('systemUserToken'),
          loginUrl: settings.loginUrl,
        };
      default:
        return undefined;
    }
  };

  const connectionOf = (settings: SuperOfficeConnectionSettings): SuperOfficeOptions | undefined => {
    const credentials = credentialsOf(settings);
    if (credentials === undefined || settings.url === undefined) return undefined;
    return {
      crm: 'superoffice',
      baseUrl: settings.url,
      credentials,
      taskTypeName: settings.taskType,
      ...(settings.historyTypeMap === '' ? {} : { taskTypeMap: readMap(settings.historyTypeMap) }),
      ...(settings.linkDeal ? { linkSale: true } : {}),
      defaultAssociateId: settings.defaultAssociateId,
      ca,
      rejectUnauthorized: environment.tls.rejectUnauthorized,
    };
  };

  const inEffect = createConnectorInEffect<SuperOfficeOptions>({
    optionsNow: () => connectionOf(effective()),
    makeConnector,
    sameConnection: (before, after) => JSON.stringify(before) === JSON.stringify(after),
    logger,
  });

  await inEffect.rebuild();

  /**
   * Refuses a save that moves the WebAPI URL or the login service URL to another host while stored secrets of the
   * chosen sign-in would go there without being entered again (see credentialsStayWithHost). Returns the stored
   * secrets of the other sign-ins, which the save clears: they too were given for the old host, and would follow
   * the URL the day the sign-in is switched back.
   */
  const secretsLeftBehind = (valid: Values): SuperOfficeSecretName[] => {
    const storedSecret = (name: SuperOfficeSecretName) =>
      !locked.includes(name) && typeof stored[name] === 'string' && valid[name] === undefined;
    const auth = (valid.auth ?? text('auth')) as keyof typeof FIELDS_OF | undefined;
    const ofAuth = (names: readonly SuperOfficeSettingName[]) =>
      SUPEROFFICE_SECRETS.filter((name) => names.includes(name) && storedSecret(name));
    const chosen = auth === undefined || !(auth in FIELDS_OF) ? [] : ofAuth(FIELDS_OF[auth]);
    const checks: [SuperOfficeSettingName, string | undefined, readonly SuperOfficeSecretName[]][] = [
      ['url', typeof stored.url === 'string' ? stored.url : undefined, chosen],
      // The login service receives the client secret, the signed system user token (system user sign-in only).
      [
        'loginUrl',
        typeof stored.loginUrl === 'string' ? stored.loginUrl : undefined,
        auth === 'system_user' ? chosen : [],
      ],
    ];
    let moved = false;
    for (const [field, storedUrl, secrets] of checks) {
      const newUrl = typeof valid[field] === 'string' ? valid[field] : undefined;
      const refusal = credentialsStayWithHost({ storedUrl, newUrl, secretsLeftStored: secrets.length > 0 });
      if (refusal !== undefined) throw new SuperOfficeSettingsError(field, refusal);
      if (credentialsStayWithHost({ storedUrl, newUrl, secretsLeftStored: true }) !== undefined) moved = true;
    }
    return moved ? SUPEROFFICE_SECRETS.filter((name) => storedSecret(name) && !chosen.includes(name)) : [];
  };

  const superOffice: SuperOfficeSettingsAccess = {
    view: (): SuperOfficeSettingsView => {
      const settings = effective();
      return {
        settings,
        locked: [...locked],
        connected: inEffect.connector() !== undefined,
        missing: missing(settings).map((name) => SUPEROFFICE_LABEL[name]),
      };
    },
    save: (input: SuperOfficeSettingsInput) =>
      inEffect.serialized(async () => {
        const valid = validateInput(input, locked);
        const secrets = SUPEROFFICE_SECRETS.filter((name) => valid[name] !== undefined);
        if (secrets.length > 0 && secretKey === undefined) {
          throw new SuperOfficeSettingsError(
            secrets[0] ?? 'password',
            `${capitalized(SUPEROFFICE_LABEL[secrets[0] ?? 'password'])} cannot be saved: ${SET_SECRET_KEY_TO_SAVE}`,
          );
        }
        const leftBehind = secretsLeftBehind(valid);
        const values: Record<string, unknown> = {};
        for (const name of leftBehind) values[key(name)] = undefined;
        for (const [name, given] of Object.entries(valid) as [SuperOfficeSettingName, unknown][]) {
          const sealed = (SUPEROFFICE_SECRETS as readonly string[]).includes(name) && secretKey !== undefined;
          values[key(name)] = sealed ? sealSecret(String(given), secretKey) : given;
        }
        await store.writeSettings(values);
        for (const name of leftBehind) delete stored[name];
        stored = { ...stored, ...valid };
        await inEffect.rebuild();
        logger.info({ changed: Object.keys(valid) }, 'SuperOffice connection settings saved');
        deps.onChange?.();
      }),
    disconnect: () =>
      inEffect.serialized(async () => {
        const removed: SuperOfficeSettingName[] = [
          'url',
          'auth',
          'username',
          'clientId',
          'loginUrl',
          ...SUPEROFFICE_SECRETS,
        ];
        await store.writeSettings(Object.fromEntries(removed.map((name) => [key(name), undefined])));
        for (const name of removed) delete stored[name];
        await inEffect.rebuild();
        logger.info({ connected: inEffect.connector() !== undefined }, 'stored SuperOffice connection removed');
        deps.onChange?.();
      }),
  };

  return {
    crm: 'superoffice',
    superOffice,
    // Lime's view shape, for the overview and the CLI: "a key is set" reads "the credentials are complete".
    view(): Promise<SettingsView> {
      const settings = effective();
      return Promise.resolve({
        settings: {
          url: settings.url,
          apiKeySet: missing(settings).length === 0,
          historyType: settings.taskType,
          createMissingContacts: settings.createMissingContacts,
          internalDomains: [...settings.internalDomains],
          companyNotes: settings.companyNotes,
          noteLanguage: settings.noteLanguage,
          linkDeal: settings.linkDeal,
          historyTypeMap: settings.historyTypeMap,
        },
        locked: [],
        connected: inEffect.connector() !== undefined,
      });
    },
    save: () => Promise.reject(new Error('CRM=superoffice: save SuperOffice settings through `superOffice.save`')),
    disconnect: () => superOffice.disconnect(),
    connector: () => inEffect.connector(),
    deliverOptions: () => deliverOptionsOf(config, effective()),
    testConnection: () => inEffect.testConnection(),
    lastCheck: () => inEffect.lastCheck(),
    close: () => inEffect.close(),
  };
}

/** The stored settings, the secrets opened; a value of the wrong type is ignored with a warning (without its content). */
function readStored(raw: Record<string, unknown>, secretKey: Buffer | undefined, logger: Logger): Values {
  const values: Values = {};
  for (const name of SUPEROFFICE_PLAIN) {
    const found = raw[key(name)];
    if (found === undefined) continue;
    const expected =
      name === 'defaultAssociateId'
        ? 'number'
        : name === 'createMissingContacts' || name === 'companyNotes' || name === 'linkDeal'
          ? 'boolean'
          : name === 'internalDomains'
            ? 'object'
            : 'string';
    const valid =
      expected === 'object'
        ? Array.isArray(found) && found.every((each) => typeof each === 'string')
        : name === 'noteLanguage'
          ? isNoteLanguage(found)
          : typeof found === expected;
    if (valid) values[name] = found;
    else logger.warn({ setting: key(name) }, 'ignoring a stored setting that is not valid');
  }
  for (const name of SUPEROFFICE_SECRETS) {
    const sealed = raw[key(name)];
    if (typeof sealed !== 'string') continue;
    const wrongKey =
      `SECRET_KEY does not decrypt ${SUPEROFFICE_LABEL[name]} of the SuperOffice connection saved on the admin pages: it is not the key it was saved with (or the stored value is damaged). ` +
      'Set that SECRET_KEY again; if it is lost, set the SUPEROFFICE_* variables instead (or use Disconnect and enter the credentials again).';
    values[name] = openSavedSecret(sealed, secretKey, {
      keyNotSet:
        `SECRET_KEY is required (it is not set): ${SUPEROFFICE_LABEL[name]} of the SuperOffice connection saved on the admin pages is stored encrypted with it. ` +
        'Set SECRET_KEY to the key it was saved with; if that key is lost, set the SUPEROFFICE_* variables instead, then use Disconnect on the admin pages.',
      damaged: wrongKey,
      wrongKey,
    });
  }
  return values;
}

/** Checks what the admin submitted (locked settings ignored); empty secrets and an empty URL keep the stored ones. */
export function validateInput(input: SuperOfficeSettingsInput, locked: readonly SuperOfficeSettingName[]): Values {
  const valid: Values = {};
  const open = (name: SuperOfficeSettingName) => !locked.includes(name) && input[name] !== undefined;
  const given = (name: SuperOfficeSettingName) => (typeof input[name] === 'string' ? input[name].trim() : '');
  if (open('url') && given('url') !== '') {
    if (!isHttpUrl(given('url'))) {
      throw new SuperOfficeSettingsError(
        'url',
        "Enter the tenant's WebAPI URL as a full URL, such as https://online3.superoffice.com/Cust12345 (Online) or https://crm.example.com/SuperOffice (Onsite).",
      );
    }
    valid.url = given('url');
  }
  if (open('auth')) {
    const auth = given('auth');
    if (auth !== 'basic' && auth !== 'ticket' && auth !== 'system_user') {
      throw new SuperOfficeSettingsError('auth', 'Choose how the receiver signs in to SuperOffice.');
    }
    valid.auth = auth;
  }
  for (const name of ['username', 'clientId'] as const) {
    if (open(name) && given(name) !== '') valid[name] = given(name);
  }
  if (open('loginUrl') && given('loginUrl') !== '') {
    if (!isHttpUrl(given('loginUrl'))) {
      throw new SuperOfficeSettingsError(
        'loginUrl',
        "Enter the login service's address as a full URL, or leave it empty.",
      );
    }
    valid.loginUrl = given('loginUrl');
  }
  for (const name of SUPEROFFICE_SECRETS) {
    // Secrets are taken as typed (a password may have spaces at its ends); a PEM keeps its line breaks.
    const raw = typeof input[name] === 'string' ? input[name] : '';
    if (!open(name) || raw.trim() === '') continue;
    if (name === 'privateKey') {
      if (!isPrivateKeyPem(raw)) {
        throw new SuperOfficeSettingsError(
          'privateKey',
          'That is not a PEM private key: paste the whole private key of the key pair registered with the application, from -----BEGIN to END-----.',
        );
      }
      valid[name] = raw.trim();
    } else if (name === 'password') valid[name] = raw;
    // A system user token is `NAME_OF_APP-<random>` [verified: SuperOfficeDocs
    // `docs/api/authentication/online/system-user/system-user-token.md`]; an application name may have spaces [inferred].
    else if (name !== 'systemUserToken' && /\s/u.test(raw.trim())) {
      throw new SuperOfficeSettingsError(
        name,
        `${capitalized(SUPEROFFICE_LABEL[name])} has spaces in it: paste it alone.`,
      );
    } else valid[name] = raw.trim();
  }
  if (open('taskType')) {
    if (given('taskType') === '')
      throw new SuperOfficeSettingsError('taskType', 'Choose the task type the appointments get.');
    valid.taskType = given('taskType');
  }
  if (open('defaultAssociateId')) {
    const text = given('defaultAssociateId');
    const id = text === '' ? 0 : Number(text);
    if (!isAssociateId(id)) {
      throw new SuperOfficeSettingsError(
        'defaultAssociateId',
        "Enter the default owner's associate id as a whole number (0 or empty: the WebAPI's default owner).",
      );
    }
    valid.defaultAssociateId = id;
  }
  if (open('createMissingContacts')) valid.createMissingContacts = input.createMissingContacts === true;
  if (open('companyNotes')) valid.companyNotes = input.companyNotes === true;
  if (open('noteLanguage')) {
    if (!isNoteLanguage(given('noteLanguage'))) {
      throw new SuperOfficeSettingsError('noteLanguage', 'Choose one of the note languages offered.');
    }
    valid.noteLanguage = given('noteLanguage');
  }
  if (open('linkDeal')) valid.linkDeal = input.linkDeal === true;
  if (open('historyTypeMap')) {
    try {
      valid.historyTypeMap = validHistoryTypeMap(typeof input.historyTypeMap === 'string' ? input.historyTypeMap : '');
    } catch (error) {
      throw new SuperOfficeSettingsError('historyTypeMap', (error as Error).message);
    }
  }
  if (open('internalDomains')) {
    try {
      valid.internalDomains = validDomains(Array.isArray(input.internalDomains) ? input.internalDomains : []);
    } catch (error) {
      throw new SuperOfficeSettingsError('internalDomains', (error as Error).message);
    }
  }
  return valid;
}

/** A stored or environment map as the connector takes it (both were checked when written: never invalid here). */
function readMap(text: string): HistoryTypeMap {
  const read = parseHistoryTypeMap(text);
  return read.ok ? read.map : [];
}

function capitalized(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
