// The `system_user` authorizer: SuperOffice Online's server-to-server flow [verified: SuperOfficeDocs superoffice-docs
// `docs/en/api/authentication/online/auth-application/index.md`]: sign the system user token, exchange it at the
// PartnerSystemUser service for a JWT, validate the JWT, take its ticket claim, then send
// `Authorization: SOTicket <ticket>` with `SO-AppToken: <client secret>`.
//
// The ticket is cached and reused: "they are good for 6 hours … take advantage of the 6 hour window and only ask for a
// new Ticket when absolutely necessary" — every exchange creates a credentials row in the tenant's database [verified:
// SuperOffice.SystemUser.Client README (derKosi/SuperOffice.SystemUser.Client)]; tickets have a sliding expiration,
// "each time they are used, the valid time is reset" [verified: SuperOfficeDocs `docs/api/authentication/tickets/
// issue-ticket.md`]. Whether a system user ticket slides too is not documented, so a ticket is replaced before use
// once it is RENEW_AFTER_ISSUE_MS (5 h, an hour short of the 6) old however often it was used — right under an
// absolute 6-hour lifetime as under a sliding one [inferred] — or idle for RENEW_AFTER_IDLE_MS; and one the WebAPI
// refuses (401: `rejected(sentHeaders)`, if it is still the cached one) is replaced on the next `headers()`.
// At most one exchange is in flight however many requests wait for it (single-flight); a caller's abort stops its own
// wait, not the exchange the others share, which has its own timeout.
import { CrmError } from '../crm/crmError';
import { fetchJwks, requestSystemUserJwt } from './partnerSystemUserService';
import { readPrivateKey, signSystemUserToken } from './signSystemUserToken';
import type { SuperOfficeAuthorizer, SuperOfficeCredentials } from './superOfficeOptions';
import { jwksSchema, publicKeysOf, SystemUserJwtRejected, verifySystemUserJwt } from './verifySystemUserJwt';
import type { KeyObject } from 'node:crypto';
import type { Dispatcher } from 'undici';

/** Renew a ticket not used for this long (a sliding ticket lives 6 h after its last use). */
export const RENEW_AFTER_IDLE_MS = 5 * 60 * 60 * 1000;
/** Renew a ticket this old, used or not (an absolute ticket lives 6 h after its issue). */
export const RENEW_AFTER_ISSUE_MS = 5 * 60 * 60 * 1000;
const DEFAULT_EXCHANGE_TIMEOUT_MS = 30_000;

type SystemUserCredentials = Extract<SuperOfficeCredentials, { kind: 'system_user' }>;

export interface SystemUserAuthorizerOptions {
  /** The tenant's WebAPI base (`https://online3.superoffice.com/Cust12345`): its first path segment is the tenant. */
  baseUrl: string;
  now?: (() => number) | undefined;
  /** Time allowed for the exchange (and the key download), in ms. Default 30 s. */
  timeoutMs?: number | undefined;
  /** Where SuperOffice's public keys are. Default: `.well-known/jwks` beside the login service. */
  jwksUrl?: string | undefined;
  /** What the exchange and the key download go through: the connector's, with its CA and TLS verification. */
  dispatcher?: Dispatcher | undefined;
}

interface CachedTicket {
  ticket: string;
  issuedAt: number;
  lastUsedAt: number;
}

export function systemUserAuthorizer(
  credentials: SystemUserCredentials,
  options: SystemUserAuthorizerOptions,
): SuperOfficeAuthorizer {
  const now = options.now ?? Date.now;
  const contextIdentifier = tenantOf(options.baseUrl);
  const loginUrl =
    credentials.loginUrl === undefined ? defaultLoginUrl(options.baseUrl) : authenticateUrlOf(credentials.loginUrl);
  const jwksUrl = options.jwksUrl ?? jwksUrlBeside(loginUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXCHANGE_TIMEOUT_MS;
  const privateKey: KeyObject = readPrivateKey(credentials.privateKeyPem);
  const application = `the application with client id ${shorten(credentials.clientId)}`;
  let cached: CachedTicket | undefined;
  let pending: Promise<CachedTicket> | undefined;
  let publicKeys: Map<string, KeyObject> | undefined;

  async function keys(signal: AbortSignal, refresh: boolean): Promise<Map<string, KeyObject>> {
    if (publicKeys === undefined || refresh) {
      const parsed = jwksSchema.safeParse(await fetchJwks(jwksUrl, signal, options.dispatcher));
      if (!parsed.success) throw new CrmError('bad_response', `The public keys at ${jwksUrl} are not a JWKS document`);
      publicKeys = publicKeysOf(parsed.data);
    }
    return publicKeys;
  }

  async function exchange(): Promise<CachedTicket> {
    const signal = AbortSignal.timeout(timeoutMs);
    const jwt = await requestSystemUserJwt({
      loginUrl,
      signedSystemToken: signSystemUserToken(credentials.systemUserToken, privateKey, now()),
      clientSecret: credentials.clientSecret,
      contextIdentifier,
      application,
      signal,
      dispatcher: options.dispatcher,
    });
    const verifyWith = (found: Map<string, KeyObject>) =>
      verifySystemUserJwt(jwt, found, { contextIdentifier, nowMs: now() });
    let claims;
    try {
      try {
        claims = verifyWith(await keys(signal, false));
      } catch (error) {
        // SuperOffice may have rolled its key: fetch the set once more before giving up.
        if (!(error instanceof SystemUserJwtRejected && error.signature)) throw error;
        claims = verifyWith(await keys(signal, true));
      }
    } catch (error) {
      if (!(error instanceof SystemUserJwtRejected)) throw error;
      throw new CrmError(
        'bad_response',
        `The system user JWT from ${new URL(loginUrl).host} was refused: ${error.message}`,
        {
          operation: 'validate system user JWT',
          cause: error,
        },
      );
    }
    return { ticket: claims.ticket, issuedAt: now(), lastUsedAt: now() };
  }

  function sharedExchange(): Promise<CachedTicket> {
    pending ??= exchange().finally(() => {
      pending = undefined;
    });
    return pending.then((fresh) => {
      cached = fresh;
      return fresh;
    });
  }

  return {
    async headers(signal) {
      signal?.throwIfAborted();
      let current = cached;
      if (
        current === undefined ||
        now() - current.issuedAt > RENEW_AFTER_ISSUE_MS ||
        now() - current.lastUsedAt > RENEW_AFTER_IDLE_MS
      ) {
        cached = undefined;
        current = await untilAborted(sharedExchange(), signal);
      }
      current.lastUsedAt = now();
      return { Authorization: `SOTicket ${current.ticket}`, 'SO-AppToken': credentials.clientSecret };
    },
    rejected(sentHeaders) {
      // Only the ticket that was refused is dropped: a late 401 for an older one (requests in parallel under
      // WORKER_CONCURRENCY all meet the same expiry) must not throw away its replacement, as every exchange creates
      // a credentials row in the tenant. While an exchange is in flight `cached` is empty, so nothing is dropped.
      if (cached !== undefined && sentHeaders.Authorization === `SOTicket ${cached.ticket}`) cached = undefined;
      return true;
    },
    describe: () => `system user of ${application} (tenant ${contextIdentifier})`,
  };
}

/** `Cust12345` from `https://online3.superoffice.com/Cust12345` (the first path segment). */
export function tenantOf(baseUrl: string): string {
  const segment = new URL(baseUrl).pathname.split('/').find((part) => part !== '');
  if (segment === undefined) {
    throw new Error(`The SuperOffice URL ${baseUrl} has no customer id: use https://online3.superoffice.com/Cust12345`);
  }
  return decodeURIComponent(segment);
}

/**
 * The PartnerSystemUser service of the tenant's environment: `online3.superoffice.com` → `online.superoffice.com`
 * (the unnumbered subdomains "are reserved for authentication" [verified: SuperOfficeDocs
 * `developer-portal/best-practices/tenant-status/check-status`]). Another host needs an explicit login URL.
 */
export function defaultLoginUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  const match = /^([a-z]+?)\d*\.superoffice\.com$/iu.exec(url.hostname);
  if (match === null) {
    throw new Error(
      `Cannot tell SuperOffice's login service from ${url.host}: set the login URL (SUPEROFFICE_LOGIN_URL), e.g. https://online.superoffice.com/Login/api/PartnerSystemUser/Authenticate`,
    );
  }
  return `https://${match[1]?.toLowerCase() ?? 'online'}.superoffice.com/Login/api/PartnerSystemUser/Authenticate`;
}

/** Where the exchange is, from the documented service path [verified: SuperOfficeDocs `get-system-user-ticket.md`]. */
const AUTHENTICATE_PATH = '/api/PartnerSystemUser/Authenticate';

/**
 * The exchange's URL from SUPEROFFICE_LOGIN_URL, which may be the login service's base or the whole address:
 * `https://online.superoffice.com/login` and `…/login/` get `/api/PartnerSystemUser/Authenticate`, a bare host gets
 * `/Login/api/PartnerSystemUser/Authenticate` (the documented address: `https://{environment}.superoffice.com/Login/
 * api/PartnerSystemUser/Authenticate` [verified: SuperOfficeDocs `get-system-user-ticket.md`; SuperOffice.SystemUser.
 * Client `SystemUserEndpoint`]), and a URL already ending with the service's path is used as it is.
 */
export function authenticateUrlOf(loginUrl: string): string {
  const url = new URL(loginUrl);
  const path = url.pathname.replace(/\/+$/u, '');
  if (path.toLowerCase().endsWith(AUTHENTICATE_PATH.toLowerCase())) return url.toString();
  url.pathname = path === '' ? `/Login${AUTHENTICATE_PATH}` : `${path}${AUTHENTICATE_PATH}`;
  return url.toString();
}

/** `…/Login/api/PartnerSystemUser/Authenticate` → `…/Login/.well-known/jwks`. */
export function jwksUrlBeside(loginUrl: string): string {
  const url = new URL(loginUrl);
  url.pathname = url.pathname.replace(/\/api\/PartnerSystemUser\/Authenticate\/?$/iu, '') + '/.well-known/jwks';
  url.search = '';
  return url.toString();
}

function shorten(clientId: string): string {
  return clientId.length > 8 ? `${clientId.slice(0, 8)}…` : clientId;
}

/** The promise, or an AbortError as soon as `signal` aborts (the promise itself goes on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CrmError('aborted', 'Waiting for the SuperOffice ticket was aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
