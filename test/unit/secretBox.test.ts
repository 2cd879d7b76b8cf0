import fc from 'fast-check';
import { openSecret, parseSecretKey, sealSecret, SecretBoxError } from '../../src/receiver/secrets/secretBox';

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 8);

function expectCode(work: () => unknown, code: SecretBoxError['code']): void {
  let error: unknown;
  try {
    work();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(SecretBoxError);
  expect((error as SecretBoxError).code).toBe(code);
}

describe('secretBox', () => {
  it('a sealed secret opens to the same text, for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (text) => openSecret(sealSecret(text, KEY), KEY) === text));
  });

  it('the sealed form is v1:<iv>:<tag>:<ciphertext>, never contains the plaintext, and differs on every seal', () => {
    const first = sealSecret('lime-api-key-0123456789', KEY);
    const second = sealSecret('lime-api-key-0123456789', KEY);
    expect(first).toMatch(/^v1:[A-Za-z0-9+/=]{16}:[A-Za-z0-9+/=]{24}:[A-Za-z0-9+/=]+$/u);
    expect(first).not.toContain('lime-api-key');
    expect(first).not.toBe(second);
  });

  it('another key does not open it', () => {
    expectCode(() => openSecret(sealSecret('secret', KEY), OTHER_KEY), 'secret_undecryptable');
  });

  it.each([
    ['the ciphertext', 3],
    ['the tag', 2],
    ['the IV', 1],
  ])('a change to %s is detected', (_part, index) => {
    const parts = sealSecret('the api key', KEY).split(':');
    const bytes = Buffer.from(parts[index] ?? '', 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    parts[index] = bytes.toString('base64');
    expectCode(() => openSecret(parts.join(':'), KEY), 'secret_undecryptable');
  });

  it.each([
    ['plain text', 'the api key'],
    ['an unknown version', 'v2:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==:AAAA'],
    ['a short IV', 'v1:AAAA:AAAAAAAAAAAAAAAAAAAAAA==:AAAA'],
    ['bad base64', 'v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==:A*AA'],
    ['too many parts', 'v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==:AAAA:AAAA'],
  ])('%s is refused as malformed', (_what, sealed) => {
    expectCode(() => openSecret(sealed, KEY), 'secret_malformed');
  });

  it('a key that is not 32 bytes is refused', () => {
    expect(() => sealSecret('x', Buffer.alloc(16))).toThrow(RangeError);
  });

  it.each([
    ['64 hex characters', 'ab'.repeat(32), Buffer.alloc(32, 0xab)],
    ['base64 of 32 bytes', Buffer.alloc(32, 1).toString('base64'), Buffer.alloc(32, 1)],
    ['with spaces around', `  ${'0'.repeat(64)}\n`, Buffer.alloc(32)],
  ])('SECRET_KEY as %s is read', (_what, text, key) => {
    expect(parseSecretKey(text)).toEqual(key);
  });

  it.each([
    ['too short hex', 'ab'.repeat(16)],
    ['base64 of 16 bytes', Buffer.alloc(16).toString('base64')],
    ['a passphrase', 'correct horse battery staple'],
  ])('SECRET_KEY as %s is refused', (_what, text) => {
    expect(parseSecretKey(text)).toBeUndefined();
  });
});
