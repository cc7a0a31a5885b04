import { constants, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { signingKey } from '../../src/auth/keys.js';
import { graphErrors } from '../../src/graph/errors.js';
import { CONTOSO, FABRIKAM, USERS, claimsOf, testEmulator, tokenFor } from '../support/emulator.js';
import { GUID_RE, moveClock } from '../support/api.js';

/**
 * Access tokens are validated as Entra's resource servers do (signature with the tenant's key, RS256
 * only, issuer of the tenant in v1 or v2 form, audience Graph, nbf/exp within a 5-minute skew), and
 * every failure is Graph's 401 envelope.
 */
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const parts = (token: string) => {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>, payload: claimsOf(token) };
};
function rs256(header: Record<string, unknown>, payload: Record<string, unknown>, privateKeyPem: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey(privateKeyPem)).toString('base64url')}`;
}

describe('access-token validation (Graph 401 for every failure)', () => {
  let emu: Emulator;
  let valid: string;
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  let contosoKey: string;
  let fabrikamKey: string;
  let contosoPublicPem: string;

  beforeAll(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: '2030-01-01T08:00:00Z', freeze: true });
    valid = await tokenFor(emu, USERS.admin.upn, { mfa: true });
    ({ header, payload } = parts(valid));
    const k = await signingKey(emu.store, CONTOSO.id);
    contosoKey = k.privateKeyPem;
    contosoPublicPem = createPublicKey({ key: k.publicJwk as never, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
    fabrikamKey = (await signingKey(emu.store, FABRIKAM.id)).privateKeyPem;
  });
  afterAll(async () => emu.close());

  const me = (token: string, client = 'jwt-test') =>
    emu.app.inject({ method: 'GET', url: '/v1.0/me', headers: { authorization: `Bearer ${token}`, 'client-request-id': client } });
  async function expect401(token: string, message: string) {
    const res = await me(token, 'c0ffee00-0000-4000-8000-000000000001');
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/json;odata\.metadata=minimal/);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.message).toBe(message);
    expect(body.error.innerError.date).toBe('2030-01-01T08:00:00');
    expect(body.error.innerError['request-id']).toMatch(GUID_RE);
    expect(body.error.innerError['client-request-id']).toBe('c0ffee00-0000-4000-8000-000000000001');
  }
  const INVALID = 'Access token validation failure.';

  it('accepts the token it issued, and the same claims re-signed with the tenant key', async () => {
    expect((await me(valid)).statusCode).toBe(200);
    expect((await me(rs256(header, payload, contosoKey))).statusCode).toBe(200);
  });

  it('alg none', async () => {
    await expect401(`${b64({ ...header, alg: 'none' })}.${b64(payload)}.`, INVALID);
    await expect401(`${b64({ typ: 'JWT', alg: 'none' })}.${b64(payload)}.`, INVALID);
  });

  it('HS256 keyed with the tenant public key', async () => {
    const input = `${b64({ ...header, alg: 'HS256' })}.${b64(payload)}`;
    await expect401(`${input}.${createHmac('sha256', contosoPublicPem).update(input).digest('base64url')}`, INVALID);
  });

  it("RS384, RS512 and PS256, even signed with the tenant's own key (RS256 is the only algorithm allowed)", async () => {
    const key = createPrivateKey(contosoKey);
    for (const [alg, hash, padding] of [['RS384', 'sha384', undefined], ['RS512', 'sha512', undefined], ['PS256', 'sha256', constants.RSA_PKCS1_PSS_PADDING]] as const) {
      const input = `${b64({ ...header, alg })}.${b64(payload)}`;
      const signature = sign(hash, Buffer.from(input), padding === undefined ? key : { key, padding, saltLength: 32 }).toString('base64url');
      await expect401(`${input}.${signature}`, INVALID);
    }
  });

  it("an attacker's own RSA key under the tenant's kid", async () => {
    const own = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await expect401(rs256(header, payload, own), INVALID);
  });

  it("another tenant's key (with its kid, and with the token tenant's kid)", async () => {
    await expect401(rs256({ ...header, kid: (await signingKey(emu.store, FABRIKAM.id)).kid }, payload, fabrikamKey), INVALID);
    await expect401(rs256(header, payload, fabrikamKey), INVALID);
  });

  it('a tampered payload (signature of the original)', async () => {
    const [h, , s] = valid.split('.');
    await expect401(`${h}.${b64({ ...payload, oid: USERS.pimuser.id })}.${s}`, INVALID);
    await expect401(`${h}.${b64({ ...payload, scp: `${String(payload.scp)} Directory.ReadWrite.All` })}.${s}`, INVALID);
  });

  it('a wrong or missing issuer', async () => {
    await expect401(rs256(header, { ...payload, iss: `https://login.example.com/${CONTOSO.id}/v2.0` }, contosoKey), 'Access token validation failure. Invalid issuer.');
    await expect401(rs256(header, { ...payload, iss: `https://login.microsoftonline.com/${FABRIKAM.id}/v2.0` }, contosoKey), 'Access token validation failure. Invalid issuer.');
    await expect401(rs256(header, { ...payload, iss: `https://sts.windows.net/${FABRIKAM.id}/` }, contosoKey), 'Access token validation failure. Invalid issuer.');
    await expect401(rs256(header, { ...payload, iss: 42 }, contosoKey), 'Access token validation failure. Invalid issuer.');
    const { iss: _iss, ...noIss } = payload;
    await expect401(rs256(header, noIss, contosoKey), 'Access token validation failure. Invalid issuer.');
  });

  it("accepts the tenant's issuer in Entra's v1 and v2 forms", async () => {
    for (const iss of [`https://sts.windows.net/${CONTOSO.id}/`, `https://login.microsoftonline.com/${CONTOSO.id}/v2.0`]) {
      expect((await me(rs256(header, { ...payload, iss }, contosoKey))).statusCode).toBe(200);
    }
  });

  it('a wrong audience', async () => {
    await expect401(rs256(header, { ...payload, aud: 'https://management.azure.com' }, contosoKey), 'Access token validation failure. Invalid audience.');
    const { aud: _aud, ...noAud } = payload;
    await expect401(rs256(header, noAud, contosoKey), 'Access token validation failure. Invalid audience.');
  });

  it("expired: accepted within Entra's 5-minute skew, refused after it", async () => {
    const exp = payload.exp as number;
    const at = (s: number) => rs256(header, { ...payload, exp: s }, contosoKey);
    expect((await me(at(Math.floor(Date.parse('2030-01-01T08:00:00Z') / 1000) - 299))).statusCode).toBe(200);
    await expect401(at(Math.floor(Date.parse('2030-01-01T08:00:00Z') / 1000) - 301), 'Lifetime validation failed, the token is expired.');
    const { exp: _exp, ...noExp } = payload;
    await expect401(rs256(header, noExp, contosoKey), 'Lifetime validation failed, the token is expired.');
    expect(exp).toBeGreaterThan(0);
  });

  it("a future nbf: accepted within the skew, refused beyond it", async () => {
    const now = Math.floor(Date.parse('2030-01-01T08:00:00Z') / 1000);
    expect((await me(rs256(header, { ...payload, nbf: now + 299 }, contosoKey))).statusCode).toBe(200);
    await expect401(rs256(header, { ...payload, nbf: now + 301 }, contosoKey), 'Lifetime validation failed, the token is not yet valid.');
  });

  it('a token of a tenant that was deleted, and of a tenant that never existed', async () => {
    const made = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name: 'jwtgone', from: 'contoso' } });
    expect(made.statusCode).toBe(201);
    const token = await tokenFor(emu, 'admin@jwtgone.onmicrosoft.com', { mfa: true });
    expect((await me(token)).statusCode).toBe(200);
    expect((await emu.app.inject({ method: 'DELETE', url: '/_emulator/tenants/jwtgone' })).statusCode).toBe(204);
    await expect401(token, INVALID);
    await expect401(rs256(header, { ...payload, tid: '00000000-0000-4000-8000-000000000000' }, contosoKey), INVALID);
    for (const tid of ['__proto__', 'constructor', 'toString']) await expect401(rs256(header, { ...payload, tid }, contosoKey), INVALID);
  });

  it('garbage in each part', async () => {
    const [h, p, s] = valid.split('.');
    await expect401(`${h}.${p}.`, INVALID);
    await expect401(`${h}.${p}.${s}x`, INVALID);
    await expect401(`${b64('not an object')}.${p}.${s}`, graphErrors.tokenUndecodable().message);
    await expect401(`!!.${p}.${s}`, graphErrors.tokenUndecodable().message);
    await expect401(`${h}.${b64([1, 2])}.${s}`, INVALID);
  });
});
