import { createHmac, randomUUID } from 'node:crypto';
import { postWithRetries } from '../shared/postWithRetries';
import { webhookConversation } from './serializeConversation';
import type { DciStoredConversation, DciWebhookAttempt } from './types';

interface Subscription {
  id: string;
  url: string;
  secret: string;
  tokenPrefix: string;
}

export interface WebhookOptions {
  /** The wait before each retry; as many retries as entries. */
  retryDelaysMs: readonly number[];
  /** How long one POST may take. */
  timeoutMs: number;
  now: () => Date;
}

/**
 * DCI's side of `conversation.completed` (dci-api.md §3): one delivery per subscription, its own delivery id, the
 * documented body signed over its exact bytes; a non-2xx answer or a network failure is retried after each delay.
 * Deliveries run concurrently, each one's attempts in order.
 */
export class WebhookSender {
  readonly log: DciWebhookAttempt[] = [];
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly pending = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private dropCount = 0;

  constructor(private readonly options: WebhookOptions) {}

  subscribe(url: string, secret: string, tokenPrefix: string): string {
    const id = randomUUID();
    this.subscriptions.set(id, { id, url, secret, tokenPrefix });
    return id;
  }

  unsubscribe(id: string): boolean {
    return this.subscriptions.delete(id);
  }

  dropNext(count: number): void {
    this.dropCount += count;
  }

  /** Sends `conversation.completed` for the conversation to every subscription, each under a new delivery id. */
  sendCompleted(conversation: DciStoredConversation): void {
    for (const subscription of this.subscriptions.values()) {
      const deliveryId = randomUUID();
      if (this.dropCount > 0) {
        this.dropCount -= 1;
        this.log.push({
          deliveryId,
          conversationId: conversation.id,
          url: subscription.url,
          attempt: 0,
          dropped: true,
        });
        continue;
      }
      const body = JSON.stringify({
        event: 'conversation.completed',
        timestamp: this.options.now().toISOString(),
        data: { conversation: webhookConversation(conversation) },
        _meta: { token_prefix: subscription.tokenPrefix, delivery_id: deliveryId },
      });
      const delivery = this.deliver(subscription, conversation.id, deliveryId, Buffer.from(body, 'utf8'));
      this.pending.add(delivery);
      void delivery.finally(() => this.pending.delete(delivery));
    }
  }

  /** Resolves once no delivery is in flight or waiting for a retry. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stops retries and cuts the attempts in flight. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.settled();
  }

  private async deliver(
    subscription: Subscription,
    conversationId: string,
    deliveryId: string,
    body: Buffer,
  ): Promise<void> {
    const signature = `sha256=${createHmac('sha256', subscription.secret).update(body).digest('hex')}`;
    await postWithRetries<DciWebhookAttempt>({
      url: subscription.url,
      body,
      headers: () => ({
        'content-type': 'application/json',
        'x-webhook-signature': signature,
        'x-webhook-event': 'conversation.completed',
        'x-webhook-delivery-id': deliveryId,
        'x-webhook-timestamp': String(Math.floor(this.options.now().getTime() / 1000)),
      }),
      attempts: this.options.retryDelaysMs.length + 1,
      retryDelayMs: (attempt) => this.options.retryDelaysMs[attempt - 1] ?? 0,
      timeoutMs: this.options.timeoutMs,
      stopping: this.stopping.signal,
      entry: (attempt) => ({ deliveryId, conversationId, url: subscription.url, attempt }),
      log: this.log,
    });
  }
}
