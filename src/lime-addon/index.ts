export { LimeConnector } from './limeConnector';
export {
  DEFAULT_FIELD_MAP,
  DEFAULT_TIMEOUTS,
  resolveFieldMap,
  type LimeConnectionOptions,
  type LimeConnectorOptions,
  type LimeFieldMap,
  type LimeFieldOverrides,
  type LimeTimeouts,
} from './limeConfig';
export { parseRetryAfter } from '../core';
export { LimeHttp, apiRootOf } from './limeHttp';
