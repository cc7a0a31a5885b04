import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import type { StepResult } from './proxy/scenarios.js';
import { CONTOSO_ID, CONTRIBUTOR, PIMUSER, SECURITY_READER, SUBSCRIPTION } from './proxy/scenarios.js';

/**
 * Real, unpatched clients against Microsoft's own URLs, through proxy mode (issue 13). Each
 * scenario runs in a network namespace with no route out (`unshare -n`): the emulator and the
 * client share its loopback, and nothing can reach a real Microsoft host. The clients get only
 * HTTPS_PROXY / HTTP_PROXY and the CA variables (REQUESTS_CA_BUNDLE, SSL_CERT_FILE,
 * NODE_EXTRA_CA_CERTS), plus a private HOME. .ci/run installs them: Debian azure-cli,
 * python3-msal, python3-azure; npm @pnp/cli-microsoft365 is a devDependency.
 */
interface Report {
  route: { code: number; stderr: string };
  results: StepResult[];
  served: string[];
  /** Graph/ARM bodies the clients received that do not match openapi.yaml, the ARM SPEC or Microsoft's schema. */
  conformance: string[];
}

function runScenario(name: string): Promise<Report> {
  return new Promise((resolve, reject) => {
    const harness = path.join('test', 'e2e', 'proxy', 'harness.ts');
    execFile('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec "${process.execPath}" --import tsx ${harness} ${name}`], {
      cwd: PACKAGE_ROOT, timeout: 150_000, maxBuffer: 64 << 20,
    }, (err, stdout, stderr) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        const report = JSON.parse(last) as Report;
        if (report.conformance.length) reject(new Error(`scenario ${name}: ${report.conformance.length} response(s) do not match the schemas:\n${report.conformance.join('\n')}`));
        else resolve(report);
      } catch {
        reject(new Error(`scenario ${name} gave no report (${err?.message ?? 'no error'}). It needs root for unshare -n.\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-4000)}`));
      }
    });
  });
}

/** The step's stdout as JSON, failing with the client's own words when it did not succeed. */
function ok(report: Report, step: string): any {
  const r = report.results.find((x) => x.name === step);
  if (!r) throw new Error(`no step '${step}' in the report`);
  if (r.code !== 0) throw new Error(`'${step}' exited with ${r.code}${r.killed ? ' (killed: timeout)' : ''}:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout);
}
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

/** The namespace has no route but loopback: asserted from the routing table, never by sending traffic. */
function expectNoRouteOut(report: Report) {
  expect(report.route.code).not.toBe(0);
  expect(report.route.stderr).toContain('Network is unreachable');
}

describe('unmodified clients through proxy mode, in a namespace with no route out', () => {
  it('Azure CLI: az login with a password (authenticator approve), az rest for phases 3-5 and an Azure role on ARM, a Graph token of the tenant', async () => {
    const report = await runScenario('az');
    expectNoRouteOut(report);
    const login = ok(report, 'az login admin');
    expect(login).toEqual([expect.objectContaining({ tenantId: CONTOSO_ID, name: 'Contoso Pay-As-You-Go', user: { name: 'admin@contoso.onmicrosoft.com', type: 'user' } })]);
    expect(ok(report, 'phase 3 eligibility')).toMatchObject({ action: 'adminAssign', status: 'Provisioned', principalId: PIMUSER.id, roleDefinitionId: SECURITY_READER });
    expect(ok(report, 'az login pimuser')[0].user.name).toBe(PIMUSER.upn);
    expect(ok(report, 'phase 4 activation')).toMatchObject({ action: 'selfActivate', status: 'Provisioned', principalId: PIMUSER.id });
    const instances = ok(report, 'phase 4 instances');
    expect(instances.value).toEqual([expect.objectContaining({ assignmentType: 'Activated', principalId: PIMUSER.id, roleDefinitionId: SECURITY_READER })]);
    // PIM for Azure resources through management.azure.com: eligible, then activated with a justification.
    const azureEligibility = ok(report, 'azure eligibility');
    expect(azureEligibility).toMatchObject({
      name: '3b1f7c2a-5d4e-4f6a-8b9c-0d1e2f3a4b5c', type: 'Microsoft.Authorization/RoleEligibilityScheduleRequests',
      properties: { requestType: 'AdminAssign', status: 'Provisioned', principalId: PIMUSER.id, roleDefinitionId: CONTRIBUTOR, scope: SUBSCRIPTION },
    });
    expect(ok(report, 'azure activation')).toMatchObject({
      name: '6c2d8e4f-1a3b-4c5d-9e7f-2a4b6c8d0e1f',
      properties: {
        requestType: 'SelfActivate', status: 'Provisioned', principalId: PIMUSER.id, roleDefinitionId: CONTRIBUTOR, scope: SUBSCRIPTION,
        justification: 'Azure phase activation through az rest', linkedRoleEligibilityScheduleId: azureEligibility.properties.targetRoleEligibilityScheduleId,
      },
    });
    expect(ok(report, 'azure instances').value).toEqual([expect.objectContaining({
      properties: expect.objectContaining({ assignmentType: 'Activated', memberType: 'Direct', status: 'Provisioned', principalId: PIMUSER.id, roleDefinitionId: CONTRIBUTOR, scope: SUBSCRIPTION }),
    })]);
    const graphToken = ok(report, 'graph token');
    expect(graphToken.tenant).toBe(CONTOSO_ID);
    expect(claims(graphToken.accessToken)).toMatchObject({ tid: CONTOSO_ID, upn: PIMUSER.upn, aud: 'https://graph.microsoft.com/', amr: ['pwd', 'mfa'] });
    expect(ok(report, 'phase 5 removal')).toMatchObject({ action: 'adminRemove', status: 'Revoked' });
    // What az asked before any token, under Microsoft's names: user realm, then ARM's tenants and subscriptions.
    expect(report.served).toEqual(expect.arrayContaining([
      `GET /common/userrealm/${PIMUSER.upn}?api-version=1.0 200`,
      expect.stringMatching(/^GET \/tenants\?api-version=[\d-]+ 200$/),
      expect.stringMatching(/^GET \/subscriptions\?api-version=[\d-]+ 200$/),
      `PUT ${SUBSCRIPTION}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/6c2d8e4f-1a3b-4c5d-9e7f-2a4b6c8d0e1f?api-version=2020-10-01 201`,
    ]));
  }, 170_000);

  it('Python: azure-identity (client secret) makes pimuser eligible and MSAL (username/password) activates', async () => {
    const report = await runScenario('python');
    expectNoRouteOut(report);
    const app = ok(report, 'azure-identity client secret: eligibility');
    expect(app).toMatchObject({ tid: CONTOSO_ID, idtyp: 'app', status: 201, body: { action: 'adminAssign', status: 'Provisioned' } });
    const user = ok(report, 'msal username/password: activation');
    expect(user).toMatchObject({ tid: CONTOSO_ID, upn: PIMUSER.upn, amr: ['pwd', 'mfa'], status: 201, body: { action: 'selfActivate', status: 'Provisioned' } });
    expect(report.served).toContain(`GET /common/userrealm/${PIMUSER.upn}?api-version=1.0 200`);
  }, 170_000);

  it('CLI for Microsoft 365: m365 login (password), pim role assignment add, then list shows the activation', async () => {
    const report = await runScenario('m365');
    expectNoRouteOut(report);
    expect(ok(report, 'eligibility through Graph')).toMatchObject({ status: 201 });
    expect(ok(report, 'm365 login pimuser')).toMatchObject({ connectedAs: PIMUSER.upn, authType: 'password' });
    const added = ok(report, 'm365 pim role assignment add');
    expect(added).toMatchObject({ action: 'selfActivate', status: 'Provisioned', principalId: PIMUSER.id, roleDefinitionId: SECURITY_READER, justification: 'Phase 4 through CLI for Microsoft 365' });
    const listed = ok(report, 'm365 pim role assignment list');
    expect(listed).toEqual([expect.objectContaining({ principalId: PIMUSER.id, assignmentType: 'Activated', roleAssignmentScheduleId: added.targetScheduleId, roleDefinition: { displayName: 'Security Reader' } })]);
    // msal-node knows login.microsoftonline.com's metadata itself: it goes straight to the token endpoint.
    expect(report.served).toEqual(expect.arrayContaining([expect.stringMatching(/^POST \/contoso\.onmicrosoft\.com\/oauth2\/v2\.0\/token\?client-request-id=[0-9a-f-]+ 200$/)]));
  }, 170_000);

  it('curl with HTTPS_PROXY and CURL_CA_BUNDLE reaches Graph under its own name and gets Graph\'s 401', async () => {
    const report = await runScenario('curl');
    expectNoRouteOut(report);
    const r = report.results.find((x) => x.name === 'curl graph over CONNECT')!;
    expect(r.code, r.stderr).toBe(0);
    const [body, status] = r.stdout.split('\n');
    expect(status).toBe('401');
    expect(JSON.parse(body!).error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
    expect(report.served).toEqual(['GET /v1.0/me 401']);
  }, 170_000);

  it('refuses every other host at once, naming it: curl and Python see the refusal, nothing is forwarded', async () => {
    const report = await runScenario('refusal');
    expectNoRouteOut(report);
    const connect = report.results.find((r) => r.name === 'curl other host over CONNECT')!;
    expect(connect.code).toBe(56);
    expect(connect.stderr).toContain('CONNECT tunnel failed, response 403');
    const plain = report.results.find((r) => r.name === 'curl other host over plain HTTP')!;
    const [body, status] = plain.stdout.split('\n');
    expect(status).toBe('403');
    expect(JSON.parse(body!).error).toMatchObject({ code: 'HostNotEmulated', message: expect.stringContaining('refusing www.example.com') });
    const python = report.results.find((r) => r.name === 'python requests other host')!;
    expect(python.code).not.toBe(0);
    expect(python.stderr).toContain('403 Host www.example.com is not emulated');
    // The refusals are listed in /_emulator/requests; nothing else was served.
    expect(report.served).toEqual(['CONNECT www.example.com:443 403', 'GET http://www.example.com/ 403', 'CONNECT www.example.com:443 403']);
  }, 170_000);
});
