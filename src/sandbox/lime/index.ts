export { coreModel } from './coreModel';
export { seedDemoData, type DemoDataIds } from './demoData';
export { startLimeEmulator } from './limeEmulator';
export type * from './types';
