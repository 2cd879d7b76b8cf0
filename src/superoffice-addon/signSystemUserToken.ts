// The signed system user token SuperOffice's PartnerSystemUser service takes [verified: SuperOfficeDocs
// superoffice-docs `docs/en/api/authentication/online/auth-application/sign-system-user-token.md`]: the plain system
// user token, ".", the UTC time as `YYYYMMddHHmm` with leading zeros, ".", and the Base64 RSA-SHA256 signature of the
// first three parts made with the application's private key (the docs' JavaScript sample: `crypto.createSign('SHA256')`
// over `${token}.${utcTimestamp}`, signed to base64).
import { createSign, type KeyObject } from 'node:crypto';
import { ApplicationPrivateKeyProblem, readApplicationPrivateKey } from './applicationPrivateKey';

/** `YYYYMMddHHmm` in UTC, as the signed token carries it. */
export function systemUserTimestamp(at: number): string {
  const date = new Date(at);
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    String(date.getUTCFullYear()).padStart(4, '0') +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes())
  );
}

/**
 * Reads the application's private key once. Throws (without the key in the message) when the PEM is not a private
 * key Node can read, so a broken key is a configuration error at start-up rather than a failed delivery later.
 */
export function readPrivateKey(privateKeyPem: string): KeyObject {
  try {
    return readApplicationPrivateKey(privateKeyPem);
  } catch (error) {
    const problem = error instanceof ApplicationPrivateKeyProblem ? error.message : 'cannot be read';
    throw new Error(`The SuperOffice application private key ${problem}`, { cause: error });
  }
}

/** `<token>.<YYYYMMddHHmm>.<base64 signature>` for the moment `at` (ms since the epoch). */
export function signSystemUserToken(systemUserToken: string, privateKey: KeyObject, at: number): string {
  const data = `${systemUserToken}.${systemUserTimestamp(at)}`;
  const signature = createSign('SHA256').update(data, 'utf8').end().sign(privateKey, 'base64');
  return `${data}.${signature}`;
}
