import { readFileSync } from 'node:fs';
import type { ConnectionCheck, DeliverOptions } from '../../crm/crmConnector';
import type { NoteLanguage } from '../../core';
import { ConfigError, type ReceiverConfig } from '../config/loadConfig';
import type { Logger } from '../observability/logger';
import { openSecret, SecretBoxError } from '../secrets/secretBox';
import type { ClosableConnector } from './connectionSettingsService';
import { SharedConnector } from './sharedConnector';

/**
 * The connector of the settings in effect, whichever CRM they are for: Lime's and SuperOffice's settings services
 * differ in their fields, not in how a change takes effect. Changes run one at a time; each that changes the
 * connector's options rebuilds the connector and retires the old one once its calls have returned; the last Test
 * connection result is forgotten when the connection it checked is replaced by a different one.
 */
export interface ConnectorInEffect<O> {
  /**
   * Builds the connector for the options in effect now (none while incomplete) and retires the one before; keeps
   * the one in use when its options are the same.
   */
  rebuild(): Promise<void>;
  /** One change at a time: two admins saving at once must not interleave store writes and rebuilds. */
  serialized<T>(work: () => Promise<T>): Promise<T>;
  connector(): SharedConnector<O> | undefined;
  testConnection(): Promise<ConnectionCheck | undefined>;
  lastCheck(): ConnectionCheck | undefined;
  /** Waits for the change under way, then retires the connector. */
  close(): Promise<void>;
}

export function createConnectorInEffect<O>(deps: {
  /** The options the settings in effect give, or undefined while they are incomplete. */
  optionsNow: () => O | undefined;
  makeConnector: (options: O) => ClosableConnector;
  /** Whether a Test connection result of `before` still speaks for `after`. */
  sameConnection: (before: O, after: O | undefined) => boolean;
  logger: Logger;
}): ConnectorInEffect<O> {
  let current: SharedConnector<O> | undefined;
  let lastCheck: ConnectionCheck | undefined;
  let changes: Promise<unknown> = Promise.resolve();

  return {
    /** Replaces the connector; the old one closes once the calls it is serving have finished. */
    async rebuild() {
      const before = current;
      const options = deps.optionsNow();
      // A save that leaves the connection as it was (internal domains, create contacts) keeps the connector: a new
      // one would sign in again, and each SuperOffice system user exchange leaves a credentials row in the tenant.
      if (before && options !== undefined && sameOptions(before.options, options)) return;
      current =
        options === undefined ? undefined : new SharedConnector(deps.makeConnector(options), options, deps.logger);
      if (before && !deps.sameConnection(before.options, options)) lastCheck = undefined;
      await before?.retire();
    },

    serialized<T>(work: () => Promise<T>): Promise<T> {
      const next = changes.then(work, work);
      changes = next.catch(() => undefined);
      return next;
    },

    connector: () => current,

    async testConnection() {
      const connector = current;
      if (!connector) {
        lastCheck = undefined;
        return undefined;
      }
      const check = await connector.testConnection();
      // A check of a connection replaced meanwhile says nothing about the one in effect.
      if (connector === current) lastCheck = check;
      return check;
    },

    lastCheck: () => lastCheck,

    async close() {
      await changes;
      const last = current;
      current = undefined;
      await last?.retire();
    },
  };
}

/** Whether two connectors' options are equal (plain data: URLs, credentials, PEMs, flags). */
function sameOptions(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Delivery options that follow the settings (internal domains, create contacts, company notes, note language, deal
 * linking) and the receiver's configuration (COMPANY_NOTES when a page has no company notes setting of its own).
 */
export function deliverOptionsOf(
  config: ReceiverConfig,
  settings: {
    internalDomains: readonly string[];
    createMissingContacts: boolean;
    companyNotes?: boolean | undefined;
    noteLanguage?: NoteLanguage;
    linkDeal?: boolean | undefined;
  },
): Omit<DeliverOptions, 'signal'> {
  return {
    internalDomains: [...settings.internalDomains],
    createMissingContacts: settings.createMissingContacts,
    companyNotes: settings.companyNotes ?? config.companyNotes,
    defaultRegion: config.defaultRegion,
    timeZone: config.timeZone,
    noteDate: config.noteDate,
    ...(settings.noteLanguage === undefined ? {} : { noteLanguage: settings.noteLanguage }),
    ...((settings.linkDeal ?? config.linkDeal) === true ? { linkDeal: true } : {}),
  };
}

/** How to get SECRET_KEY when a secret is saved on a page without one. */
export const SET_SECRET_KEY_TO_SAVE =
  'set SECRET_KEY (32 bytes, e.g. `openssl rand -hex 32`) so it is stored encrypted, and restart.';

/**
 * A secret saved on the admin pages, opened with SECRET_KEY at start. Each failure stops the start with a
 * ConfigError saying what to do, in the CRM's own words: SECRET_KEY not set, the stored value damaged, the wrong key.
 */
export function openSavedSecret(
  sealed: string,
  secretKey: Buffer | undefined,
  words: { keyNotSet: string; damaged: string; wrongKey: string },
): string {
  if (secretKey === undefined) throw new ConfigError([words.keyNotSet]);
  try {
    return openSecret(sealed, secretKey);
  } catch (error) {
    if (error instanceof SecretBoxError && error.code === 'secret_malformed') throw new ConfigError([words.damaged]);
    throw new ConfigError([words.wrongKey]);
  }
}

/** The PEM of a `*_CA_FILE` variable; a file that cannot be read stops the start, naming the variable. */
export function readCaFile(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${variable}: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
}

/**
 * The last four characters of a secret, for the masked display (`••••••3f9a`): only for one long enough that they
 * give little of it away, and never of a PEM (its last characters are the END line).
 */
export function hintOf(secret: string | undefined): string | undefined {
  return secret !== undefined && secret.length >= 12 && !secret.includes('\n') ? secret.slice(-4) : undefined;
}

/**
 * Why a save that moves a URL to another host without the secrets is refused, or undefined when it may go ahead.
 * Stored secrets were given for the host they were entered with; keeping them when the URL moves would let whoever
 * holds an admin session send them elsewhere. Refusing (rather than clearing them) keeps the connection in effect
 * working until the admin enters the credentials for the new host, and says what is needed. Only the host counts
 * (scheme, port and path may change: the same server), and only stored secrets (the environment's are the operator's).
 */
export function credentialsStayWithHost(change: {
  storedUrl: string | undefined;
  newUrl: string | undefined;
  /** Whether stored (not environment) secrets would go to the new host if the save went ahead. */
  secretsLeftStored: boolean;
}): string | undefined {
  if (change.storedUrl === undefined || change.newUrl === undefined || !change.secretsLeftStored) return undefined;
  const before = hostOf(change.storedUrl);
  const after = hostOf(change.newUrl);
  if (before === undefined || after === undefined || before === after) return undefined;
  return `The credentials belong to ${before}: enter them again for ${after}.`;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
