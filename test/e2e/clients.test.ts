import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type TestEmulator } from '../../src/testkit.js';
import { observeResponse } from '../support/conformance.js';

/**
 * The real client libraries, unpatched, against the emulator over HTTPS. Each scenario in
 * test/e2e/clients/ is a plain client program (they double as documentation): it runs in its own
 * Node process, because NODE_EXTRA_CA_CERTS (the only trust given, never
 * NODE_TLS_REJECT_UNAUTHORIZED) is read when a process starts, and prints one JSON line of
 * results that the tests below assert on. One emulator for the file; reset before each scenario.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCENARIOS = path.join(ROOT, 'test/e2e/clients');
const PIMUSER = { id: 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709', upn: 'pimuser@contoso.onmicrosoft.com' };
const SECURITY_READER = '5d6b6bb7-de71-4623-b4af-96380a352509';
/** Cloud Engineers (security group, not role-assignable) and its one direct member. */
const CLOUD_ENGINEERS = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const APPROVER_ID = '3f9260ad-b759-420f-93e3-a9d06900810f';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Device code clients poll every 5 s (Entra's interval), in real time. */
const SCENARIO_TIMEOUT_MS = 60_000;

let emu: TestEmulator;
let tmp: string;
let caFile: string;

beforeAll(async () => {
  // Every Graph body the official clients receive is checked against openapi.yaml and Microsoft's schema.
  emu = await startEmulator({ observe: observeResponse });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pim-clients-'));
  caFile = path.join(tmp, 'pim-ca.pem');
  writeFileSync(caFile, emu.caPem);
});
afterAll(async () => {
  await emu?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnScenario(name: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(SCENARIOS, `${name}.ts`), emu.urls.https, emu.urls.http], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scenario ${name} did not finish within ${SCENARIO_TIMEOUT_MS} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, SCENARIO_TIMEOUT_MS - 5_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a scenario trusting the emulator's CA through NODE_EXTRA_CA_CERTS only; returns its JSON line. */
async function runScenario<T = any>(name: string): Promise<T> {
  await emu.reset();
  const run = await spawnScenario(name, { NODE_EXTRA_CA_CERTS: caFile });
  if (run.code !== 0) throw new Error(`scenario ${name} exited with ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  const line = run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`scenario ${name} printed no JSON line\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return JSON.parse(line) as T;
}

describe('@azure/msal-node 7 (clients/msal-node.ts)', () => {
  let r: any;
  beforeAll(async () => {
    r = await runScenario('msal-node');
  }, SCENARIO_TIMEOUT_MS);

  it('client credentials: an app-only token with the app permissions, accepted by Graph', () => {
    expect(r.clientCredentials).toEqual({
      tokenType: 'Bearer',
      idtyp: 'app',
      roles: ['RoleManagement.ReadWrite.Directory', 'RoleManagementPolicy.ReadWrite.Directory', 'Directory.Read.All', 'AuditLog.Read.All'],
      roleDefinitions: { status: 200, count: 26 },
    });
  });

  it('authorization code + PKCE through the sign-in and MFA pages: amr includes mfa', () => {
    expect(r.authCode).toEqual({
      redirect: 'http://localhost/',
      username: PIMUSER.upn,
      tenantId: '6d272baa-e81f-4496-8d0a-a21fbc9a1817',
      amr: ['pwd', 'mfa'],
      idTokenAmr: ['pwd', 'mfa'],
      me: { status: 200, userPrincipalName: PIMUSER.upn },
    });
  });

  it('device code completed on the /devicelogin pages (password only: amr pwd)', () => {
    expect(r.deviceCode).toEqual({
      page: 'You have signed in to the Microsoft Azure CLI application on your device. You may now close this window.',
      username: PIMUSER.upn,
      amr: ['pwd'],
      appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
    });
  });

  it('acquireTokenSilent: from the cache, then forceRefresh through the refresh token, keeping amr', () => {
    expect(r.silent).toEqual({
      accounts: [PIMUSER.upn],
      cachedFromCache: true,
      sameTokenFromCache: true,
      refreshedFromCache: false,
      newToken: true,
      amr: ['pwd', 'mfa'],
    });
  });
});

describe('@azure/identity 4 (clients/identity.ts)', () => {
  let r: any;
  beforeAll(async () => {
    r = await runScenario('identity');
  }, SCENARIO_TIMEOUT_MS);

  it('ClientSecretCredential: an app-only token, one hour, that lists eligibility schedules', () => {
    expect(r.clientSecret).toMatchObject({
      tokenType: 'Bearer',
      idtyp: 'app',
      appid: '256ab9b4-5d7d-4b72-abe9-a49048bc8a5e',
      eligibilitySchedules: { status: 200, count: 0 },
    });
    expect(r.clientSecret.roles).toContain('RoleManagement.ReadWrite.Directory');
    expect(r.clientSecret.expiresInMinutes).toBeGreaterThanOrEqual(59);
  });

  it('DeviceCodeCredential completed with POST /_emulator/devicelogin: pimuser with MFA, cached afterwards', () => {
    expect(r.deviceCode).toEqual({
      approved: expect.objectContaining({ status: 'approved', userPrincipalName: PIMUSER.upn, tenant: 'contoso', amr: ['pwd', 'mfa'] }),
      upn: PIMUSER.upn,
      amr: ['pwd', 'mfa'],
      cached: true,
      me: { status: 200, userPrincipalName: PIMUSER.upn },
    });
  });
});

describe('@microsoft/microsoft-graph-client 3 (clients/graph-client.ts)', () => {
  let r: any;
  beforeAll(async () => {
    r = await runScenario('graph-client');
  }, SCENARIO_TIMEOUT_MS);

  it('phase 3: the admin (MSAL auth code with MFA) makes pimuser permanently eligible', () => {
    expect(r.phase3).toEqual({ action: 'adminAssign', status: 'Provisioned', expiration: 'noExpiration' });
  });

  it('phase 4: pimuser lists the eligibility with filterByCurrentUser', () => {
    expect(r.phase4.eligible).toEqual([{ roleDefinitionId: SECURITY_READER, memberType: 'Direct', status: 'Provisioned' }]);
  });

  it('phase 4: policy failures surface as GraphError 400 RoleAssignmentRequestPolicyValidationFailed', () => {
    expect(r.phase4.withoutJustification).toEqual({
      statusCode: 400,
      code: 'RoleAssignmentRequestPolicyValidationFailed',
      message: 'The following policy rules failed: ["JustificationRule"]',
      requestId: expect.stringMatching(GUID),
    });
    expect(r.phase4.tooLong).toEqual({
      statusCode: 400,
      code: 'RoleAssignmentRequestPolicyValidationFailed',
      message: 'The following policy rules failed: ["ExpirationRule"]',
      requestId: expect.stringMatching(GUID),
    });
  });

  it('phase 4: pimuser activates for 8 hours and sees the activated instance', () => {
    expect(r.phase4.activated).toEqual({ action: 'selfActivate', status: 'Provisioned', justification: 'Reviewing sign-in logs, ticket INC1234', duration: 'PT8H' });
    expect(r.phase4.instances).toEqual([{ roleDefinitionId: SECURITY_READER, assignmentType: 'Activated' }]);
  });

  it('the RetryHandler rides out two injected 429s (Retry-After: 1) on GET /me', () => {
    expect(r.retry).toMatchObject({
      userPrincipalName: PIMUSER.upn,
      faultRemainingAtStart: 2,
      faultsLeft: 0, // a fault with `times` is removed once used up
      statusesOldestFirst: [429, 429, 200],
    });
    expect(r.retry.retriedMs).toBeGreaterThanOrEqual(1900);
  });

  it('phase 5: pimuser deactivates, the admin removes the eligibility, nothing is left', () => {
    expect(r.phase5).toEqual({
      deactivated: { action: 'selfDeactivate', status: 'Revoked' },
      removed: { action: 'adminRemove', status: 'Revoked' },
      eligibleAfter: 0,
      activeAfter: 0,
    });
  });

  it('app-only through TokenCredentialAuthenticationProvider: the audit trail of it all', () => {
    expect(r.appOnly.activities).toEqual(expect.arrayContaining([
      'Add eligible member to role in PIM completed (permanent)',
      'Add member to role completed (PIM activation)',
      'Remove member from role completed (PIM deactivate)',
      'Remove eligible member from role in PIM completed (permanent)',
    ]));
  });
});

describe('@microsoft/msgraph-sdk, Kiota (clients/msgraph-sdk.ts)', () => {
  let r: any;
  beforeAll(async () => {
    r = await runScenario('msgraph-sdk');
  }, SCENARIO_TIMEOUT_MS);

  it('the app (ClientSecretCredential) makes pimuser eligible through the generated models', () => {
    expect(r.adminAssign).toEqual({ action: 'adminAssign', status: 'Provisioned', expiration: 'noExpiration' });
  });

  it('pimuser (DeviceCodeCredential with MFA) lists the eligibility with filterByCurrentUser', () => {
    expect(r.deviceLogin).toEqual({ amr: ['pwd', 'mfa'] });
    expect(r.eligible).toEqual([{ roleDefinitionId: SECURITY_READER, principalId: PIMUSER.id, memberType: 'Direct' }]);
  });

  it('a 9-hour activation is an ODataError; an 8-hour selfActivate is provisioned', () => {
    expect(r.refused).toEqual({
      responseStatusCode: 400,
      code: 'RoleAssignmentRequestPolicyValidationFailed',
      message: 'The following policy rules failed: ["ExpirationRule"]',
      requestId: expect.stringMatching(GUID),
    });
    expect(r.activated).toEqual({ action: 'selfActivate', status: 'Provisioned', duration: 'PT8H', startDateTimeIsDate: true });
    expect(r.instances).toEqual([{ roleDefinitionId: SECURITY_READER, assignmentType: 'Activated' }]);
  });
});

describe('@microsoft/microsoft-graph-client 3: PIM for Groups (clients/graph-client-groups.ts)', () => {
  let r: any;
  beforeAll(async () => {
    r = await runScenario('graph-client-groups');
  }, SCENARIO_TIMEOUT_MS);

  it("the admin asks for MFA and a justification on the group's member policy and makes pimuser eligible", () => {
    expect(r.policy).toEqual({ policyIdIsGroupScoped: true });
    expect(r.eligibility).toEqual({ status: 'Provisioned', accessId: 'member', targetScheduleIdPrefix: `${CLOUD_ENGINEERS}_member` });
  });

  it('an activation without MFA and without a reason is a GraphError naming both rules', () => {
    expect(r.refused).toEqual({
      statusCode: 400,
      code: 'RoleAssignmentRequestPolicyValidationFailed',
      message: 'The following policy rules failed: ["JustificationRule","MfaRule"]',
      requestId: expect.stringMatching(GUID),
    });
  });

  it('with MFA and a justification pimuser is a member at once, and is not once the clock passes the end', () => {
    expect(r.activated).toEqual({ action: 'selfActivate', status: 'Provisioned', accessId: 'member', groupId: CLOUD_ENGINEERS, duration: 'PT2H' });
    expect(r.instances).toEqual([{ groupId: CLOUD_ENGINEERS, accessId: 'member', assignmentType: 'activated' }]);
    expect(r.membersWhileActive).toEqual([APPROVER_ID, PIMUSER.id]);
    expect(r.membersAfter).toEqual([APPROVER_ID]);
  });
});

describe('@microsoft/msgraph-sdk, Kiota: PIM for Groups (clients/msgraph-sdk-groups.ts)', () => {
  let r: any;
  beforeAll(async () => {
    r = await runScenario('msgraph-sdk-groups');
  }, SCENARIO_TIMEOUT_MS);

  it("the admin (device code with MFA) asks for MFA and a justification on the group's member policy and makes pimuser eligible", () => {
    expect(r.policyIdIsGroupScoped).toBe(true);
    expect(r.eligibility).toEqual({ status: 'Provisioned', accessId: 'member', groupId: CLOUD_ENGINEERS });
  });

  it('an activation without MFA and without a reason is an ODataError naming both rules', () => {
    expect(r.refused).toEqual({
      responseStatusCode: 400,
      code: 'RoleAssignmentRequestPolicyValidationFailed',
      message: 'The following policy rules failed: ["JustificationRule","MfaRule"]',
      requestId: expect.stringMatching(GUID),
    });
  });

  it('with MFA and a justification pimuser is a member at once, and is not once the clock passes the end', () => {
    expect(r.activated).toEqual({ action: 'selfActivate', status: 'Provisioned', accessId: 'member', duration: 'PT2H' });
    expect(r.instances).toEqual([{ groupId: CLOUD_ENGINEERS, accessId: 'member', assignmentType: 'activated', endIsDate: true }]);
    expect(r.membersWhileActive).toEqual([
      { id: APPROVER_ID, odataType: '#microsoft.graph.user' },
      { id: PIMUSER.id, odataType: '#microsoft.graph.user' },
    ]);
    expect(r.membersAfter).toEqual([{ id: APPROVER_ID, odataType: '#microsoft.graph.user' }]);
  });
});

describe('@azure/arm-authorization 9: PIM for Azure resources on ARM (clients/arm-authorization.ts)', () => {
  let r: any;
  beforeAll(async () => {
    r = await runScenario('arm-authorization');
  }, SCENARIO_TIMEOUT_MS);

  const SUB = '/subscriptions/9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';
  const CONTRIBUTOR = `${SUB}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c`;

  it('roleEligibilityScheduleRequests.create: the admin makes pimuser eligible for Contributor on the subscription', () => {
    expect(r.eligibility).toEqual({
      requestType: 'AdminAssign', status: 'Provisioned', principalId: PIMUSER.id, roleDefinitionId: CONTRIBUTOR, scope: SUB, scheduleId: expect.stringMatching(GUID),
    });
    expect(r.policy).toEqual({ enablement: ['MultiFactorAuthentication', 'Justification'] });
  });

  it('an activation with a password-only token is a RestError 400 naming the MFA rule, as ARM reports it', () => {
    expect(r.withoutMfa).toEqual({ statusCode: 400, code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["MfaRule"]' });
  });

  it('with MFA and a justification the activation is provisioned and listed by asTarget()', () => {
    expect(r.activated).toEqual({
      requestType: 'SelfActivate', status: 'Provisioned', justification: 'Deploy the payments hotfix', principalId: PIMUSER.id,
      linkedRoleEligibilityScheduleId: r.eligibility.scheduleId, duration: 'PT1H',
    });
    expect(r.instances).toEqual([{
      scope: SUB, roleDefinitionId: CONTRIBUTOR, principalId: PIMUSER.id, assignmentType: 'Activated', memberType: 'Direct', status: 'Provisioned', endDateTime: expect.any(String),
    }]);
  });

  it('ends when the tenant clock passes its end: asTarget() lists nothing', () => {
    expect(Date.parse(r.clock)).toBeGreaterThan(Date.parse(r.instances[0].endDateTime));
    expect(r.later).toBe(0);
  });
});

describe('trust', () => {
  it('comes from NODE_EXTRA_CA_CERTS alone: without it MSAL cannot reach the authority', async () => {
    await emu.reset();
    const run = await spawnScenario('msal-node', {});
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('endpoints_resolution_error');
  }, SCENARIO_TIMEOUT_MS);
});
