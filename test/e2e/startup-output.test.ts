import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import { nodeSupport } from '../../src/node-support.js';
import { spawnEmulator } from '../support/process.js';

/**
 * What `pim-emulator` prints when it starts: the banner, the portal's URL first, then the log —
 * pino's JSON lines when stdout is not a terminal (CI, docker logs), pretty lines on a terminal —
 * and no log line before or inside the banner (Fastify logs "Server listening…" while it starts).
 */

const cli = [process.execPath, '--import', 'tsx', path.join(PACKAGE_ROOT, 'src', 'cli.ts')];
const env = { PATH: process.env.PATH ?? '', HOME: '/tmp', PIM_STORAGE: 'memory', PIM_HTTP_PORT: '0', PIM_HTTPS_PORT: '0', PIM_SMTP_PORT: '0', PIM_LOG_LEVEL: 'info' };

/**
 * Runs argv until its output holds `until`, then (after `whileRunning`, given the output so far)
 * stops it with SIGTERM; resolves with everything it printed.
 */
function runUntil(argv: string[], until: RegExp, timeoutMs = 25_000, opts: { env?: Record<string, string>; whileRunning?: (out: string) => Promise<unknown> } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: PACKAGE_ROOT, env: { ...env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let seen = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ${until} within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      if (!seen && until.test(out)) {
        seen = true;
        clearTimeout(timer);
        void (opts.whileRunning?.(out) ?? Promise.resolve()).catch((e: unknown) => reject(e)).finally(() => child.kill('SIGTERM'));
      }
    };
    child.stdout.on('data', (d) => { out += d; check(); });
    child.stderr.on('data', (d) => { out += d; check(); });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

const bannerEnd = 'Well-known clients:';

describe('startup output', () => {
  it('prints the portal URL first, then the banner, then JSON log lines when stdout is not a terminal', async () => {
    const out = await runUntil(cli, /"msg":"Server listening at/);
    const lines = out.split('\n');
    const firstText = lines.find((l) => l.trim() !== '')!;
    expect(firstText).toMatch(/^ {2}Portal {7}http:\/\/127\.0\.0\.1:\d+\/portal\/ /);
    const end = lines.findIndex((l) => l.includes(bannerEnd));
    expect(end).toBeGreaterThan(0);
    // Nothing JSON before or inside the banner; every log line after it is one JSON object.
    expect(lines.slice(0, end + 1).filter((l) => l.startsWith('{'))).toEqual([]);
    const logs = lines.slice(end + 1).filter((l) => l.trim() !== '');
    expect(logs.length).toBeGreaterThan(0);
    for (const l of logs) expect(() => JSON.parse(l), l).not.toThrow();
    expect(logs.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain(`Server listening at ${/Control\s+(http:\/\/\S+?)\/_emulator/.exec(out)![1]}`);
  });

  it('says which Node.js it runs on and what package.json requires', async () => {
    const out = await runUntil(cli, /Server listening at/);
    const node = nodeSupport();
    expect(node.required).toBe('≥ 22');
    const line = out.split('\n').find((l) => l.startsWith('  Node.js '))!;
    expect(line).toContain(process.version);
    if (node.supported) expect(line).toContain('(needs ≥ 22)');
    else expect(line).toContain('below the supported ≥ 22 (package.json engines): it may run, but is not supported');
    expect(nodeSupport('v20.20.2').supported).toBe(false);
    expect(nodeSupport('v22.0.0').supported).toBe(true);
    expect(nodeSupport('v24.11.1').supported).toBe(true);
  });

  it('--workshop prints a generated admin key in the banner, and that key opens what no key and no other key does', async () => {
    const emu = await spawnEmulator({ PIM_STORAGE: 'memory', HOME: '/tmp' }, 25_000, ['--workshop']);
    try {
      const line = emu.output().split('\n').find((l) => l.startsWith('  Admin key '));
      expect(line).toMatch(/^ {2}Admin key {4}pima_[A-Za-z0-9_-]{24} {3}\(workshop mode: generated for this run; keep it to yourself\)$/);
      const key = /pima_[A-Za-z0-9_-]{24}/.exec(line!)![0];
      const reset = (authorization?: string) => fetch(`${emu.http}/_emulator/reset`, { method: 'POST', headers: authorization ? { authorization } : {} });
      const none = await reset();
      expect(none.status).toBe(401);
      expect(((await none.json()) as { error: { code: string } }).error.code).toBe('AdminKeyRequired');
      expect((await reset('Bearer pima_not-the-key-0123456789')).status).toBe(401);
      expect((await reset(`Bearer ${key}`)).status).toBe(200);
    } finally {
      emu.child.kill('SIGTERM');
      await emu.exited;
    }
  }, 40_000);

  it('names an admin key from PIM_ADMIN_KEY without printing it, and says the control plane is open when none is set', async () => {
    const chosen = await runUntil(cli, /Server listening at/, 25_000, { env: { PIM_ADMIN_KEY: 'instructor-key-0123456789' } });
    expect(chosen).toContain('  Admin key    from PIM_ADMIN_KEY (not printed)');
    expect(chosen).not.toContain('instructor-key-0123456789');
    const open = await runUntil(cli, /Server listening at/);
    expect(open).toContain('  Access       control plane open to local callers (no PIM_ADMIN_KEY; cross-site requests refused); --workshop for a room');
    expect(open).not.toContain('Admin key');
  }, 60_000);

  it('with PIM_PROXY_PORT, prints a Proxy line whose URL is the proxy, with the variables a client sets', async () => {
    let refusal = '';
    const out = await runUntil(cli, /Server listening at/, 25_000, {
      env: { PIM_PROXY_PORT: '0' },
      // The printed URL is really the proxy: it refuses a host that is not Microsoft's, naming it.
      whileRunning: async (printed) => {
        const url = new URL(/^ {2}Proxy {8}(http:\/\/\S+)/m.exec(printed)![1]!);
        refusal = await new Promise<string>((resolve, reject) => {
          const s = net.connect(Number(url.port), url.hostname, () => s.write('CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n'));
          let got = '';
          s.on('data', (d) => (got += d));
          s.on('close', () => resolve(got));
          s.on('error', reject);
        });
      },
    });
    const lines = out.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  Proxy '));
    expect(lines[at]).toMatch(/^ {2}Proxy {8}http:\/\/127\.0\.0\.1:[1-9]\d*  answers login\.microsoftonline\.com, graph\.microsoft\.com, management\.azure\.com \(and aliases\); refuses every other host$/);
    const proxyUrl = /http:\/\/\S+/.exec(lines[at]!)![0];
    expect(lines[at + 1]!.trim()).toBe(`export HTTPS_PROXY=${proxyUrl} REQUESTS_CA_BUNDLE=$PWD/pim-ca.pem NODE_EXTRA_CA_CERTS=$PWD/pim-ca.pem   (az, m365, Python)`);
    expect(refusal).toMatch(/^HTTP\/1\.1 403 Host www\.example\.com is not emulated\r\n/);
    // Without the variable there is no proxy, and the banner says nothing of one.
    expect(await runUntil(cli, /Server listening at/)).not.toMatch(/^ {2}Proxy /m);
  }, 60_000);

  it('prints pretty log lines after the banner on a terminal', async () => {
    // util-linux `script` runs the CLI on a pseudo-terminal, as a shell would.
    const command = cli.map((a) => `'${a}'`).join(' ');
    const out = (await runUntil(['script', '-qefc', command, '/dev/null'], /Server listening at/)).replace(/\r/g, '');
    const lines = out.split('\n');
    expect(lines.find((l) => l.trim() !== '')).toMatch(/^ {2}Portal {7}http:\/\/127\.0\.0\.1:\d+\/portal\/ /);
    const end = lines.findIndex((l) => l.includes(bannerEnd));
    const listening = lines.findIndex((l) => l.includes('Server listening at'));
    expect(listening).toBeGreaterThan(end);
    // eslint-disable-next-line no-control-regex
    expect(lines[listening]!.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+$/);
    expect(out).not.toContain('{"level"');
  });
});
