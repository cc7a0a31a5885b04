import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The one place that knows the emulator's settings. Nothing else reads process.env. */
export interface Config {
  httpPort: number;
  httpsPort: number;
  smtpPort: number;
  /** Proxy mode (src/proxy): off unless set. */
  proxyPort: number | undefined;
  host: string;
  dataDir: string;
  storage: 'file' | 'memory';
  seedPath: string;
  publicUrl: string | undefined;
  smtpUrl: string | undefined;
  /** Most messages the embedded inbox keeps (oldest evicted, counted); undefined keeps every message. */
  inboxMax: number | undefined;
  /** RSA signing keys kept ready for tenants created on demand; undefined: 32 with file storage, none with memory. */
  spareKeys: number | undefined;
  logLevel: LogLevel;
  /** File storage: a tenant's journal is folded into its snapshot past this many bytes (and a quarter of the snapshot). */
  journalMaxBytes: number;
  /** Tests only: kill the process (SIGKILL) at this point of a compaction, to prove a crash there loses nothing. */
  crashAt: 'none' | 'compaction-before-rename' | 'compaction-before-journal-reset';
  /** Guards the instance-wide control plane; unset = open (loopback, CI). */
  adminKey?: string | undefined;
  /** Workshop mode: generate an admin key (unless one is set) and print it in the banner. */
  workshop?: boolean | undefined;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The package's folder: the nearest one above this module holding package.json. Found by looking,
 * not by a fixed `..`, because this module runs from src/ (tsx), dist/ (tsc) and from a chunk of the
 * bundled command line (dist/cli-chunks/, see scripts/bundle-cli.mjs).
 */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}
/** The seed shipped with the emulator (PIM_SEED's default). */
export const BUNDLED_SEED = path.join(PACKAGE_ROOT, 'seed', 'default.json');

export class ConfigError extends Error {}

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  flag: string;
  help: string;
  default: Config[K];
  parse: (raw: string, env: string) => Config[K];
  /** A switch: the flag alone means this value (`--workshop`). */
  bare?: string;
}

function port(raw: string, env: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535) {
    throw new ConfigError(`${env} must be a port number from 0 to 65535 (0 picks a free port); got '${raw}'`);
  }
  return n;
}
function bytes(raw: string, env: string): number {
  const m = /^\s*(\d+)\s*([kKmM]i?[bB]?)?\s*$/.exec(raw);
  if (!m || Number(m[1]) < 1) throw new ConfigError(`${env} must be a positive number of bytes, optionally with KiB or MiB (e.g. 4MiB); got '${raw}'`);
  const unit = (m[2] ?? '').toLowerCase().startsWith('m') ? 1024 * 1024 : (m[2] ?? '').toLowerCase().startsWith('k') ? 1024 : 1;
  return Number(m[1]) * unit;
}
function optionalPort(raw: string, env: string): number | undefined {
  return raw.trim() === '' ? undefined : port(raw, env);
}
function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string, env: string): T => {
    const v = raw.trim().toLowerCase() as T;
    if (!values.includes(v)) throw new ConfigError(`${env} must be one of ${values.join(', ')}; got '${raw}'`);
    return v;
  };
}
function optionalCount(raw: string, env: string): number | undefined {
  if (!raw.trim()) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || !Number.isSafeInteger(n)) throw new ConfigError(`${env} must be a positive whole number (or empty for no limit); got '${raw}'`);
  return n;
}
function optionalCountFromZero(raw: string, env: string): number | undefined {
  if (!raw.trim()) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) throw new ConfigError(`${env} must be a whole number (0 for none, empty for the default); got '${raw}'`);
  return n;
}
function nonEmpty(raw: string, env: string): string {
  if (!raw.trim()) throw new ConfigError(`${env} must not be empty`);
  return raw.trim();
}
function secret(raw: string, env: string): string | undefined {
  const v = raw.trim();
  if (!v) return undefined;
  if (v.length < 16 || /\s/.test(v)) throw new ConfigError(`${env} must be at least 16 characters without spaces (it guards the control plane); got ${v.length} character(s)`);
  return v;
}
const BOOL_WORDS = ['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'];
function bool(raw: string, env: string): boolean | undefined {
  const v = raw.trim().toLowerCase();
  if (v === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${env} must be true or false; got '${raw}'`);
}
function url(protocols: string[]) {
  return (raw: string, env: string): string | undefined => {
    if (!raw.trim()) return undefined;
    let u: URL;
    try {
      u = new URL(raw.trim());
    } catch {
      throw new ConfigError(`${env} must be an absolute URL such as ${protocols[0]}//localhost:8443; got '${raw}'`);
    }
    if (!protocols.includes(u.protocol)) {
      throw new ConfigError(`${env} must use ${protocols.join(' or ')}; got '${raw}'`);
    }
    return raw.trim().replace(/\/+$/, '');
  };
}

/** Every setting: env var, CLI flag, default. `pim-emulator --help` prints this table. */
export const SETTINGS = [
  { key: 'httpPort', env: 'PIM_HTTP_PORT', flag: '--http-port', help: 'HTTP listener: Graph, sign-in, control plane', default: 8080, parse: port },
  { key: 'httpsPort', env: 'PIM_HTTPS_PORT', flag: '--https-port', help: 'HTTPS listener (same app over TLS; MSAL and @azure/identity need it)', default: 8443, parse: port },
  { key: 'smtpPort', env: 'PIM_SMTP_PORT', flag: '--smtp-port', help: 'SMTP capture listener', default: 2525, parse: port },
  { key: 'proxyPort', env: 'PIM_PROXY_PORT', flag: '--proxy-port', help: "proxy mode: an HTTP proxy answering CONNECT for Microsoft's sign-in, Graph and ARM host names (off unless set)", default: undefined, parse: optionalPort },
  { key: 'host', env: 'PIM_HOST', flag: '--host', help: 'bind address (0.0.0.0 in the container)', default: '127.0.0.1', parse: nonEmpty },
  { key: 'dataDir', env: 'PIM_DATA', flag: '--data', help: 'data directory: state files and the generated CA', default: './.pim-emulator', parse: nonEmpty },
  { key: 'storage', env: 'PIM_STORAGE', flag: '--storage', help: 'file (durable, under PIM_DATA) or memory', default: 'file', parse: oneOf(['file', 'memory'] as const) },
  { key: 'seedPath', env: 'PIM_SEED', flag: '--seed', help: 'seed document loaded on first start and on reset', default: BUNDLED_SEED, parse: nonEmpty },
  { key: 'publicUrl', env: 'PIM_PUBLIC_URL', flag: '--public-url', help: 'URL clients use when they reach the emulator through another name (container, proxy)', default: undefined, parse: url(['http:', 'https:']) },
  { key: 'smtpUrl', env: 'PIM_SMTP_URL', flag: '--smtp-url', help: 'send mail to this SMTP relay (e.g. smtp://mailpit:1025) instead of the embedded inbox', default: undefined, parse: url(['smtp:', 'smtps:']) },
  { key: 'journalMaxBytes', env: 'PIM_JOURNAL_MAX_BYTES', flag: '--journal-max-bytes', help: 'file storage: fold a tenant\'s journal into its snapshot past this size (e.g. 4MiB)', default: 4 * 1024 * 1024, parse: bytes },
  { key: 'crashAt', env: 'PIM_CRASH_AT', flag: '--crash-at', help: 'crash tests: SIGKILL the process at none, compaction-before-rename or compaction-before-journal-reset', default: 'none', parse: oneOf(['none', 'compaction-before-rename', 'compaction-before-journal-reset'] as const) },
  { key: 'inboxMax', env: 'PIM_INBOX_MAX', flag: '--inbox-max', help: 'most messages the embedded inbox keeps; the oldest are then evicted and counted (health, inbox API); default: every message', default: undefined, parse: optionalCount },
  { key: 'spareKeys', env: 'PIM_SPARE_KEYS', flag: '--spare-keys', help: 'RSA signing keys generated ahead (in the background) for tenants created on demand, so a workshop\'s teams don\'t wait; default 32 with file storage, 0 with memory', default: undefined, parse: optionalCountFromZero },
  { key: 'logLevel', env: 'PIM_LOG_LEVEL', flag: '--log-level', help: `log level: ${LOG_LEVELS.join(', ')}`, default: 'info', parse: oneOf(LOG_LEVELS) },
  { key: 'adminKey', env: 'PIM_ADMIN_KEY', flag: '--admin-key', help: 'admin key for the control plane (/_emulator); unset = open to every local caller', default: undefined, parse: secret },
  { key: 'workshop', env: 'PIM_WORKSHOP', flag: '--workshop', help: 'workshop mode: generate an admin key (unless PIM_ADMIN_KEY is set) and print it in the banner', default: undefined, parse: bool, bare: 'true' },
] as const satisfies readonly Setting<keyof Config>[];

export function defaultConfig(): Config {
  return Object.fromEntries(SETTINGS.map((s) => [s.key, s.default])) as unknown as Config;
}

/**
 * Reads settings from the environment, then from `--flag value` / `--flag=value` arguments
 * (flags win). Throws ConfigError naming the key for any invalid value or unknown flag.
 */
export function loadConfig(env: Record<string, string | undefined>, argv: readonly string[] = []): Config {
  const config = defaultConfig() as unknown as Record<string, unknown>;
  for (const s of SETTINGS) {
    const raw = env[s.env];
    if (raw !== undefined) config[s.key] = s.parse(raw, s.env);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const s = SETTINGS.find((x) => x.flag === flag);
    if (!s) throw new ConfigError(`unknown option '${arg}' (see pim-emulator --help)`);
    const next = argv[i + 1];
    const bare = 'bare' in s && s.bare !== undefined && inline === undefined && (next === undefined || !BOOL_WORDS.includes(next.trim().toLowerCase()));
    const value = bare ? (s as { bare: string }).bare : (inline ?? argv[++i]);
    if (value === undefined) throw new ConfigError(`${s.flag} (${s.env}) needs a value`);
    config[s.key] = s.parse(value, `${s.flag} (${s.env})`);
  }
  return config as unknown as Config;
}

export function helpText(): string {
  const rows = SETTINGS.map((s) => `  ${`${s.flag}${'bare' in s ? '' : ' <value>'}`.padEnd(22)} ${s.env.padEnd(16)} ${s.help} [default: ${s.default ?? 'unset'}]`);
  return [
    'pim-emulator — a local Microsoft Entra PIM emulator (Microsoft Graph, sign-in, MFA, mail)',
    '',
    'Usage:',
    '  pim-emulator [options]      run the emulator',
    '  pim-emulator ca [options]   print the CA certificate (PEM) clients should trust',
    '  pim-emulator walkthrough [--url URL] [--tenant T|new] [--key K] [--yes]',
    '                              narrate the five PIM phases against a running emulator',
    '  pim-emulator --help | --version',
    '',
    'Options (each also an environment variable):',
    ...rows,
  ].join('\n');
}
