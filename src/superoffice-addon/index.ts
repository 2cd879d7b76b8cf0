export { SuperOfficeConnector } from './superOfficeConnector';
export { mapSuperOfficeFailure } from './mapSuperOfficeFailure';
export { webApiSession, type WebApiSession, type WebApiTransport } from './webApiAgents';
export { superOfficeAuthorizer } from './superOfficeAuth';
export type {
  SuperOfficeAuthorizer,
  SuperOfficeConnectorOptions,
  SuperOfficeCredentialKind,
  SuperOfficeCredentials,
} from './superOfficeOptions';
