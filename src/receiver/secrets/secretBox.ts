import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Secrets at rest (the Lime API key saved on the admin pages): AES-256-GCM under SECRET_KEY, a fresh random 12-byte
// IV per seal. The text form is versioned, `v1:<iv>:<tag>:<ciphertext>` (each base64), so the format can change
// without guessing what an old value is.

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

/** A sealed value that cannot be opened: not ours, tampered with, or sealed under another key. */
export class SecretBoxError extends Error {
  readonly code: 'secret_malformed' | 'secret_undecryptable';
  constructor(code: SecretBoxError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretBoxError';
    this.code = code;
  }
}

/** Encrypts `plaintext` under `key` (32 bytes). Two seals of the same text differ (random IV). */
export function sealSecret(plaintext: string, key: Buffer): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join(':');
}

/** Decrypts a value from `sealSecret`; throws `SecretBoxError` when it is malformed, tampered with or under another key. */
export function openSecret(sealed: string, key: Buffer): string {
  assertKey(key);
  const [version, iv, tag, ciphertext, ...rest] = sealed.split(':');
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined || rest.length > 0) {
    throw new SecretBoxError('secret_malformed', `not a ${VERSION} sealed secret`);
  }
  const ivBytes = strictBase64(iv);
  const tagBytes = strictBase64(tag);
  const data = strictBase64(ciphertext);
  if (ivBytes?.length !== IV_BYTES || tagBytes?.length !== TAG_BYTES || data === undefined) {
    throw new SecretBoxError('secret_malformed', `not a ${VERSION} sealed secret`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new SecretBoxError(
      'secret_undecryptable',
      'the sealed secret does not open with this key (another key, or altered)',
      { cause: error },
    );
  }
}

/** Node's base64 decoder skips bad characters; a sealed value with any is not ours. */
function strictBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/u.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64');
}

function assertKey(key: Buffer): void {
  if (key.length !== SECRET_KEY_BYTES) throw new RangeError(`the secret key must be ${SECRET_KEY_BYTES} bytes`);
}

/**
 * SECRET_KEY as written in the environment: 64 hex characters, or base64 of 32 bytes (`openssl rand -hex 32`,
 * `openssl rand -base64 32`). Undefined when it is neither.
 */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/u.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const bytes = strictBase64(trimmed);
  return bytes?.length === SECRET_KEY_BYTES ? bytes : undefined;
}
