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
  /** Deliveries settled, by what they came to: delivered (a note written), company_only, no_match, dead. */
  settled: Counter<'outcome'>;
  /** The participants of delivered meetings, by outcome (core's ParticipantOutcomeCategory). */
  participantOutcomes: Counter<'outcome'>;
  /** Seconds from the receiver storing a summary (or its reopening) to its note written. */
  timeToNote: Histogram;
  /** Lime's request budget (LIME_RATE_LIMIT): requests let through and time waited, by purpose; 429s answered. */
  budget: { requests: Counter<'purpose'>; waitSeconds: Counter<'purpose'>; rateLimited: Counter };
}

/** The request budget in effect as it stands, for the gauges. */
export interface BudgetReading {
  /** The limit in force per window (lower than configured while a 429 holds it down). */
  limit: number;
  /** Requests spent in the window, by purpose, by every replica on the store. */
  spent: Record<string, number>;
}

export function createMetrics(
  store: Pick<DeliveryReads, 'counts'>,
  now: () => Date = () => new Date(),
  readBudget?: () => Promise<BudgetReading | undefined>,
  /**
   * The CRM in effect's queue target (`CRM`): the queue gauges count only its deliveries. Another CRM's, left from
   * before a switch, are claimed by no worker here; counted, they would hold the oldest-pending alert up forever.
   * Undefined: every target's (a store only one CRM ever used).
   */
  target?: string | undefined,
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
    settled: new Counter({
      name: 'dci_deliveries_settled_total',
      help: 'Deliveries settled, by what they came to (delivered, company_only, no_match, dead)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    participantOutcomes: new Counter({
      name: 'dci_participant_outcomes_total',
      help: 'Participants of delivered meetings, by outcome (matched_email, matched_mobile, matched_phone, created, assigned, company_only, ambiguous, no_match, internal, not_matchable, dry_run)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    timeToNote: new Histogram({
      name: 'dci_delivery_time_to_note_seconds',
      help: 'Seconds from the receiver storing a summary (or its reopening by a re-send or requeue) to its note written',
      // Seconds when Lime answers, minutes while it retries, hours through an outage.
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400],
      registers: [registry],
    }),
    budget: {
      requests: new Counter({
        name: 'dci_lime_budget_requests_total',
        help: 'CRM requests (Lime or SuperOffice) let through by the request budget, by purpose (delivery, probe, sync)',
        labelNames: ['purpose'],
        registers: [registry],
      }),
      waitSeconds: new Counter({
        name: 'dci_lime_budget_wait_seconds_total',
        help: 'Time CRM requests waited for the request budget, by purpose',
        labelNames: ['purpose'],
        registers: [registry],
      }),
      rateLimited: new Counter({
        name: 'dci_lime_rate_limited_total',
        help: 'CRM answers 429 (each lowers the request budget until its window has passed)',
        registers: [registry],
      }),
    },
  };
  if (readBudget) {
    new Gauge({
      name: 'dci_lime_budget_window_requests',
      help: 'CRM requests spent in the current window of the request budget (all replicas), by purpose',
      labelNames: ['purpose'],
      registers: [registry],
      async collect() {
        const reading = await readBudget();
        for (const [purpose, spent] of Object.entries(reading?.spent ?? {})) this.set({ purpose }, spent);
      },
    });
    new Gauge({
      name: 'dci_lime_budget_limit',
      help: 'CRM requests allowed per window now (LIME_RATE_LIMIT or SUPEROFFICE_RATE_LIMIT, lower while a 429 holds it down)',
      registers: [registry],
      async collect() {
        const reading = await readBudget();
        if (reading) this.set(reading.limit);
      },
    });
  }
  new Gauge({
    name: 'dci_queue_depth',
    help: 'Deliveries for the CRM in effect not yet delivered or dead',
    registers: [registry],
    async collect() {
      const { byStatus } = await store.counts(target);
      this.set(byStatus.pending + byStatus.retrying + byStatus.in_progress);
    },
  });
  new Gauge({
    name: 'dci_oldest_pending_age_seconds',
    help: 'Age of the oldest delivery for the CRM in effect not yet delivered or dead (0 when none)',
    registers: [registry],
    async collect() {
      const { oldestOpenSince } = await store.counts(target);
      this.set(oldestOpenSince === undefined ? 0 : (now().getTime() - oldestOpenSince.getTime()) / 1000);
    },
  });
  return metrics;
}

/** The CRM's outage circuit as the gauges read it (the delivery worker's CrmAvailability). */
export interface CrmAvailabilityReading {
  kind: 'available' | 'unavailable';
  since?: Date | undefined;
  nextProbeAt?: Date | undefined;
}

/**
 * Gauges of the CRM's outage circuit: `dci_crm_available` (1 or 0), and while it is out since when and when the next
 * probe goes (Unix seconds; 0 when available, or while a probe is under way).
 */
export function addCrmAvailabilityGauges(metrics: ReceiverMetrics, read: () => CrmAvailabilityReading): void {
  const registers = [metrics.registry];
  const seconds = (date: Date | undefined) => (date === undefined ? 0 : date.getTime() / 1000);
  new Gauge({
    name: 'dci_crm_available',
    help: 'Whether the CRM answers (1) or the delivery worker waits out an outage (0)',
    registers,
    collect() {
      this.set(read().kind === 'available' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dci_crm_unavailable_since_seconds',
    help: 'When the current CRM outage began (Unix time; 0 when the CRM is available)',
    registers,
    collect() {
      this.set(seconds(read().since));
    },
  });
  new Gauge({
    name: 'dci_crm_next_probe_seconds',
    help: 'When the next probe of an unavailable CRM goes (Unix time; 0 when available or while probing)',
    registers,
    collect() {
      this.set(seconds(read().nextProbeAt));
    },
  });
}
