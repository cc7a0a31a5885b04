import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { CONTOSO, PASSWORD, testEmulator, USERS } from '../support/emulator.js';

/**
 * Proxy mode over real sockets on loopback. The test only ever connects to the emulator's proxy
 * port (127.0.0.1): a refused host is refused by the proxy itself, which never forwards.
 */
describe('proxy mode (PIM_PROXY_PORT)', () => {
  let emu: Emulator;
  let port: number;
  let httpUrl: string;

  beforeAll(async () => {
    emu = await testEmulator({ proxyPort: 0 });
    const urls = await emu.listen();
    port = Number(new URL(urls.proxy!).port);
    httpUrl = urls.http!;
  });
  afterAll(async () => emu.close());

  /** Sends raw bytes to the proxy; resolves with everything it answered until it closed (or 2 s of silence). */
  const raw = (bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
      let out = '';
      s.setTimeout(2000, () => s.destroy());
      s.on('data', (d) => (out += d));
      s.on('close', () => resolve(out));
      s.on('error', reject);
    });

  /** CONNECT host:443, then TLS (trusting the emulator CA unless told otherwise), then one HTTP/1.1 request. */
  const tunnel = (host: string, request: string, opts: { ca?: string | undefined } = {}) =>
    new Promise<{ cert: tls.PeerCertificate; response: string }>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`));
      s.once('error', reject);
      s.once('data', (d) => {
        if (!/^HTTP\/1\.1 200 /.test(d.toString())) return reject(new Error(d.toString()));
        const t = tls.connect({ socket: s, servername: host, ca: 'ca' in opts ? opts.ca : emu.ctx.tls.caCertPem }, () => t.write(request));
        let out = '';
        t.on('data', (x) => (out += x));
        t.on('end', () => resolve({ cert: t.getPeerCertificate(), response: out }));
        t.on('error', reject);
      });
    });
  const get = (host: string, path: string) => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
  const body = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

  it('terminates TLS for login.microsoftonline.com with a leaf from the emulator CA and serves sign-in under that name', async () => {
    const { cert, response } = await tunnel('login.microsoftonline.com', get('login.microsoftonline.com', '/contoso/v2.0/.well-known/openid-configuration'));
    expect(cert.subjectaltname).toContain('DNS:login.microsoftonline.com');
    expect(cert.issuer.CN).toBe('entra-pim-emulator local CA');
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(body(response)).toMatchObject({
      issuer: `https://login.microsoftonline.com/${CONTOSO.id}/v2.0`,
      token_endpoint: `https://login.microsoftonline.com/${CONTOSO.id}/oauth2/v2.0/token`,
    });
  });

  it('routes by host: graph.microsoft.com serves Graph, not sign-in', async () => {
    const graph = await tunnel('graph.microsoft.com', get('graph.microsoft.com', '/v1.0/me'));
    expect(graph.response).toMatch(/^HTTP\/1\.1 401 /);
    expect(body(graph.response).error.code).toBe('InvalidAuthenticationToken');
    const wrong = await tunnel('graph.microsoft.com', get('graph.microsoft.com', '/contoso/v2.0/.well-known/openid-configuration'));
    expect(wrong.response).toMatch(/^HTTP\/1\.1 404 /);
    expect(body(wrong.response).error).toEqual({
      code: 'NotFound',
      message: 'graph.microsoft.com does not serve /contoso/v2.0/.well-known/openid-configuration: under this name the emulator serves Microsoft Graph (/v1.0/…, /beta/…).',
    });
  });

  it('serves ARM under management.azure.com, with the ARM error envelope', async () => {
    const { cert, response } = await tunnel('management.azure.com', get('management.azure.com', '/subscriptions?api-version=2022-12-01'));
    expect(cert.subjectaltname).toContain('DNS:management.azure.com');
    expect(response).toMatch(/^HTTP\/1\.1 401 /);
    expect(body(response)).toEqual({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } });
  });

  it('serves PIM for Azure resources under management.azure.com: an eligibility PUT through the tunnel, then its schedule', async () => {
    const minted = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', user: USERS.admin.upn, resource: 'https://management.azure.com' } });
    const token = minted.json().access_token as string;
    const scope = '/subscriptions/9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';
    const payload = JSON.stringify({ properties: { principalId: USERS.pimuser.id, roleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`, requestType: 'AdminAssign', scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P1D' } } } });
    const put = await tunnel('management.azure.com', `PUT ${scope}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/9d0c6f3e-5a41-4b8e-9c27-1f3a5b7d9e20?api-version=2020-10-01 HTTP/1.1\r\nHost: management.azure.com\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`);
    expect(put.response).toMatch(/^HTTP\/1\.1 201 /);
    expect(body(put.response).properties).toMatchObject({ requestType: 'AdminAssign', status: 'Provisioned', scope });
    const listed = await tunnel('management.azure.com', `GET ${scope}/providers/Microsoft.Authorization/roleEligibilitySchedules?api-version=2020-10-01 HTTP/1.1\r\nHost: management.azure.com\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
    expect(body(listed.response).value.map((x: { name: string }) => x.name)).toEqual([body(put.response).properties.targetRoleEligibilityScheduleId]);
  });

  it('answers absolute-form plain-HTTP requests (and the https:// form axios sends to a proxy)', async () => {
    const form = `grant_type=password&client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46&username=${USERS.pimuser.upn}&password=${PASSWORD}&scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default`;
    const res = await raw(`POST https://login.microsoftonline.com/organizations/oauth2/v2.0/token HTTP/1.1\r\nHost: login.microsoftonline.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\nConnection: close\r\n\r\n${form}`);
    expect(res).toMatch(/^HTTP\/1\.1 200 /);
    const token = body(res).access_token as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    // The issuer is the name the client used, over https; ARM's audience keeps az's trailing slash.
    expect(claims).toMatchObject({ iss: `https://login.microsoftonline.com/${CONTOSO.id}/v2.0`, aud: 'https://management.core.windows.net/', scp: 'user_impersonation' });
    const plain = await raw(`GET http://management.azure.com/metadata/endpoints?api-version=2015-01-01 HTTP/1.1\r\nHost: management.azure.com\r\nConnection: close\r\n\r\n`);
    expect(plain).toMatch(/^HTTP\/1\.1 200 /);
    expect(body(plain).authentication.loginEndpoint).toBe('https://login.microsoftonline.com/');
  });

  it('refuses CONNECT to any other host at once, naming it in the status line and the body', async () => {
    const res = await raw('CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 403 Host www\.example\.com is not emulated\r\n/);
    expect(res).toContain('pim-emulator proxy: refusing www.example.com:443.');
    expect(res).toContain('never forwards anything');
  });

  it('refuses a plain-HTTP request for any other host, and a Microsoft host on a port other than 443', async () => {
    const res = await raw('GET http://www.example.com/ HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 403 Host www\.example\.com is not emulated\r\n/);
    expect(body(res).error.code).toBe('HostNotEmulated');
    const port8443 = await raw('CONNECT graph.microsoft.com:8443 HTTP/1.1\r\nHost: graph.microsoft.com:8443\r\n\r\n');
    expect(port8443).toMatch(/^HTTP\/1\.1 403 Port 8443 is not emulated\r\n/);
  });

  it('answers a malformed CONNECT and a garbage request line with 400, and keeps serving', async () => {
    const noPort = await raw('CONNECT graph.microsoft.com HTTP/1.1\r\nHost: graph.microsoft.com\r\n\r\n');
    expect(noPort).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(noPort).toContain("Malformed CONNECT target 'graph.microsoft.com': expected host:port");
    const garbage = await raw('NOT AN HTTP REQUEST\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(garbage).toContain('pim-emulator proxy: malformed request');
    const origin = await raw('GET /v1.0/me HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(origin).toMatch(/^HTTP\/1\.1 400 /);
    expect(body(origin).error.code).toBe('NotAProxyRequest');
    const after = await tunnel('graph.microsoft.com', get('graph.microsoft.com', '/v1.0/me'));
    expect(after.response).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('a TLS client that does not trust the CA fails its handshake with a certificate error; the proxy keeps serving', async () => {
    const err = await tunnel('login.microsoftonline.com', get('login.microsoftonline.com', '/common/discovery/instance'), { ca: undefined }).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const { response } = await tunnel('login.microsoftonline.com', get('login.microsoftonline.com', `/common/userrealm/${USERS.pimuser.upn}?api-version=1.0`));
    expect(body(response)).toEqual({ ver: '1.0', account_type: 'Managed', domain_name: CONTOSO.domain, cloud_instance_name: 'microsoftonline.com', cloud_audience_urn: 'urn:federation:MicrosoftOnline' });
  });

  it('after an unknown host, a malformed CONNECT and an untrusting TLS client in a row, the proxy and the emulator keep serving', async () => {
    const unknown = await raw('CONNECT login.example.net:443 HTTP/1.1\r\nHost: login.example.net:443\r\n\r\n');
    expect(unknown).toMatch(/^HTTP\/1\.1 403 Host login\.example\.net is not emulated\r\n/);
    const malformed = await raw('CONNECT :443 HTTP/1.1\r\n\r\n');
    expect(malformed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(malformed).toContain("Malformed CONNECT target ':443': expected host:port");
    const untrusting = await tunnel('graph.microsoft.com', get('graph.microsoft.com', '/v1.0/me'), { ca: undefined }).then(() => undefined, (e: NodeJS.ErrnoException) => e);
    expect(untrusting?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    // A whole sign-in through the tunnel still works, and so does the emulator's own listener.
    const form = `grant_type=password&client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46&username=${USERS.pimuser.upn}&password=${PASSWORD}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default`;
    const signIn = await tunnel('login.microsoftonline.com', `POST /contoso/oauth2/v2.0/token HTTP/1.1\r\nHost: login.microsoftonline.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\nConnection: close\r\n\r\n${form}`);
    expect(signIn.response).toMatch(/^HTTP\/1\.1 200 /);
    expect(body(signIn.response).token_type).toBe('Bearer');
    const health = await fetch(`${httpUrl}/_emulator/health`);
    expect(health.status).toBe(200);
  });

  it('lists what it refused in /_emulator/requests', async () => {
    await raw('CONNECT telemetry.example.net:443 HTTP/1.1\r\nHost: telemetry.example.net:443\r\n\r\n');
    const res = await emu.app.inject({ method: 'GET', url: '/_emulator/requests?method=CONNECT&path=telemetry.example.net' });
    expect(res.json()).toMatchObject({ value: [{ method: 'CONNECT', path: 'telemetry.example.net:443', status: 403 }] });
  });

  it('reports its URL in /_emulator/health', async () => {
    const res = await emu.app.inject({ method: 'GET', url: '/_emulator/health' });
    expect(res.json().listeners.proxy).toBe(`http://127.0.0.1:${port}`);
  });
});
