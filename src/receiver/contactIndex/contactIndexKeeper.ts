import type { IncomingHttpHeaders } from 'node:http';
import type {
  ContactChangeSubscription,
  ContactIndexChange,
  CrmConnector,
  NotificationSignature,
} from '../../crm/crmConnector';
import { CrmError } from '../../crm/crmError';
import type { Logger } from '../observability/logger';
import type { ContactIndexStore } from '../store/ports/contactIndexStore';
import { syncContactIndex, updateContactIndex } from './syncContactIndex';

/** What became of a verified change notification. */
export type AppliedNotification =
  | { kind: 'applied'; event: string }
  | { kind: 'ignored'; event: string; reason: string }
  | { kind: 'invalid'; message: string };

/** The port Lime's webhook route (`limeWebhookRoute`) calls: the keeper implements it. */
export interface ContactNotificationReceiver {
  /** The signature check on the exact bytes received; `off` when this receiver takes no notifications now. */
  verifyNotification(rawBody: Buffer, headers: IncomingHttpHeaders): NotificationSignature | 'off';
  /** Applies a verified notification to the contact index. Throws when the CRM or the store fails. */
  applyNotification(notification: unknown): Promise<AppliedNotification>;
}

/**
 * The CRM's change notifications (Lime webhooks): `on` with where the CRM is to post them and the secret they are
 * signed with, or `off` with why (shown on the overview).
 */
export type ContactNotifications = { kind: 'on'; targetUrl: string; secret: string } | { kind: 'off'; reason: string };

export interface ContactIndexKeeperOptions {
  store: ContactIndexStore;
  /** The connector in effect now (it changes when an admin saves the connection). */
  connector: () => CrmConnector | undefined;
  target: string;
  defaultRegion: string;
  /** Full syncs: at start, after the connection changes and this often; 0 turns the index off. */
  syncMs: number;
  /** Incremental passes on the CRM's change time between full syncs; 0: full syncs only. */
  incrementalMs: number;
  /** Change notifications; absent: off. */
  notifications?: ContactNotifications | undefined;
  logger: Logger;
  /**
   * Told of the e-mails and numbers a notification or an incremental pass changed, once the index holds them:
   * re-matching (issue 19) looks for participants left without a person that hold one of them. Keys only, never
   * logged.
   */
  onKeysChanged?: ((keys: ChangedContactKeys) => void) | undefined;
}

/** Normalized e-mails and E.164 numbers of persons (and company main numbers) that changed in the index. */
export interface ChangedContactKeys {
  emails: ReadonlySet<string>;
  phones: ReadonlySet<string>;
}

/** The keys a change touches: its persons' e-mails and numbers, and its companies' main numbers. */
export function changedKeys(
  change: Pick<ContactIndexChange, 'upsert'> & Partial<ContactIndexChange>,
): ChangedContactKeys {
  const emails = new Set<string>();
  const phones = new Set<string>();
  for (const entry of change.upsert) {
    if (entry.email !== undefined) emails.add(entry.email);
    for (const phone of [entry.mobileE164, entry.phoneE164, entry.companyMainE164]) {
      if (phone !== undefined) phones.add(phone);
    }
  }
  for (const company of change.companies ?? []) {
    if (company.companyMainE164 !== undefined) phones.add(company.companyMainE164);
  }
  return { emails, phones };
}

type SubscriptionState = ContactChangeSubscription | { kind: 'failed'; reason: string };

/**
 * Keeps the local contact index fresh, in the best way the CRM allows:
 * 1. webhooks — the CRM posts every person and company change (registered at start, checked again at every full
 *    sync); full syncs stay, to reconcile what a lost notification missed;
 * 2. else incremental passes on the CRM's change time between full syncs (probed right after a full sync: a CRM
 *    that refuses the filter is kept to full syncs);
 * 3. else full syncs only.
 * One sync or pass at a time; notifications are applied as they come, and again after a full sync that ran
 * meanwhile (its snapshot may predate them).
 */
export class ContactIndexKeeper implements ContactNotificationReceiver {
  private running: Promise<void> | undefined;
  /** Whether the CRM answers incremental passes; undefined until probed. */
  private incremental: boolean | undefined;
  private subscription: SubscriptionState | undefined;
  private subscribing: Promise<void> | undefined;
  /** Changes applied while a full sync runs, applied again after it replaced the index. */
  private changesDuringSync: ContactIndexChange[] | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: ContactIndexKeeperOptions) {}

  start(): void {
    const { syncMs, incrementalMs } = this.options;
    if (syncMs === 0) return;
    this.sync();
    this.subscribe();
    this.timers.push(
      setInterval(() => {
        this.sync();
        this.subscribe();
      }, syncMs),
    );
    if (incrementalMs > 0) this.timers.push(setInterval(() => this.update(), incrementalMs));
    for (const timer of this.timers) timer.unref();
  }

  /** A new connection: probe and subscribe again, sync now. */
  onConnectionChanged(): void {
    this.incremental = undefined;
    this.subscription = undefined;
    if (this.options.syncMs === 0) return;
    this.sync();
    this.subscribe();
  }

  /** Which way the index is kept fresh and why, in words ('off' when it is off), for the overview. */
  mode(): string {
    const { syncMs, incrementalMs } = this.options;
    if (syncMs === 0) return 'off';
    const full = `a full sync at start and every ${Math.round(syncMs / 3600_000)} h`;
    if (this.subscription?.kind === 'subscribed') {
      return `${full} to reconcile, and between them Lime webhooks: every person and company change arrives as it happens (subscription ${this.subscription.id})`;
    }
    const noWebhooks = `Lime webhooks are not used: ${this.webhooksOffReason()}`;
    if (incrementalMs === 0) return `${full} (incremental passes off); ${noWebhooks}`;
    if (this.incremental === false) return `${full} only: this Lime cannot filter on _timestamp; ${noWebhooks}`;
    // "Not run yet" is the incremental pass's, never the full sync's (which the overview dates separately).
    return `${full}, and every ${Math.round(incrementalMs / 60_000)} min the persons Lime changed (its _timestamp)${
      this.incremental === undefined ? ', the first of these passes still to come' : ''
    }; ${noWebhooks}`;
  }

  verifyNotification(rawBody: Buffer, headers: IncomingHttpHeaders): NotificationSignature | 'off' {
    const { notifications, syncMs } = this.options;
    const connector = this.options.connector();
    if (notifications?.kind !== 'on' || syncMs === 0 || !connector?.verifyContactNotification) return 'off';
    return connector.verifyContactNotification(rawBody, headers, notifications.secret);
  }

  async applyNotification(notification: unknown): Promise<AppliedNotification> {
    const { store, target, defaultRegion, logger } = this.options;
    const connector = this.options.connector();
    if (!connector?.readContactNotification) {
      return { kind: 'ignored', event: 'unknown', reason: 'no CRM connection' };
    }
    const read = await connector.readContactNotification(notification, { defaultRegion });
    if (read.kind !== 'change') return read;
    await store.applyContactChange(target, read.change);
    this.changesDuringSync?.push(read.change);
    const keys = changedKeys(read.change);
    if (keys.emails.size + keys.phones.size > 0) this.options.onKeysChanged?.(keys);
    const { upsert, removePersons, companies, removeCompanies } = read.change;
    logger.info(
      {
        event: read.event,
        upserted: upsert.length,
        removed: removePersons.length,
        companies: companies.length + removeCompanies.length,
      },
      'contact index changed by a notification',
    );
    return { kind: 'applied', event: read.event };
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await Promise.all([this.running, this.subscribing]);
  }

  private webhooksOffReason(): string {
    const { notifications } = this.options;
    if (notifications?.kind !== 'on') return notifications?.reason ?? 'not configured';
    if (this.subscription === undefined) return 'the subscription is not registered yet';
    return this.subscription.kind === 'subscribed' ? 'subscribed' : this.subscription.reason;
  }

  /** Registers (or confirms) our subscription; on failure the index falls back to the other modes. */
  private subscribe(): void {
    const { notifications, logger } = this.options;
    const connector = this.options.connector();
    if (notifications?.kind !== 'on' || !connector?.subscribeToContactChanges || this.subscribing) return;
    const { targetUrl, secret } = notifications;
    this.subscribing = connector
      .subscribeToContactChanges({ targetUrl, secret })
      .then(
        (subscription) => {
          if (this.options.connector() !== connector) return; // the connection changed meanwhile
          this.subscription = subscription;
          if (subscription.kind === 'subscribed') {
            logger.info(
              { subscriptionId: subscription.id, events: subscription.events },
              'subscribed to Lime webhooks',
            );
          } else {
            logger.warn({ reason: subscription.reason }, 'Lime webhooks unavailable; the contact index is polled');
          }
        },
        (error: unknown) => {
          const code = error instanceof CrmError ? error.code : 'error';
          this.subscription = {
            kind: 'failed',
            reason: `registering the subscription failed (${code}); it is tried again at the next full sync`,
          };
          logger.warn({ err: error }, 'registering the Lime webhook subscription failed; the contact index is polled');
        },
      )
      .finally(() => {
        this.subscribing = undefined;
      });
  }

  private sync(): void {
    const { store, target, defaultRegion, logger } = this.options;
    this.run(async (connector) => {
      const started = Date.now();
      this.changesDuringSync = [];
      try {
        const size = await syncContactIndex(store, connector, { target, defaultRegion, now: () => new Date() });
        if (size === undefined) return;
        // The sync's pages may predate notifications applied while it ran: those win again.
        for (const change of this.changesDuringSync) await store.applyContactChange(target, change);
        logger.info({ size, ms: Date.now() - started }, 'contact index synced');
        // Probe the incremental pass right away, so the overview can say which mode is active.
        setImmediate(() => this.update());
      } catch (error) {
        logger.warn({ err: error }, 'contact index sync failed; matching stays live until the next sync');
      } finally {
        this.changesDuringSync = undefined;
      }
    });
  }

  private update(): void {
    const { store, target, defaultRegion, logger, incrementalMs } = this.options;
    if (incrementalMs === 0 || this.incremental === false || this.subscription?.kind === 'subscribed') return;
    this.run(async (connector) => {
      try {
        const changed = await updateContactIndex(store, connector, {
          target,
          defaultRegion,
          onChanged: (entries) => this.options.onKeysChanged?.(changedKeys({ upsert: [...entries] })),
        });
        if (changed === undefined) return;
        this.incremental = true;
        if (changed > 0) logger.info({ changed }, 'contact index updated');
      } catch (error) {
        if (error instanceof CrmError && error.code === 'bad_request') {
          this.incremental = false;
          logger.warn('Lime cannot filter on _timestamp: the contact index is refreshed by full syncs only');
        } else {
          logger.warn({ err: error }, 'contact index update failed; the next pass tries again');
        }
      }
    });
  }

  private run(work: (connector: CrmConnector) => Promise<void>): void {
    const connector = this.options.connector();
    if (this.running || !connector) return;
    this.running = work(connector).finally(() => {
      this.running = undefined;
    });
  }
}
