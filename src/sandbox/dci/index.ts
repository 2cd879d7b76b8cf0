export { seedDciDemoData, type DciDemoDataIds } from './demoData';
export { startDciEmulator } from './dciEmulator';
export { ALL_DCI_SCOPES, DEFAULT_DCI_TOKEN } from './tokenAccess';
export type * from './types';
