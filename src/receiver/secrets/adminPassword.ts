import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// The admin pages' password: ADMIN_PASSWORD (plain) or ADMIN_PASSWORD_HASH, an scrypt hash written as
// `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`, so the plain password need not sit in the environment.

const PREFIX = 'scrypt';
/** 2^15, r 8, p 1: about 32 MiB and tens of milliseconds per check. */
const DEFAULT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

export interface AdminPasswordHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Hashes a password into the `ADMIN_PASSWORD_HASH` form, with a fresh random salt. */
export async function hashAdminPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = DEFAULT_PARAMS;
  const hash = await derive(password, { N, r, p, salt, hashLength: HASH_BYTES });
  return [PREFIX, N, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Parses the `ADMIN_PASSWORD_HASH` form; undefined when it is not one (loadConfig reports that at start-up). */
export function parseAdminPasswordHash(text: string): AdminPasswordHash | undefined {
  const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/u.exec(text.trim());
  if (!match) return undefined;
  const [, n, r, p, salt, hash] = match;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  // N a power of two above 1 (scrypt's rule); bounds that keep one check within memory and time.
  const validN = params.N >= 2 && params.N <= 2 ** 20 && (params.N & (params.N - 1)) === 0;
  if (!validN || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return undefined;
  const saltBytes = Buffer.from(salt ?? '', 'base64');
  const hashBytes = Buffer.from(hash ?? '', 'base64');
  if (saltBytes.length < 8 || hashBytes.length < 16) return undefined;
  return { ...params, salt: saltBytes, hash: hashBytes };
}

/**
 * Whether `password` is the admin password. `configured` is `ADMIN_PASSWORD_HASH` (the scrypt form) or
 * `ADMIN_PASSWORD` (plain); either way the comparison takes the same time whatever the password's length or content.
 */
export async function verifyAdminPassword(password: string, configured: string): Promise<boolean> {
  const stored = configured.startsWith(`${PREFIX}$`) ? parseAdminPasswordHash(configured) : undefined;
  if (stored) {
    const candidate = await derive(password, { ...stored, hashLength: stored.hash.length });
    return timingSafeEqual(candidate, stored.hash);
  }
  // Plain: compare digests, which have equal lengths whatever the inputs (timingSafeEqual needs that).
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return configured !== '' && timingSafeEqual(digest(password), digest(configured));
}

function derive(
  password: string,
  params: { N: number; r: number; p: number; salt: Buffer; hashLength: number },
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 128 * params.r * (params.N + params.p) + 2 ** 20,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), params.salt, params.hashLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
