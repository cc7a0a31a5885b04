import { execFileSync } from 'node:child_process';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneError, PimEmulatorContainer, type StartedPimEmulatorContainer } from '../../src/testcontainers.js';

/**
 * The Testcontainers module: `new PimEmulatorContainer().start()` builds the project's image (under a
 * tag of its own here, so the build path runs), starts it, waits on health, and gives the URLs, the CA
 * and the test kit's helpers over the control plane. PIM_DOCKER_NETWORK=host (the default here) is
 * for an engine without a bridge network, such as the sandbox .ci/run starts.
 */

const IMAGE = `entra-pim-emulator:testcontainers-${process.pid}`;
const network = process.env.PIM_DOCKER_NETWORK ?? 'host';
const SR = '5d6b6bb7-de71-4623-b4af-96380a352509';
const PIMUSER = 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709';
let pim: StartedPimEmulatorContainer;
let tls: Agent;

const graph = async (method: string, path: string, token: string, body?: unknown) => {
  const res = await undiciFetch(`${pim.urls.https}/v1.0${path}`, {
    method, dispatcher: tls,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Record<string, any> };
};

beforeAll(async () => {
  pim = await new PimEmulatorContainer(IMAGE).withNetworkMode(network).start();
  tls = new Agent({ connect: { ca: pim.caPem } });
});
afterAll(async () => {
  await pim?.stop();
  await tls?.close();
  try {
    execFileSync('docker', ['image', 'rm', '-f', IMAGE], { stdio: 'ignore' });
  } catch {
    // the image may not have been built
  }
});

describe('PimEmulatorContainer', () => {
  it('builds and starts the image, answers health over HTTPS trusting its CA, and lists the seed tenants', async () => {
    expect(execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', IMAGE]).toString()).toMatch(/^sha256:/);
    expect(pim.urls.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(pim.urls.https).toMatch(/^https:\/\/localhost:\d+$/);
    expect(pim.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const health = await undiciFetch(`${pim.urls.https}/_emulator/health`, { dispatcher: tls });
    expect(health.status).toBe(200);
    expect(pim.tenants.map((t) => t.name)).toEqual(['contoso', 'fabrikam']);
    expect(pim.tenants[0]!.users.map((u) => u.userPrincipalName)).toContain('pimuser@contoso.onmicrosoft.com');
  });

  it('mints tokens and reads MFA codes like the test kit', async () => {
    const token = await pim.tokenFor('pimuser@contoso.onmicrosoft.com', { mfa: true });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { amr: string[]; upn: string };
    expect(claims.amr).toEqual(['pwd', 'mfa']);
    const me = await graph('GET', '/me', token);
    expect(me.status).toBe(200);
    expect(me.json.userPrincipalName).toBe('pimuser@contoso.onmicrosoft.com');
    const app = await pim.appToken('256ab9b4-5d7d-4b72-abe9-a49048bc8a5e');
    expect((await graph('GET', '/roleManagement/directory/roleDefinitions?$top=1', app)).status).toBe(200);

    const code = await pim.mfaCode('pimuser@contoso.onmicrosoft.com');
    expect(code).toMatch(/^\d{6}$/);
    const form = new URLSearchParams({ grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', scope: 'https://graph.microsoft.com/.default', username: 'pimuser@contoso.onmicrosoft.com', password: 'Passw0rd!', mfa_code: code });
    const signIn = await undiciFetch(`${pim.urls.https}/contoso/oauth2/v2.0/token`, { method: 'POST', body: form, dispatcher: tls });
    expect(signIn.status).toBe(200);

    await expect(pim.tokenFor('nobody@contoso.onmicrosoft.com')).rejects.toMatchObject({ status: 404, code: 'UserNotFound' });
    await expect(pim.tokenFor('nobody@contoso.onmicrosoft.com')).rejects.toBeInstanceOf(ControlPlaneError);
  });

  it('activates, waits for the mail, moves the clock, injects a fault and resets', async () => {
    const admin = await pim.tokenFor('admin@contoso.onmicrosoft.com', { mfa: true });
    const eligible = await graph('POST', '/roleManagement/directory/roleEligibilityScheduleRequests', admin, {
      action: 'adminAssign', justification: 'Testcontainers', principalId: PIMUSER, roleDefinitionId: SR, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } },
    });
    expect(eligible.status).toBe(201);
    const user = await pim.tokenFor('pimuser@contoso.onmicrosoft.com', { mfa: true });
    const activation = await graph('POST', '/roleManagement/directory/roleAssignmentScheduleRequests', user, {
      action: 'selfActivate', justification: 'Reviewing sign-in logs', principalId: PIMUSER, roleDefinitionId: SR, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT8H' } },
    });
    expect(activation.status).toBe(201);
    expect(activation.json.status).toBe('Provisioned');
    const mail = await pim.inbox.waitFor({ to: 'admin@contoso.onmicrosoft.com', subject: 'activated' });
    expect(mail.subject).toBe('PIM: PIM User has the Security Reader role activated');
    expect(mail.text).toContain('Reviewing sign-in logs');
    expect((await pim.inbox.list({ to: 'admin@contoso.onmicrosoft.com' })).map((m) => m.subject)).toContain(mail.subject);

    const before = await pim.clock.now();
    const after = await pim.clock.advance('PT8H');
    expect(after.getTime() - before.getTime()).toBeGreaterThanOrEqual(8 * 3600_000);
    const later = await pim.tokenFor('pimuser@contoso.onmicrosoft.com', { mfa: true });
    const active = await graph('GET', "/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')", later);
    expect(active.json.value).toEqual([]);

    const fault = await pim.faults.add({ path: '/v1.0/me', status: 503, times: 1 });
    expect((await pim.faults.list()).map((f) => f.id)).toEqual([fault.id]);
    const faulted = await graph('GET', '/me', later);
    expect(faulted.status).toBe(503);
    expect(faulted.json.error.code).toBe('ServiceUnavailable');
    await pim.faults.clear();
    expect(await pim.faults.list()).toEqual([]);

    await pim.reset();
    expect(await pim.inbox.list()).toEqual([]);
    const fresh = await pim.tokenFor('pimuser@contoso.onmicrosoft.com', { mfa: true });
    const eligibilities = await graph('GET', "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')", fresh);
    expect(eligibilities.json.value).toEqual([]);
  });
});
