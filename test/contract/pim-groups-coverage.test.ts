import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import type { Emulator } from '../../src/emulator.js';
import { GRAPH_JSON } from '../../src/graph/plugin.js';
import { coverageMarkdown, GROUP_BASE, groupTemplates, probeGroupCoverage, REPORT_END, REPORT_START, shape, vendoredSchema, type Coverage } from '../../scripts/pim-groups-coverage.js';
// @ts-expect-error — a plain ES module of the build scripts, without types
import { buildGroupPaths, NOT_EMULATED_SUMMARY } from '../../scripts/pim-groups-openapi.mjs';
import { checkGraphResponse } from '../support/conformance.js';
import { checkAgainstMicrosoft, microsoftSchema } from '../support/msgraph-schema.js';
import { get, moveClock, send } from '../support/api.js';
import { testEmulator, tokenFor, USERS } from '../support/emulator.js';

const G = `/v1.0${GROUP_BASE}`;
const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const REGENERATE = 'run `npx tsx scripts/pim-groups-openapi.mjs` to regenerate openapi.yaml and docs/graph.md';

/**
 * PIM for Groups against Microsoft's v1.0 schema (issue #18): every path template the vendored CSDL
 * defines under identityGovernance/privilegedAccess/group is served or refused with a message saying
 * it is not emulated, never a silent 404; the published description (openapi.yaml) and the coverage
 * report (docs/graph.md) say what a probe of the emulator finds; every served operation's bodies
 * validate against Microsoft's schema.
 */
describe('PIM for Groups coverage of Microsoft\'s v1.0 templates', () => {
  let emu: Emulator;
  let coverage: Coverage;
  beforeAll(async () => {
    emu = await testEmulator();
    coverage = await probeGroupCoverage(emu);
  });
  afterAll(async () => emu.close());

  it("enumerates the templates from Microsoft's schema: the entity, its seven sets, their $count, items, navigations and bound functions and actions", () => {
    const templates = groupTemplates().map((t) => t.template);
    expect(vendoredSchema()._source.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(templates).toEqual(expect.arrayContaining([
      GROUP_BASE,
      `${GROUP_BASE}/assignmentScheduleRequests`,
      `${GROUP_BASE}/assignmentScheduleRequests/$count`,
      `${GROUP_BASE}/assignmentScheduleRequests/filterByCurrentUser(on='{on}')`,
      `${GROUP_BASE}/assignmentScheduleRequests/{id}/cancel`,
      `${GROUP_BASE}/assignmentScheduleRequests/{id}/targetSchedule`,
      `${GROUP_BASE}/eligibilityScheduleInstances/{id}/principal`,
      `${GROUP_BASE}/assignmentApprovals/{id}/stages/{id}`,
    ]));
    expect(templates).toHaveLength(50);
    expect(new Set(templates).size).toBe(templates.length);
  });

  it('answers every template: served, or 400 BadRequest saying it is not emulated yet — never a silent 404', () => {
    expect(coverage.failures).toEqual([]);
    const probed = new Set(coverage.probes.map((p) => p.template));
    expect(groupTemplates().filter((t) => !probed.has(t.template)).map((t) => t.template)).toEqual([]);
    // What this branch serves at least; approvals, $count and navigations may follow.
    const served = (t: string, m = 'GET') => coverage.probes.find((p) => p.template === `${GROUP_BASE}${t}` && p.method === m)?.outcome;
    for (const set of ['assignmentScheduleRequests', 'eligibilityScheduleRequests']) {
      expect([served(`/${set}`), served(`/${set}`, 'POST'), served(`/${set}/{id}`), served(`/${set}/{id}/cancel`, 'POST'), served(`/${set}/filterByCurrentUser(on='{on}')`)]).toEqual(Array(5).fill('served'));
    }
    for (const set of ['assignmentSchedules', 'eligibilitySchedules', 'assignmentScheduleInstances', 'eligibilityScheduleInstances']) {
      expect([served(`/${set}`), served(`/${set}/{id}`), served(`/${set}/filterByCurrentUser(on='{on}')`)]).toEqual(Array(3).fill('served'));
    }
    expect(served('')).toBe('served');
  });

  it('fails a template no route binds, naming it and what to do', async () => {
    const schema = vendoredSchema();
    schema.types.privilegedAccessGroup!.navigationProperties = { ...schema.types.privilegedAccessGroup!.navigationProperties, resources: { type: 'Collection(graph.privilegedAccessGroupEligibilitySchedule)', containsTarget: true } };
    const fresh = await testEmulator();
    try {
      const found = await probeGroupCoverage(fresh, schema);
      expect(found.failures).toEqual(expect.arrayContaining([
        expect.stringMatching(/^GET \/identityGovernance\/privilegedAccess\/group\/resources answers 400 .*Resource not found for the segment 'resources'.* — neither served \(2xx\) nor refused as not emulated yet .*GROUP_NOT_EMULATED/),
      ]));
    } finally {
      await fresh.close();
    }
  });

  it(`keeps docs/graph.md's coverage table equal to what the probe finds (${REGENERATE})`, () => {
    const md = readFileSync(path.join(PACKAGE_ROOT, 'docs', 'graph.md'), 'utf8');
    const start = md.indexOf(REPORT_START);
    const end = md.indexOf(REPORT_END);
    expect(start, 'docs/graph.md has the pim-groups-coverage markers').toBeGreaterThan(0);
    expect(md.slice(start, end + REPORT_END.length)).toBe(coverageMarkdown(coverage));
  });

  it(`keeps openapi.yaml's PIM-for-Groups paths equal to the routes as the probe classifies them (${REGENERATE})`, () => {
    const doc = YAML.parse(readFileSync(path.join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, { summary?: string }>> };
    const expected = buildGroupPaths(emu.routes, coverage, groupTemplates(), shape) as Record<string, Record<string, unknown>>;
    const documented = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => Object.hasOwn(expected, p) || p.startsWith(G)));
    expect(documented).toEqual(expected);
    // A template refused as not emulated is documented as such, a served one is not.
    for (const p of coverage.probes) {
      const entry = Object.entries(documented).find(([k]) => shape(k) === shape(p.template));
      if (!entry) continue; // a template whose route another template's catches (…/assignmentApprovals/$count by /{id})
      const summary = entry[1][p.method.toLowerCase()]?.summary;
      expect(summary?.startsWith(NOT_EMULATED_SUMMARY), `${p.method} ${p.template}`).toBe(p.outcome === 'not emulated');
    }
  });
});

describe('GET /identityGovernance/privilegedAccess/group (the entity itself)', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await testEmulator();
  });
  afterAll(async () => emu.close());

  for (const version of ['v1.0', 'beta']) {
    it(`answers ${version} as Graph does: 400 with the PIM service's MissingProvider body, not Graph's envelope`, async () => {
      const admin = await tokenFor(emu, USERS.admin.upn, { mfa: true });
      const res = await get(emu, `/${version}${GROUP_BASE}`, admin, { 'client-request-id': 'probe-1' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ errorCode: 'MissingProvider', message: 'The provider is missing.', instanceAnnotations: [] });
      expect(res.headers['content-type']).toBe(GRAPH_JSON);
      expect(res.headers['client-request-id']).toBe('probe-1');
      expect(res.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  }

  it('still wants a token first: 401 in Graph\'s envelope without one', async () => {
    const res = await get(emu, `${G}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('InvalidAuthenticationToken');
  });
});

describe("PIM for Groups bodies against Microsoft's schema", () => {
  let emu: Emulator;
  let admin: string;
  let pimuser: string;
  beforeAll(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: '2026-12-01T09:00:00Z', freeze: true });
    admin = await tokenFor(emu, USERS.admin.upn, { mfa: true });
    pimuser = await tokenFor(emu, USERS.pimuser.upn, { mfa: true });
  });
  afterAll(async () => emu.close());

  /** The verdict of the conformance layer (openapi.yaml and Microsoft's vendored CSDL) on one response, checked explicitly. */
  const verdict = (method: string, routeUrl: string, res: { statusCode: number; headers: Record<string, unknown>; body: string }, url = routeUrl) =>
    checkGraphResponse({ method, url, routeUrl, status: res.statusCode, contentType: res.headers['content-type'] as string, body: res.body });
  const valid = (method: string, routeUrl: string, res: { statusCode: number; headers: Record<string, unknown>; body: string }, url?: string) => {
    const v = verdict(method, routeUrl, res, url);
    expect(v.mismatches, `${method} ${routeUrl} ${res.statusCode}`).toEqual([]);
    expect(v.validated).toBe(true);
    return v;
  };

  it("vendors every PIM-for-Groups type, so Microsoft's schema judges group bodies (a misnamed property fails)", () => {
    const { types } = microsoftSchema();
    for (const t of ['privilegedAccessGroup', 'privilegedAccessGroupAssignmentScheduleRequest', 'privilegedAccessGroupEligibilityScheduleRequest', 'privilegedAccessGroupAssignmentSchedule', 'privilegedAccessGroupEligibilitySchedule', 'privilegedAccessGroupAssignmentScheduleInstance', 'privilegedAccessGroupEligibilityScheduleInstance', 'privilegedAccessGroupRelationships', 'scheduleRequestActions']) {
      expect(types[t], t).toBeDefined();
    }
    expect(checkAgainstMicrosoft('privilegedAccessGroupEligibilityScheduleRequest', { id: 'x', accessId: 'member', groupID: CLOUD }, 'v1.0')).toEqual([
      expect.stringMatching(/^\/groupID: property 'groupID' is not declared on microsoft\.graph\.privilegedAccessGroupEligibilityScheduleRequest in Microsoft's schema/),
    ]);
    expect(checkAgainstMicrosoft('privilegedAccessGroupEligibilityScheduleRequest', { id: 'x', accessId: 'members' }, 'v1.0')).toEqual([
      expect.stringMatching(/"members" is not a member of Microsoft's enum microsoft\.graph\.privilegedAccessGroupRelationships/),
    ]);
  });

  it('validates the request of every action, for membership and ownership', async () => {
    const seen: string[] = [];
    let [adminToken, userToken] = [admin, pimuser];
    // Tokens expire with the clock: fresh ones after each move.
    const advance = async (by: string) => {
      await moveClock(emu, { advance: by });
      [adminToken, userToken] = [await tokenFor(emu, USERS.admin.upn, { mfa: true }), await tokenFor(emu, USERS.pimuser.upn, { mfa: true })];
    };
    for (const accessId of ['member', 'owner'] as const) {
      const request = async (kind: 'eligibility' | 'assignment', who: 'admin' | 'user', body: Record<string, unknown>) => {
        const route = `${G}/${kind}ScheduleRequests`;
        const res = await send(emu, 'POST', route, who === 'admin' ? adminToken : userToken, { accessId, groupId: CLOUD, principalId: USERS.pimuser.id, justification: 'conformance', ...body });
        valid('POST', route, res);
        seen.push(`${kind} ${accessId} ${String(body.action)} ${res.statusCode}${res.statusCode === 201 ? '' : ` ${res.json().error.message}`}`);
        return res;
      };
      const inDays = (d: number) => ({ expiration: { type: 'afterDuration', duration: `P${d}D` } });
      const assignedTo = { principalId: USERS.pimuser.id };
      await request('eligibility', 'admin', { action: 'adminAssign', scheduleInfo: inDays(30) });
      await request('eligibility', 'admin', { action: 'adminUpdate', scheduleInfo: inDays(60) });
      await request('eligibility', 'admin', { action: 'adminExtend', scheduleInfo: inDays(90) });
      await request('assignment', 'user', { action: 'selfActivate', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } } });
      await advance('PT10M'); // Graph's 5-minute minimum before a deactivation
      await request('assignment', 'user', { action: 'selfDeactivate' });
      await request('assignment', 'admin', { action: 'adminAssign', ...assignedTo, scheduleInfo: inDays(10) });
      await request('assignment', 'admin', { action: 'adminUpdate', ...assignedTo, scheduleInfo: inDays(12) });
      await advance('P5D'); // within the 14 days before its end
      await request('assignment', 'user', { action: 'selfExtend', ...assignedTo, scheduleInfo: inDays(30) });
      await request('assignment', 'admin', { action: 'adminExtend', ...assignedTo, scheduleInfo: inDays(30) });
      await advance('P40D'); // past its end
      await request('assignment', 'user', { action: 'selfRenew', ...assignedTo, scheduleInfo: inDays(30) });
      await request('assignment', 'admin', { action: 'adminRenew', ...assignedTo, scheduleInfo: inDays(30) });
      await request('assignment', 'admin', { action: 'adminRemove', ...assignedTo });
      await advance('P60D'); // past the eligibility's end
      await request('eligibility', 'admin', { action: 'adminRenew', scheduleInfo: inDays(30) });
      await request('eligibility', 'admin', { action: 'adminRemove' });
      await advance('P1D');
    }
    // The ones Graph grants here are 201 bodies checked against the request types; the rest are Graph errors checked against the envelope.
    // Every action is granted (201) and its body holds against openapi.yaml and Microsoft's schema.
    const ACTIONS = [
      'eligibility adminAssign', 'eligibility adminUpdate', 'eligibility adminExtend', 'assignment selfActivate', 'assignment selfDeactivate', 'assignment adminAssign', 'assignment adminUpdate',
      'assignment selfExtend', 'assignment adminExtend', 'assignment selfRenew', 'assignment adminRenew', 'assignment adminRemove', 'eligibility adminRenew', 'eligibility adminRemove',
    ];
    expect(seen).toEqual(['member', 'owner'].flatMap((a) => ACTIONS.map((x) => `${x.replace(' ', ` ${a} `)} 201`)));
  });

  it('validates schedules, instances, filterByCurrentUser, group policies, /groups, members and owners', async () => {
    // Whatever the clock did in the test before: tokens of now.
    const admin = await tokenFor(emu, USERS.admin.upn, { mfa: true });
    const pimuser = await tokenFor(emu, USERS.pimuser.upn, { mfa: true });
    await send(emu, 'POST', `${G}/eligibilityScheduleRequests`, admin, { action: 'adminAssign', accessId: 'member', groupId: CLOUD, principalId: USERS.pimuser.id, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } });
    await send(emu, 'POST', `${G}/assignmentScheduleRequests`, pimuser, { action: 'selfActivate', accessId: 'member', groupId: CLOUD, principalId: USERS.pimuser.id, justification: 'conformance', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } } });
    const checked: string[] = [];
    const read = async (routeUrl: string, url: string, token = admin) => {
      const res = await get(emu, url, token);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      const v = valid('GET', routeUrl, res, url);
      checked.push(v.against);
      return res.json();
    };
    for (const family of ['assignmentSchedules', 'eligibilitySchedules', 'assignmentScheduleInstances', 'eligibilityScheduleInstances', 'assignmentScheduleRequests', 'eligibilityScheduleRequests']) {
      const list = await read(`${G}/${family}`, `${G}/${family}?$filter=groupId eq '${CLOUD}'`);
      expect(list.value.length, family).toBeGreaterThan(0);
      await read(`${G}/${family}/:id`, `${G}/${family}/${list.value[0].id}`);
      const mine = await read(`${G}/${family}/filterByCurrentUser(on='principal')`, `${G}/${family}/filterByCurrentUser(on='principal')`, pimuser);
      expect(mine.value.length, family).toBeGreaterThan(0);
    }
    const assignments = await read('/v1.0/policies/roleManagementPolicyAssignments', `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${CLOUD}' and scopeType eq 'Group'`);
    expect(assignments.value.map((a: { roleDefinitionId: string }) => a.roleDefinitionId).sort()).toEqual(['member', 'owner']);
    await read('/v1.0/policies/roleManagementPolicyAssignments/:id', `/v1.0/policies/roleManagementPolicyAssignments/${assignments.value[0].id}?$expand=policy($expand=rules)`);
    const policies = await read('/v1.0/policies/roleManagementPolicies', `/v1.0/policies/roleManagementPolicies?$filter=scopeId eq '${CLOUD}' and scopeType eq 'Group'`);
    await read('/v1.0/policies/roleManagementPolicies/:id', `/v1.0/policies/roleManagementPolicies/${policies.value[0].id}?$expand=rules`);
    await read('/v1.0/policies/roleManagementPolicies/:id/rules', `/v1.0/policies/roleManagementPolicies/${policies.value[0].id}/rules`);
    await read('/v1.0/groups', '/v1.0/groups');
    await read('/v1.0/groups/:id', `/v1.0/groups/${CLOUD}`);
    const members = await read('/v1.0/groups/:id/members', `/v1.0/groups/${CLOUD}/members`);
    expect(members.value.map((m: { id: string }) => m.id)).toContain(USERS.pimuser.id);
    await read('/v1.0/groups/:id/owners', `/v1.0/groups/${CLOUD}/owners`);
    expect(checked).toContain(`GET ${G}/assignmentScheduleInstances 200`);
  });
});
