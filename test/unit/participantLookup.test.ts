import {
  lookupKeyFromSecretKey,
  lookupKeyFromSeed,
  newLookupSeed,
  participantKeyHash,
  participantKeyRows,
  participantQuery,
  resolveLookupKey,
} from '../../src/receiver/secrets/participantLookup';
import { deriveSubscriptionSecret } from '../../src/receiver/secrets/subscriptionSecret';
import { buildParticipant, buildSummary } from '../support/payloads';

const SECRET = Buffer.alloc(32, 7);
const KEY = lookupKeyFromSecretKey(SECRET);

describe('participant lookup keys', () => {
  it("each participant's e-mail and numbers get a hash under their outcome's index, as matching reads them", () => {
    const summary = buildSummary({
      participants: [
        buildParticipant({ email: 'Anna@Acme.SE', mobile_phone: '070-123 45 67', phone: '+46 8 123 456 00' }),
        buildParticipant({ email: 'anna@acme.se', name: 'Anna again' }),
        buildParticipant({ email: undefined, name: 'Bo', phone: '08-555 123 45' }),
      ],
    });

    const rows = participantKeyRows(summary, KEY, 'SE');

    expect(rows).toEqual([
      { participantIndex: 0, kind: 'email', hash: participantKeyHash(KEY, 'email', 'anna@acme.se') },
      { participantIndex: 0, kind: 'phone', hash: participantKeyHash(KEY, 'phone', '+46701234567') },
      { participantIndex: 0, kind: 'phone', hash: participantKeyHash(KEY, 'phone', '+46812345600') },
      { participantIndex: 2, kind: 'phone', hash: participantKeyHash(KEY, 'phone', '+46855512345') },
    ]);
    for (const row of rows) expect(row.hash).toMatch(/^[0-9a-f]{64}$/u);
  });

  it('holds no trace of the value: neither it nor its digits appear in the hash', () => {
    const hash = participantKeyHash(KEY, 'phone', '+46701234567');
    expect(hash).not.toContain('46701234567');
    expect(hash).not.toContain('701234567');
  });

  it('an e-mail and a number never share a hash, and another key gives other hashes', () => {
    expect(participantKeyHash(KEY, 'email', 'x')).not.toBe(participantKeyHash(KEY, 'phone', 'x'));
    const rotated = lookupKeyFromSecretKey(Buffer.alloc(32, 8));
    expect(rotated.id).not.toBe(KEY.id);
    expect(participantKeyHash(rotated, 'email', 'anna@acme.se')).not.toBe(
      participantKeyHash(KEY, 'email', 'anna@acme.se'),
    );
  });

  it("the lookup key is SECRET_KEY's own derivation: not the key itself, nor the webhook secret", () => {
    expect(KEY.key.equals(SECRET)).toBe(false);
    expect(KEY.key.toString('hex')).not.toBe(deriveSubscriptionSecret(SECRET, ''));
    expect(lookupKeyFromSecretKey(SECRET).key.equals(KEY.key)).toBe(true);
    expect(KEY.id).toMatch(/^[0-9a-f]{16}$/u);
    expect(KEY.key.toString('hex')).not.toContain(KEY.id);
  });

  it('a typed e-mail or number, in any written form, finds the hash of the payload; other text is no query', () => {
    const email = participantKeyHash(KEY, 'email', 'anna@acme.se');
    const mobile = participantKeyHash(KEY, 'phone', '+46701234567');
    expect(participantQuery('  ANNA@acme.se ', KEY, 'SE')).toEqual({ kind: 'email', hash: email });
    expect(participantQuery('<mailto:anna@acme.se>', KEY, 'SE')).toEqual({ kind: 'email', hash: email });
    for (const written of ['070-123 45 67', '+46 70 123 45 67', '0046701234567', '(070) 1234567', '46701234567']) {
      expect(participantQuery(written, KEY, 'SE')).toEqual({ kind: 'phone', hash: mobile });
    }
    for (const other of ['Offer review 2026', 'anna@', '12345', 'conv-1234567', 'Q4 2026 review']) {
      expect(participantQuery(other, KEY, 'SE')).toBeUndefined();
    }
  });

  describe('the key without SECRET_KEY', () => {
    it('is the stored seed: the first one stored wins, a malformed one is an error naming the setting', async () => {
      let stored: string | undefined;
      const claim = async (candidate: string) => (stored ??= candidate);
      const first = await resolveLookupKey(undefined, claim);
      const second = await resolveLookupKey(undefined, claim);
      expect(first.source).toBe('stored_seed');
      expect(second.key.equals(first.key)).toBe(true);

      await expect(resolveLookupKey(undefined, async () => 'not a seed')).rejects.toThrow(/participantLookup\.seed/u);
    });

    it('with SECRET_KEY set, the seed is not asked for', async () => {
      const key = await resolveLookupKey(SECRET, () => Promise.reject(new Error('not asked')));
      expect(key).toMatchObject({ source: 'secret_key', id: KEY.id });
    });

    it('seeds are 32 random bytes', () => {
      const seed = newLookupSeed();
      expect(lookupKeyFromSeed(seed)?.key).toHaveLength(32);
      expect(newLookupSeed()).not.toBe(seed);
      expect(lookupKeyFromSeed('c2hvcnQ=')).toBeUndefined();
    });
  });
});
