import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import type { Emulator } from '../../src/emulator.js';
import { GRAPH_JSON } from '../../src/graph/plugin.js';
import { checkGraphResponse, conformanceStats, RETURNED_BEYOND_SCHEMA, schemaDeclares, takeMismatches, validateGraphResponse, type ObservedResponse } from '../support/conformance.js';
import { moveClock, send } from '../support/api.js';
import { APPS, ROLES, testEmulator, tokenFor, USERS } from '../support/emulator.js';

const DEFINITIONS = '/v1.0/roleManagement/directory/roleDefinitions';
const ASSIGNMENT = '/v1.0/roleManagement/directory/roleAssignments/:id';
const RULE = '/v1.0/policies/roleManagementPolicies/:id/rules/:ruleId';

/** A 200 JSON response of a Graph route. */
const response = (routeUrl: string, body: unknown, extra: Partial<ObservedResponse> = {}): ObservedResponse => ({
  method: 'GET',
  url: routeUrl.replace(/:[^/]+/g, 'x'),
  routeUrl,
  status: 200,
  contentType: GRAPH_JSON,
  body: JSON.stringify(body),
  ...extra,
});

const helpdesk = {
  id: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  description: 'Can reset passwords for non-administrators and Helpdesk Administrators.',
  displayName: 'Helpdesk Administrator',
  isBuiltIn: true,
  isEnabled: true,
  resourceScopes: ['/'],
  templateId: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  version: '1',
  rolePermissions: [{ allowedResourceActions: ['microsoft.directory/users/invalidateAllRefreshTokens'], condition: null }],
  inheritsPermissionsFrom: [{ id: ROLES.directoryReaders }],
};
const assignment = {
  id: 'lAPpYvVpN0KRkAEhdxReEAWz5Gtet_xOv8wxvTtTpfg-1',
  principalId: USERS.pimuser.id,
  roleDefinitionId: ROLES.globalAdministrator,
  directoryScopeId: '/',
  appScopeId: null,
  condition: null,
  principalOrganizationId: '6d272baa-e81f-4496-8d0a-a21fbc9a1817',
};

describe('the Graph response conformance check (test/support/conformance.ts)', () => {
  it('reports a property of the wrong type, naming the route and the property', () => {
    const found = validateGraphResponse(response(DEFINITIONS, { value: [helpdesk, { ...helpdesk, version: 1 }] }));
    expect(found).toEqual([`GET ${DEFINITIONS} 200: /value/1/version must be string,null (got 1) [type]`]);
  });

  it('reports a value outside an enum inside a nullable reference', () => {
    const request = { id: 'r1', status: 'Provisioned', action: 'SelfActivate', scheduleInfo: { startDateTime: '2026-01-01T00:00:00Z', recurrence: null, expiration: { type: 'afterDuration', endDateTime: null, duration: 'PT8H' } } };
    const found = validateGraphResponse(response('/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/:id', request));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^GET \S+ 200: \/action must be equal to one of the allowed values: "adminAssign", .* \(got "SelfActivate"\) \[enum\]$/);
  });

  it('reports a property the schema does not declare', () => {
    const found = validateGraphResponse(response(ASSIGNMENT, { ...assignment, password: 'Passw0rd!' }));
    expect(found).toEqual([expect.stringMatching(/: \/password is not a property of microsoft\.graph\.unifiedRoleAssignment \(got "Passw0rd!"\)/)]);
  });

  it('accepts a property the real service returns beyond the schema when the allow-list cites it', () => {
    expect(validateGraphResponse(response(ASSIGNMENT, { ...assignment, resourceScope: '/' }))).toEqual([]);
  });

  it('scopes an allowed extra to the version that returns it', () => {
    const beta = { ...helpdesk, isPrivileged: false };
    expect(validateGraphResponse(response('/beta/roleManagement/directory/roleDefinitions/:id', beta))).toEqual([]);
    expect(validateGraphResponse(response('/v1.0/roleManagement/directory/roleDefinitions/:id', beta))).toEqual([
      expect.stringMatching(/\/isPrivileged is not a property of microsoft\.graph\.unifiedRoleDefinition/),
    ]);
  });

  it('checks an object against the derived type its @odata.type names', () => {
    const rule = { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', isExpirationRequired: 'yes', maximumDuration: 'PT8H', target: { caller: 'EndUser', operations: ['all'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] } };
    expect(validateGraphResponse(response(RULE, { ...rule, isExpirationRequired: true }))).toEqual([]);
    expect(validateGraphResponse(response(RULE, rule))).toEqual([expect.stringMatching(/: \/isExpirationRequired must be boolean,null \(got "yes"\) \[type\]$/)]);
    expect(validateGraphResponse(response(RULE, { ...rule, '@odata.type': '#microsoft.graph.user' }))).toEqual([
      expect.stringMatching(/@odata\.type '#microsoft\.graph\.user' is not microsoft\.graph\.unifiedRoleManagementPolicyRule or derived from it/),
    ]);
  });

  it("checks Graph's error envelope", () => {
    const error = (body: unknown) => response(DEFINITIONS, body, { status: 400 });
    expect(validateGraphResponse(error({ error: { code: 'BadRequest', message: 'no', innerError: { date: '2026-01-01T00:00:00', 'request-id': 'a', 'client-request-id': 'a' } } }))).toEqual([]);
    expect(validateGraphResponse(error({ error: { code: 'BadRequest' } }))).toEqual(
      expect.arrayContaining([`GET ${DEFINITIONS} 400: /error must have required property 'message' [required]`, `GET ${DEFINITIONS} 400: /error/innerError is missing (got undefined)`]),
    );
    // Unknown Graph paths are answered by the not-found handler (no route): the envelope still applies.
    expect(validateGraphResponse({ ...error({ message: 'nope' }), routeUrl: undefined, status: 404, url: '/v1.0/nowhere' })).toEqual(
      expect.arrayContaining(['GET /v1.0/nowhere 404: /error is missing']),
    );
  });

  it('checks only Graph JSON bodies, beta-only routes against their own /beta description', () => {
    expect(checkGraphResponse(response('/_emulator/clock', { now: 1 })).validated).toBe(false);
    expect(checkGraphResponse(response(DEFINITIONS, 'x', { contentType: 'text/plain' })).validated).toBe(false);
    expect(checkGraphResponse(response('/beta/roleManagement/directory/roleAssignmentApprovals/:id', { id: 1 }))).toMatchObject({
      validated: true,
      against: 'GET /beta/roleManagement/directory/roleAssignmentApprovals/{approval-id} 200',
      mismatches: [expect.stringContaining('/id must be string')],
    });
    expect(checkGraphResponse(response('/beta/roleManagement/directory/roleDefinitions', { value: [] }))).toMatchObject({ validated: true, against: `GET ${DEFINITIONS} 200` });
  });

  it('lists in RETURNED_BEYOND_SCHEMA only properties the schema lacks, each with a reference citation', () => {
    for (const entry of RETURNED_BEYOND_SCHEMA) {
      expect(schemaDeclares(entry.type, entry.property), `${entry.type}.${entry.property}`).toBe(false);
      expect(entry.reason).toMatch(/reference §\d/);
    }
  });

  describe('against the emulator', () => {
    let emu: Emulator;
    beforeAll(async () => {
      emu = await testEmulator();
    });
    afterAll(async () => emu.close());

    it('passes the roleDefinitions list the emulator serves', async () => {
      const token = await tokenFor(emu, USERS.admin.upn);
      const res = await emu.app.inject({ method: 'GET', url: DEFINITIONS, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      expect(res.json().value.length).toBeGreaterThan(3);
      const verdict = checkGraphResponse({ method: 'GET', url: DEFINITIONS, routeUrl: DEFINITIONS, status: 200, contentType: res.headers['content-type'] as string, body: res.body });
      expect(verdict).toEqual({ validated: true, against: `GET ${DEFINITIONS} 200`, mismatches: [] });
    });
  });

  it('passes every documented Graph GET, on /v1.0 and /beta, bare and with each $expand, over a tenant with PIM state', async () => {
    const emu = await testEmulator();
    try {
      await moveClock(emu, { set: '2026-12-01T09:00:00Z', freeze: true });
      const admin = await tokenFor(emu, USERS.admin.upn, { mfa: true });
      const pimuser = await tokenFor(emu, USERS.pimuser.upn, { mfa: true });
      const RD = '/v1.0/roleManagement/directory';
      const expiration = (e: object) => ({ startDateTime: '2026-12-01T09:00:00Z', expiration: e });
      const setup = [
        await send(emu, 'POST', `${RD}/roleEligibilityScheduleRequests`, admin, { action: 'adminAssign', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'SOC rotation', scheduleInfo: expiration({ type: 'noExpiration' }) }),
        await send(emu, 'POST', `${RD}/roleEligibilityScheduleRequests`, admin, { action: 'adminAssign', principalId: 'd0787156-9ef8-4ecb-a149-ef8fa1f26e40', roleDefinitionId: ROLES.groupsAdministrator, directoryScopeId: '/', justification: 'later', scheduleInfo: { startDateTime: '2026-12-05T09:00:00Z', expiration: { type: 'afterDuration', duration: 'P30D' } } }),
        await send(emu, 'POST', `${RD}/roleAssignmentScheduleRequests`, pimuser, { action: 'selfActivate', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'INC1', scheduleInfo: expiration({ type: 'afterDuration', duration: 'PT4H' }) }),
        await send(emu, 'POST', `${RD}/roleAssignmentScheduleRequests`, admin, { action: 'adminAssign', principalId: USERS.analyst.id, roleDefinitionId: ROLES.directoryReaders, directoryScopeId: '/', justification: 'audit', scheduleInfo: expiration({ type: 'afterDateTime', endDateTime: '2027-01-01T00:00:00Z' }) }),
        await send(emu, 'POST', `${RD}/roleAssignments`, admin, { principalId: APPS.confidential.id, roleDefinitionId: ROLES.directoryReaders, directoryScopeId: '/' }),
      ];
      expect(setup.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
      // PIM for Groups state (issue #18): an eligible and an activated membership of Cloud Engineers.
      const G = '/v1.0/identityGovernance/privilegedAccess/group';
      const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
      const groupSetup = [
        await send(emu, 'POST', `${G}/eligibilityScheduleRequests`, admin, { action: 'adminAssign', accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, scheduleInfo: expiration({ type: 'afterDuration', duration: 'P30D' }) }),
        await send(emu, 'POST', `${G}/assignmentScheduleRequests`, pimuser, { action: 'selfActivate', accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, justification: 'INC2', scheduleInfo: expiration({ type: 'afterDuration', duration: 'PT4H' }) }),
      ];
      expect(groupSetup.map((r) => r.statusCode)).toEqual([201, 201]);

      const doc = YAML.parse(readFileSync(path.join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8')) as { paths: Record<string, { get?: { summary?: string } }> };
      // roleAssignmentApprovals is beta-only: its v1.0 path is documented as Graph's 400 (reference §4.3).
      // directoryScope/appScope navigations answer 404 in the emulator (only the scope '/' is served; graph-conventions.test.ts asserts it).
      // Paths documented as not emulated yet answer 400 saying so (pim-groups.test.ts asserts it).
      // The privilegedAccessGroup entity answers Graph's 400 MissingProvider, never 200 (pim-groups-coverage.test.ts asserts it).
      // Group approvals have no listable collection to take an id from: pim-groups-approvals.test.ts reads them (checked by conformance-setup).
      const gets = Object.keys(doc.paths).filter((p) => p.startsWith('/v1.0/') && doc.paths[p]!.get && !p.includes('roleAssignmentApprovals') && !p.includes('/group/assignmentApprovals/') && !/\/(directoryScope|appScope)$/.test(p) && !doc.paths[p]!.get!.summary?.startsWith('Not emulated yet') && !p.endsWith('/privilegedAccess/group'));
      const EXPAND = ['principal', 'roleDefinition', 'targetSchedule', 'activatedUsing', 'appScope', 'directoryScope', 'rules', 'effectiveRules', 'policy', 'policy($expand=rules)', 'inheritsPermissionsFrom'];
      const SCOPED = `$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'`;
      // The policy lists and their $count need this $filter (reference §1.6).
      const scoped = (p: string) => /\/(roleManagementPolicies|roleManagementPolicyAssignments)(\/\$count)?$/.test(p);
      // PIM for Groups' schedule and instance lists need a $filter on groupId or principalId (pim-groups-reference §1).
      const groupScoped = (p: string) => /\/privilegedAccess\/group\/\w+Schedule(s|Instances)(\/\$count)?$/.test(p);
      const filterFor = (p: string) => (scoped(p) ? SCOPED : groupScoped(p) ? `$filter=groupId eq '${CLOUD}'` : undefined);
      const firstId = new Map<string, string>();
      // ConsistencyLevel: eventual, as Graph requires for $count on users and groups.
      const fetch = (url: string) => emu.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin}`, consistencylevel: 'eventual' } });
      const before = conformanceStats.validated;
      const failedBare: string[] = [];
      // Collections first (they give the ids), then entities; '{…}' takes the first id of its collection.
      for (const template of [...gets.filter((p) => !p.includes('{')), ...gets.filter((p) => p.includes('{'))]) {
        let url = template;
        for (let m = /^(.*?)\/\{[^}]+\}/.exec(url); m; m = /^(.*?)\/\{[^}]+\}/.exec(url)) {
          const collection = m[1]!;
          if (!firstId.has(collection)) firstId.set(collection, (await fetch(`${collection}${filterFor(collection) ? `?${filterFor(collection)}` : ''}`)).json().value?.[0]?.id ?? 'none');
          url = url.replace(/\{[^}]+\}/, encodeURIComponent(firstId.get(collection)!));
        }
        for (const version of ['/v1.0', '/beta']) {
          const base = url.replace(/^\/v1\.0/, version);
          const query = filterFor(template) ? [filterFor(template)!] : [];
          for (const extra of [undefined, ...EXPAND.map((e) => `$expand=${e}`), '$select=id&$top=1&$count=true']) {
            const q = [...query, ...(extra ? [extra] : [])].join('&');
            const res = await fetch(q ? `${base}?${q}` : base);
            if (!extra && res.statusCode !== 200) failedBare.push(`${base} ${res.statusCode}`);
          }
        }
      }
      expect(failedBare).toEqual([]);
      expect(conformanceStats.validated - before).toBeGreaterThan(gets.length * 2 * EXPAND.length);
      expect(takeMismatches()).toEqual([]);
    } finally {
      await emu.close();
    }
  });
});
