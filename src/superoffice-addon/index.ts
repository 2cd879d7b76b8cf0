export { SuperOfficeConnector } from './superOfficeConnector';
export { superOfficeAuthorizer } from './superOfficeAuth';
export type {
  SuperOfficeAuthorizer,
  SuperOfficeConnectorOptions,
  SuperOfficeCredentialKind,
  SuperOfficeCredentials,
} from './superOfficeOptions';
