// Checks the JWT the PartnerSystemUser service answers and takes the ticket from it. SuperOffice says the JWT must be
// validated before its claims are trusted [verified: SuperOfficeDocs superoffice-docs
// `docs/en/api/authentication/online/validate-security-tokens.md`, scenario 2 "When an application obtains a system
// user ticket"], with, for the system user flow, issuer `SuperOffice AS`, audience `spn:<serial claim>` and
// SuperOffice's public key, which the OpenID Connect `jwks_uri` publishes at
// `https://<env>.superoffice.com/login/.well-known/jwks` [verified: same page, its C# and JavaScript samples; the
// SystemUserTokenHandler of SuperOffice's SuperOffice.SystemUser.Client (MIT, derKosi/SuperOffice.SystemUser.Client
// `src/SuperOffice.SystemUserClient/Tokens/SystemUserTokenHandler.cs`) sets exactly these]. The claims are named
// `http://schemes.superoffice.net/identity/<name>` (`ticket`, `ctx`, `serial`, `webapi_url`, `netserver_url`)
// [verified: same client, `Constants.ClaimNames.cs`]. RS256 [inferred: an RSA key set; the docs' header example shows
// HS256 for an OIDC id_token, which a public key set could not verify, so only RS256 is accepted].
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

const TICKET = 'http://schemes.superoffice.net/identity/ticket';
const CTX = 'http://schemes.superoffice.net/identity/ctx';
const SERIAL = 'http://schemes.superoffice.net/identity/serial';
const WEBAPI_URL = 'http://schemes.superoffice.net/identity/webapi_url';
export const SYSTEM_USER_ISSUER = 'SuperOffice AS';
/** Clock difference tolerated on `exp`/`nbf` [assumption: the usual 5 minutes of .NET's token validation]. */
const LEEWAY_SECONDS = 300;

const headerSchema = z.object({ alg: z.string(), kid: z.string().optional() });
const claimsSchema = z
  .object({
    iss: z.string(),
    aud: z.union([z.string(), z.array(z.string())]),
    exp: z.coerce.number().optional(),
    nbf: z.coerce.number().optional(),
    [TICKET]: z.string().min(1),
    [CTX]: z.string(),
    [SERIAL]: z.string(),
    [WEBAPI_URL]: z.string().optional(),
  })
  .loose();

export const jwksSchema = z.object({
  keys: z.array(z.object({ kty: z.string(), kid: z.string().optional() }).loose()),
});

/** The JWT was refused; `signature` says whether no published key verified it (a key rollover may explain that). */
export class SystemUserJwtRejected extends Error {
  override readonly name = 'SystemUserJwtRejected';
  constructor(
    message: string,
    readonly signature = false,
  ) {
    super(message);
  }
}

export interface SystemUserClaims {
  ticket: string;
  contextIdentifier: string;
  webApiUrl: string | undefined;
}

/** The RSA public keys of a JWKS document, by key id (`''` for a key without one). */
export function publicKeysOf(jwks: z.infer<typeof jwksSchema>): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const key of jwks.keys) {
    if (key.kty !== 'RSA') continue;
    keys.set(key.kid ?? '', createPublicKey({ key: key as JsonWebKey, format: 'jwk' }));
  }
  return keys;
}

function decodePart(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
}

/**
 * The ticket of a system user JWT, after checking its signature with `keys`, issuer, audience, validity and tenant.
 * Throws SystemUserJwtRejected saying which check failed (the token itself is never in the message).
 */
export function verifySystemUserJwt(
  jwt: string,
  keys: ReadonlyMap<string, KeyObject>,
  expected: { contextIdentifier: string; nowMs: number },
): SystemUserClaims {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new SystemUserJwtRejected('the answer is not a JWT (three dot-separated parts)');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  let header: z.infer<typeof headerSchema>;
  let claims: z.infer<typeof claimsSchema>;
  try {
    header = headerSchema.parse(decodePart(headerPart));
    claims = claimsSchema.parse(decodePart(payloadPart));
  } catch {
    throw new SystemUserJwtRejected('the JWT header or claims are not what SuperOffice documents');
  }
  if (header.alg !== 'RS256') throw new SystemUserJwtRejected(`the JWT is signed with ${header.alg}, not RS256`);
  const candidates = header.kid !== undefined && keys.has(header.kid) ? [keys.get(header.kid)] : [...keys.values()];
  const signed = Buffer.from(`${headerPart}.${payloadPart}`, 'utf8');
  const signature = Buffer.from(signaturePart, 'base64url');
  if (!candidates.some((key) => key !== undefined && verify('RSA-SHA256', signed, key, signature))) {
    throw new SystemUserJwtRejected('the JWT signature does not verify with SuperOffice’s published keys', true);
  }
  if (claims.iss !== SYSTEM_USER_ISSUER)
    throw new SystemUserJwtRejected(`the JWT issuer is "${claims.iss}", not SuperOffice AS`);
  const audience = `spn:${claims[SERIAL]}`;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(audience)) throw new SystemUserJwtRejected('the JWT audience is not spn:<serial>');
  const nowSeconds = expected.nowMs / 1000;
  if (claims.exp !== undefined && claims.exp + LEEWAY_SECONDS < nowSeconds)
    throw new SystemUserJwtRejected('the JWT has expired');
  if (claims.nbf !== undefined && claims.nbf - LEEWAY_SECONDS > nowSeconds) {
    throw new SystemUserJwtRejected('the JWT is not valid yet (is this machine’s clock right?)');
  }
  const contextIdentifier = claims[CTX];
  if (contextIdentifier.toLowerCase() !== expected.contextIdentifier.toLowerCase()) {
    throw new SystemUserJwtRejected(`the JWT is for tenant ${contextIdentifier}, not ${expected.contextIdentifier}`);
  }
  return { ticket: claims[TICKET], contextIdentifier, webApiUrl: claims[WEBAPI_URL] };
}
