export { seedDemoData, type DemoDataIds } from './demoData';
export { startSuperOfficeEmulator } from './superOfficeEmulator';
export type * from './types';
