import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator.js';
import { defaultConfig } from '../../src/config.js';
import { APPS, CONTOSO, ROLES, USERS, appToken, defaultSeed, sharedTls, tokenFor } from '../support/emulator.js';
import { GUID_RE } from '../support/api.js';
import { MISSING_PROVIDER } from '../../src/graph/routes/privilegedAccessGroup.js';
import { observeResponse } from '../support/conformance.js';

/**
 * Property-based fuzzing of every route family — Graph (/v1.0, /beta), sign-in, the control plane,
 * the mail API and Azure Resource Manager — with hostile bodies, query options, headers and paths,
 * through `app.inject`. Each generated request must: never answer 5xx; never hang; under /v1.0 and
 * /beta answer every error in Graph's envelope; on the token endpoints answer errors in Entra's
 * OAuth shape; on the control plane, and on ARM paths, in their `{"error":{"code","message"}}`
 * shape; and, when rejected, leave the stored
 * state exactly as it was. Afterwards the emulator still serves. fast-check prints the seed and the
 * shrunk request of any failure: rerun with FUZZ_SEED=<seed> to replay it.
 */
const RUNS_PER_FAMILY = Number(process.env.FUZZ_RUNS ?? 2100);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
/** A request that takes longer than this has hung (app.inject has no sockets: real answers take milliseconds). */
const HANG_MS = 10_000;

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS';
interface FuzzRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** Routes whose success would spoil the run for the rest (faults make 5xx on purpose, the clock expires tokens, seed/reset rewrite state). */
// GET /_emulator/health answers 503 by design here: the fuzzed emulator has no listeners (inject only).
const EXCLUDED = new Set(['GET /_emulator/health', 'POST /_emulator/faults', 'POST /_emulator/clock', 'POST /_emulator/seed', 'POST /_emulator/reset']);

/** The seed's Azure subscription of contoso (seed/default.json). */
const CONTOSO_SUBSCRIPTION = '9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';
const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__'];
const ascii = (maxLength = 24) => fc.string({ unit: 'grapheme-ascii', maxLength });
const anyText = (maxLength = 24) => fc.string({ unit: 'binary', maxLength });

describe('fuzz: hostile input on every route family', () => {
  let emu: Emulator;
  let tokens: string[];
  let digest: string;
  let requests = 0;
  // The stored state, as a digest. Policies (160 KB a tenant) are re-hashed only after a write to a
  // policies or tenants path, the only routes that change them; everything else is hashed every time.
  let policies = '';
  const state = (url = '/policies', method = 'POST') => {
    if (method !== 'GET' && method !== 'HEAD' && /policies|tenants/i.test(url)) policies = createHash('sha1').update(JSON.stringify(emu.store.tenants().map((t) => t.policies))).digest('hex');
    // The outbox's delivery bookkeeping (attempts, next try) moves in the background while no SMTP
    // listens; which mails are queued is what a request could change.
    const rest = emu.store.tenants().map((t) => ({ ...t, policies: undefined, outbox: t.outbox.map((m) => m.id) }));
    return createHash('sha1').update(JSON.stringify([policies, rest, { ...emu.store.system(), roleDefinitions: undefined }])).digest('hex');
  };

  beforeAll(async () => {
    emu = await createEmulator(
      { ...defaultConfig(), storage: 'memory', httpPort: 0, httpsPort: 0, smtpPort: 0, logLevel: 'silent' },
      { seed: defaultSeed(), tls: await sharedTls(), observe: observeResponse },
    );
    tokens = [await tokenFor(emu, USERS.admin.upn, { mfa: true }), await tokenFor(emu, USERS.pimuser.upn), await appToken(emu)];
    // An Azure Resource Manager token, for the ARM family (Graph answers it 401: another audience).
    const arm = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', user: USERS.admin.upn, mfa: true, resource: 'https://management.azure.com' } });
    expect(arm.statusCode, arm.body).toBe(200);
    tokens.push(arm.json().access_token as string);
    // Some PIM state, so requests, schedules, instances and audits have items for $select/$expand to work on.
    const assigned = await emu.app.inject({
      method: 'POST', url: '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', headers: { authorization: `Bearer ${tokens[0]}` },
      payload: { action: 'adminAssign', justification: 'fuzz', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } } },
    });
    expect(assigned.statusCode, assigned.body).toBe(201);
    digest = state();
  });
  afterAll(async () => emu.close());

  // ---- generators ----
  const ids = () => [
    CONTOSO.id, CONTOSO.name, 'fabrikam', USERS.admin.id, USERS.pimuser.id, USERS.admin.upn, ROLES.securityReader, ROLES.globalAdministrator, APPS.azureCli.appId,
    'Expiration_EndUser_Assignment', 'Enablement_EndUser_Assignment', 'Approval_EndUser_Assignment', `DirectoryRole_${CONTOSO.id}_x`, 'latest', 'common', 'organizations',
  ];
  const segment = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ids()) },
    { weight: 3, arbitrary: fc.constantFrom(...PROTO_NAMES) },
    { weight: 2, arbitrary: ascii(40).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '.', '', '%2F', "filterByCurrentUser(on='x')", 'x'.repeat(1200), '😀', '%F0%9F%98%80') },
    { weight: 1, arbitrary: anyText(12).map(encodeURIComponent) },
  );
  const fill = (template: string) =>
    fc.array(segment, { minLength: 4, maxLength: 4 }).map((values) => {
      let i = 0;
      return template.replace(/:[A-Za-z]+|\*/g, () => values[i++ % values.length]!);
    });
  const familyRoutes = (test: (url: string) => boolean) =>
    emu.routes.filter((r) => test(r.url) && !EXCLUDED.has(`${r.method} ${r.url}`));
  /** A route of the family (mostly with its own method, so the request reaches the handler) or a path beside them. */
  const pathFor = (test: (url: string) => boolean, extra: string[]): fc.Arbitrary<{ method: Method | undefined; path: string }> =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...familyRoutes(test)).chain((r) => fill(r.url).map((path) => ({ method: r.method as Method, path }))) },
      { weight: 1, arbitrary: fc.constantFrom(...extra).chain(fill).map((path) => ({ method: undefined, path })) },
    );

  const SYSTEM_OPTIONS = ['$select', '$expand', '$filter', '$top', '$skiptoken', '$count', '$orderby', '$SELECT', '$Expand', '$search', '$skip', '$format', '$'];
  const OTHER_NAMES = ['tenant', 'search', 'to', 'from', 'subject', 'text', 'q', 'query', 'limit', 'start', 'method', 'path', 'status', 'caller', 'client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'prompt', 'claims'];
  const OPTION_VALUES = ['id', 'displayName', 'id,displayName', 'principal', 'roleDefinition', 'policy($expand=rules)', 'rules($select=id)', 'steps', "principalId eq 'x'", "id eq ''", 'startswith(displayName,\'a\')', "status eq 'Provisioned' or status eq 'Granted'", 'targetResources/any(t:t/id eq \'x\')', 'displayName desc', '1', '0', '-1', '999999', '1e309', 'true', 'NaN', '', '(((', "'", '$filter=id'];
  const optionName = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...SYSTEM_OPTIONS) },
    { weight: 1, arbitrary: fc.constantFrom(...PROTO_NAMES) },
    { weight: 1, arbitrary: fc.constantFrom(...OTHER_NAMES) },
    { weight: 1, arbitrary: ascii(8) },
  );
  const optionValue = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...OPTION_VALUES) },
    { weight: 2, arbitrary: fc.constantFrom(...PROTO_NAMES, 'id,__proto__', 'constructor($select=id)') },
    { weight: 1, arbitrary: anyText(30) },
  );
  const query = fc
    .array(fc.tuple(optionName, optionValue), { maxLength: 4 })
    .chain((pairs) =>
      fc.boolean().map((raw) => {
        if (!pairs.length) return '';
        // Sometimes unencoded, to reach the parser with what a careless client sends.
        const enc = raw ? (s: string) => s.replace(/[#\s]/g, encodeURIComponent) : encodeURIComponent;
        return `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`;
      }),
    );

  const BODY_KEYS = ['action', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'justification', 'scheduleInfo', 'ticketInfo', '@odata.type', 'isExpirationRequired', 'maximumDuration', 'enabledRules', 'setting', 'reviewResult', 'grant_type', 'client_id', 'username', 'password', 'scope', 'code', 'refresh_token', 'mfa_code', 'advance', 'user', 'mfa', 'roles', 'ids', 'from', 'id', 'properties', 'requestType', 'scope', ...PROTO_NAMES];
  const jsonLeaf = fc.oneof(fc.constantFrom('adminAssign', 'selfActivate', 'selfDeactivate', 'adminRemove', USERS.pimuser.id, ROLES.securityReader, '/', 'PT8H', 'P-1D', '2030-13-45T25:61:61Z', 'Approve', 'password', 'AdminAssign', 'SelfActivate', `/subscriptions/${CONTOSO_SUBSCRIPTION}`, ...PROTO_NAMES), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), anyText(20));
  const jsonBody = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jsonLeaf, tie('object'), fc.array(tie('value'), { maxLength: 3 })),
    object: fc.dictionary(fc.oneof(fc.constantFrom(...BODY_KEYS), ascii(10)), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  }));
  const body = fc.oneof(
    { weight: 4, arbitrary: jsonBody.object.map((o) => JSON.stringify(o).replace(/"(__proto__|constructor)"/g, (m) => m)) },
    { weight: 1, arbitrary: jsonBody.value.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"action":"selfActivate","__proto__":{"x":1}}', '{', '{"a":}', '[]', 'null', '""', '1e400', '{"a":1,"a":2}', 'x'.repeat(1_100_000)) },
    { weight: 1, arbitrary: anyText(60) },
    { weight: 2, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...BODY_KEYS), ascii(8)), ascii(20), { maxKeys: 6 }).map((o) => new URLSearchParams(o as Record<string, string>).toString()) },
  );
  const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json;odata.metadata=minimal', 'APPLICATION/JSON', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset=utf-16', ';;', 'json'];

  const headers = fc.record(
    {
      // Mostly a valid token: most of the code worth fuzzing lies behind authentication.
      authorization: fc.oneof(
        { weight: 6, arbitrary: fc.nat({ max: 3 }).map((i) => `Bearer ${tokens[i]}`) },
        { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer ', 'Bearer a.b.c', 'Bearer ...', 'bearer x', 'Basic Zm9vOmJhcg==', 'Bearer eyJhbGciOiJub25lIn0.e30.') },
        { weight: 1, arbitrary: ascii(40).map((s) => `Bearer ${s}`) },
      ),
      'content-type': fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: ascii(30) }),
      'client-request-id': ascii(40),
      accept: fc.constantFrom('application/json', '*/*', 'text/html', 'application/xml'),
      'x-forwarded-host': fc.constantFrom('localhost:8443', 'evil.example', '[::1]', ''),
      'x-forwarded-proto': fc.constantFrom('https', 'http', 'gopher'),
      'consistencylevel': fc.constantFrom('eventual', 'strong'),
    },
    { requiredKeys: ['authorization'] },
  );
  const method = fc.constantFrom<Method>('GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS');

  const request = (paths: fc.Arbitrary<{ method: Method | undefined; path: string }>) =>
    fc.record({ route: paths, other: method, own: fc.nat({ max: 4 }), query, headers, body: fc.option(body, { nil: undefined }) }).map(
      ({ route: { method: routeMethod, path }, other, own, query, headers, body }): FuzzRequest => ({
        method: routeMethod && own > 0 ? routeMethod : other,
        url: `${path}${query}`,
        headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>,
        ...(body !== undefined && (routeMethod && own > 0 ? routeMethod : other) !== 'GET' && (routeMethod && own > 0 ? routeMethod : other) !== 'HEAD' ? { payload: body } : {}),
      }),
    );

  // ---- the oracle ----
  async function run(r: FuzzRequest): Promise<LightMyRequestResponse> {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hung for ${HANG_MS} ms: ${r.method} ${r.url}`)), HANG_MS);
    });
    try {
      return await Promise.race([emu.app.inject({ method: r.method, url: r.url, headers: r.headers, ...(r.payload !== undefined ? { payload: r.payload } : {}) }), hang]);
    } finally {
      clearTimeout(timer);
      requests++;
    }
  }

  function check(r: FuzzRequest, res: LightMyRequestResponse): void {
    const where = `${r.method} ${r.url.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
    expect(res.statusCode, where).toBeLessThan(500);
    // The path as the server sees it: dot segments resolved (/../oauth2 is /oauth2).
    const path = new URL(`http://x${r.url.split('?')[0]!.replace(/%(?![0-9a-f]{2})/gi, '%25')}`).pathname;
    if (res.statusCode >= 400 && r.method !== 'HEAD') {
      if (/^\/(v1\.0|beta)(\/|$)/i.test(path)) {
        expect(res.headers['content-type'], where).toMatch(/^application\/json;odata\.metadata=minimal/);
        // The one Graph answer outside the envelope: the privilegedAccessGroup entity's MissingProvider (msgraph-sdk-powershell#2553).
        if (/^\/(v1\.0|beta)\/identityGovernance\/privilegedAccess\/group$/.test(path) && 'errorCode' in res.json()) return void expect(res.json(), where).toEqual(MISSING_PROVIDER);
        const e = res.json().error;
        expect(Object.keys(res.json()), where).toEqual(['error']);
        // A string; empty only where Graph sends it empty (beta approvals without PrivilegedAccess.*, reference §4.2).
        expect(typeof e.code === 'string' && (e.code.length > 0 || res.statusCode === 403), where).toBe(true);
        // The control plane's code: a refusal that reached a handler outside Graph's wording.
        expect(e.code, where).not.toBe('InvalidRequest');
        expect(typeof e.message, where).toBe('string');
        expect(e.innerError.date, where).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
        expect(e.innerError['request-id'], where).toMatch(GUID_RE);
        expect(e.innerError['client-request-id'], where).toBe(r.headers['client-request-id'] || e.innerError['request-id']);
      } else if (/^\/[^/]+\/oauth2\/v2\.0\/(token|devicecode)$/.test(path) || /^\/[^/]+\/(v2\.0\/)?\.well-known\/openid-configuration$|^\/[^/]+\/discovery\/v2\.0\/keys$/.test(path)) {
        if (res.statusCode !== 404) {
          const e = res.json();
          expect(typeof e.error, where).toBe('string');
          expect(e.error_description, where).toMatch(/^AADSTS\d+: /);
          expect(e.error_codes, where).toEqual([expect.any(Number)]);
        }
      } else if (/^\/(providers\/microsoft\.subscription\/)?subscriptions\//i.test(path)) {
        // Azure Resource Manager's shape: {"error":{"code","message"}}.
        const e = res.json();
        expect(Object.keys(e), where).toEqual(['error']);
        expect(typeof e.error.code === 'string' && e.error.code.length > 0, where).toBe(true);
        expect(typeof e.error.message, where).toBe('string');
      } else if (path.startsWith('/_emulator/')) {
        const e = res.json();
        expect(Object.keys(e), where).toEqual(['error']);
        expect(typeof e.error.code, where).toBe('string');
        expect(typeof e.error.message, where).toBe('string');
      }
    }
    // A rejected request changes nothing stored; an accepted one (a write, or a read that makes a signing key) moves the baseline.
    const now = state(r.url, r.method);
    const before = digest;
    digest = now;
    if (res.statusCode >= 400) expect(now, `state changed by a rejected request: ${where}`).toBe(before);
  }

  /** Graph reads as a client makes them (a valid token, GET, a route's own path) with hostile OData query options. */
  const odataRead = (test: (url: string) => boolean) =>
    fc
      .record({
        route: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...familyRoutes(test).filter((r) => r.method === 'GET' && !r.url.includes(':')).map((r) => r.url)) },
          { weight: 1, arbitrary: fc.constantFrom(...familyRoutes(test).filter((r) => r.method === 'GET')).chain((r) => fill(r.url)) },
        ),
        token: fc.nat({ max: 2 }),
        options: fc.array(fc.tuple(fc.constantFrom(...SYSTEM_OPTIONS.slice(0, 9)), fc.oneof(optionValue, fc.constantFrom(...PROTO_NAMES))), { minLength: 1, maxLength: 3 }),
      })
      .map(({ route, token, options }): FuzzRequest => ({
        method: 'GET',
        url: `${route}?${options.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`,
        headers: { authorization: `Bearer ${tokens[token]}` },
      }));

  const property = (paths: fc.Arbitrary<{ method: Method | undefined; path: string }>, extra?: fc.Arbitrary<FuzzRequest>) =>
    fc.asyncProperty(extra ? fc.oneof(request(paths), extra) : request(paths), async (r) => {
      check(r, await run(r));
    });
  const params = { numRuns: RUNS_PER_FAMILY, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true };

  it('Graph (/v1.0, /beta)', async () => {
    const graph = (u: string) => u.startsWith('/v1.0/') || u.startsWith('/beta/');
    await fc.assert(property(pathFor(graph, ['/v1.0/:x', '/beta/:x/:y', '/V1.0/me', '/BETA/users/:id', '/v1.0', '/beta/', '/v1.0/roleManagement/directory/:x', '/v1.0/me/:x', '/v1.0//me', '/v2.0/me']), odataRead(graph)), params);
  }, 120_000);

  it('sign-in', async () => {
    const signIn = (u: string) => u.startsWith('/:tenant/') || u.startsWith('/oidc/') || u === '/devicelogin';
    await fc.assert(property(pathFor(signIn, ['/:t/oauth2/v2.0/:x', '/:t/oauth2/token', '/:t/v2.0/.well-known/:x', '/common/oauth2/v2.0/token', '/contoso/oauth2/v2.0/token', '/contoso/oauth2/v2.0/devicecode'])), params);
  }, 120_000);

  it('control plane', async () => {
    const control = (u: string) => u.startsWith('/_emulator/') && !u.startsWith('/_emulator/mail');
    await fc.assert(property(pathFor(control, ['/_emulator/:x', '/_emulator/tenants/:t/:x', '/_emulator/tenants/contoso/users/:u/mfa-code', '/_emulator/faults/:id'])), params);
  }, 120_000);

  it('mail API (control plane and Mailpit-compatible)', async () => {
    const mail = (u: string) => u.startsWith('/_emulator/mail') || u.startsWith('/api/v1/');
    await fc.assert(property(pathFor(mail, ['/_emulator/mail/:id/:x', '/api/v1/:x', '/api/v1/message/:id/:x'])), params);
  }, 120_000);

  it('Azure Resource Manager (PIM for Azure resources)', async () => {
    const arm = (u: string) => u.startsWith('/subscriptions/') || u.startsWith('/providers/') || u === '/tenants' || u.startsWith('/metadata/');
    const beside = ['/subscriptions/:s/:x', '/subscriptions/:s/providers/Microsoft.Authorization/:x', '/SUBSCRIPTIONS/:s/resourceGroups/:g/providers/microsoft.authorization/:x/:y', '/providers/Microsoft.Subscription/subscriptions/:s/:x'];
    // Mostly the seed's subscription, so requests get past the subscription lookup.
    const paths = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...familyRoutes(arm)), fc.nat({ max: 4 })).chain(([r, n]) => fill(n > 0 ? r.url.replace(':subscriptionId', CONTOSO_SUBSCRIPTION) : r.url).map((path) => ({ method: r.method as Method | undefined, path }))) },
      { weight: 1, arbitrary: fc.constantFrom(...beside).chain(fill).map((path) => ({ method: undefined, path })) },
    );
    // ARM refuses a request without api-version before anything else: most requests carry one, so they reach the handlers.
    const apiVersion = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('2020-10-01', '2022-04-01', '2020-10-01-preview') }, { weight: 1, arbitrary: fc.constantFrom('', '1999-01-01', '__proto__', '2020-10-01&api-version=2022-04-01') });
    const withVersion = fc.tuple(request(paths), fc.option(apiVersion, { freq: 5, nil: undefined })).map(([r, v]): FuzzRequest => (v === undefined ? r : { ...r, url: `${r.url}${r.url.includes('?') ? '&' : '?'}api-version=${v}` }));
    await fc.assert(fc.asyncProperty(withVersion, async (r) => check(r, await run(r))), params);
  }, 120_000);

  it('ran at least 10,000 requests, and the emulator still serves', async () => {
    expect(requests).toBeGreaterThanOrEqual(5 * RUNS_PER_FAMILY);
    if (!process.env.FUZZ_RUNS) expect(requests).toBeGreaterThanOrEqual(10_000);
    // A fuzzed DELETE /_emulator/tenants/{id} may have removed a seed tenant (a success, not a fault): use one that is left.
    const tenants = await emu.app.inject({ method: 'GET', url: '/_emulator/tenants' });
    expect(tenants.statusCode).toBe(200);
    const domain = (tenants.json() as Array<{ domain: string }>)[0]!.domain;
    const token = await emu.app.inject({
      method: 'POST', url: `/${domain}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'password', client_id: APPS.azureCli.appId, scope: 'https://graph.microsoft.com/.default', username: `admin@${domain}`, password: 'Passw0rd!' }).toString(),
    });
    expect(token.statusCode, token.body).toBe(200);
    const me = await emu.app.inject({ method: 'GET', url: '/v1.0/me', headers: { authorization: `Bearer ${token.json().access_token}` } });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().userPrincipalName).toBe(`admin@${domain}`);
  });
});
