import type { IncomingHttpHeaders } from 'node:http';
import type { MeetingSummary } from '../../core';
import type {
  ConnectionCheck,
  ContactChangeSubscription,
  ContactIndexEntry,
  ContactNotification,
  CrmConnector,
  DeliverOptions,
  DeliveryReport,
  NotificationSignature,
} from '../../crm/crmConnector';
import type { Logger } from '../observability/logger';
import type { ClosableConnector, ConnectorOptions } from './connectionSettingsService';

/**
 * A connector shared by the worker and the admin pages, counting the calls in flight: when settings change it is
 * retired, and closes once its last call has returned (closing at once would cut off a delivery half-way).
 */
export class SharedConnector<O = ConnectorOptions> implements CrmConnector {
  private active = 0;
  private retired = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly inner: ClosableConnector,
    readonly options: O,
    private readonly logger: Logger,
  ) {}

  testConnection(signal?: AbortSignal): Promise<ConnectionCheck> {
    return this.use(() => this.inner.testConnection(signal));
  }

  deliver(summary: MeetingSummary, options: DeliverOptions): Promise<DeliveryReport> {
    return this.use(() => this.inner.deliver(summary, options));
  }

  /** The inner connector's probe; a connector without one is taken to answer when asked. */
  async probe(signal?: AbortSignal): Promise<void> {
    const { inner } = this;
    if (inner.probe) await this.use(() => inner.probe?.(signal) ?? Promise.resolve());
  }

  /** The inner connector's export (nothing when it has none); counts as a call in flight until it ends. */
  async *exportContacts(options: {
    defaultRegion: string;
    signal?: AbortSignal | undefined;
  }): AsyncIterable<ContactIndexEntry[]> {
    if (!this.inner.exportContacts) return;
    this.active += 1;
    try {
      yield* this.inner.exportContacts(options);
    } finally {
      this.active -= 1;
      if (this.retired && this.active === 0) void this.close();
    }
  }

  /** The inner connector's incremental export (nothing when it has none); a call in flight until it ends. */
  async *exportContactsChangedSince(
    since: string,
    options: { defaultRegion: string; signal?: AbortSignal | undefined },
  ): AsyncIterable<ContactIndexEntry[]> {
    if (!this.inner.exportContactsChangedSince) return;
    this.active += 1;
    try {
      yield* this.inner.exportContactsChangedSince(since, options);
    } finally {
      this.active -= 1;
      if (this.retired && this.active === 0) void this.close();
    }
  }

  /** The inner connector's subscription, or `unavailable` when it has none. */
  subscribeToContactChanges(request: {
    targetUrl: string;
    secret: string;
    signal?: AbortSignal | undefined;
  }): Promise<ContactChangeSubscription> {
    const subscribe = this.inner.subscribeToContactChanges?.bind(this.inner);
    if (!subscribe) {
      return Promise.resolve({ kind: 'unavailable', reason: 'this CRM connector has no change notifications' });
    }
    return this.use(() => subscribe(request));
  }

  /** The inner connector's check; without one, nothing verifies. */
  verifyContactNotification(rawBody: Buffer, headers: IncomingHttpHeaders, secret: string): NotificationSignature {
    return this.inner.verifyContactNotification?.(rawBody, headers, secret) ?? 'bad_signature';
  }

  /** The inner connector's reading; without one, every notification is ignored. */
  readContactNotification(
    notification: unknown,
    options: { defaultRegion: string; signal?: AbortSignal | undefined },
  ): Promise<ContactNotification> {
    const read = this.inner.readContactNotification?.bind(this.inner);
    if (!read) {
      return Promise.resolve({
        kind: 'ignored',
        event: 'unknown',
        reason: 'this CRM connector reads no notifications',
      });
    }
    return this.use(() => read(notification, options));
  }

  /** Closes now when idle, else after the last call in flight. */
  retire(): Promise<void> {
    this.retired = true;
    return this.active === 0 ? this.close() : Promise.resolve();
  }

  private async use<T>(call: () => Promise<T>): Promise<T> {
    this.active += 1;
    try {
      return await call();
    } finally {
      this.active -= 1;
      if (this.retired && this.active === 0) void this.close();
    }
  }

  private close(): Promise<void> {
    this.closing ??= this.inner.close().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'closing the replaced CRM connector failed');
    });
    return this.closing;
  }
}
