// Helpers for `npm run bench`: child processes on loopback, a small load loop over undici,
// percentiles, /proc readings. Nothing here leaves 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Pool, request } from 'undici';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}
export const median = (xs: number[]): number => percentile(xs, 0.5);

/** Resident set size of a process, in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU time (user + system) a process has used, in ms (Linux /proc; assumes 100 clock ticks a second). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Bytes a process caused to be written to storage (counted when pages are dirtied). */
export function writeBytes(pid: number): number {
  const m = /write_bytes:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  http: string;
  smtpPort: number;
  /** ms from spawn to the first 200 of the readiness URL. */
  readyMs: number;
  stop(): Promise<void>;
}

/** Spawns `node args…` and polls `readyPath` on its HTTP port until it answers 200. */
export async function spawnServer(args: string[], env: Record<string, string>, opts: { port: number; smtpPort?: number; readyPath: string; timeoutMs?: number }): Promise<Child> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const http = `http://127.0.0.1:${opts.port}`;
  const deadline = t0 + (opts.timeoutMs ?? 300_000);
  let exited = false;
  proc.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${args.join(' ')} exited before it was ready:\n${stderr}`);
    if (performance.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${args.join(' ')} not ready within ${opts.timeoutMs} ms:\n${stderr}`);
    }
    try {
      const res = await request(`${http}${opts.readyPath}`);
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(2);
  }
  const readyMs = performance.now() - t0;
  return {
    proc,
    pid: proc.pid!,
    http,
    smtpPort: opts.smtpPort ?? 0,
    readyMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const kill = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

export interface EmulatorSpawn {
  storage: 'memory' | 'file';
  dataDir?: string;
  seed?: string;
  timeoutMs?: number;
  /** PIM_SPARE_KEYS; the bench turns spare-key generation off except where it measures it. */
  spareKeys?: number;
}

/** The built CLI (dist/cli.js), as `npm start` runs it, on free loopback ports. */
export async function spawnEmulator(o: EmulatorSpawn): Promise<Child> {
  const [port, httpsPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = {
    PIM_HTTP_PORT: String(port),
    PIM_HTTPS_PORT: String(httpsPort),
    PIM_SMTP_PORT: String(smtpPort),
    PIM_HOST: '127.0.0.1',
    PIM_STORAGE: o.storage,
    PIM_LOG_LEVEL: 'silent',
  };
  if (o.dataDir) env.PIM_DATA = o.dataDir;
  if (o.seed) env.PIM_SEED = o.seed;
  if (o.spareKeys !== undefined) env.PIM_SPARE_KEYS = String(o.spareKeys);
  // BENCH_NODE_ARGS, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof', profiles the emulator children.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawnServer([...nodeArgs, path.join(ROOT, 'dist', 'cli.js')], env, { port, smtpPort, readyPath: '/_emulator/health', timeoutMs: o.timeoutMs });
}

/** The bare baseline: Fastify with GET /hello and POST /echo, or a bare smtp-server sink. */
export async function spawnBare(): Promise<Child> {
  const [port, smtpPort] = [await freePort(), await freePort()];
  return spawnServer([path.join(ROOT, 'bench', 'bare.mjs')], { BARE_PORT: String(port), BARE_SMTP_PORT: String(smtpPort) }, { port, smtpPort, readyPath: '/hello' });
}

export interface LoadResult {
  requests: number;
  ok: number;
  errors: number;
  firstError?: string;
  rps: number;
  p50: number;
  p99: number;
  durationMs: number;
}

export interface Job {
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * `connections` concurrent loops over one undici pool, for `durationMs` or until `next()` runs out.
 * A request counts as ok when its status is `okStatus` (default 2xx).
 */
export async function load(origin: string, o: { connections: number; durationMs: number; next: () => Job | undefined; okStatus?: number }): Promise<LoadResult> {
  const pool = new Pool(origin, { connections: o.connections, pipelining: 1 });
  const lat: number[] = [];
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const until = t0 + o.durationMs;
  const worker = async () => {
    while (performance.now() < until) {
      const job = o.next();
      if (!job) return;
      const s = performance.now();
      try {
        const res = await pool.request({ method: job.method ?? 'GET', path: job.path, headers: job.headers, body: job.body });
        const text = await res.body.text();
        const good = o.okStatus ? res.statusCode === o.okStatus : res.statusCode >= 200 && res.statusCode < 300;
        if (good) ok++;
        else {
          errors++;
          firstError ??= `${res.statusCode} ${text.slice(0, 300)}`;
        }
      } catch (e) {
        errors++;
        firstError ??= String(e);
      }
      lat.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: o.connections }, worker));
  const durationMs = performance.now() - t0;
  await pool.close();
  return { requests: lat.length, ok, errors, firstError, rps: (ok * 1000) / durationMs, p50: median(lat), p99: percentile(lat, 0.99), durationMs };
}

/** Sequential requests; returns each latency. Throws on an unexpected status. */
export async function timed(origin: string, jobs: Job[], okStatus?: number): Promise<number[]> {
  const out: number[] = [];
  for (const job of jobs) {
    const s = performance.now();
    const res = await request(`${origin}${job.path}`, { method: job.method ?? 'GET', headers: job.headers, body: job.body });
    const text = await res.body.text();
    out.push(performance.now() - s);
    const good = okStatus ? res.statusCode === okStatus : res.statusCode >= 200 && res.statusCode < 300;
    if (!good) throw new Error(`${job.method ?? 'GET'} ${job.path} → ${res.statusCode} ${text.slice(0, 400)}`);
  }
  return out;
}

export async function json<T = any>(origin: string, p: string, init: { method?: 'GET' | 'POST' | 'DELETE'; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T }> {
  const res = await request(`${origin}${p}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function form(origin: string, p: string, fields: Record<string, string>): Promise<{ status: number; body: any; ms: number }> {
  const s = performance.now();
  const res = await request(`${origin}${p}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined, ms: performance.now() - s };
}
