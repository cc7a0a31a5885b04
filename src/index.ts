export { createEmulator, VERSION, type Emulator, type EmulatorOptions } from './emulator.js';
export { loadConfig, defaultConfig, type Config } from './config.js';
