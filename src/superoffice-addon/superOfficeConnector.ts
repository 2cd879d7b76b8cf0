import type { ConnectionCheck, CrmConnector, DeliverOptions, DeliveryReport } from '../crm/crmConnector';
import type { MeetingSummary } from '../core';
import type { SuperOfficeConnectorOptions } from './superOfficeOptions';

/**
 * SuperOffice behind the `CrmConnector` port, through the endpoint script's adapter and the real WebAPI agents.
 * TODO(issue 18): not built yet — this skeleton only fixes the class's shape for the receiver's wiring.
 */
export class SuperOfficeConnector implements CrmConnector {
  readonly options: SuperOfficeConnectorOptions;

  constructor(options: SuperOfficeConnectorOptions) {
    this.options = options;
  }

  testConnection(_signal?: AbortSignal): Promise<ConnectionCheck> {
    return Promise.reject(new Error('SuperOfficeConnector is not built yet'));
  }

  deliver(_summary: MeetingSummary, _options: DeliverOptions): Promise<DeliveryReport> {
    return Promise.reject(new Error('SuperOfficeConnector is not built yet'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
