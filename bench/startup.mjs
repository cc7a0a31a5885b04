// Child of `npm run bench`: in one fresh process, time the test kit's startEmulator() RUNS times
// (the first includes module loading and is reported apart) and, as the baseline, a bare Fastify
// app's listen() + close() in the same process. Prints one JSON line.
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { startEmulator } from '../dist/index.js';

const runs = Number(process.env.RUNS ?? 10);
const emu = [];
const bare = [];
for (let i = 0; i <= runs; i++) {
  let t = performance.now();
  const e = await startEmulator();
  emu.push(performance.now() - t);
  await e.close();
  t = performance.now();
  const app = Fastify({ logger: false });
  app.get('/hello', async () => ({ hello: 'world' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  bare.push(performance.now() - t);
  await app.close();
}
console.log(JSON.stringify({ emu, bare }));
