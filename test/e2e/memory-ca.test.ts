import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import { tempDir } from '../support/emulator.js';

/**
 * Memory storage keeps no state, but the command line keeps its CA where file storage does
 * (PIM_DATA/tls): a client told to trust it (NODE_EXTRA_CA_CERTS) keeps working after a restart,
 * and a start makes no CA. Where PIM_DATA cannot be written, the CA is made for the process.
 */

const freePort = (): Promise<number> => new Promise((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => resolve(port));
  });
});

const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

/** Starts the CLI with memory storage and returns its CA as served, once healthy. */
async function startMemory(dataDir: string, uid?: number): Promise<{ ca: string; stop: () => Promise<void> }> {
  const [http, https, smtp] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PACKAGE_ROOT, 'src', 'cli.ts')], {
    cwd: PACKAGE_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: '/tmp', PIM_STORAGE: 'memory', PIM_DATA: dataDir, PIM_HOST: '127.0.0.1', PIM_HTTP_PORT: String(http), PIM_HTTPS_PORT: String(https), PIM_SMTP_PORT: String(smtp), PIM_LOG_LEVEL: 'silent' },
    stdio: 'ignore',
    ...(uid !== undefined ? { uid, gid: uid } : {}),
  });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ca: string | undefined;
  for (let i = 0; i < 600 && ca === undefined; i++) {
    if (child.exitCode !== null) throw new Error(`the emulator exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${http}/_emulator/ca.pem`);
      if (res.ok) ca = await res.text();
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (ca === undefined) throw new Error('the emulator did not answer');
  return { ca, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

describe('memory storage from the command line', () => {
  it('keeps its CA in PIM_DATA/tls and serves the same one after a restart', async () => {
    const { dir, cleanup } = tempDir('pim-memory-ca-');
    cleanups.push(cleanup);
    const first = await startMemory(dir);
    await first.stop();
    expect(readFileSync(path.join(dir, 'tls', 'ca.pem'), 'utf8')).toBe(first.ca);
    // No state is written: memory storage keeps the tenants in memory only.
    expect(existsSync(path.join(dir, 'state'))).toBe(false);
    const second = await startMemory(dir);
    await second.stop();
    expect(second.ca).toBe(first.ca);
  }, 60_000);

  it('starts with a CA of its own when PIM_DATA cannot be written', async () => {
    const { dir, cleanup } = tempDir('pim-memory-ro-');
    cleanups.push(cleanup);
    chmodSync(dir, 0o555);
    // Root writes anywhere: run as nobody there (CI runs as root).
    const run = await startMemory(path.join(dir, 'data'), process.getuid?.() === 0 ? 65534 : undefined);
    await run.stop();
    expect(run.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  }, 60_000);
});
