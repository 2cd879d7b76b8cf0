import { createHmac, randomUUID } from 'node:crypto';
import { standardKey } from './verifySignature';

/**
 * The headers DCI sends with a webhook (shared/specs/dci-api.md §3.1), signed with `secret`: what `send-sample`,
 * the demo and the tests send, byte for byte as DCI would.
 */
export function signDci(
  body: Buffer | string,
  secret: string,
  options: { deliveryId?: string; event?: string; now?: Date } = {},
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-webhook-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    'x-webhook-event': options.event ?? 'conversation.completed',
    'x-webhook-delivery-id': options.deliveryId ?? randomUUID(),
    'x-webhook-timestamp': String(Math.floor((options.now ?? new Date()).getTime() / 1000)),
  };
}

/** The headers of a Standard Webhooks sender, signed with a `whsec_` secret. */
export function signStandardWebhook(
  body: Buffer | string,
  secret: string,
  options: { id?: string; now?: Date } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = String(Math.floor((options.now ?? new Date()).getTime() / 1000));
  const signature = createHmac('sha256', standardKey(secret))
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest('base64');
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature}`,
  };
}
