// The HTTP side of the system user exchange: POST the signed token to SuperOffice's PartnerSystemUser service and
// read its answer, and fetch the login service's public keys.
//
// The service [verified: SuperOfficeDocs superoffice-docs
// `docs/en/api/authentication/online/auth-application/get-system-user-ticket.md`]: `POST
// https://{environment}.superoffice.com/Login/api/PartnerSystemUser/Authenticate`, JSON
// `{ SignedSystemToken, ApplicationToken (the client secret), ContextIdentifier (Cust12345), ReturnTokenType: "JWT" }`.
// The answer is `{ IsSuccessful, ErrorMessage, Token }`, the JWT in `Token` [verified: SuperOffice's
// SuperOffice.SystemUser.Client (MIT, derKosi/SuperOffice.SystemUser.Client `SystemUserResult.cs`, `SystemUserClient.cs`,
// which also treats a non-2xx status as a failure)]. The wording of ErrorMessage is not documented: which cause a
// message names is read from keywords [assumption], and an unrecognised one lists every cause.
// Redirects are not followed (`redirect: 'manual'`, a 3xx is refused): the exchange's body carries the client secret
// and the signed system user token, and a redirect to another host would re-send them there (the WebAPI side has the
// same policy: webApiAgents.ts `maxRedirects: 0`). SuperOffice documents no redirect for this service [assumption].
// Sent with undici's own fetch and the dispatcher the connector gives (its CA and TLS verification:
// SUPEROFFICE_CA_FILE, SUPEROFFICE_TLS_REJECT_UNAUTHORIZED), as the WebAPI's requests are; the global fetch would
// ignore both.
import { fetch, type Dispatcher, type Response } from 'undici';
import { z } from 'zod';
import { CrmError } from '../crm/crmError';
import { withoutCredentials } from './withoutCredentials';

/** The exchange's operation, as its CrmErrors name it (Test connection words their cause as it is). */
export const OPERATION = 'POST PartnerSystemUser/Authenticate';

// IsSuccessful is what every client of the service reads first (SystemUserResult.cs; the docs' samples test
// `IsSuccessful`) [inferred: the service always sends it]: without it the body is not the service's (a proxy's `{}`)
// and is a bad_response, not a refusal.
const answerSchema = z.object({
  IsSuccessful: z.boolean(),
  ErrorMessage: z.string().nullish(),
  Token: z.string().nullish(),
});

export interface ExchangeRequest {
  loginUrl: string;
  signedSystemToken: string;
  clientSecret: string;
  contextIdentifier: string;
  /** For messages: the application's client id, shortened. */
  application: string;
  signal: AbortSignal;
  /** Where the request goes through (the connector's TLS options); undefined: undici's default. */
  dispatcher?: Dispatcher | undefined;
}

/** The JWT the service answers, or a CrmError naming the likely cause (never a secret). */
export async function requestSystemUserJwt(request: ExchangeRequest): Promise<string> {
  const host = hostOf(request.loginUrl);
  let response: Response;
  try {
    response = await fetch(request.loginUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        SignedSystemToken: request.signedSystemToken,
        ApplicationToken: request.clientSecret,
        ContextIdentifier: request.contextIdentifier,
        ReturnTokenType: 'JWT',
      }),
      signal: request.signal,
      redirect: 'manual',
      ...(request.dispatcher === undefined ? {} : { dispatcher: request.dispatcher }),
    });
  } catch (error) {
    throw unreachable(error, host, request.signal);
  }
  if (isRedirect(response.status)) throw redirected(response, request.loginUrl, OPERATION);
  const text = await response.text().catch((error: unknown) => {
    throw unreachable(error, host, request.signal);
  });
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    throw new CrmError(
      response.status >= 500 ? 'server_error' : 'rate_limited',
      `SuperOffice's login service at ${host} answered ${response.status} to the system user exchange; it is retried`,
      { status: response.status, operation: OPERATION },
    );
  }
  if (response.status === 404 || response.status === 405) {
    // Nothing (or nothing that takes a POST) at that address: the URL is wrong, not the credentials.
    throw new CrmError(
      'not_found',
      `There is no PartnerSystemUser service at ${withoutQuery(request.loginUrl)} (${response.status}): check SUPEROFFICE_LOGIN_URL — SuperOffice's login service, such as https://online.superoffice.com/login — or leave it empty for a *.superoffice.com tenant`,
      { status: response.status, operation: OPERATION },
    );
  }
  let answer: z.infer<typeof answerSchema> | undefined;
  try {
    answer = answerSchema.parse(JSON.parse(text));
  } catch {
    answer = undefined;
  }
  if (answer?.IsSuccessful === true && typeof answer.Token === 'string' && answer.Token !== '') return answer.Token;
  if (answer === undefined && response.ok) {
    throw new CrmError('bad_response', `The login service at ${host} did not answer the documented JSON`, {
      status: response.status,
      operation: OPERATION,
    });
  }
  throw refused(answer?.ErrorMessage ?? '', response.status, request);
}

/** The JSON Web Key Set the login service publishes (`<login>/.well-known/jwks`). */
export async function fetchJwks(
  jwksUrl: string,
  signal: AbortSignal,
  dispatcher?: Dispatcher | undefined,
): Promise<unknown> {
  const host = hostOf(jwksUrl);
  let response: Response;
  try {
    response = await fetch(jwksUrl, {
      headers: { accept: 'application/json' },
      signal,
      redirect: 'manual',
      ...(dispatcher === undefined ? {} : { dispatcher }),
    });
  } catch (error) {
    throw unreachable(error, host, signal);
  }
  if (isRedirect(response.status)) throw redirected(response, jwksUrl, 'GET .well-known/jwks');
  if (!response.ok) {
    throw new CrmError(
      response.status >= 500 ? 'server_error' : 'unexpected_status',
      `SuperOffice's login service at ${host} answered ${response.status} for its public keys (${jwksUrl})`,
      { status: response.status, operation: 'GET .well-known/jwks' },
    );
  }
  try {
    return (await response.json()) as unknown;
  } catch (error) {
    throw new CrmError('bad_response', `The public keys at ${jwksUrl} are not JSON`, { cause: error });
  }
}

/** Why SuperOffice refused the exchange, from the words of its ErrorMessage [assumption: undocumented wording]. */
function refused(errorMessage: string, status: number, request: ExchangeRequest): CrmError {
  const said = errorMessage.toLowerCase();
  // The service may echo what it was sent: the client secret, the signed token (the system user token inside it).
  const systemUserToken = request.signedSystemToken.split('.').slice(0, -2).join('.');
  const shown = withoutCredentials(errorMessage, [request.clientSecret, request.signedSystemToken, systemUserToken]);
  const context = { status, operation: OPERATION, detail: shown === '' ? undefined : shown };
  const prefix = `SuperOffice refused the system user exchange for ${request.application}`;
  let cause: string;
  if (/application ?token|client.?secret|app.?token/u.test(said)) {
    cause =
      'the application token was not accepted: check the client secret (SUPEROFFICE_CLIENT_SECRET) of the application';
  } else if (/context|customer|tenant/u.test(said)) {
    cause = `tenant ${request.contextIdentifier} was not accepted: check the customer id in SUPEROFFICE_URL (Cust12345), and that the application is installed there`;
  } else if (/signature|certificate|private key|public key/u.test(said)) {
    cause =
      'the signature of the system user token did not verify: the private key (SUPEROFFICE_PRIVATE_KEY_FILE) is not the one registered with the application';
  } else if (/time|clock|expired|stale/u.test(said)) {
    cause = 'the signed token’s timestamp was refused: check this machine’s clock (UTC, synchronised with NTP)';
  } else if (/system ?user|revoked|consent|token/u.test(said)) {
    cause =
      'the system user token is unknown or revoked: an administrator of the tenant may have withdrawn the consent; sign in to the application again as an administrator to get a new system user token (SUPEROFFICE_SYSTEM_USER_TOKEN)';
  } else {
    cause =
      'check the client secret, the system user token (consent withdrawn?), the private key, the customer id and this machine’s clock';
  }
  return new CrmError('unauthorized', `${prefix}: ${cause}`, context);
}

function isRedirect(status: number): boolean {
  // `redirect: 'manual'` gives the 3xx itself (status 0 for an opaque redirect in browsers; Node gives the status).
  return status === 0 || (status >= 300 && status < 400);
}

/** A redirect from the login service, refused: the URL it was sent to, never the body (it holds the secrets). */
function redirected(response: Response, url: string, operation: string): CrmError {
  void response.body?.cancel().catch(() => undefined);
  return new CrmError(
    'unexpected_status',
    `SuperOffice's login service at ${withoutQuery(url)} answered ${response.status} (a redirect); redirects are not followed, as they could carry the client secret to another host: set SUPEROFFICE_LOGIN_URL to the address the service answers at`,
    { status: response.status, operation },
  );
}

function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url;
  }
}

function unreachable(error: unknown, host: string, signal: AbortSignal): CrmError {
  const context = { operation: OPERATION, cause: error };
  if (signal.aborted) {
    const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
    return timedOut
      ? new CrmError('timeout', `SuperOffice's login service at ${host} did not answer in time`, context)
      : new CrmError('aborted', 'The system user exchange was aborted', context);
  }
  const code = causeCode(error);
  if (code !== undefined && TLS_CODES.test(code)) {
    return new CrmError(
      'tls_failed',
      `The certificate of SuperOffice's login service at ${host} could not be verified (${code}): trust its CA with SUPEROFFICE_CA_FILE`,
      context,
    );
  }
  if (code === 'ECONNREFUSED') {
    return new CrmError('connection_refused', `SuperOffice's login service at ${host} refused the connection`, context);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new CrmError('dns_failed', `SuperOffice's login service host ${host} could not be found (DNS)`, context);
  }
  return new CrmError(
    'network_error',
    `SuperOffice's login service at ${host} could not be reached (${code ?? 'network error'})`,
    context,
  );
}

/** Node's codes for a certificate it could not verify (OpenSSL's verify errors, the host name check). */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL/u;

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code } = current as { code?: unknown };
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
