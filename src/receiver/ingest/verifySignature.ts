import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SignatureScheme } from './signatureScheme';

/** Standard Webhooks' tolerance for `webhook-timestamp` (its timestamp is signed, so it can stop replays). */
export const STANDARD_WEBHOOKS_TOLERANCE_MS = 5 * 60 * 1000;

export type SignatureCheck =
  | {
      ok: true;
      scheme: SignatureScheme;
      /** The sender's delivery id from the headers (`X-Webhook-Delivery-Id`, `webhook-id`), when sent. */
      deliveryId?: string | undefined;
      /** The event type from the headers (`X-Webhook-Event`), when sent. */
      eventType?: string | undefined;
    }
  | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'stale_timestamp' };

/**
 * Verifies a webhook on the exact bytes received, before anything parses them, with either scheme:
 * - DCI's: `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>` (shared/specs/dci-api.md §3). Its
 *   `X-Webhook-Timestamp` is not covered by the HMAC, so it is not used to reject anything: replays are stopped
 *   by delivery-id and conversation de-duplication. A base64 digest is accepted too (the encoding is not
 *   documented; hex is the convention).
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>` (several, space
 *   separated) over `id.timestamp.body`, `whsec_` secrets, a 5-minute tolerance.
 * Any of the configured secrets may match (rotation). Comparisons are constant-time with a length guard.
 */
export function verifySignature(
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  secrets: readonly string[],
  now: Date,
): SignatureCheck {
  const standardSignature = header(headers, 'webhook-signature');
  if (standardSignature !== undefined) return verifyStandard(rawBody, headers, standardSignature, secrets, now);

  const dciSignature = header(headers, 'x-webhook-signature');
  if (dciSignature === undefined) return { ok: false, reason: 'missing_signature' };
  const match = /^sha256=([A-Za-z0-9+/=_-]+)$/u.exec(dciSignature.trim());
  if (!match?.[1]) return { ok: false, reason: 'bad_signature' };
  const sent = match[1];
  for (const secret of secrets) {
    const digest = createHmac('sha256', secret).update(rawBody).digest();
    if (safeEqual(sent.toLowerCase(), digest.toString('hex')) || safeEqual(sent, digest.toString('base64'))) {
      return {
        ok: true,
        scheme: 'dci',
        deliveryId: header(headers, 'x-webhook-delivery-id'),
        eventType: header(headers, 'x-webhook-event'),
      };
    }
  }
  return { ok: false, reason: 'bad_signature' };
}

function verifyStandard(
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  signatures: string,
  secrets: readonly string[],
  now: Date,
): SignatureCheck {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  if (id === undefined || timestamp === undefined || !/^\d{1,12}$/u.test(timestamp)) {
    return { ok: false, reason: 'bad_signature' };
  }
  const sent = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice(3));
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), rawBody]);
  const valid = secrets.some((secret) => {
    const expected = createHmac('sha256', standardKey(secret)).update(signed).digest('base64');
    return sent.some((signature) => safeEqual(signature, expected));
  });
  if (!valid) return { ok: false, reason: 'bad_signature' };
  // Checked after the signature, so an unsigned request cannot learn anything about our clock.
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > STANDARD_WEBHOOKS_TOLERANCE_MS) {
    return { ok: false, reason: 'stale_timestamp' };
  }
  return { ok: true, scheme: 'standard_webhooks', deliveryId: id };
}

/** A Standard Webhooks secret's key bytes: base64 after `whsec_`; a secret without the prefix is used as text. */
export function standardKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** Constant-time string comparison; different lengths are unequal without comparing (the length is not secret). */
function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
