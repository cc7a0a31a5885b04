#!/usr/bin/env node
// The command line's entry. RSA signing keys take longer to make than the rest of a start, so the
// first two (the seed's tenants', or spares for a workshop) start in the thread pool before the rest
// of the emulator is even loaded; cli-main.ts is the process itself.
import module from 'node:module';
import { startEarlyKeys } from './auth/keys.js';

// Node 22.1+ keeps V8's compiled code of the bundled command line between starts (cold start, #11).
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

if (!process.argv.includes('walkthrough')) startEarlyKeys(2);
const { run } = await import('./cli-main.js');
run();
