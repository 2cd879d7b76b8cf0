// The application's private key, checked once for everything that takes it (SUPEROFFICE_PRIVATE_KEY_FILE, the
// connection page, the authorizer): it must be an RSA private key, as the signed system user token is an RSA-SHA256
// signature [verified: SuperOfficeDocs `sign-system-user-token.md`, its samples sign with the RSA key of the key pair
// registered with the application]. Another key Node reads (Ed25519, EC) would pass a mere parse and make every
// exchange fail later, retried as a network error; refused here it is a configuration error at once.
import { createPrivateKey, type KeyObject } from 'node:crypto';

/** What is wrong with the key, worded to follow "the key …" (never the key itself). */
export class ApplicationPrivateKeyProblem extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApplicationPrivateKeyProblem';
  }
}

/** The RSA private key in `pem`, or an ApplicationPrivateKeyProblem saying what is wrong with it. */
export function readApplicationPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new ApplicationPrivateKeyProblem(
      'is not a PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)',
      { cause: error },
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ApplicationPrivateKeyProblem(
      `is an ${key.asymmetricKeyType ?? 'unknown'} key, not RSA: SuperOffice's system user token is signed with RSA-SHA256`,
    );
  }
  return key;
}
