import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type TestEmulator } from '../../src/index.js';
import { observeResponse } from '../support/conformance.js';

const PIMUSER = 'pimuser@contoso.onmicrosoft.com';
const ADMIN = 'admin@contoso.onmicrosoft.com';
const SECURITY_READER = '5d6b6bb7-de71-4623-b4af-96380a352509';

describe('the programmatic test kit (startEmulator)', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ observe: observeResponse });
  });
  afterAll(async () => emu.close());

  const graph = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${emu.urls.http}/v1.0${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

  it('starts on free ports with the seed tenants and answers Graph with a kit-minted token', async () => {
    expect(emu.urls.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.urls.https).toMatch(/^https:\/\/localhost:\d+$/);
    expect(emu.caPem).toContain('BEGIN CERTIFICATE');
    expect(emu.tenants.map((t) => t.name)).toEqual(['contoso', 'fabrikam']);
    const res = await graph('/me', await emu.tokenFor(PIMUSER));
    expect(res.status).toBe(200);
    expect((await res.json()).userPrincipalName).toBe(PIMUSER);
  });

  it('gives the current MFA code that the token endpoint accepts', async () => {
    const form = new URLSearchParams({ grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', username: PIMUSER, password: 'Passw0rd!', scope: 'https://graph.microsoft.com/.default', mfa_code: emu.mfaCode(PIMUSER) });
    const res = await fetch(`${emu.urls.http}/contoso/oauth2/v2.0/token`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
  });

  it('moves the clock, and waits for mail without sleeping', async () => {
    const admin = await emu.tokenFor(ADMIN, { mfa: true });
    const before = emu.clock.now().getTime();
    const assign = await graph('/roleManagement/directory/roleEligibilityScheduleRequests', admin, {
      method: 'POST',
      body: JSON.stringify({ action: 'adminAssign', principalId: emu.tenants[0]!.users.find((u) => u.userPrincipalName === PIMUSER)!.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P20D' } } }),
    });
    expect(assign.status).toBe(201);
    const mail = await emu.inbox.waitFor({ to: ADMIN, subject: 'eligible' });
    expect(mail.subject).toBe('PIM: PIM User was made eligible for the Security Reader role');
    const after = await emu.clock.advance('P7D');
    expect(after.getTime() - before).toBeGreaterThanOrEqual(7 * 86400e3);
    // Within 14 days of the end now: the first reminder is already in the inbox when advance returns.
    expect(emu.inbox.list({ to: PIMUSER, subject: 'expires in 14 days' })).toHaveLength(1);
    await emu.reset();
    expect(emu.inbox.list()).toEqual([]);
  });

  it('fails the next N matching requests with a throttling response shaped like Graph, then succeeds', async () => {
    const token = await emu.tokenFor(PIMUSER);
    emu.faults.add({ method: 'GET', path: '/v1.0/me', status: 429, retryAfter: 2, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await graph('/me', token);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('2');
      const body = await res.json();
      expect(body.error.code).toBe('TooManyRequests');
      expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
    }
    expect((await graph('/me', token)).status).toBe(200);
    expect(emu.faults.list()).toEqual([]);
  });

  it('injects token-endpoint errors, latency and probabilities through the HTTP API', async () => {
    const add = (spec: object) => fetch(`${emu.urls.http}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    const created = await add({ path: '/contoso/oauth2/v2.0/token', aad: { error: 'invalid_grant', aadsts: 50076, description: 'MFA required by the test.' }, times: 1 });
    expect(created.status).toBe(201);
    const form = new URLSearchParams({ grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', username: PIMUSER, password: 'Passw0rd!', scope: 'https://graph.microsoft.com/.default' });
    const failed = await fetch(`${emu.urls.http}/contoso/oauth2/v2.0/token`, { method: 'POST', body: form });
    expect(failed.status).toBe(400);
    const err = await failed.json();
    expect(err.error).toBe('invalid_grant');
    expect(err.error_codes).toEqual([50076]);
    expect(err.error_description).toMatch(/^AADSTS50076: MFA required by the test\./);
    expect((await fetch(`${emu.urls.http}/contoso/oauth2/v2.0/token`, { method: 'POST', body: form })).status).toBe(200);

    expect((await add({ path: '/v1.0/**', status: 503, probability: 0 })).status).toBe(201);
    expect((await graph('/me', await emu.tokenFor(PIMUSER))).status).toBe(200);
    const listed = await (await fetch(`${emu.urls.http}/_emulator/faults`)).json();
    expect(listed.value).toHaveLength(1);
    expect(listed.value[0]).toMatchObject({ path: '/v1.0/**', status: 503, hits: 0 });
    expect((await fetch(`${emu.urls.http}/_emulator/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await add({ path: 'no-slash', status: 500 })).status).toBe(400);
  });

  it('keeps a request log, newest first, with tenant and caller', async () => {
    await graph('/me', await emu.tokenFor(PIMUSER));
    const log = await (await fetch(`${emu.urls.http}/_emulator/requests?path=/v1.0/me&limit=1`)).json();
    expect(log.value).toHaveLength(1);
    expect(log.value[0]).toMatchObject({ method: 'GET', path: '/v1.0/me', status: 200, tenant: 'contoso', caller: PIMUSER });
    expect(log.value[0].requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
