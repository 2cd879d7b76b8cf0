import { createHmac } from 'node:crypto';
import { postWithRetries } from '../shared/postWithRetries';
import type { ObjectChange } from './objectStore';
import type { LimeRecord, LimeSubscription, LimeWebhookDelivery } from './types';
import type { WebhookSubscriptions } from './webhookSubscriptions';

export interface WebhookDeliveryOptions {
  /** Attempts per delivery (the first included) before it is given up. */
  attempts: number;
  /** Wait before attempt n+1: `delayMs · n`. */
  delayMs: number;
  /** How long one POST may take. */
  timeoutMs: number;
}

/**
 * Lime's side of webhooks: each write to the store becomes `<limetype>.<action>` and is POSTed, signed with the
 * subscription's secret over the exact bytes sent, to every enabled subscription to that event. Deliveries run
 * after the write's own answer, one at a time in the order of the writes; a failed one is tried again a few times.
 */
export class WebhookDeliveries {
  readonly log: LimeWebhookDelivery[] = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();

  constructor(
    private readonly subscriptions: WebhookSubscriptions,
    private readonly options: WebhookDeliveryOptions,
  ) {}

  /** Queues the change's deliveries (none when nobody subscribes to its event). */
  notify(change: ObjectChange): void {
    const event = `${change.limetype}.${change.action}`;
    const targets = this.subscriptions.subscribedTo(event);
    if (targets.length === 0) return;
    const body = JSON.stringify(payloadOf(event, change));
    for (const subscription of targets) {
      this.queue = this.queue.then(() => this.deliver(subscription, event, body));
    }
  }

  /** Resolves once every delivery queued so far has been made (or given up). */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Stops retrying and cuts the delivery in flight. */
  close(): Promise<void> {
    this.stopping.abort();
    return this.queue;
  }

  private async deliver(subscription: LimeSubscription, event: string, body: string): Promise<void> {
    const signature =
      subscription.secret === undefined || subscription.secret === ''
        ? undefined
        : `sha256=${createHmac('sha256', subscription.secret).update(body, 'utf8').digest('hex')}`;
    await postWithRetries<LimeWebhookDelivery>({
      url: subscription.target_url,
      body,
      headers: () => ({
        'content-type': 'application/json',
        'user-agent': 'lime-webhooks (emulator)',
        ...(signature === undefined ? {} : { 'x-lime-signature': signature }),
      }),
      attempts: this.options.attempts,
      retryDelayMs: (attempt) => this.options.delayMs * attempt,
      timeoutMs: this.options.timeoutMs,
      stopping: this.stopping.signal,
      entry: (attempt) => ({
        subscriptionId: subscription.id,
        event,
        targetUrl: subscription.target_url,
        attempt,
        body,
      }),
      log: this.log,
    });
  }
}

/**
 * The delivery payload of lime-rest-api.md §7.1: every value of the object, system properties without their
 * underscore; for an update, the changed properties' old values in `original_values`.
 */
function payloadOf(event: string, change: ObjectChange): Record<string, unknown> {
  const { record, previous } = change;
  const body: Record<string, unknown> = { id: record._id, limetype: change.limetype, values: valuesOf(record) };
  if (change.action === 'update' && previous !== undefined) body['original_values'] = changedValues(previous, record);
  return { event, body };
}

function valuesOf(record: LimeRecord): Record<string, unknown> {
  return {
    ...record.values,
    id: record._id,
    createdtime: record._createdtime,
    createduser: record._createduser,
    updateduser: record._updateduser,
    timestamp: record._timestamp,
  };
}

function changedValues(before: LimeRecord, after: LimeRecord): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(before.values)) {
    if (JSON.stringify(value) !== JSON.stringify(after.values[name])) changed[name] = value;
  }
  return changed;
}
