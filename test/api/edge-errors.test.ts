import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, USERS, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { GUID_RE } from '../support/api.js';

/**
 * Hostile or malformed requests get the error shape of the path's family: Graph's envelope under
 * /v1.0 and /beta (also for what Fastify refuses before a route runs), Entra's OAuth error on the
 * sign-in endpoints, the control plane's {"error":{"code","message"}} under /_emulator.
 */
describe('errors at the edge', () => {
  let emu: Emulator;
  let admin: string;
  beforeAll(async () => {
    emu = await testEmulator();
    admin = await tokenFor(emu, USERS.admin.upn, { mfa: true });
  });
  afterAll(async () => emu.close());

  const graph = (method: string, url: string, extra: { headers?: Record<string, string>; payload?: string } = {}) =>
    emu.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${admin}`, 'client-request-id': 'edge-test', ...extra.headers }, ...(extra.payload !== undefined ? { payload: extra.payload } : {}) });
  function envelope(res: Awaited<ReturnType<typeof graph>>, status: number, code: string, message: string | RegExp) {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json;odata\.metadata=minimal;odata\.streaming=true/);
    const e = graphError(res);
    expect(e.code).toBe(code);
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
    expect(e.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(e.innerError['request-id']).toMatch(GUID_RE);
    expect(e.innerError['client-request-id']).toBe('edge-test');
    expect(res.headers['request-id']).toBe(e.innerError['request-id']);
  }
  const DEFS = '/v1.0/roleManagement/directory/roleDefinitions';
  const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
  const UNIFIED_DEF = 'microsoft.graph.unifiedRoleDefinition';

  describe('query options', () => {
    it('a repeated system query option, in any case, is 400 in OData wording', async () => {
      for (const q of ['$select=id&$select=displayName', '$select=id&$SELECT=displayName', '$expand=principal&$Expand=principal', '$top=1&$top=2']) {
        const name = q.split('=')[2]!.split('&')[0] === undefined ? '' : q.split('&')[1]!.split('=')[0]!;
        envelope(await graph('GET', `${DEFS}?${q}`), 400, 'BadRequest', `Query option '${name}' was specified more than once, but it must be specified at most once.`);
      }
    });

    it('prototype names in $select and $expand are properties the type does not have', async () => {
      for (const name of ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString']) {
        for (const option of ['$select', '$expand']) {
          envelope(await graph('GET', `${DEFS}?${option}=${name}`), 400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type '${UNIFIED_DEF}'.`);
        }
      }
    });

    it('an option in another case is read, not ignored ($SELECT selects)', async () => {
      const res = await graph('GET', `${DEFS}?$SELECT=id&$Top=1`);
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.json().value[0])).toEqual(['id']);
      expect(res.json().value).toHaveLength(1);
    });

    it('non-system parameters named like prototype members are passed over, as Graph does', async () => {
      expect((await graph('GET', `${DEFS}?__proto__=1&constructor=x&$top=1`)).statusCode).toBe(200);
    });
  });

  describe('bodies', () => {
    const json = { 'content-type': 'application/json' };
    it('__proto__ and constructor in a body are unknown properties, at any depth', async () => {
      const type = 'microsoft.graph.unifiedRoleAssignmentScheduleRequest';
      for (const [payload, name] of [
        ['{"__proto__":{"polluted":true},"action":"selfActivate"}', '__proto__'],
        ['{"action":"selfActivate","scheduleInfo":{"__proto__":{"x":1}}}', '__proto__'],
        ['{"action":"selfActivate","constructor":{"prototype":{"polluted":true}}}', 'constructor'],
      ] as const) {
        envelope(await graph('POST', REQUESTS, { headers: json, payload }), 400, 'BadRequest', `The property '${name}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('invalid or empty JSON is 400 in Graph wording', async () => {
      for (const payload of ['{', '{"a":}', '']) {
        envelope(await graph('POST', REQUESTS, { headers: json, payload }), 400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
      }
    });

    it('a body over 1 MiB is 413, a body that is not JSON 415', async () => {
      envelope(await graph('POST', REQUESTS, { headers: json, payload: JSON.stringify({ justification: 'x'.repeat(1_100_000) }) }), 413, 'RequestEntityTooLarge', 'The request body is larger than the emulator accepts (1048576 bytes).');
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
        envelope(await graph('POST', REQUESTS, { headers: { 'content-type': type }, payload: 'a=b' }), 415, 'RequestBodyRead', new RegExp(`the request's is '${type.replace('+', '\\+')}'\\.$`));
      }
    });
  });

  describe('paths and methods', () => {
    it('a malformed percent-encoding is 400', async () => {
      envelope(await graph('GET', '/v1.0/users/%E0%A4%A'), 400, 'BadRequest', "The request URL '/v1.0/users/%E0%A4%A' is not valid: it has a malformed percent-encoding.");
    });

    it('/V1.0 and /Beta are served as /v1.0 and /beta', async () => {
      for (const url of ['/V1.0/me', '/Beta/me', '/BETA/me?$select=id']) {
        const res = await graph('GET', url);
        expect(res.statusCode, url).toBe(200);
        expect(res.json().id).toBe(USERS.admin.id);
      }
    });

    it('a method the path does not take is 405 with Allow', async () => {
      const res = await graph('PUT', '/v1.0/me');
      envelope(res, 405, 'Request_BadRequest', "The HTTP method 'PUT' is not allowed for this resource. It allows GET.");
      expect(res.headers.allow).toBe('GET');
      const del = await graph('DELETE', REQUESTS);
      envelope(del, 405, 'Request_BadRequest', "The HTTP method 'DELETE' is not allowed for this resource. It allows GET, POST.");
    });

    it("a body refused on a path no route takes (another method, an unknown segment) is in Graph's wording too", async () => {
      const json = { 'content-type': 'application/json' };
      const INVALID_JSON = 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';
      envelope(await graph('PUT', '/v1.0/me', { headers: json, payload: '{' }), 400, 'BadRequest', INVALID_JSON);
      envelope(await graph('POST', '/v1.0/nothingHere', { headers: json, payload: '{"a":}' }), 400, 'BadRequest', INVALID_JSON);
      envelope(await graph('PATCH', '/beta/roleManagement/directory/roleDefinitions', { headers: json, payload: '' }), 400, 'BadRequest', INVALID_JSON);
      envelope(await graph('PUT', '/v1.0/me', { headers: json, payload: JSON.stringify({ a: 'x'.repeat(1_100_000) }) }), 413, 'RequestEntityTooLarge', 'The request body is larger than the emulator accepts (1048576 bytes).');
      // A content type that is no media type at all: no parser can take it.
      envelope(
        await graph('PUT', '/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/x/targetSchedule', { headers: { 'content-type': 'json' }, payload: '{}' }),
        415, 'RequestBodyRead', /the request's is 'json'\.$/,
      );
      // A well-formed body of another type is the path's own answer (405 here, with Allow).
      envelope(await graph('PUT', '/v1.0/me', { headers: { 'content-type': 'application/xml' }, payload: '<a/>' }), 405, 'Request_BadRequest', "The HTTP method 'PUT' is not allowed for this resource. It allows GET.");
    });

    it('prototype names as ids are simply not found', async () => {
      for (const id of ['__proto__', 'constructor', 'toString']) {
        envelope(await graph('GET', `${DEFS}/${id}`), 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
        envelope(await graph('GET', `/v1.0/users/${id}`), 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
      }
    });
  });

  describe('sign-in endpoints answer in the OAuth shape', () => {
    const token = (payload: string, type = 'application/x-www-form-urlencoded') =>
      emu.app.inject({ method: 'POST', url: '/contoso/oauth2/v2.0/token', headers: { 'content-type': type }, payload });
    function oauth(res: Awaited<ReturnType<typeof token>>, status: number, error: string, aadsts: number, description: RegExp) {
      expect(res.statusCode, res.body).toBe(status);
      const body = res.json();
      expect(body.error).toBe(error);
      expect(body.error_codes).toEqual([aadsts]);
      expect(body.error_description).toMatch(new RegExp(`^AADSTS${aadsts}: `));
      expect(body.error_description).toMatch(description);
      expect(body.trace_id).toMatch(GUID_RE);
    }

    it('invalid JSON, and a grant type or client id named like a prototype member', async () => {
      oauth(await token('{', 'application/json'), 400, 'invalid_request', 90000, /not valid JSON/);
      oauth(await token('grant_type=constructor'), 400, 'unsupported_grant_type', 70003, /unsupported grant type 'constructor'/);
      oauth(await token('grant_type=__proto__'), 400, 'unsupported_grant_type', 70003, /unsupported grant type '__proto__'/);
      oauth(await token(`grant_type=password&client_id=constructor&scope=https://graph.microsoft.com/.default&username=${USERS.admin.upn}&password=x`), 400, 'unauthorized_client', 700016, /Application with identifier 'constructor' was not found/);
    });

    it('GET on the token endpoint is 405 AADSTS900561', async () => {
      const res = await emu.app.inject({ method: 'GET', url: '/contoso/oauth2/v2.0/token' });
      oauth(res, 405, 'invalid_request', 900561, /The endpoint only accepts POST requests\. Received a GET request\./);
      expect(res.headers.allow).toBe('POST');
    });

    it('a well-formed request still works', async () => {
      const res = await token(new URLSearchParams({ grant_type: 'client_credentials', client_id: APPS.confidential.appId, client_secret: APPS.confidential.secret, scope: 'https://graph.microsoft.com/.default' }).toString());
      expect(res.statusCode).toBe(200);
    });
  });

  describe('the control plane answers in its shape', () => {
    it('a query parameter given twice is 400, never a 5xx', async () => {
      const res = await emu.app.inject({ method: 'GET', url: '/_emulator/audit?search=a&search=b' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'InvalidRequest', message: "Query parameter 'search' is given more than once." } });
    });

    it('invalid JSON is 400, a wrong method 405', async () => {
      const bad = await emu.app.inject({ method: 'POST', url: '/_emulator/clock', headers: { 'content-type': 'application/json' }, payload: '{' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ error: { code: 'InvalidRequest', message: expect.stringContaining('not valid JSON') } });
      const wrong = await emu.app.inject({ method: 'PUT', url: '/_emulator/clock' });
      expect(wrong.statusCode).toBe(405);
      expect(wrong.json()).toEqual({ error: { code: 'MethodNotAllowed', message: 'PUT is not allowed on /_emulator/clock; it takes GET, POST.' } });
    });
  });
});
