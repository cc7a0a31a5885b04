import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import type { TenantData } from '../../directory/model.js';
import { cancelRequest } from '../../pim/cancel.js';
import { pimErrors } from '../../pim/errors.js';
import { directOf, GROUP_TAG, groupAsRole, groups } from '../../pim/group.js';
import { ACCESS_IDS, onboardGroup } from '../../pim/group-policy.js';
import { GroupRequestInputSchema, groupInputToEngine, type GroupRequestInput } from '../../pim/input.js';
import type { Kind, RequestRecord } from '../../pim/model.js';
import { parseAction } from '../../pim/parse.js';
import { actsForSelf, isSelfAction, submitRequest } from '../../pim/requests.js';
import { endMs, isLive } from '../../pim/schedules.js';
import { actorOf, type PermissionRule } from '../caller.js';
import { ENTITY_OPTIONS, LIST_OPTIONS, entityBody, listBody, locationOf, type CollectionSpec } from '../collection.js';
import { GraphError, graphErrors } from '../errors.js';
import { directMembershipRow, GROUP_REQUEST_PROPERTIES, groupInstanceToWire, groupRequestToWire, groupScheduleToWire, type GroupRow } from '../group-wire.js';
import { compileFilter, equalityHints } from '../odata/index.js';
import { requireAdmin, requireReader, requireScope } from '../pim-access.js';
import type { GraphVersion, RouteModule } from '../types.js';

/**
 * PIM for Groups under /identityGovernance/privilegedAccess/group (pim-groups-reference §1): the
 * schedule requests (every action, cancel, filterByCurrentUser), schedules and instances of both
 * kinds, over the engine's group resource kind (pim/group.ts). What is not emulated yet answers
 * 400 BadRequest saying so.
 */
export const GROUP_BASE = '/identityGovernance/privilegedAccess/group';
const CONTEXT = 'identityGovernance/privilegedAccess/group';

const both = (...p: string[]): PermissionRule => ({ delegated: p, application: p });
/** §1.1: least privileged first; PrivilegedAccess.*.AzureADGroup is the older, broader permission. */
const PERMISSIONS = {
  write: {
    assignment: both('PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'PrivilegedAccess.ReadWrite.AzureADGroup'),
    eligibility: both('PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup', 'PrivilegedAccess.ReadWrite.AzureADGroup'),
  },
  read: {
    assignment: both('PrivilegedAssignmentSchedule.Read.AzureADGroup', 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'PrivilegedAccess.Read.AzureADGroup', 'PrivilegedAccess.ReadWrite.AzureADGroup'),
    eligibility: both('PrivilegedEligibilitySchedule.Read.AzureADGroup', 'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup', 'PrivilegedAccess.Read.AzureADGroup', 'PrivilegedAccess.ReadWrite.AzureADGroup'),
  },
} satisfies Record<string, Record<Kind, PermissionRule>>;

const SEGMENTS = {
  request: { assignment: 'assignmentScheduleRequests', eligibility: 'eligibilityScheduleRequests' },
  schedule: { assignment: 'assignmentSchedules', eligibility: 'eligibilitySchedules' },
  instance: { assignment: 'assignmentScheduleInstances', eligibility: 'eligibilityScheduleInstances' },
} as const;
const TYPES = {
  request: { assignment: 'privilegedAccessGroupAssignmentScheduleRequest', eligibility: 'privilegedAccessGroupEligibilityScheduleRequest' },
  schedule: { assignment: 'privilegedAccessGroupAssignmentSchedule', eligibility: 'privilegedAccessGroupEligibilitySchedule' },
  instance: { assignment: 'privilegedAccessGroupAssignmentScheduleInstance', eligibility: 'privilegedAccessGroupEligibilityScheduleInstance' },
} as const;

const FILTER_ON = /^filterByCurrentUser\(on='([^']*)'\)$/;
const notSupportedOn = (on: string) => new GraphError(400, 'BadRequest', `filterByCurrentUser(on='${on}') is not supported. Supported: on='principal'.`);

/** The group PIM requests of one kind (the engine's store holds every kind; the tag tells them apart). */
const groupRequests = (t: TenantData, kind: Kind): RequestRecord[] => t.pim.requests.filter((r) => r.kind === kind && r.resource === GROUP_TAG);

function requestSpec(kind: Kind, contextPath: string): CollectionSpec<RequestRecord> {
  return {
    type: `microsoft.graph.${TYPES.request[kind]}`,
    contextPath,
    toWire: groupRequestToWire,
    properties: GROUP_REQUEST_PROPERTIES,
    filter: {
      entitySet: SEGMENTS.request[kind],
      properties: {
        id: { type: 'string', ops: ['eq', 'ne', 'in'] },
        groupId: { type: 'guid', ops: ['eq', 'ne', 'in'] },
        principalId: { type: 'guid', ops: ['eq', 'ne', 'in'] },
        accessId: { type: 'enum', ops: ['eq', 'ne'] },
        status: { type: 'enum', ops: ['eq', 'ne'] },
        action: { type: 'enum', ops: ['eq', 'ne'] },
        // Terraform azuread: $filter=groupId eq '{g}' and targetScheduleId eq '{sid}' (§1).
        targetScheduleId: { type: 'string', ops: ['eq', 'ne', 'null'] },
      },
    },
    orderBy: ['createdDateTime', 'completedDateTime'],
  };
}

/**
 * The schedule and instance lists answer only for a group or a principal (§1: "$filter on groupId
 * or principalId is required"). Microsoft's error text for a missing filter is not in a source read
 * for the reference; the wording follows the PIM service's "The required parameters … is missing"
 * of the policy lists and says what to send.
 */
const groupOrPrincipalFilterRequired = (segment: string) =>
  new GraphError(400, 'BadRequest', `The required parameters GroupId or PrincipalId is missing. ${segment} needs a $filter on groupId or principalId, for example $filter=groupId eq '{groupId}'.`);

/** Rows of the schedule or instance family: PIM's group schedules, plus direct memberships/ownerships as Assigned. */
function rows(t: TenantData, kind: Kind, family: 'schedule' | 'instance', nowMs: number): GroupRow[] {
  const keep = family === 'schedule' ? (s: GroupRow) => endMs(s) === null || nowMs < endMs(s)! : (s: GroupRow) => isLive(s, nowMs);
  const pim: GroupRow[] = t.pim.schedules.filter((s) => s.kind === kind && s.resource === GROUP_TAG && keep(s));
  if (kind !== 'assignment') return pim;
  const direct = t.groups.flatMap((g) => ACCESS_IDS.flatMap((a) => directOf(g, a).map((p) => directMembershipRow(g, a, p))));
  return [...pim, ...direct];
}

function rowSpec(kind: Kind, family: 'schedule' | 'instance', contextPath: string, nowMs: number): CollectionSpec<GroupRow> {
  const toWire = family === 'schedule' ? (r: GroupRow) => groupScheduleToWire(r, kind, nowMs) : (r: GroupRow) => groupInstanceToWire(r, kind);
  const sample = toWire(directMembershipRow({ id: '', displayName: '', description: null, mailNickname: '', mail: null, mailEnabled: false, securityEnabled: true, isAssignableToRole: false, groupTypes: [], members: [] }, 'member', ''));
  return {
    type: `microsoft.graph.${TYPES[family][kind]}`,
    contextPath,
    toWire,
    properties: Object.keys(sample),
    filter: {
      entitySet: SEGMENTS[family][kind],
      // §2.4: eq on accessId, assignmentType, groupId, memberType, principalId; eq/ne on id and the schedule id.
      properties: {
        id: { type: 'string', ops: ['eq', 'ne'] },
        groupId: { type: 'guid', ops: ['eq'] },
        principalId: { type: 'guid', ops: ['eq'] },
        accessId: { type: 'enum', ops: ['eq'] },
        memberType: { type: 'enum', ops: ['eq'] },
        status: { type: 'enum', ops: ['eq', 'ne'] },
        ...(kind === 'assignment' ? { assignmentType: { type: 'enum' as const, ops: ['eq' as const] }, assignmentScheduleId: { type: 'string' as const, ops: ['eq' as const, 'ne' as const] } } : { eligibilityScheduleId: { type: 'string' as const, ops: ['eq' as const, 'ne' as const] } }),
      },
    },
  };
}

function registerRequests(app: FastifyInstance, ctx: AppContext, version: GraphVersion, kind: Kind): void {
  const segment = SEGMENTS.request[kind];
  const base = `${GROUP_BASE}/${segment}`;
  const contextPath = `${CONTEXT}/${segment}`;
  const spec = requestSpec(kind, contextPath);

  app.get(base, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    requireReader(caller);
    return listBody(request, version, groupRequests(caller.tenant, kind), spec);
  });

  app.post<{ Body: GroupRequestInput }>(base, { schema: { body: GroupRequestInputSchema }, config: { pim: true, graphType: spec.type } }, async (request, reply) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.write[kind]);
    const action = parseAction(request.body.action);
    const actor = actorOf(caller);
    if (isSelfAction(action)) {
      if (!actsForSelf(caller.tenant, actor, request.body.principalId)) throw pimErrors.unauthorized();
    } else {
      requireAdmin(caller);
    }
    const input = groupInputToEngine(request.body);
    const submission = { roles: ctx.store.system().roleDefinitions, resource: groups, kind, input, actor, nowMs: caller.nowMs };
    const outcome = request.body.isValidationOnly
      ? submitRequest({ ...submission, tenant: caller.tenant, apply: false })
      : await ctx.commit(caller.tenant.tenant.id, caller.nowMs, (t) => {
          // The first request for a group onboards it (§2.6); a failed request rolls it back with the rest.
          if (input.directoryScopeId) onboardGroup(t, input.directoryScopeId.toLowerCase());
          return submitRequest({ ...submission, tenant: t, apply: true });
        });
    reply.status(201);
    if (!request.body.isValidationOnly) reply.header('location', locationOf(request, version, contextPath, outcome.request.id));
    return entityBody(request, version, outcome.request, spec);
  });

  app.get(`${base}/filterByCurrentUser(on='principal')`, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    const fnSpec = { ...spec, contextPath: `Collection(${TYPES.request[kind]})`, toWire: (r: RequestRecord) => ({ '@odata.type': `#${spec.type}`, ...groupRequestToWire(r) }) };
    return listBody(request, version, groupRequests(caller.tenant, kind).filter((r) => r.principalId === caller.id), fnSpec);
  });

  const load = (request: FastifyRequest<{ Params: { id: string } }>): RequestRecord => {
    const caller = request.caller!;
    const fn = FILTER_ON.exec(request.params.id);
    if (fn) throw notSupportedOn(fn[1]!);
    requireScope(caller, PERMISSIONS.read[kind]);
    const r = groupRequests(caller.tenant, kind).find((x) => x.id === request.params.id.toLowerCase());
    if (!r) throw pimErrors.requestNotFound(request.params.id);
    if (r.principalId !== caller.id) requireReader(caller);
    return r;
  };
  app.get<{ Params: { id: string } }>(`${base}/:id`, { config: { pim: true, query: ENTITY_OPTIONS } }, async (request) => entityBody(request, version, load(request), spec));

  app.post<{ Params: { id: string } }>(`${base}/:id/cancel`, { config: { pim: true } }, async (request, reply) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.write[kind]);
    const r = groupRequests(caller.tenant, kind).find((x) => x.id === request.params.id.toLowerCase());
    if (!r) throw pimErrors.requestNotFound(request.params.id);
    const own = caller.kind === 'user' ? r.createdBy.user?.id === caller.id : Boolean(r.createdBy.application) && r.createdBy.application!.id === caller.app?.appId;
    if (!own) requireAdmin(caller);
    const group = caller.tenant.groups.find((g) => g.id === r.directoryScopeId)!;
    // The engine names what was requested in its audit record: the group's membership or ownership.
    await ctx.commit(caller.tenant.tenant.id, caller.nowMs, (t) => cancelRequest(t, [groupAsRole(group, r.roleDefinitionId)], kind, r.id, actorOf(caller), caller.nowMs));
    return reply.status(204).send();
  });
}

function registerReadFamily(app: FastifyInstance, version: GraphVersion, kind: Kind, family: 'schedule' | 'instance'): void {
  const segment = SEGMENTS[family][kind];
  const base = `${GROUP_BASE}/${segment}`;
  const contextPath = `${CONTEXT}/${segment}`;

  app.get(base, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    const spec = rowSpec(kind, family, contextPath, caller.nowMs);
    const filter = (request.query as { $filter?: string }).$filter;
    if (filter !== undefined) compileFilter(filter, spec.filter!); // unsupported properties and syntax first
    const hints = filter === undefined ? {} : equalityHints(filter, spec.filter!);
    if (!hints.groupId && !hints.principalId) throw groupOrPrincipalFilterRequired(segment);
    // Others' assignments need a PIM reader role; a user may list its own.
    if (hints.principalId !== caller.id) requireReader(caller);
    return listBody(request, version, rows(caller.tenant, kind, family, caller.nowMs), spec);
  });

  app.get(`${base}/filterByCurrentUser(on='principal')`, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    const spec = rowSpec(kind, family, `Collection(${TYPES[family][kind]})`, caller.nowMs);
    const fnSpec = { ...spec, toWire: (r: GroupRow) => ({ '@odata.type': `#${spec.type}`, ...spec.toWire(r) }) };
    return listBody(request, version, rows(caller.tenant, kind, family, caller.nowMs).filter((r) => r.principalId === caller.id), fnSpec);
  });

  app.get<{ Params: { id: string } }>(`${base}/:id`, { config: { pim: true, query: ENTITY_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    const fn = FILTER_ON.exec(request.params.id);
    if (fn) throw notSupportedOn(fn[1]!);
    requireScope(caller, PERMISSIONS.read[kind]);
    const spec = rowSpec(kind, family, contextPath, caller.nowMs);
    const id = request.params.id.toLowerCase();
    const row = rows(caller.tenant, kind, family, caller.nowMs).find((r) => (spec.toWire(r).id as string).toLowerCase() === id);
    if (!row) throw pimErrors.scheduleNotFound(request.params.id);
    if (row.principalId !== caller.id) requireReader(caller);
    return entityBody(request, version, row, spec);
  });
}

/**
 * The operation templates of Microsoft's schema under privilegedAccess/group the emulator does not
 * serve yet: each answers 400 BadRequest saying it is not emulated, never a silent 404.
 */
export const GROUP_NOT_EMULATED: Array<{ method: 'GET' | 'PATCH' | 'POST'; url: string; what: string }> = [
  { method: 'GET', url: GROUP_BASE, what: 'The privilegedAccessGroup entity itself' },
  // One approval is read by its id (routes/assignmentApprovals.ts); the collection is not listed.
  { method: 'GET', url: `${GROUP_BASE}/assignmentApprovals`, what: 'Listing approvals for PIM for Groups' },
  ...(['assignmentScheduleRequests', 'eligibilityScheduleRequests', 'assignmentSchedules', 'eligibilitySchedules', 'assignmentScheduleInstances', 'eligibilityScheduleInstances'] as const).flatMap((set) => [
    { method: 'GET' as const, url: `${GROUP_BASE}/${set}/$count`, what: `$count on ${set}` },
    ...navigationsOf(set).map((nav) => ({ method: 'GET' as const, url: `${GROUP_BASE}/${set}/:id/${nav}`, what: `The ${nav} navigation of ${set} (use the ids in the entity)` })),
  ]),
];

function navigationsOf(set: string): string[] {
  const navs = ['group', 'principal'];
  if (set === 'assignmentScheduleRequests') return [...navs, 'activatedUsing', 'targetSchedule'];
  if (set === 'eligibilityScheduleRequests') return [...navs, 'targetSchedule'];
  if (set === 'assignmentSchedules' || set === 'assignmentScheduleInstances') return [...navs, 'activatedUsing'];
  return navs;
}

export const privilegedAccessGroupRoutes: RouteModule = (app, ctx, version) => {
  for (const kind of ['assignment', 'eligibility'] as const) {
    registerRequests(app, ctx, version, kind);
    registerReadFamily(app, version, kind, 'schedule');
    registerReadFamily(app, version, kind, 'instance');
  }
  for (const n of GROUP_NOT_EMULATED) {
    app.route({ method: n.method, url: n.url, config: { pim: true }, handler: async () => { throw graphErrors.notEmulated(`${n.what} (${n.method} ${n.url.replace(/:(\w+)/g, '{$1}')})`); } });
  }
};
