// How the emulated tenant authenticates WebAPI requests and runs SuperOffice Online's PartnerSystemUser exchange, when
// the emulator is started with an `auth` model (without one, the fixed `tokens` list of superOfficeEmulator.ts applies).
//
// Online [verified: SuperOfficeDocs superoffice-docs `docs/en/api/authentication/online/auth-application/index.md`,
// `get-system-user-ticket.md`, `sign-system-user-token.md`, `validate-security-tokens.md`]:
// - The exchange: POST `{ SignedSystemToken, ApplicationToken, ContextIdentifier, ReturnTokenType: "JWT" }` →
//   `{ IsSuccessful, ErrorMessage, Token }`; the signed token is `<system user token>.<UTC YYYYMMddHHmm>.<base64
//   RSA-SHA256 signature of the first two parts>`, checked with the public key registered with the application whose
//   client secret is the ApplicationToken. The JWT is RS256, issuer `SuperOffice AS`, audience `spn:<serial>`, with the
//   claims `http://schemes.superoffice.net/identity/{ticket,ctx,serial,webapi_url,netserver_url,system_token}`; its
//   key is published as a JWKS at `…/login/.well-known/jwks`.
// - WebAPI requests: `Authorization: SOTicket <ticket>` and `SO-AppToken: <client secret>`. Basic auth "will not work
//   in CRM Online" [verified: @superoffice/webapi `src/WebApi.ts`] → 401. `Bearer` takes only the fixed `tokens`.
// - Ticket lifetime: SuperOffice documents NetServer tickets as sliding — "Tickets have a sliding expiration, meaning
//   each time they are used, the valid time is reset"; "The ticket stub is timestamped in the database and valid for
//   6 hours. Every time a ticket is used, NetServer logs how it was used (client name), and then it is renewed for
//   another 6 hours." [verified: SuperOfficeDocs `docs/api/authentication/tickets/issue-ticket.md` and the page
//   "Ticket Overview" (uid `netserver-authentication-tickets`, "Ticket Renewal")]. Those pages describe NetServer's
//   tickets in general; the system user pages (`get-system-user-ticket.md`, `auth-application/index.md`) say nothing
//   of a lifetime beyond the 6 hours, so whether an Online system user ticket slides is [inferred]. The emulator
//   therefore expires every ticket 6 hours after it was issued however often it is used (absolute) [assumption,
//   stricter than SuperOffice is documented to be]: a client that renews in time here also does against a sliding
//   ticket, not the other way round. By the emulator's clock.
// - [assumption, stricter than SuperOffice is likely to be] every refusal of the exchange is `200` with
//   `IsSuccessful: false` and an ErrorMessage of the emulator's own wording (SuperOffice's is undocumented): unknown
//   application token, another tenant's ContextIdentifier, ReturnTokenType other than JWT, a malformed signed token,
//   a system user token unknown, revoked or of another application, a bad signature, a timestamp more than 5 minutes
//   from the emulator's clock. A body that is not JSON → 400.
// - [assumption] a refused WebAPI request (unknown, expired or revoked ticket; missing or wrong `SO-AppToken`, which
//   must be the client secret of the application the ticket was issued to) is a 401 shaped like every other error
//   (SoExceptionInfo) with `WWW-Authenticate`; NetServer's exact body is undocumented.
// Onsite [verified: SuperOfficeDocs `docs/api/authentication/onsite/webapi/index.md` — Basic (base64
// `username:password`, Onsite only, enabled by `AuthorizeWithUsername` in web.config), SOTicket (`7T:…`, Onsite and
// Online), Bearer (`8A:…`) Online only; the spec's §3.6: "ApplicationTokens are not checked for on-site
// installations"]: Basic with a SuperOffice user name and password, or `SOTicket <ticket>`; Bearer → 401. Onsite
// tickets, including the fixed ones the model lists (`tickets`: issued when the emulator starts), expire like
// Online's, 6 hours after issue [assumption: the Onsite ticket lifetime is configurable; absolute here as above].
import { createPublicKey, createVerify, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { ok, soError, unauthorized, type ApiResponse } from './apiResponses';
import type { IncomingRequest } from './readRequest';
import type { SuperOfficeAuthModel } from './types';

export const TICKET_LIFETIME_MS = 6 * 60 * 60 * 1000;
/** How far the signed token's timestamp may be from the emulator's clock [assumption]. */
const TIMESTAMP_TOLERANCE_MS = 5 * 60 * 1000;
const CLAIM = 'http://schemes.superoffice.net/identity/';

interface IssuedTicket {
  /** The application the ticket was issued to (Online); undefined for an Onsite ticket. */
  clientId: string | undefined;
  /** The ticket stops working TICKET_LIFETIME_MS after this, used or not (see the header). */
  issuedAt: number;
}

export class TenantAuthentication {
  private readonly tickets = new Map<string, IssuedTicket>();
  private readonly revoked = new Set<string>();
  private readonly signingKey: KeyObject;
  readonly publicJwk: Record<string, unknown>;
  private readonly keyId = randomBytes(8).toString('hex');
  /** Exchanges answered, successful or not. */
  exchanges = 0;

  constructor(
    readonly model: SuperOfficeAuthModel,
    private readonly tenant: { customerId: string; webApiUrl: () => string; now: () => number },
  ) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.signingKey = pair.privateKey;
    this.publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: this.keyId, use: 'sig', alg: 'RS256' };
    if (model.kind === 'online') {
      for (const application of model.applications) createPublicKey(application.publicKeyPem);
    } else {
      // The fixed Onsite tickets are issued now: they expire like any other, never live forever.
      for (const ticket of model.tickets ?? [])
        this.tickets.set(ticket, { clientId: undefined, issuedAt: tenant.now() });
    }
  }

  /** A ticket as a successful exchange (Online: for `clientId`) or an Onsite login would give. */
  issueTicket(clientId?: string): string {
    if (this.model.kind === 'online') {
      if (clientId === undefined || this.application(clientId) === undefined) {
        throw new Error('issueTicketFor: an Online ticket is issued to a registered application (its client id)');
      }
    }
    const ticket = `7T:${randomBytes(24).toString('base64url')}`;
    this.tickets.set(ticket, { clientId, issuedAt: this.tenant.now() });
    return ticket;
  }

  /**
   * Every ticket issued so far, the fixed Onsite ones included, stops working as after its 6 hours: the WebAPI then
   * answers "The ticket has expired.", not "not valid".
   */
  expireTickets(): void {
    const expiredAt = this.tenant.now() - TICKET_LIFETIME_MS - 1;
    for (const issued of this.tickets.values()) issued.issuedAt = Math.min(issued.issuedAt, expiredAt);
  }

  /** The tenant's administrator withdraws the consent: the system user token no longer exchanges. */
  revokeSystemUserToken(systemUserToken: string): void {
    this.revoked.add(systemUserToken);
  }

  /** undefined when the request may go on, else the refusal. */
  check(incoming: IncomingRequest, fixedTokens: ReadonlySet<string>): ApiResponse | undefined {
    const online = this.model.kind === 'online';
    switch (incoming.authScheme) {
      case undefined:
        return unauthorized('Authentication required: send Authorization: SOTicket <ticket> or Basic.');
      case 'bearer':
        if (!online) return unauthorized('Bearer tokens are available only in SuperOffice CRM Online.');
        return fixedTokens.has(incoming.token ?? '') ? undefined : unauthorized('The token is not valid.');
      case 'basic':
        if (online) return unauthorized('Basic authentication is not supported in SuperOffice CRM Online.');
        return this.checkBasic(incoming.basic);
      case 'soticket':
        return this.checkTicket(incoming.token ?? '', incoming.appToken);
    }
  }

  private checkBasic(basic: { username: string; password: string } | undefined): ApiResponse | undefined {
    const users = this.model.kind === 'onsite' ? (this.model.users ?? []) : [];
    const match = users.find(
      (user) =>
        basic !== undefined &&
        user.username.toLowerCase() === basic.username.toLowerCase() &&
        user.password === basic.password,
    );
    return match === undefined ? unauthorized('Unknown user name or wrong password.') : undefined;
  }

  private checkTicket(ticket: string, appToken: string | undefined): ApiResponse | undefined {
    const issued = this.tickets.get(ticket);
    if (issued === undefined) return unauthorized('The ticket is not valid.');
    // Kept after it expired, so that it keeps answering "expired" (a client's advice depends on it).
    if (this.tenant.now() - issued.issuedAt > TICKET_LIFETIME_MS) return unauthorized('The ticket has expired.');
    if (issued.clientId !== undefined) {
      if (appToken === undefined) {
        return unauthorized('SO-AppToken is required with a system user ticket in SuperOffice CRM Online.');
      }
      if (this.application(issued.clientId)?.clientSecret !== appToken) {
        return unauthorized('The application token (SO-AppToken) does not belong to the ticket’s application.');
      }
    }
    return undefined;
  }

  /** The PartnerSystemUser service's answer to one exchange. */
  exchange(incoming: IncomingRequest): ApiResponse {
    this.exchanges += 1;
    if (incoming.method !== 'POST') return soError(405, 'MethodNotAllowedException', 'POST the exchange.');
    if (incoming.body.kind !== 'json' || typeof incoming.body.value !== 'object' || incoming.body.value === null) {
      return soError(400, 'ArgumentException', 'The body must be a JSON object.');
    }
    const body = incoming.body.value as Record<string, unknown>;
    const field = (name: string): string => {
      const key = Object.keys(body).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
      const value = key === undefined ? undefined : body[key];
      return typeof value === 'string' ? value : '';
    };
    const refuse = (message: string) => ok({ IsSuccessful: false, ErrorMessage: message, Token: null });
    if (this.model.kind !== 'online') return soError(404, 'NotFoundException', 'There is no login service Onsite.');
    const application = this.model.applications.find((app) => app.clientSecret === field('ApplicationToken'));
    if (application === undefined) return refuse('Invalid ApplicationToken.');
    if (field('ContextIdentifier').toLowerCase() !== this.tenant.customerId.toLowerCase()) {
      return refuse('Unknown ContextIdentifier.');
    }
    if (field('ReturnTokenType').toLowerCase() !== 'jwt') return refuse('ReturnTokenType must be JWT.');
    const signed = /^(.+)\.(\d{12})\.([A-Za-z0-9+/=]+)$/u.exec(field('SignedSystemToken'));
    if (signed === null) return refuse('SignedSystemToken is not <system user token>.<YYYYMMddHHmm>.<signature>.');
    const [, systemUserToken = '', stamp = '', signature = ''] = signed;
    const grant = this.model.systemUsers.find((user) => user.systemUserToken === systemUserToken);
    if (grant === undefined || grant.clientId !== application.clientId || this.revoked.has(systemUserToken)) {
      return refuse('Unknown or revoked system user token.');
    }
    const verifier = createVerify('SHA256').update(`${systemUserToken}.${stamp}`, 'utf8');
    if (!verifier.verify(application.publicKeyPem, signature, 'base64')) {
      return refuse('The signature of the SignedSystemToken is not valid.');
    }
    const at = Date.UTC(
      Number(stamp.slice(0, 4)),
      Number(stamp.slice(4, 6)) - 1,
      Number(stamp.slice(6, 8)),
      Number(stamp.slice(8, 10)),
      Number(stamp.slice(10, 12)),
    );
    if (Math.abs(this.tenant.now() - at) > TIMESTAMP_TOLERANCE_MS) {
      return refuse('The timestamp of the SignedSystemToken is out of range; check the clock.');
    }
    const ticket = this.issueTicket(application.clientId);
    return ok({ IsSuccessful: true, ErrorMessage: '', Token: this.jwt(ticket, systemUserToken) });
  }

  /** The JWKS document of the login service. */
  jwks(): ApiResponse {
    return ok({ keys: [this.publicJwk] });
  }

  private jwt(ticket: string, systemUserToken: string): string {
    const serial = this.model.kind === 'online' ? (this.model.serial ?? '1801550193') : '';
    const issuedAt = Math.floor(this.tenant.now() / 1000);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    const header = encode({ alg: 'RS256', typ: 'JWT', kid: this.keyId });
    const payload = encode({
      iss: 'SuperOffice AS',
      aud: `spn:${serial}`,
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + 3600,
      [`${CLAIM}ticket`]: ticket,
      [`${CLAIM}ctx`]: this.tenant.customerId,
      [`${CLAIM}serial`]: serial,
      [`${CLAIM}system_token`]: systemUserToken,
      [`${CLAIM}webapi_url`]: this.tenant.webApiUrl(),
      [`${CLAIM}netserver_url`]: this.tenant.webApiUrl().replace(/api\/$/u, 'Remote/Services88/'),
    });
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`, 'utf8'), this.signingKey);
    return `${header}.${payload}.${signature.toString('base64url')}`;
  }

  private application(clientId: string) {
    return this.model.kind === 'online' ? this.model.applications.find((app) => app.clientId === clientId) : undefined;
  }
}

/** The 421 SuperOffice Online answers for a tenant called on an unnumbered host [verified: the spec's §1.1]. */
export function wrongSubdomain(): ApiResponse {
  return soError(421, 'MisdirectedRequest', 'Wrong subdomain used to access tenant');
}
