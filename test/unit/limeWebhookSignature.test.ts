import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { verifyLimeSignature } from '../../src/lime-addon/verifyLimeSignature';
import { deriveSubscriptionSecret } from '../../src/receiver/secrets/subscriptionSecret';

const body = Buffer.from(
  '{"event":"person.update","body":{"id":1002,"limetype":"person","values":{"firstname":"Åsa"}}}',
);
const sign = (bytes: Buffer, secret: string) => `sha256=${createHmac('sha256', secret).update(bytes).digest('hex')}`;

describe('verifyLimeSignature (X-Lime-Signature)', () => {
  it.each([
    ['the HMAC of the exact bytes', sign(body, 's3cret'), 'ok'],
    ['the same digest in upper-case hex', `sha256=${sign(body, 's3cret').slice(7).toUpperCase()}`, 'ok'],
    ['another secret', sign(body, 'other'), 'bad_signature'],
    ['a truncated digest', sign(body, 's3cret').slice(0, 40), 'bad_signature'],
    ['no sha256= prefix', sign(body, 's3cret').slice(7), 'bad_signature'],
    ['not hex', 'sha256=zz', 'bad_signature'],
    ['an empty header', '', 'missing_signature'],
  ])('%s → %s', (_what, header, expected) => {
    expect(verifyLimeSignature(body, { 'x-lime-signature': header }, 's3cret')).toBe(expected);
  });

  it('no header is missing_signature', () => {
    expect(verifyLimeSignature(body, {}, 's3cret')).toBe('missing_signature');
  });

  it('a body changed by one byte, or re-serialised, no longer verifies', () => {
    const header = sign(body, 's3cret');
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')), null, 1));
    expect(verifyLimeSignature(reserialised, { 'x-lime-signature': header }, 's3cret')).toBe('bad_signature');
    fc.assert(
      fc.property(fc.nat({ max: body.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
        const changed = Buffer.from(body);
        changed[index] = (changed[index] as number) ^ flip;
        return verifyLimeSignature(changed, { 'x-lime-signature': header }, 's3cret') === 'bad_signature';
      }),
    );
  });
});

describe('deriveSubscriptionSecret', () => {
  const key = Buffer.alloc(32, 7);

  it('is the same for the same key and address (every replica derives it), 64 hex characters', () => {
    const secret = deriveSubscriptionSecret(key, 'https://companion.example.com/api/v1/lime/webhook');
    expect(secret).toMatch(/^[0-9a-f]{64}$/u);
    expect(deriveSubscriptionSecret(key, 'https://companion.example.com/api/v1/lime/webhook')).toBe(secret);
  });

  it('changes with the key or the address, and does not contain the key', () => {
    const url = 'https://companion.example.com/api/v1/lime/webhook';
    const secret = deriveSubscriptionSecret(key, url);
    expect(deriveSubscriptionSecret(Buffer.alloc(32, 8), url)).not.toBe(secret);
    expect(deriveSubscriptionSecret(key, 'https://other.example.com/api/v1/lime/webhook')).not.toBe(secret);
    expect(secret).not.toContain(key.toString('hex'));
  });
});
