import type { ContactIndexStore } from './ports/contactIndexStore';
import type { DeliveryQueue } from './ports/deliveryQueue';
import type { DeliveryReads } from './ports/deliveryReads';
import type { DeliveryStats } from './ports/deliveryStats';
import type { JobLeases } from './ports/jobLeases';
import type { PartialEnrichments } from './ports/partialEnrichments';
import type { ParticipantKeyStore } from './ports/participantKeys';
import type { ParticipantResolutions } from './ports/participantResolutions';
import type { PersonalDataStore } from './ports/personalDataStore';
import type { RateBuckets } from './ports/rateBuckets';
import type { RateBudgetStore } from './ports/rateBudgetStore';
import type { SettingsStore } from './ports/settingsStore';
import type { StoreHealth } from './ports/storeHealth';
import type { WorkerRegistry } from './ports/workerRegistry';

// The receiver's durable store: the queue and the audit trail. Narrow ports (ports/), each consumer taking only the
// ones it needs; one contract suite per port (test/store/contract/) run against every adapter (SQLite, PostgreSQL).

/**
 * The whole store, every port on one database: what openStore returns and the composition roots (the receiver, the
 * CLI) hold and close. Each adapter implements it as one thin class composing its dialect's ports.
 */
export interface ReceiverStore
  extends
    DeliveryQueue,
    DeliveryReads,
    DeliveryStats,
    SettingsStore,
    ContactIndexStore,
    ParticipantResolutions,
    PersonalDataStore,
    ParticipantKeyStore,
    PartialEnrichments,
    JobLeases,
    RateBuckets,
    RateBudgetStore,
    StoreHealth,
    WorkerRegistry {
  close(): Promise<void>;
}

// The ports' records, also under this module's name, which consumers that take the whole store import them by.
export type {
  AcceptedSummary,
  AcceptResult,
  AttemptRecord,
  ClaimedDelivery,
  DeliveryStatus,
  EnrichmentRecord,
  FinishedAttempt,
  IgnoredEvent,
  SummarySource,
} from './ports/deliveryQueue';
export { DELIVERY_STATUSES } from './ports/deliveryQueue';
export type {
  DeliveryCounts,
  DeliveryDetail,
  DeliveryRow,
  HeldPayload,
  PayloadRemoval,
  ResolvedLater,
  StoredParticipantOutcome,
} from './ports/deliveryReads';
export type { ParticipantResolutions, UnresolvedDelivery } from './ports/participantResolutions';
export type { DeliveryDay, DeliveryDays, ParticipantOutcomeTally, SettledOutcome } from './ports/deliveryStats';
export type { ContactDuplicate } from './ports/contactIndexStore';
export type { ErasureRequest, ErasureResult, RetentionPurgeResult, StoredPayload } from './ports/personalDataStore';
export { ERASED_MESSAGE, PAYLOAD_ERASED } from './ports/personalDataStore';
export type { JobState } from './ports/jobLeases';
export type { KeyablePayload, ParticipantKey, ParticipantKeyHit, ParticipantKeyKind } from './ports/participantKeys';
export type { TakenBack, WorkerLiveness } from './ports/workerRegistry';
