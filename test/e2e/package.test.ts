import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import { tempDir } from '../support/emulator.js';

/**
 * The published package path, as a user meets it: `npm pack` (which builds first), the tarball
 * installed into an empty directory (from the local npm cache where it can, the registry otherwise),
 * then `npx pim-emulator` started to a 200 from /_emulator/health and stopped with SIGTERM.
 */

const run = promisify(execFile);
const work = tempDir('pim-pack-');
afterAll(() => work.cleanup());
const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

describe('the npm package', () => {
  it('packs, installs into an empty directory and starts with npx pim-emulator', async () => {
    const packDir = path.join(work.dir, 'pack');
    mkdirSync(packDir);
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: PACKAGE_ROOT, env: npmEnv, maxBuffer: 16 << 20 });
    const tarball = path.join(packDir, stdout.trim().split('\n').pop()!);
    expect(readdirSync(packDir)).toEqual([path.basename(tarball)]);

    const app = path.join(work.dir, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-consumer', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, env: npmEnv, maxBuffer: 16 << 20 });
    const installed = JSON.parse(readFileSync(path.join(app, 'node_modules', 'entra-pim-emulator', 'package.json'), 'utf8')) as { version: string };
    const own = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(own.version);

    // The library entry and the Testcontainers entry resolve from the installed package.
    const probe = await run(process.execPath, ['--input-type=module', '-e',
      "const m = await import('entra-pim-emulator'); console.log(typeof m.startEmulator, typeof m.createEmulator, JSON.stringify(import.meta.resolve('entra-pim-emulator/testcontainers').endsWith('/dist/testcontainers.js')))"], { cwd: app });
    expect(probe.stdout.trim()).toBe('function function true');

    const { stdout: version } = await run('npx', ['--no-install', 'pim-emulator', '--version'], { cwd: app, env: npmEnv });
    expect(version.trim()).toBe(own.version);

    const child = spawn('npx', ['--no-install', 'pim-emulator'], {
      cwd: app,
      env: { ...npmEnv, PIM_STORAGE: 'memory', PIM_HTTP_PORT: '0', PIM_HTTPS_PORT: '0', PIM_SMTP_PORT: '0', PIM_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, as a shell runs a command: npx does not pass a signal sent to it alone
      // on to the program it runs, while Ctrl-C (or this test) signals the whole group.
      detached: true,
    });
    let out = '';
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
    const http = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pim-emulator did not print its banner:\n${out}`)), 60_000);
      const onData = (d: Buffer) => {
        out += d;
        const m = /Control\s+(http:\/\/\S+?)\/_emulator/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then((code) => reject(new Error(`pim-emulator exited (${code}):\n${out}`)));
    });
    const health = await fetch(`${http}/_emulator/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { version: string }).version).toBe(own.version);
    // The seed and the portal's files come from the package, not the checkout.
    expect((await fetch(`${http}/portal/`)).status).toBe(200);
    const script = await fetch(`${http}/portal/portal.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // The bundled command line (dist/cli.js) does what the sources do: the walkthrough signs in,
    // configures, assigns, activates and waits for each notification mail in the inbox (nodemailer
    // and mailparser loaded on first use), then expires and removes the assignment.
    const walk = await run('npx', ['--no-install', 'pim-emulator', 'walkthrough', '--url', http, '--yes'], { cwd: app, env: npmEnv, maxBuffer: 16 << 20 });
    expect(walk.stdout).toContain('Security Reader');
    const mail = (await (await fetch(`${http}/_emulator/mail`)).json()) as { total: number };
    expect(mail.total).toBeGreaterThan(0);
    // SIGTERM to the group: pim-emulator flushes and exits 0, and npx ends with it.
    process.kill(-child.pid!, 'SIGTERM');
    expect(['0', 'SIGTERM']).toContain(await exited);
    let refused = false;
    for (let i = 0; i < 100 && !refused; i++) {
      refused = await fetch(`${http}/_emulator/health`).then(() => false, () => true);
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(refused, `pim-emulator still answers at ${http} after SIGTERM`).toBe(true);
  }, 300_000);
});
