import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryReads } from '../store/ports/deliveryReads';

/** The receiver's Prometheus metrics, on a registry of its own (several receivers can live in one test process). */
export interface ReceiverMetrics {
  registry: Registry;
  received: Counter;
  accepted: Counter;
  rejected: Counter<'reason'>;
  deliveries: Counter<'outcome'>;
  attemptDuration: Histogram;
}

export function createMetrics(
  store: Pick<DeliveryReads, 'counts'>,
  now: () => Date = () => new Date(),
): ReceiverMetrics {
  const registry = new Registry();
  const metrics: ReceiverMetrics = {
    registry,
    received: new Counter({
      name: 'dci_webhooks_received_total',
      help: 'Webhook requests received',
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'dci_webhooks_accepted_total',
      help: 'Summaries stored and acknowledged',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'dci_webhooks_rejected_total',
      help: 'Webhook requests refused, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'dci_delivery_attempts_total',
      help: 'Delivery attempts by outcome (delivered, retry, dead, superseded, released)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: 'dci_delivery_attempt_duration_seconds',
      help: 'Duration of one delivery attempt, CRM calls included',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'dci_queue_depth',
    help: 'Deliveries not yet delivered or dead',
    registers: [registry],
    async collect() {
      const { byStatus } = await store.counts();
      this.set(byStatus.pending + byStatus.retrying + byStatus.in_progress);
    },
  });
  new Gauge({
    name: 'dci_oldest_pending_age_seconds',
    help: 'Age of the oldest delivery not yet delivered or dead (0 when none)',
    registers: [registry],
    async collect() {
      const { oldestOpenSince } = await store.counts();
      this.set(oldestOpenSince === undefined ? 0 : (now().getTime() - oldestOpenSince.getTime()) / 1000);
    },
  });
  return metrics;
}
