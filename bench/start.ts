// npm run bench — how long the test kit takes to start an emulator (and to mint its first tokens,
// which creates each tenant's RSA signing key), measured over several runs on this machine.
import { performance } from 'node:perf_hooks';
import { startEmulator } from '../src/index.js';

const RUNS = Number(process.env.RUNS ?? 10);
const start: number[] = [];
const firstToken: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const emu = await startEmulator();
  const t1 = performance.now();
  await emu.tokenFor('pimuser@contoso.onmicrosoft.com', { mfa: true });
  const t2 = performance.now();
  await emu.close();
  start.push(t1 - t0);
  firstToken.push(t2 - t1);
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${s.at(-1)!.toFixed(0)} ms`;
};
console.log(`startEmulator() over ${RUNS} runs (first run includes module warm-up): ${stats(start)}`);
console.log(`first token (creates the tenant's RSA key): ${stats(firstToken)}`);
