import path from 'node:path';
import { ConfigError, helpText, loadConfig, type Config } from './config.js';
import { createEmulator, VERSION, type Emulator } from './emulator.js';
import { SeedError } from './store/seed.js';
import { loadOrCreateTlsMaterial, memoryStorageTlsMaterial } from './tls.js';
import { StartupError } from './startup.js';
import { StoreError } from './store/store.js';
import { ROLE } from './directory/directory.js';
import { walkthroughCommand } from './walkthrough/index.js';
import { startupLog } from './startup-log.js';
import { nodeSupport } from './node-support.js';

/** The process (entered through cli.ts): configuration, the emulator, signals, the banner. Nothing else lives here. */
async function main(argv: string[]): Promise<number> {
  // A client of a running emulator, not the emulator: its own flags (--url, --tenant, --yes).
  if (argv[0] === 'walkthrough') {
    return walkthroughCommand(argv.slice(1), {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
      stdin: process.stdin,
      color: Boolean(process.stdout.isTTY),
    });
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText());
    return 0;
  }
  if (argv.includes('--version')) {
    console.log(VERSION);
    return 0;
  }
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : 'serve';
  const rest = command === 'serve' && argv[0] !== 'serve' ? argv : argv.slice(1);
  let config: Config;
  try {
    config = loadConfig(process.env, rest);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`pim-emulator: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (command === 'ca') {
    try {
      const tls = await loadOrCreateTlsMaterial(path.join(config.dataDir, 'tls'), config.publicUrl ? [new URL(config.publicUrl).hostname] : []);
      process.stdout.write(tls.caCertPem);
      return 0;
    } catch (e) {
      if (!(e instanceof StartupError)) throw e;
      console.error(`pim-emulator: ${e.message}`);
      return 1;
    }
  }
  if (command !== 'serve') {
    console.error(`pim-emulator: unknown command '${command}'\n\n${helpText()}`);
    return 2;
  }

  // Logs are pretty on a terminal and JSON lines otherwise; either way they are held until the
  // banner is out, so no log line lands before or inside it.
  const log = startupLog({ tty: Boolean(process.stdout.isTTY), out: process.stdout });
  let emulator: Emulator;
  try {
    const extraHosts = config.publicUrl ? [new URL(config.publicUrl).hostname] : [];
    emulator = await createEmulator(config, {
      // Memory storage keeps its CA where file storage does (PIM_DATA/tls), when it can.
      tls: config.storage === 'memory' ? await memoryStorageTlsMaterial(path.join(config.dataDir, 'tls'), extraHosts) : undefined,
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel, stream: log.stream },
    });
  } catch (e) {
    log.open(); // what was logged before the failure comes out before the refusal
    if (e instanceof SeedError) {
      console.error(`pim-emulator: invalid seed: ${e.message}`);
      return 1;
    }
    // Damaged state (a missing system.json, a torn or altered file) stops the start, naming the file.
    if (e instanceof StartupError || e instanceof StoreError) {
      console.error(`pim-emulator: cannot start: ${e.message}`);
      return 1;
    }
    throw e;
  }
  try {
    await emulator.listen();
  } catch (e) {
    log.open();
    const err = e as NodeJS.ErrnoException;
    console.error(`pim-emulator: cannot listen: ${err.message}${err.code === 'EADDRINUSE' ? ' (set PIM_HTTP_PORT / PIM_HTTPS_PORT, or 0 for a free port)' : ''}`);
    await emulator.close().catch(() => undefined);
    return 1;
  }
  process.stdout.write(`${banner(emulator)}\n`);
  log.open();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    emulator.app.log.info(`${signal}: flushing state and stopping`);
    emulator.close().then(
      () => process.exit(0),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return -1; // keep running
}

function banner(e: Emulator): string {
  const { http, https } = e.urls;
  const c = e.config;
  const node = nodeSupport();
  const lines = [
    '',
    `  Portal       ${portalUrl(e)}   the workshop portal: open it in a browser`,
    '',
    `  entra-pim-emulator ${VERSION} — Microsoft Entra PIM on Microsoft Graph, locally`,
    `  Node.js      ${node.running}${node.supported ? `  (needs ${node.required})` : `  — below the supported ${node.required} (package.json engines): it may run, but is not supported`}`,
    '',
    `  Graph        ${https}/v1.0   (also ${http}/v1.0)`,
    `  Sign-in      ${https}/{tenant}/oauth2/v2.0/token   discovery: ${https}/contoso/v2.0/.well-known/openid-configuration`,
    `  Control      ${http}/_emulator/health  · /clock · /reset · /seed · /tokens`,
    ...(e.urls.proxy
      ? [`  Proxy        ${e.urls.proxy}  answers login.microsoftonline.com, graph.microsoft.com, management.azure.com (and aliases); refuses every other host`,
        `               export HTTPS_PROXY=${e.urls.proxy} REQUESTS_CA_BUNDLE=$PWD/pim-ca.pem NODE_EXTRA_CA_CERTS=$PWD/pim-ca.pem   (az, m365, Python)`]
      : []),
    `  Mail         ${e.urls.smtp} → inbox ${http}/_emulator/mail (Mailpit API: ${http}/api/v1/messages)${c.smtpUrl ? `; PIM mail is relayed to ${c.smtpUrl}` : ''}`,
    `  CA           ${http}/_emulator/ca.pem${c.storage === 'file' ? `  (file: ${path.resolve(c.dataDir, 'tls', 'ca.pem')})` : '  (memory storage: a new CA each start)'}`,
    `               trust it: curl -s ${http}/_emulator/ca.pem > pim-ca.pem && export NODE_EXTRA_CA_CERTS=$PWD/pim-ca.pem`,
    `  Storage      ${c.storage}${c.storage === 'file' ? ` (${path.resolve(c.dataDir)})` : ''}`,
    ...accessLines(e),
    '',
    '  Tenants and personas (password for everyone: Passw0rd!)',
  ];
  const roles = new Map(e.store.system().roleDefinitions.map((r) => [r.id, r.displayName]));
  for (const t of e.store.tenants()) {
    lines.push(`    ${t.tenant.name.padEnd(10)} ${t.tenant.domain}  ${t.tenant.id}  ${t.tenant.licenses.length ? t.tenant.licenses.join(',') : 'no P2 licence'}`);
    for (const u of t.users) {
      const held = t.roleAssignments.filter((a) => a.principalId === u.id).map((a) => roles.get(a.roleDefinitionId) ?? a.roleDefinitionId);
      lines.push(`      ${u.userPrincipalName.padEnd(36)} ${held.length ? held.join(', ') : 'no roles'}`);
    }
  }
  lines.push('', `  MFA codes    ${http}/_emulator/tenants/contoso/users/pimuser@contoso.onmicrosoft.com/mfa-code`, `  Well-known clients: Azure CLI 04b07795-8ddb-461a-bbee-02f9e1bf7b46 (public), role template GA ${ROLE.globalAdministrator}`, '');
  return lines.join('\n');
}

/** Where a participant opens the portal: the public URL when one is set, else the HTTP listener. */
function portalUrl(e: Emulator): string {
  const base = e.config.publicUrl ?? e.urls.http!;
  return new URL('/portal/', base).toString();
}

/** Who may use the control plane: open, or the admin key (printed when --workshop generated it). */
function accessLines(e: Emulator): string[] {
  const keys = e.ctx.keys;
  if (!keys.enforced) {
    return [`  Access       control plane open to local callers (no PIM_ADMIN_KEY; cross-site requests refused); --workshop for a room`];
  }
  const lines = [
    keys.generated
      ? `  Admin key    ${keys.adminKey}   (workshop mode: generated for this run; keep it to yourself)`
      : '  Admin key    from PIM_ADMIN_KEY (not printed)',
    `               send it as 'Authorization: Bearer <key>' to /_emulator/… ; each tenant made on demand`,
    `               gets its own key, returned once (POST /_emulator/tenants, or the portal's Create my tenant)`,
  ];
  return lines;
}

export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
