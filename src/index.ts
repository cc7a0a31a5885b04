export { createEmulator, VERSION, type Emulator, type EmulatorOptions } from './emulator.js';
export { loadConfig, defaultConfig, type Config } from './config.js';
export { startEmulator, type StartOptions, type TestEmulator } from './testkit.js';
export type { FaultSpec, Fault } from './emulator/faults.js';
export type { InboxMessage } from './mail/types.js';
export type { InboxFilter } from './mail/inbox.js';
export { runWalkthrough, type WalkthroughOptions, type WalkthroughResult, type WalkthroughStep } from './walkthrough/index.js';
