// The one place that picks the CRM's connector: Lime's or SuperOffice's, as CRM says. main.ts and the operator CLI
// (`dci-companion test-connection`, `backfill --dry-run`) are both composition roots; both build the connector here,
// so the CLI tests and dry-runs with the very connector the receiver delivers with.
import { LimeConnector } from '../lime-addon';
import { SuperOfficeConnector } from '../superoffice-addon';
import type { ClosableConnector, CrmConnectorOptions } from './settings/connectionSettingsService';

/**
 * The connector of the CRM the options are for. SuperOffice's authorizer (basic, ticket, the system user's exchange)
 * is built inside its connector, from the credentials in the options.
 */
export function makeCrmConnector(options: CrmConnectorOptions): ClosableConnector {
  if (options.crm === 'superoffice') {
    const { crm: _crm, ...superOffice } = options;
    return new SuperOfficeConnector(superOffice);
  }
  const { crm: _crm, ...lime } = options;
  return new LimeConnector(lime);
}
