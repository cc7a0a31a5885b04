import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmulator, type Emulator } from '../../src/emulator.js';
import { defaultConfig, type Config } from '../../src/config.js';
import { loadSeedFile } from '../../src/store/seed.js';
import { generateTlsMaterial, type TlsMaterial } from '../../src/tls.js';
import type { State } from '../../src/store/store.js';
import { observeResponse } from './conformance.js';

/** Personas of seed/default.json. */
export const CONTOSO = { id: '6d272baa-e81f-4496-8d0a-a21fbc9a1817', name: 'contoso', domain: 'contoso.onmicrosoft.com' };
export const FABRIKAM = { id: '04d9d77c-b40e-4f39-a168-c85f110745b9', name: 'fabrikam', domain: 'fabrikam.onmicrosoft.com' };
export const USERS = {
  admin: { id: 'f3b42597-e103-4e94-928f-7255e792eecd', upn: 'admin@contoso.onmicrosoft.com' },
  pimuser: { id: 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709', upn: 'pimuser@contoso.onmicrosoft.com' },
  approver: { id: '3f9260ad-b759-420f-93e3-a9d06900810f', upn: 'approver@contoso.onmicrosoft.com' },
  analyst: { id: 'e45b36af-beb8-4442-905f-c9f608ed22b1', upn: 'analyst@contoso.onmicrosoft.com' },
  helpdesk: { id: '1e63414e-7c52-4856-abf1-0e4a09317237', upn: 'helpdesk@contoso.onmicrosoft.com' },
  fabrikamAdmin: { id: 'c24a86fe-d9f2-4f36-a54b-3b345c4eabba', upn: 'admin@fabrikam.onmicrosoft.com' },
  fabrikamUser: { id: '1b5eac77-ef57-4ff4-97e0-7a4a3b8efeac', upn: 'user@fabrikam.onmicrosoft.com' },
} as const;
export const APPS = {
  confidential: { appId: '256ab9b4-5d7d-4b72-abe9-a49048bc8a5e', id: 'de8e6341-3b67-4339-97c9-86acb28ff456', secret: 'pim-emulator-local-secret' },
  public: { appId: '6df8e9c8-48f6-4ed2-8e89-b23bb8c566ef' },
  azureCli: { appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' },
} as const;
export const ROLES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  directoryReaders: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  groupsAdministrator: 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
} as const;
export const PASSWORD = 'Passw0rd!';

// The default seed and one TLS identity are shared by every emulator a test file builds: both are
// immutable inputs, and sharing them keeps a fresh emulator per test cheap.
let seed: State | undefined;
let tls: Promise<TlsMaterial> | undefined;
export const defaultSeed = (): State => (seed ??= loadSeedFile(defaultConfig().seedPath));
export const sharedTls = (): Promise<TlsMaterial> => (tls ??= generateTlsMaterial());

/**
 * A fresh in-memory emulator on free ports (not listening until you call listen()). Every Graph
 * body it sends is checked against openapi.yaml (support/conformance.ts); a mismatch fails the test
 * that received it (support/conformance-setup.ts).
 */
export async function testEmulator(config: Partial<Config> = {}): Promise<Emulator> {
  return createEmulator(
    { ...defaultConfig(), storage: 'memory', httpPort: 0, httpsPort: 0, smtpPort: 0, logLevel: 'silent', ...config },
    { seed: config.storage === 'file' ? undefined : defaultSeed(), tls: await sharedTls(), observe: observeResponse },
  );
}

/** A temporary data directory, removed by the returned cleanup. */
export function tempDir(prefix = 'pim-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A user token minted through the control plane (tests that do not care about sign-in). */
export async function tokenFor(emu: Emulator, upn: string, opts: { mfa?: boolean; scopes?: string[]; tenant?: string } = {}): Promise<string> {
  const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: opts.tenant ?? upn.split('@')[1], user: upn, mfa: opts.mfa ?? false, ...(opts.scopes ? { scopes: opts.scopes } : {}) } });
  if (res.statusCode !== 200) throw new Error(`token for ${upn}: ${res.statusCode} ${res.body}`);
  return res.json().access_token as string;
}

export async function appToken(emu: Emulator, roles?: string[]): Promise<string> {
  const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', clientId: APPS.confidential.appId, ...(roles ? { roles } : {}) } });
  if (res.statusCode !== 200) throw new Error(`app token: ${res.statusCode} ${res.body}`);
  return res.json().access_token as string;
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

/** Assert-friendly view of a Graph error response. */
export function graphError(res: { statusCode: number; json: () => unknown }): { status: number; code: string; message: string; innerError: Record<string, string> } {
  const body = res.json() as { error: { code: string; message: string; innerError: Record<string, string> } };
  return { status: res.statusCode, ...body.error };
}
