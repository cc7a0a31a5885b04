/**
 * Runs INSIDE a network namespace with no route out (`unshare -n`, started by proxy-clients.test.ts):
 * starts the emulator with proxy mode on loopback, then runs one scenario of real, unpatched
 * clients as child processes whose only settings are the proxy and CA variables (plus a private
 * HOME / config directory so nothing of the machine's own login leaks in). Prints one JSON report
 * on the last line of stdout; the test asserts on it.
 *
 *   node --import tsx test/e2e/proxy/harness.ts <scenario>
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmulator } from '../../../src/emulator.js';
import { defaultConfig, PACKAGE_ROOT } from '../../../src/config.js';
import { SCENARIOS, type Step, type StepResult } from './scenarios.js';
import { observeResponse, takeMismatches } from '../../support/conformance.js';

const name = process.argv[2] ?? '';
const scenario = SCENARIOS[name];
if (!scenario) {
  console.error(`unknown scenario '${name}'; known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}

const dir = mkdtempSync(path.join(os.tmpdir(), `pim-proxy-${name}-`));
// Every Graph and ARM body the clients receive is checked against openapi.yaml / the ARM SPEC and
// Microsoft's schema (test/support/conformance.ts); the mismatches go into the report.
const emu = await createEmulator({ ...defaultConfig(), storage: 'memory', httpPort: 0, httpsPort: 0, smtpPort: 0, proxyPort: 0, logLevel: 'silent' }, { observe: observeResponse });
const urls = await emu.listen();
const caFile = path.join(dir, 'pim-ca.pem');
writeFileSync(caFile, emu.ctx.tls.caCertPem);

/** What a user sets, and nothing else: the proxy, trust in the CA, a home of its own. */
const clientEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: dir,
  LANG: 'C.UTF-8',
  HTTPS_PROXY: urls.proxy!,
  HTTP_PROXY: urls.proxy!,
  https_proxy: urls.proxy!,
  http_proxy: urls.proxy!,
  REQUESTS_CA_BUNDLE: caFile,
  SSL_CERT_FILE: caFile,
  NODE_EXTRA_CA_CERTS: caFile,
  AZURE_CONFIG_DIR: path.join(dir, '.azure'),
};

const run = (step: Extract<Step, { cmd: string[] }>): Promise<StepResult> =>
  new Promise((resolve) => {
    execFile(step.cmd[0]!, step.cmd.slice(1), { env: { ...clientEnv, ...step.env }, cwd: PACKAGE_ROOT, timeout: step.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      // A client that is not installed says so (ENOENT), loudly: .ci/run installs every one of them.
      const why = err && code === -1 ? `${err.message}\n` : '';
      resolve({ name: step.name, code, stdout, stderr: `${why}${stderr}`.slice(-4000), killed: Boolean(err && (err as { killed?: boolean }).killed) });
    });
  });

const results: StepResult[] = [];
let served: string[] = [];
// No route out of this namespace: checked with the routing table, never by sending traffic.
const route = await run({ name: 'ip route get', cmd: ['ip', 'route', 'get', '20.190.160.1'] });
try {
  for (const step of scenario({ emu, caFile, dir, results })) {
    if ('cmd' in step) results.push(await run(step));
    else results.push({ name: step.name, code: 0, stdout: JSON.stringify(await step.inject()), stderr: '', killed: false });
  }
  // What the emulator served, oldest first: the test checks that the clients' discovery calls arrived.
  served = emu.ctx.requests.list({ limit: 1000 }).reverse().map((r) => `${r.method} ${r.path} ${r.status}`);
} finally {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ route: { code: route.code, stderr: route.stderr.trim(), stdout: route.stdout.trim() }, results, served, conformance: takeMismatches() }));
process.exit(0);
