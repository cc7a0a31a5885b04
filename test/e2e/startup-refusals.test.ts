import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/emulator.js';
import { defaultConfig, PACKAGE_ROOT, type Config } from '../../src/config.js';
import { StartupError } from '../../src/startup.js';
import { generateTlsMaterial } from '../../src/tls.js';
import { tempDir } from '../support/emulator.js';

/**
 * The emulator refuses to start on TLS material it cannot use or a data directory it cannot write,
 * with a message naming the file or directory and how to recover — and leaves every byte of the
 * data directory as it was. (Bad state files are the store's: see the store's own suite.)
 */

/** Every file under dir with its bytes (and every directory), for a byte-for-byte comparison. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out[`${path.relative(dir, p)}/`] = (statSync(p).mode & 0o777).toString(8);
        walk(p);
      } else out[path.relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

const fileConfig = (dataDir: string): Config => ({ ...defaultConfig(), storage: 'file', dataDir, httpPort: 0, httpsPort: 0, smtpPort: 0, logLevel: 'silent' });

/** A data directory with state and TLS material from a first start. */
async function populated(): Promise<{ dir: string; cleanup: () => void }> {
  const t = tempDir('pim-refusal-');
  const emu = await createEmulator(fileConfig(t.dir));
  await emu.close();
  return t;
}

/** Runs the CLI to its exit (it must not start), as another user when uid is given. */
function runCli(env: Record<string, string>, uid?: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PACKAGE_ROOT, 'src', 'cli.ts')], {
      cwd: PACKAGE_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: '/tmp', PIM_HTTP_PORT: '0', PIM_HTTPS_PORT: '0', PIM_SMTP_PORT: '0', PIM_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(uid !== undefined ? { uid, gid: uid } : {}),
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('startup refusals', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  const caCases: Array<[string, (tls: string) => Promise<void> | void, string, RegExp]> = [
    ['a truncated ca.pem', (tls) => writeFileSync(path.join(tls, 'ca.pem'), readFileSync(path.join(tls, 'ca.pem'), 'utf8').slice(0, 200)), 'ca.pem', /is not a readable PEM certificate/],
    ['garbage in ca-key.pem', (tls) => writeFileSync(path.join(tls, 'ca-key.pem'), 'garbage'), 'ca-key.pem', /is not a readable PEM private key/],
    ['a deleted ca-key.pem', (tls) => unlinkSync(path.join(tls, 'ca-key.pem')), 'ca-key.pem', /is missing while ca\.pem exists/],
    ['a ca-key.pem of another CA', async (tls) => writeFileSync(path.join(tls, 'ca-key.pem'), (await generateTlsMaterial()).caKeyPem), 'ca-key.pem', /is not the private key of ca\.pem/],
    ['a leaf certificate in place of ca.pem', (tls) => writeFileSync(path.join(tls, 'ca.pem'), readFileSync(path.join(tls, 'cert.pem'))), 'ca.pem', /is not a CA certificate/],
  ];
  for (const [what, corrupt, file, why] of caCases) {
    it(`refuses ${what}, naming the file and the way back, and changes no byte`, async () => {
      const t = await populated();
      cleanups.push(t.cleanup);
      const tls = path.join(t.dir, 'tls');
      await corrupt(tls);
      const before = snapshot(t.dir);
      const start = createEmulator(fileConfig(t.dir));
      await expect(start).rejects.toBeInstanceOf(StartupError);
      const message = await start.then(() => '', (e: Error) => e.message);
      expect(message).toMatch(new RegExp(`^${path.join(tls, file).replace(/[.]/g, '\\.')} `));
      expect(message).toMatch(why);
      expect(message).toContain(`delete ${path.join(tls, 'ca.pem')} and ${path.join(tls, 'ca-key.pem')}`);
      expect(message).toContain(`delete the data directory ${t.dir}`);
      expect(snapshot(t.dir)).toEqual(before);
    });
  }

  it('the CLI prints the refusal and exits 1 (no stack trace), leaving the data directory as it was', async () => {
    const t = await populated();
    cleanups.push(t.cleanup);
    writeFileSync(path.join(t.dir, 'tls', 'ca-key.pem'), 'garbage');
    const before = snapshot(t.dir);
    const { code, output } = await runCli({ PIM_DATA: t.dir });
    expect(code).toBe(1);
    expect(output).toContain(`pim-emulator: cannot start: ${path.join(t.dir, 'tls', 'ca-key.pem')} is not a readable PEM private key`);
    expect(output).not.toMatch(/\n\s+at /);
    expect(snapshot(t.dir)).toEqual(before);
  }, 40_000);

  it('refuses a data directory the running user cannot write, at start, naming it (as nobody when root)', async () => {
    // Root writes anywhere: as root the CLI runs as uid 65534; otherwise the directories lose their write bits.
    const asRoot = process.getuid?.() === 0;
    const dirMode = asRoot ? 0o755 : 0o555;
    // Our own temporary parent, so only directories this test made change mode.
    const parent = tempDir('pim-refusal-ro-');
    const dataDir = path.join(parent.dir, 'data');
    cleanups.push(() => {
      const writable = (d: string) => {
        chmodSync(d, 0o755);
        for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) writable(path.join(d, e.name));
      };
      writable(parent.dir);
      parent.cleanup();
    });
    await (await createEmulator(fileConfig(dataDir))).close();
    // Readable, not writable, for the user the CLI runs as: the state and TLS files stay as the first start left them.
    chmodSync(parent.dir, 0o755);
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else chmodSync(path.join(d, e.name), 0o644);
      }
      chmodSync(d, dirMode);
    };
    walk(dataDir);
    const before = snapshot(dataDir);
    const { code, output } = await runCli({ PIM_DATA: dataDir }, asRoot ? 65534 : undefined);
    expect(code, output).toBe(1);
    expect(output).toContain(`pim-emulator: cannot start: The data directory ${dataDir} is not writable (EACCES)`);
    expect(output).toContain('point PIM_DATA (--data) at a writable directory');
    expect(snapshot(dataDir)).toEqual(before);
  }, 40_000);
});
