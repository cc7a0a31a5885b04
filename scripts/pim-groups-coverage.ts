// PIM for Groups coverage (issue #18): every v1.0 path template Microsoft's schema defines under
// /identityGovernance/privilegedAccess/group, enumerated from the vendored CSDL subset
// (test/schema/msgraph-v1.0.json, scripts/vendor-graph-schema.mjs), and what the emulator answers
// on each — probed, not read from a list: served, or refused with a message saying it is not
// emulated yet. Anything else (a template no route binds, a served read that does not answer 2xx)
// is a failure. Used by scripts/pim-groups-openapi.mjs (openapi.yaml and docs/graph.md) and by
// test/contract/pim-groups-coverage.test.ts (which fails when those are stale).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '../src/emulator.js';

export const GROUP_BASE = '/identityGovernance/privilegedAccess/group';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Def {
  type: string;
  containsTarget?: boolean;
}
interface BoundOperation {
  kind: 'function' | 'action';
  name: string;
  collection?: boolean;
  parameters: Array<{ name: string; type: string }>;
  returnType?: string;
}
interface TypeDef {
  kind: 'entity' | 'complex' | 'enum';
  baseType?: string;
  members?: string[];
  navigationProperties?: Record<string, Def>;
  boundOperations?: BoundOperation[];
}
export interface VendoredSchema {
  _source: { repository: string; commit: string; path: string };
  types: Record<string, TypeDef>;
}

export const vendoredSchema = (): VendoredSchema => JSON.parse(readFileSync(path.join(root, 'test', 'schema', 'msgraph-v1.0.json'), 'utf8')) as VendoredSchema;

const local = (t: string) => /^(?:Collection\()?graph\.([^)]+)\)?$/.exec(t)?.[1];
const isCollection = (t: string) => t.startsWith('Collection(');

/** What a template's GET (or its one method) yields, in Microsoft's terms. */
export type Yield =
  | { kind: 'root'; type: string }
  | { kind: 'list' | 'function'; type: string }
  | { kind: 'entity' | 'navigation'; type: string }
  | { kind: 'count' }
  | { kind: 'action' };

export interface Template {
  /** '/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{id}/cancel' */
  template: string;
  /** The methods Graph documents on it (GET; POST for creating requests and for actions; PATCH for approval stages). */
  methods: Array<'GET' | 'POST' | 'PATCH'>;
  yields: Yield;
  /** For filterByCurrentUser: the `on` values of Microsoft's enum (unknownFutureValue aside). */
  on?: string[];
}

function chain(s: VendoredSchema, name: string): string[] {
  const out: string[] = [];
  for (let n: string | undefined = name; n && s.types[n]; n = s.types[n]!.baseType) out.push(n);
  return out;
}
const navsOf = (s: VendoredSchema, name: string) => chain(s, name).flatMap((n) => Object.entries(s.types[n]!.navigationProperties ?? {}));
const boundOf = (s: VendoredSchema, name: string) => s.types[name]?.boundOperations ?? [];
/** Items of a set are created by POST when they are requests (Graph's schedule requests, pim-groups-reference §1). */
const creatable = (s: VendoredSchema, item: string) => chain(s, item).includes('request');
/** Approval stages are decided by PATCH (pim-groups-reference §1: approvalstage-update). */
const updatable = (s: VendoredSchema, item: string) => item === 'approvalStage';

/**
 * The v1.0 path templates under privilegedAccess/group, as graph-coverage.mjs enumerates the role
 * areas (the entity, each set, its $count, an item, an item's navigations and a collection
 * navigation's item), plus the functions and actions Microsoft's schema binds to the sets' types.
 */
export function groupTemplates(s: VendoredSchema = vendoredSchema()): Template[] {
  const out: Template[] = [{ template: GROUP_BASE, methods: ['GET'], yields: { kind: 'root', type: 'privilegedAccessGroup' } }];
  for (const [navName, nav] of navsOf(s, 'privilegedAccessGroup')) {
    const item = local(nav.type)!;
    const set = `${GROUP_BASE}/${navName}`;
    out.push({ template: set, methods: creatable(s, item) ? ['GET', 'POST'] : ['GET'], yields: { kind: 'list', type: item } });
    out.push({ template: `${set}/$count`, methods: ['GET'], yields: { kind: 'count' } });
    for (const op of boundOf(s, item).filter((o) => o.collection)) {
      const params = op.parameters.map((p) => `${p.name}='{${p.name}}'`).join(',');
      const on = op.parameters.find((p) => p.name === 'on');
      const members = on ? (s.types[local(on.type)!]?.members ?? []).filter((m) => m !== 'unknownFutureValue') : undefined;
      out.push({ template: `${set}/${op.name}(${params})`, methods: [op.kind === 'function' ? 'GET' : 'POST'], yields: op.kind === 'function' ? { kind: 'function', type: local(op.returnType!)! } : { kind: 'action' }, ...(members ? { on: members } : {}) });
    }
    out.push({ template: `${set}/{id}`, methods: ['GET'], yields: { kind: 'entity', type: item } });
    for (const op of boundOf(s, item).filter((o) => !o.collection)) {
      out.push({ template: `${set}/{id}/${op.name}`, methods: [op.kind === 'function' ? 'GET' : 'POST'], yields: op.kind === 'function' ? { kind: 'function', type: local(op.returnType!)! } : { kind: 'action' } });
    }
    for (const [n, d] of navsOf(s, item)) {
      const target = local(d.type)!;
      out.push({ template: `${set}/{id}/${n}`, methods: ['GET'], yields: isCollection(d.type) ? { kind: 'list', type: target } : { kind: 'navigation', type: target } });
      if (isCollection(d.type)) out.push({ template: `${set}/{id}/${n}/{id}`, methods: updatable(s, target) ? ['GET', 'PATCH'] : ['GET'], yields: { kind: 'entity', type: target } });
    }
  }
  return out;
}

// ---- probing ----

export type Outcome = 'served' | 'not emulated';
export interface Probe {
  template: string;
  method: string;
  outcome: Outcome;
  status: number;
  /** For filterByCurrentUser: the `on` values served. */
  on?: string[];
}
export interface Coverage {
  commit: string;
  probes: Probe[];
  /** Templates or routes that answered neither served nor "not emulated yet": what is wrong with each. */
  failures: string[];
}

const NOT_EMULATED = /is not emulated yet\./;
const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const USERS = { admin: 'admin@contoso.onmicrosoft.com', pimuser: 'pimuser@contoso.onmicrosoft.com', approver: 'approver@contoso.onmicrosoft.com' };
const PIMUSER = 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709';
const ANALYST = 'e45b36af-beb8-4442-905f-c9f608ed22b1';
/** The schedule and instance lists need a $filter on groupId or principalId (pim-groups-reference §1). */
const needsFilter = (p: string) => /\/\w+Schedule(s|Instances)(\/\$count)?$/.test(p);

interface Answer {
  status: number;
  body: string;
  json: () => any;
}

/**
 * Probes every template (and every route the emulator registers under the group base, such as
 * beta's `steps` beside `stages`) on an emulator with PIM-for-Groups state: an eligible and an
 * activated membership of Cloud Engineers, and a pending activation where the emulator's group
 * policies can require approval. Reads must answer 2xx to count as served; writes and actions
 * must answer anything but "not emulated yet", "Resource not found", 405 or 5xx.
 */
export async function probeGroupCoverage(emu: Emulator, s: VendoredSchema = vendoredSchema()): Promise<Coverage> {
  const token = async (upn: string) => {
    const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', user: upn, mfa: true } });
    return res.json().access_token as string;
  };
  const tokens = { admin: await token(USERS.admin), pimuser: await token(USERS.pimuser), approver: await token(USERS.approver) };
  const call = async (method: string, url: string, bearer: string, payload?: unknown): Promise<Answer> => {
    const res = await emu.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${bearer}`, consistencylevel: 'eventual', ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
    return { status: res.statusCode, body: res.body, json: () => res.json() };
  };
  await setUpState(emu, call, tokens);

  const templates = groupTemplates(s);
  const byShape = new Map(templates.map((t) => [shape(t.template), t]));
  // Registered routes under the base that no template names (beta's steps): probed too, as documented.
  const extra = emu.routes
    .filter((r) => r.url.startsWith(`/v1.0${GROUP_BASE}`) && !byShape.has(shape(r.url.slice('/v1.0'.length))))
    .map((r) => ({ template: r.url.slice('/v1.0'.length).replace(/:\w+/g, '{id}'), method: r.method }));
  const extraTemplates: Template[] = [];
  for (const e of extra) {
    const known = extraTemplates.find((t) => t.template === e.template);
    if (known) known.methods.push(e.method as 'GET');
    // beta's steps, as a list (…/steps) or one step (…/steps/{id}).
    else extraTemplates.push({ template: e.template, methods: [e.method as 'GET'], yields: { kind: e.template.endsWith('}') ? 'entity' : 'list', type: 'approvalStage' } });
  }

  const probes: Probe[] = [];
  const failures: string[] = [];
  const firstId = new Map<string, string>();
  const idOf = async (collection: string): Promise<string> => {
    if (!firstId.has(collection)) {
      let id = '00000000-0000-0000-0000-000000000000';
      // Approvals are not listed: one is read by the approvalId of the request that waits for it.
      if (collection.endsWith('/assignmentApprovals')) {
        const res = await call('GET', `/v1.0${GROUP_BASE}/assignmentScheduleRequests`, tokens.admin);
        const waiting = res.status === 200 ? (res.json().value as Array<{ approvalId?: string | null }>).find((r) => r.approvalId) : undefined;
        if (waiting?.approvalId) id = waiting.approvalId;
      }
      for (const bearer of id.startsWith('00000000') ? [tokens.admin, tokens.approver, tokens.pimuser] : []) {
        const res = await call('GET', `/v1.0${collection}${needsFilter(collection) ? `?$filter=groupId eq '${CLOUD}'` : ''}`, bearer);
        const found = res.status === 200 ? (res.json().value?.[0]?.id as string | undefined) : undefined;
        if (found) {
          id = found;
          break;
        }
      }
      firstId.set(collection, id);
    }
    return firstId.get(collection)!;
  };
  const concrete = async (template: string): Promise<string> => {
    let url = template;
    for (let m = /^(.*?)\/\{id\}/.exec(url); m; m = /^(.*?)\/\{id\}/.exec(url)) url = url.replace('{id}', encodeURIComponent(await idOf(m[1]!)));
    return url;
  };

  for (const t of [...templates, ...extraTemplates]) {
    for (const method of t.methods) {
      const where = `${method} ${t.template}`;
      const answers: Array<{ on?: string; a: Answer }> = [];
      for (const on of t.on ?? [undefined]) {
        const url = `/v1.0${await concrete(on ? t.template.replace("'{on}'", `'${on}'`) : t.template)}`;
        // The lists that need a $filter get one; whether their $count takes it is the route's business: both are tried.
        const queries = method === 'GET' && needsFilter(t.template) ? [`?$filter=groupId eq '${CLOUD}'`, ''] : [''];
        const body = method === 'POST' && t.yields.kind === 'list' ? createBody(t.template) : method === 'PATCH' ? { reviewResult: 'Approve', justification: 'coverage probe' } : method === 'POST' ? {} : undefined;
        // The best answer any persona gets: served to one of them is served.
        let best: Answer | undefined;
        search: for (const query of queries) {
          for (const bearer of [tokens.admin, tokens.approver, tokens.pimuser]) {
            const a = await call(method, `${url}${query}`, bearer, body);
            if (!best || rank(method, a) > rank(method, best)) best = a;
            if (a.status < 300) break search;
          }
        }
        answers.push({ on, a: best! });
      }
      if (answers.length === 0) {
        failures.push(`${where}: Microsoft's schema gives no value to probe it with (is the enum of its parameter vendored?)`);
        continue;
      }
      const served = answers.filter(({ a }) => isServed(t, method, a));
      const refused = answers.filter(({ a }) => a.status === 400 && NOT_EMULATED.test(a.body));
      if (served.length) {
        probes.push({ template: t.template, method, outcome: 'served', status: served[0]!.a.status, ...(t.on ? { on: served.map((x) => x.on!) } : {}) });
      } else if (refused.length === answers.length) {
        probes.push({ template: t.template, method, outcome: 'not emulated', status: 400 });
      } else {
        const a = answers.find(({ a }) => !NOT_EMULATED.test(a.body))!.a;
        failures.push(`${where} answers ${a.status} ${a.body.slice(0, 300)} — neither served (${method === 'GET' ? '2xx' : 'an answer of its own'}) nor refused as not emulated yet (400 "… is not emulated yet."): serve it, or register it in GROUP_NOT_EMULATED (src/graph/routes/privilegedAccessGroup.ts)`);
      }
    }
  }
  return { commit: s._source.commit, probes, failures };
}

/** The entity itself answers Graph's 400 MissingProvider (src/graph/routes/privilegedAccessGroup.ts). */
const MISSING_PROVIDER = /"errorCode":"MissingProvider"/;

function isServed(t: Template, method: string, a: Answer): boolean {
  if (a.status >= 500 || a.status === 405 || NOT_EMULATED.test(a.body) || /Resource not found for the segment/.test(a.body)) return false;
  if (t.yields.kind === 'root') return a.status === 400 && MISSING_PROVIDER.test(a.body);
  return method === 'GET' ? a.status >= 200 && a.status < 300 : true;
}
/** Which of several answers tells most: 2xx; then, for a read, "not emulated" over a 4xx of a variant the route rejects; for a write the reverse (a write that validates is served). */
function rank(method: string, a: Answer): number {
  if (a.status < 300) return 3;
  if (a.status >= 500 || a.status === 405 || /Resource not found for the segment/.test(a.body)) return 0;
  const refused = NOT_EMULATED.test(a.body);
  return method === 'GET' ? (refused ? 2 : 1) : refused ? 1 : 2;
}

function createBody(template: string): unknown {
  const kind = template.endsWith('/assignmentScheduleRequests') ? 'assignment' : 'eligibility';
  return { action: 'adminAssign', accessId: 'owner', principalId: ANALYST, groupId: CLOUD, justification: `coverage probe (${kind})`, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } };
}

/** '/a/{x}/b' and '/v1.0/a/:id/b' → '/a/{}/b'; filterByCurrentUser(on='principal') → (on='{}'). */
export const shape = (p: string) => p.replace(/^\/(v1\.0|beta)(?=\/)/, '').replace(/\(on='[^']*'\)/g, "(on='{}')").replace(/:[^/]+/g, '{}').replace(/\{[^}]*\}/g, '{}');

async function setUpState(emu: Emulator, call: (m: string, u: string, b: string, p?: unknown) => Promise<Answer>, tokens: Record<'admin' | 'pimuser' | 'approver', string>): Promise<void> {
  const G = `/v1.0${GROUP_BASE}`;
  const must = (what: string, a: Answer) => {
    if (a.status >= 300) throw new Error(`coverage probe setup: ${what} answered ${a.status} ${a.body}`);
    return a;
  };
  must('eligible membership', await call('POST', `${G}/eligibilityScheduleRequests`, tokens.admin, { action: 'adminAssign', accessId: 'member', principalId: PIMUSER, groupId: CLOUD, justification: 'coverage probe', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } }));
  must('activation', await call('POST', `${G}/assignmentScheduleRequests`, tokens.pimuser, { action: 'selfActivate', accessId: 'member', principalId: PIMUSER, groupId: CLOUD, justification: 'coverage probe', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT4H' } } }));
  // An activation that waits for approval, where the owner policy can require one: the approver approves it.
  const assignments = await call('GET', `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${CLOUD}' and scopeType eq 'Group' and roleDefinitionId eq 'owner'`, tokens.admin);
  const policyId = assignments.status === 200 ? (assignments.json().value?.[0]?.policyId as string | undefined) : undefined;
  if (!policyId) return;
  const approval = await call('PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/Approval_EndUser_Assignment`, tokens.admin, {
    '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
    id: 'Approval_EndUser_Assignment',
    target: { caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] },
    setting: {
      isApprovalRequired: true, isApprovalRequiredForExtension: false, isRequestorJustificationRequired: true, approvalMode: 'SingleStage',
      approvalStages: [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, escalationTimeInMinutes: 0, isEscalationEnabled: false, primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: '3f9260ad-b759-420f-93e3-a9d06900810f' }], escalationApprovers: [] }],
    },
  });
  if (approval.status >= 300) return;
  must('eligible ownership', await call('POST', `${G}/eligibilityScheduleRequests`, tokens.admin, { action: 'adminAssign', accessId: 'owner', principalId: PIMUSER, groupId: CLOUD, justification: 'coverage probe', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } }));
  must('activation awaiting approval', await call('POST', `${G}/assignmentScheduleRequests`, tokens.pimuser, { action: 'selfActivate', accessId: 'owner', principalId: PIMUSER, groupId: CLOUD, justification: 'coverage probe', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT4H' } } }));
}

// ---- the report (docs/graph.md, between the pim-groups-coverage markers) ----

export const REPORT_START = '<!-- pim-groups-coverage';
export const REPORT_END = '<!-- /pim-groups-coverage -->';

/** One row per template of Microsoft's schema: what each of its methods answers. */
export function coverageRows(coverage: Coverage, templates: Template[] = groupTemplates()): Array<[string, string]> {
  return templates.map((t) => {
    const probes = t.methods.map((m) => coverage.probes.find((p) => p.template === t.template && p.method === m));
    const served = probes.filter((p) => p?.outcome === 'served');
    const refused = probes.filter((p) => p?.outcome === 'not emulated');
    const on = served.find((p) => p!.on)?.on;
    const parts: string[] = [];
    if (served.length) {
      const root = t.yields.kind === 'root' ? ': 400 MissingProvider, as Graph answers it' : '';
      parts.push(`served (${served.map((p) => p!.method).join(', ')}${on ? `; on=${on.map((v) => `'${v}'`).join(', ')}` : ''})${root}`);
    }
    if (refused.length) parts.push(`${served.length ? `${refused.map((p) => p!.method).join(', ')} ` : ''}refused: 400 BadRequest "… is not emulated yet"`);
    if (parts.length === 0) parts.push('**neither served nor refused as not emulated**');
    return [t.template, parts.join('; ')];
  });
}

export function coverageMarkdown(coverage: Coverage, templates: Template[] = groupTemplates()): string {
  const rows = coverageRows(coverage, templates);
  const served = rows.filter(([, r]) => r.startsWith('served')).length;
  return [
    `${REPORT_START}: generated by scripts/pim-groups-openapi.mjs (npx tsx) from microsoftgraph/msgraph-metadata@${coverage.commit} as vendored in test/schema/msgraph-v1.0.json, each template probed on the emulator; test/contract/pim-groups-coverage.test.ts fails when it is stale -->`,
    '',
    `**identityGovernance/privilegedAccess/group**: ${served} of ${rows.length} v1.0 path templates served; the others answer 400 BadRequest saying they are not emulated yet.`,
    '',
    '| template | emulator |',
    '|---|---|',
    ...rows.map(([t, r]) => `| \`${t}\` | ${r} |`),
    REPORT_END,
  ].join('\n');
}
