import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { signDci, signStandardWebhook } from '../../src/receiver/ingest/signWebhook';
import { verifySignature } from '../../src/receiver/ingest/verifySignature';

const now = new Date('2026-11-20T10:00:00Z');
const body = Buffer.from('{"event":"conversation.completed","title":"Offer review — Åkesson"}');

describe('verifySignature: DCI scheme', () => {
  it('a hex HMAC-SHA256 of the exact bytes verifies, with delivery id and event from the headers', () => {
    const headers = signDci(body, 's3cret', { deliveryId: 'd-1' });
    expect(verifySignature(body, headers, ['s3cret'], now)).toEqual({
      ok: true,
      scheme: 'dci',
      deliveryId: 'd-1',
      eventType: 'conversation.completed',
    });
  });

  it('upper-case hex and base64 digests verify too (the encoding is not documented)', () => {
    const digest = createHmac('sha256', 's3cret').update(body).digest();
    for (const signature of [`sha256=${digest.toString('hex').toUpperCase()}`, `sha256=${digest.toString('base64')}`]) {
      expect(verifySignature(body, { 'x-webhook-signature': signature }, ['s3cret'], now).ok).toBe(true);
    }
  });

  it('one changed byte, another secret, or no signature fails', () => {
    const headers = signDci(body, 's3cret');
    const changed = Buffer.from(body.toString().replace('Offer', 'offer'));
    expect(verifySignature(changed, headers, ['s3cret'], now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySignature(body, headers, ['other'], now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySignature(body, {}, ['s3cret'], now)).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('any configured secret verifies (rotation)', () => {
    expect(verifySignature(body, signDci(body, 'new'), ['old', 'new'], now).ok).toBe(true);
  });

  it('the unsigned X-Webhook-Timestamp never decides', () => {
    const headers = { ...signDci(body, 's3cret'), 'x-webhook-timestamp': '0' };
    expect(verifySignature(body, headers, ['s3cret'], now).ok).toBe(true);
  });

  it('garbage signature headers are a failure, never an exception', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (signature) => {
        const result = verifySignature(body, { 'x-webhook-signature': signature }, ['s3cret'], now);
        expect(result.ok).toBe(false);
      }),
    );
  });
});

describe('verifySignature: Standard Webhooks', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('a v1 signature over id.timestamp.body with a whsec_ secret verifies; the id is the delivery id', () => {
    const headers = signStandardWebhook(body, secret, { id: 'msg_1', now });
    expect(verifySignature(body, headers, [secret], now)).toEqual({
      ok: true,
      scheme: 'standard_webhooks',
      deliveryId: 'msg_1',
    });
  });

  it('matches the Standard Webhooks reference vector', () => {
    // From the Standard Webhooks specification's test vectors.
    const payload = Buffer.from('{"test": 2432232314}');
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    expect(verifySignature(payload, headers, [secret], new Date(1614265330 * 1000)).ok).toBe(true);
  });

  it('one of several space-separated signatures may match', () => {
    const headers = signStandardWebhook(body, secret, { now });
    headers['webhook-signature'] = `v1,AAAA ${headers['webhook-signature']} v2,zzz`;
    expect(verifySignature(body, headers, [secret], now).ok).toBe(true);
  });

  it('a timestamp more than 5 minutes away fails as stale, after the signature was found valid', () => {
    const sent = new Date(now.getTime() - 5 * 60 * 1000 - 1000);
    const headers = signStandardWebhook(body, secret, { now: sent });
    expect(verifySignature(body, headers, [secret], now)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifySignature(body, headers, ['whsec_b3RoZXI='], now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('missing id or timestamp fails', () => {
    const headers = signStandardWebhook(body, secret, { now });
    expect(verifySignature(body, { ...headers, 'webhook-id': '' }, [secret], now).ok).toBe(false);
    expect(verifySignature(body, { ...headers, 'webhook-timestamp': 'soon' }, [secret], now).ok).toBe(false);
  });
});
