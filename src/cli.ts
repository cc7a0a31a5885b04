#!/usr/bin/env node
// The command line's entry. RSA signing keys take longer to make than the rest of a start, so the
// first two (the seed's tenants', or spares for a workshop) start in the thread pool before the rest
// of the emulator is even loaded; cli-main.ts is the process itself.
import { startEarlyKeys } from './auth/keys.js';

if (!process.argv.includes('walkthrough')) startEarlyKeys(2);
const { run } = await import('./cli-main.js');
run();
