import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { NotificationSignature } from '../crm/crmConnector';

/**
 * Checks a Lime webhook delivery: `X-Lime-Signature: sha256=<hex HMAC-SHA256 of the payload with the subscription
 * secret>` (lime-rest-api.md §1.2), computed here over the exact bytes received — never over re-serialised JSON.
 * The comparison is constant-time behind a length guard, so a forged signature learns nothing and never throws.
 */
export function verifyLimeSignature(
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  secret: string,
): NotificationSignature {
  const sent = headers['x-lime-signature'];
  const value = Array.isArray(sent) ? sent[0] : sent;
  if (value === undefined || value.trim() === '') return 'missing_signature';
  const match = /^sha256=([0-9a-fA-F]+)$/u.exec(value.trim());
  if (!match?.[1]) return 'bad_signature';
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const received = Buffer.from(match[1].toLowerCase(), 'hex');
  return received.length === expected.length && timingSafeEqual(received, expected) ? 'ok' : 'bad_signature';
}
