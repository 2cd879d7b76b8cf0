import { hkdfSync } from 'node:crypto';

/**
 * The secret Lime signs its webhook deliveries with (`X-Lime-Signature`), derived from SECRET_KEY and the target
 * URL with HKDF-SHA256 rather than generated and stored: every replica derives the same one without a race on who
 * stores it first, nothing more is kept at rest, and a new SECRET_KEY or address gives a new secret, which the
 * next start writes into the subscription. Lime never shows the secret back; it is never logged.
 */
export function deriveSubscriptionSecret(secretKey: Buffer, targetUrl: string): string {
  const info = `dci-crm-companion/lime-webhook-secret/v1 ${targetUrl}`;
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), info, 32)).toString('hex');
}
