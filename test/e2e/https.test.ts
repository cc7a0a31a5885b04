import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { PASSWORD, tempDir, testEmulator, USERS, ROLES } from '../support/emulator.js';

const run = promisify(execFile);

describe('the emulator over real sockets', () => {
  let emu: Emulator;
  let urls: { http?: string; https?: string };
  const tmp = tempDir();

  beforeAll(async () => {
    emu = await testEmulator();
    urls = await emu.listen();
  });
  afterAll(async () => {
    await emu.close();
    tmp.cleanup();
  });

  it('reports the HTTP, HTTPS and SMTP listeners as healthy', async () => {
    const res = await fetch(`${urls.http}/_emulator/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.listeners).toEqual({ http: urls.http, https: urls.https, smtp: expect.stringMatching(/^smtp:\/\/127\.0\.0\.1:\d+$/) });
  });

  it('signs pimuser in over HTTP with and without MFA, and the two tokens differ in amr', async () => {
    const form = (extra: Record<string, string> = {}) =>
      new URLSearchParams({ grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', username: USERS.pimuser.upn, password: PASSWORD, scope: 'https://graph.microsoft.com/.default', ...extra });
    const plain = await (await fetch(`${urls.http}/contoso/oauth2/v2.0/token`, { method: 'POST', body: form() })).json();
    const code = (await (await fetch(`${urls.http}/_emulator/tenants/contoso/users/${USERS.pimuser.upn}/mfa-code`)).json()).code;
    const strong = await (await fetch(`${urls.http}/contoso/oauth2/v2.0/token`, { method: 'POST', body: form({ mfa_code: code }) })).json();
    const amr = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).amr;
    expect(amr(plain.access_token)).toEqual(['pwd']);
    expect(amr(strong.access_token)).toEqual(['pwd', 'mfa']);
  });

  it('serves HTTPS with a certificate that verifies against the exported CA for localhost and 127.0.0.1', async () => {
    const ca = await (await fetch(`${urls.http}/_emulator/ca.pem`)).text();
    const port = new URL(urls.https!).port;
    for (const host of ['localhost', '127.0.0.1']) {
      const status = await new Promise<number>((resolve, reject) => {
        https.get({ host, port, path: '/_emulator/health', ca }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      expect(status).toBe(200);
    }
  });

  it('lists the built-in roles over HTTPS to a Node client that only has NODE_EXTRA_CA_CERTS set', async () => {
    const caFile = path.join(tmp.dir, 'ca.pem');
    writeFileSync(caFile, await (await fetch(`${urls.http}/_emulator/ca.pem`)).text());
    // A separate process, as a user's client would be: trust comes only from NODE_EXTRA_CA_CERTS.
    const script = `
      const base = process.argv[1];
      const form = new URLSearchParams({ grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
        username: 'pimuser@contoso.onmicrosoft.com', password: 'Passw0rd!', scope: 'https://graph.microsoft.com/.default' });
      const tok = await (await fetch(base + '/contoso/oauth2/v2.0/token', { method: 'POST', body: form })).json();
      const res = await fetch(base + '/v1.0/roleManagement/directory/roleDefinitions', { headers: { authorization: 'Bearer ' + tok.access_token } });
      const body = await res.json();
      console.log(JSON.stringify({ status: res.status, count: body.value.length, ids: body.value.map(r => r.id) }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, urls.https!], {
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: caFile },
    });
    const result = JSON.parse(stdout);
    expect(result.status).toBe(200);
    expect(result.count).toBeGreaterThanOrEqual(26);
    expect(result.ids).toContain(ROLES.securityReader);
  });

  it('refuses the HTTPS connection to a client that does not trust the CA', async () => {
    const port = new URL(urls.https!).port;
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      https.get({ host: 'localhost', port, path: '/_emulator/health' }, () => resolve(new Error('connected') as NodeJS.ErrnoException)).on('error', resolve);
    });
    expect(error.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
  });
});
