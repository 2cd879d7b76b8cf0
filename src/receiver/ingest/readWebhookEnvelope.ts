import { toSingleLine, type PayloadIssue } from '../../core';

/**
 * The headers a webhook's meaning rests on. Node joins a repeated header into one value ("a, b"), which would turn
 * two delivery ids into a third that de-duplicates nothing, or two signatures into one that matches neither: a
 * request that repeats one of them is refused instead of guessed at.
 */
const SINGLE_VALUED_HEADERS = [
  'content-type',
  'x-webhook-signature',
  'x-webhook-event',
  'x-webhook-delivery-id',
  'x-webhook-timestamp',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
] as const;

/** The longest delivery id kept as the idempotency key (a UUID or `msg_…` is far shorter). */
export const MAX_DELIVERY_ID_LENGTH = 200;

/** A delivery id from a header: visible ASCII and spaces, so it is safe to store, show and compare. */
const HEADER_DELIVERY_ID = new RegExp(`^[\\x20-\\x7e]{1,${MAX_DELIVERY_ID_LENGTH}}$`, 'u');

/** An event type: a name such as `conversation.completed`, never free text (it is stored and logged). */
const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/u;

/** The first webhook header the request repeats, by name; undefined when each comes at most once. */
export function repeatedWebhookHeader(headersDistinct: Record<string, string[] | undefined>): string | undefined {
  return SINGLE_VALUED_HEADERS.find((name) => (headersDistinct[name]?.length ?? 0) > 1);
}

/** What a verified request is about, read before the body is held to the summary contract. */
export type WebhookEnvelope =
  | {
      ok: true;
      eventType: string;
      /** The sender's delivery id, from the signed headers or else the body's `_meta.delivery_id`, when usable. */
      deliveryId?: string | undefined;
    }
  | {
      ok: false;
      code: 'invalid_payload' | 'invalid_event' | 'invalid_delivery_id';
      message: string;
      issues?: PayloadIssue[] | undefined;
    };

/**
 * The event type (the body's `event`, else the `X-Webhook-Event` header) and the delivery id (the signature's
 * header id, else `_meta.delivery_id`) of a parsed body. Both are stored and logged, so both are checked here,
 * whatever the event: a body that is no JSON object, an event that is no name, or a header id that is not short
 * visible text is a 400.
 */
export function readWebhookEnvelope(
  payload: unknown,
  signed: { deliveryId?: string | undefined; eventType?: string | undefined },
): WebhookEnvelope {
  if (!isObject(payload)) {
    return invalidPayload({ path: '$', message: 'must be a JSON object' });
  }
  const bodyEvent = payload['event'];
  if (bodyEvent !== undefined && typeof bodyEvent !== 'string') {
    return invalidPayload({ path: '$.event', message: 'must be a text string' });
  }
  const eventType = bodyEvent ?? signed.eventType ?? 'unknown';
  if (!EVENT_NAME.test(eventType)) {
    return {
      ok: false,
      code: 'invalid_event',
      message: 'The event type must be a name such as conversation.completed: at most 100 letters, digits and . _ : -',
    };
  }
  if (signed.deliveryId !== undefined && !HEADER_DELIVERY_ID.test(signed.deliveryId)) {
    return {
      ok: false,
      code: 'invalid_delivery_id',
      message: `The delivery id header must be 1 to ${MAX_DELIVERY_ID_LENGTH} visible ASCII characters.`,
    };
  }
  return { ok: true, eventType, deliveryId: signed.deliveryId ?? bodyDeliveryId(payload) };
}

/**
 * `_meta.delivery_id` cleaned as the summary contract cleans it (one line, trimmed, bounded), so an ignored event
 * and a summary key the same way; anything else is no id (the body's hash is then the key).
 */
function bodyDeliveryId(payload: Record<string, unknown>): string | undefined {
  const meta = payload['_meta'];
  const raw = isObject(meta) ? meta['delivery_id'] : undefined;
  if (typeof raw !== 'string' || raw.length > MAX_DELIVERY_ID_LENGTH) return undefined;
  const cleaned = toSingleLine(raw).trim();
  return cleaned === '' ? undefined : cleaned;
}

function invalidPayload(issue: PayloadIssue): WebhookEnvelope {
  return {
    ok: false,
    code: 'invalid_payload',
    message: 'The payload does not match the summary contract.',
    issues: [issue],
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
