import path from 'node:path';
import type { Emulator } from '../../../src/emulator.js';
import { PACKAGE_ROOT } from '../../../src/config.js';

/**
 * The client scenarios harness.ts runs inside the network namespace. Each yields steps: a client
 * command (run as a child process with only the proxy and CA variables) or a call to the
 * emulator's control plane (what a test or a facilitator does besides the client).
 */
export type Step =
  | { name: string; cmd: string[]; env?: Record<string, string>; timeoutMs?: number }
  | { name: string; inject: () => Promise<unknown> };
export interface StepResult {
  name: string;
  code: number;
  stdout: string;
  stderr: string;
  killed: boolean;
}
export interface ScenarioContext {
  emu: Emulator;
  caFile: string;
  dir: string;
  results: readonly StepResult[];
}

export const PIMUSER = { id: 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709', upn: 'pimuser@contoso.onmicrosoft.com' };
export const ADMIN = { upn: 'admin@contoso.onmicrosoft.com' };
export const SECURITY_READER = '5d6b6bb7-de71-4623-b4af-96380a352509';
export const CONTOSO_ID = '6d272baa-e81f-4496-8d0a-a21fbc9a1817';
const CONFIDENTIAL = { appId: '256ab9b4-5d7d-4b72-abe9-a49048bc8a5e', secret: 'pim-emulator-local-secret' };
const PUBLIC_APP = '6df8e9c8-48f6-4ed2-8e89-b23bb8c566ef';
const PASSWORD = 'Passw0rd!';
const GRAPH = 'https://graph.microsoft.com/v1.0/roleManagement/directory';
/** PIM for Azure resources on ARM, at the Contoso Pay-As-You-Go subscription. */
export const SUBSCRIPTION = '/subscriptions/9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';
export const CONTRIBUTOR = `${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c`;
const ARM = `https://management.azure.com${SUBSCRIPTION}/providers/Microsoft.Authorization`;
const ARM_VERSION = 'api-version=2020-10-01';
// Debian's interpreter, where python3-msal and python3-azure are installed (not a pyenv shim).
const PYTHON = '/usr/bin/python3';
const M365 = path.join(PACKAGE_ROOT, 'node_modules', '@pnp', 'cli-microsoft365', 'dist', 'index.js');

const approve = (emu: Emulator, upn: string): Step => ({
  name: `authenticator approve ${upn}`,
  inject: async () => {
    const res = await emu.app.inject({ method: 'PUT', url: `/_emulator/tenants/contoso/users/${upn}/authenticator`, payload: { authenticator: 'approve' } });
    return { status: res.statusCode, body: res.json() };
  },
});

/** A Graph call by the admin (password + MFA approved), through the app itself: setup, not the client under test. */
const graphAsAdmin = (emu: Emulator, name: string, url: string, body: unknown): Step => ({
  name,
  inject: async () => {
    const token = await emu.app.inject({
      method: 'POST', url: '/contoso/oauth2/v2.0/token',
      payload: new URLSearchParams({ grant_type: 'password', client_id: PUBLIC_APP, username: ADMIN.upn, password: PASSWORD, scope: 'https://graph.microsoft.com/.default' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const res = await emu.app.inject({ method: 'POST', url, payload: body as object, headers: { authorization: `Bearer ${token.json().access_token}` } });
    return { status: res.statusCode, body: res.json() };
  },
});

const eligibility = (justification: string) => JSON.stringify({
  action: 'adminAssign', justification, principalId: PIMUSER.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
  scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'noExpiration' } },
});
const activation = (justification: string) => JSON.stringify({
  action: 'selfActivate', justification, principalId: PIMUSER.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
  scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'PT1H' } },
});

/** The ARM request az rest PUTs (PascalCase requestType and expiration.type, as ARM takes them). */
const armRequest = (props: Record<string, unknown>) => JSON.stringify({ properties: { principalId: PIMUSER.id, roleDefinitionId: CONTRIBUTOR, ...props } });
const stdoutOf = (results: readonly StepResult[], name: string): any => {
  const r = results.find((x) => x.name === name);
  try {
    return JSON.parse(r?.stdout ?? '');
  } catch {
    return undefined;
  }
};

export const SCENARIOS: Record<string, (ctx: ScenarioContext) => Iterable<Step>> = {
  /** Azure CLI (Debian azure-cli): az login with a password, az rest for phases 3-5, a Graph token. */
  *az({ emu, results }) {
    yield approve(emu, ADMIN.upn);
    yield approve(emu, PIMUSER.upn);
    yield { name: 'az login admin', cmd: ['az', 'login', '-u', ADMIN.upn, '-p', PASSWORD, '--output', 'json'] };
    yield { name: 'phase 3 eligibility', cmd: ['az', 'rest', '--method', 'post', '--url', `${GRAPH}/roleEligibilityScheduleRequests`, '--body', eligibility('Phase 3 through az rest')] };
    // PIM for Azure resources: the admin makes pimuser eligible for Contributor on the subscription, on ARM.
    yield {
      name: 'azure eligibility',
      cmd: ['az', 'rest', '--method', 'put', '--url', `${ARM}/roleEligibilityScheduleRequests/3b1f7c2a-5d4e-4f6a-8b9c-0d1e2f3a4b5c?${ARM_VERSION}`, '--body',
        armRequest({ requestType: 'AdminAssign', justification: 'Azure phase through az rest', scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P30D' } } })],
    };
    yield { name: 'az login pimuser', cmd: ['az', 'login', '-u', PIMUSER.upn, '-p', PASSWORD, '--output', 'json'] };
    yield { name: 'phase 4 activation', cmd: ['az', 'rest', '--method', 'post', '--url', `${GRAPH}/roleAssignmentScheduleRequests`, '--body', activation('Phase 4 through az rest')] };
    yield { name: 'phase 4 instances', cmd: ['az', 'rest', '--method', 'get', '--url', `${GRAPH}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`] };
    // pimuser activates the Azure role with a justification; az rest takes an ARM token for management.azure.com.
    yield {
      name: 'azure activation',
      cmd: ['az', 'rest', '--method', 'put', '--url', `${ARM}/roleAssignmentScheduleRequests/6c2d8e4f-1a3b-4c5d-9e7f-2a4b6c8d0e1f?${ARM_VERSION}`, '--body',
        armRequest({
          requestType: 'SelfActivate', justification: 'Azure phase activation through az rest',
          linkedRoleEligibilityScheduleId: stdoutOf(results, 'azure eligibility')?.properties?.targetRoleEligibilityScheduleId,
          scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'PT1H' } },
        })],
    };
    yield { name: 'azure instances', cmd: ['az', 'rest', '--method', 'get', '--url', `${ARM}/roleAssignmentScheduleInstances?$filter=asTarget()&${ARM_VERSION}`] };
    yield { name: 'graph token', cmd: ['az', 'account', 'get-access-token', '--resource-type', 'ms-graph', '--output', 'json'] };
    yield { name: 'az login admin again', cmd: ['az', 'login', '-u', ADMIN.upn, '-p', PASSWORD, '--output', 'json'] };
    yield {
      name: 'phase 5 removal',
      cmd: ['az', 'rest', '--method', 'post', '--url', `${GRAPH}/roleEligibilityScheduleRequests`, '--body',
        JSON.stringify({ action: 'adminRemove', principalId: PIMUSER.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/' })],
    };
  },

  /** Python: azure-identity (client secret) makes pimuser eligible; MSAL (username/password) activates. */
  *python({ emu }) {
    yield approve(emu, PIMUSER.upn);
    yield {
      name: 'azure-identity client secret: eligibility',
      cmd: [PYTHON, path.join(PACKAGE_ROOT, 'test/e2e/proxy/clients/identity_secret.py'), CONTOSO_ID, CONFIDENTIAL.appId, CONFIDENTIAL.secret, eligibility('Phase 3 through azure-identity')],
    };
    yield {
      name: 'msal username/password: activation',
      cmd: [PYTHON, path.join(PACKAGE_ROOT, 'test/e2e/proxy/clients/msal_ropc.py'), 'contoso.onmicrosoft.com', PUBLIC_APP, PIMUSER.upn, PASSWORD, activation('Phase 4 through MSAL for Python')],
    };
  },

  /** CLI for Microsoft 365 (npm @pnp/cli-microsoft365): password login, pim role assignment add / list. */
  *m365({ emu }) {
    yield approve(emu, ADMIN.upn);
    yield approve(emu, PIMUSER.upn);
    const m365 = (...args: string[]) => [process.execPath, M365, ...args];
    const login = (upn: string) => m365('login', '--authType', 'password', '--userName', upn, '--password', PASSWORD, '--appId', PUBLIC_APP, '--tenant', 'contoso.onmicrosoft.com');
    // CLI for Microsoft 365 has no command that makes someone eligible: the admin does it on Graph.
    yield graphAsAdmin(emu, 'eligibility through Graph', `/v1.0/roleManagement/directory/roleEligibilityScheduleRequests`, JSON.parse(eligibility('Phase 3 for CLI for Microsoft 365')));
    yield { name: 'm365 login pimuser', cmd: login(PIMUSER.upn) };
    yield { name: 'm365 pim role assignment add', cmd: m365('entra', 'pim', 'role', 'assignment', 'add', '--roleDefinitionName', 'Security Reader', '--justification', 'Phase 4 through CLI for Microsoft 365', '--duration', 'PT1H', '--output', 'json') };
    yield { name: 'm365 pim role assignment list', cmd: m365('entra', 'pim', 'role', 'assignment', 'list', '--userName', PIMUSER.upn, '--output', 'json') };
  },

  /** curl as docs/clients.md sets it up: HTTPS_PROXY and CURL_CA_BUNDLE (Debian's curl ignores SSL_CERT_FILE). */
  *curl({ caFile }) {
    yield { name: 'curl graph over CONNECT', cmd: ['curl', '-sS', '--max-time', '20', '-w', '\\n%{http_code}', 'https://graph.microsoft.com/v1.0/me'], env: { CURL_CA_BUNDLE: caFile } };
  },

  /** Anything that is not Microsoft's sign-in, Graph or ARM is refused by the proxy, naming the host. */
  *refusal() {
    yield { name: 'curl other host over CONNECT', cmd: ['curl', '-sS', '--max-time', '10', 'https://www.example.com/'] };
    yield { name: 'curl other host over plain HTTP', cmd: ['curl', '-sS', '--max-time', '10', '-w', '\\n%{http_code}', 'http://www.example.com/'] };
    yield { name: 'python requests other host', cmd: [PYTHON, '-c', "import requests; requests.get('https://www.example.com/', timeout=10)"] };
  },
};
