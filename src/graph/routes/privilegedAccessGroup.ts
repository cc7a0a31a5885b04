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
import { findPrincipal } from '../../directory/directory.js';
import { actorOf, type Caller, type PermissionRule } from '../caller.js';
import { COUNT_OPTIONS, ENTITY_OPTIONS, LIST_OPTIONS, countText, entityBody, listBody, locationOf, navigationRoutes, type CollectionSpec } from '../collection.js';
import { GraphError, graphErrors } from '../errors.js';
import { directMembershipRow, GROUP_REQUEST_PROPERTIES, groupInstanceToWire, groupRequestToWire, groupScheduleToWire, type GroupRow } from '../group-wire.js';
import { groupToWire, principalToWire } from '../wire.js';
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

/**
 * The navigation properties of Microsoft's schema on each set (metadata/graph-v1.0.xml:
 * privilegedAccessGroup*), served as $expand and as GET {set}/{id}/{navigation}.
 */
const NAVIGATIONS = {
  request: { assignment: ['group', 'principal', 'activatedUsing', 'targetSchedule'], eligibility: ['group', 'principal', 'targetSchedule'] },
  schedule: { assignment: ['group', 'principal', 'activatedUsing'], eligibility: ['group', 'principal'] },
  instance: { assignment: ['group', 'principal', 'activatedUsing'], eligibility: ['group', 'principal'] },
} as const satisfies Record<string, Record<Kind, readonly string[]>>;

/** group and principal: the same on every set (the engine keeps the group id as directoryScopeId). */
function commonExpansions(t: TenantData): { group: (r: { directoryScopeId: string }) => unknown; principal: (r: { principalId: string }) => unknown } {
  return {
    group: (r) => {
      const g = t.groups.find((x) => x.id === r.directoryScopeId);
      return g ? groupToWire(g) : null;
    },
    principal: (r) => {
      const p = findPrincipal(t, r.principalId);
      return p ? principalToWire(p) : null;
    },
  };
}

/** A group PIM schedule of the tenant by id (targetSchedule, activatedUsing). */
const groupSchedule = (t: TenantData, id: string | null | undefined) => (id ? t.pim.schedules.find((s) => s.id === id && s.resource === GROUP_TAG) : undefined);

function requestSpec(kind: Kind, contextPath: string, caller: Caller): CollectionSpec<RequestRecord> {
  const t = caller.tenant;
  return {
    type: `microsoft.graph.${TYPES.request[kind]}`,
    contextPath,
    toWire: groupRequestToWire,
    properties: GROUP_REQUEST_PROPERTIES,
    expand: {
      ...commonExpansions(t),
      // The schedule the request made (or changed); an eligibility schedule for eligibility requests.
      targetSchedule: (r: RequestRecord) => {
        const s = groupSchedule(t, r.targetScheduleId);
        return s ? groupScheduleToWire(s, kind, caller.nowMs) : null;
      },
      // An activation's eligibility schedule (Microsoft's schema: privilegedAccessGroupEligibilitySchedule).
      ...(kind === 'assignment'
        ? {
            activatedUsing: (r: RequestRecord) => {
              const s = groupSchedule(t, r.activatedUsing);
              return s ? groupScheduleToWire(s, 'eligibility', caller.nowMs) : null;
            },
          }
        : {}),
    },
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

function rowSpec(kind: Kind, family: 'schedule' | 'instance', contextPath: string, caller: Caller): CollectionSpec<GroupRow> {
  const { nowMs, tenant: t } = caller;
  const toWire = family === 'schedule' ? (r: GroupRow) => groupScheduleToWire(r, kind, nowMs) : (r: GroupRow) => groupInstanceToWire(r, kind);
  // activatedUsing: the eligibility schedule on a schedule; on an instance the eligibility instance, while it is in force.
  const activatedUsing = (r: GroupRow) => {
    const e = groupSchedule(t, r.activatedUsing);
    if (!e) return null;
    if (family === 'schedule') return groupScheduleToWire(e, 'eligibility', nowMs);
    return isLive(e, nowMs) ? groupInstanceToWire(e, 'eligibility') : null;
  };
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
    expand: { ...commonExpansions(t), ...(kind === 'assignment' ? { activatedUsing } : {}) },
  };
}

function registerRequests(app: FastifyInstance, ctx: AppContext, version: GraphVersion, kind: Kind): void {
  const segment = SEGMENTS.request[kind];
  const base = `${GROUP_BASE}/${segment}`;
  const contextPath = `${CONTEXT}/${segment}`;
  const type = `microsoft.graph.${TYPES.request[kind]}`;

  app.get(base, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    requireReader(caller);
    return listBody(request, version, groupRequests(caller.tenant, kind), requestSpec(kind, contextPath, caller));
  });

  // PIM's request sets are not directory objects: $count needs no ConsistencyLevel header (as on roleManagement/directory).
  app.get(`${base}/$count`, { config: { pim: true, query: COUNT_OPTIONS } }, async (request, reply) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    requireReader(caller);
    return reply.type('text/plain; charset=utf-8').send(countText(request, groupRequests(caller.tenant, kind), requestSpec(kind, contextPath, caller)));
  });

  app.post<{ Body: GroupRequestInput }>(base, { schema: { body: GroupRequestInputSchema }, config: { pim: true, graphType: type } }, async (request, reply) => {
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
    return entityBody(request, version, outcome.request, requestSpec(kind, contextPath, caller));
  });

  app.get(`${base}/filterByCurrentUser(on='principal')`, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    const fnSpec = { ...requestSpec(kind, `Collection(${TYPES.request[kind]})`, caller), toWire: (r: RequestRecord) => ({ '@odata.type': `#${type}`, ...groupRequestToWire(r) }) };
    return listBody(request, version, groupRequests(caller.tenant, kind).filter((r) => r.principalId === caller.id), fnSpec);
  });

  const load = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = request.caller!;
    const fn = FILTER_ON.exec(request.params.id);
    if (fn) throw notSupportedOn(fn[1]!);
    requireScope(caller, PERMISSIONS.read[kind]);
    const r = groupRequests(caller.tenant, kind).find((x) => x.id === request.params.id.toLowerCase());
    if (!r) throw pimErrors.requestNotFound(request.params.id);
    if (r.principalId !== caller.id) requireReader(caller);
    return { item: r, spec: requestSpec(kind, contextPath, caller) };
  };
  app.get<{ Params: { id: string } }>(`${base}/:id`, { config: { pim: true, query: ENTITY_OPTIONS } }, async (request) => {
    const { item, spec } = load(request);
    return entityBody(request, version, item, spec);
  });
  navigationRoutes(app, version, base, NAVIGATIONS.request[kind], { pim: true }, load);

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

  /** The rows a list (or its $count) may answer with: its $filter must name a group or a principal (§1). */
  const scopedRows = (request: FastifyRequest, spec: CollectionSpec<GroupRow>): GroupRow[] => {
    const caller = request.caller!;
    const filter = (request.query as { $filter?: string }).$filter;
    if (filter !== undefined) compileFilter(filter, spec.filter!); // unsupported properties and syntax first
    const hints = filter === undefined ? {} : equalityHints(filter, spec.filter!);
    if (!hints.groupId && !hints.principalId) throw groupOrPrincipalFilterRequired(segment);
    // Others' assignments need a PIM reader role; a user may list its own.
    if (hints.principalId !== caller.id) requireReader(caller);
    return rows(caller.tenant, kind, family, caller.nowMs);
  };

  app.get(base, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    const spec = rowSpec(kind, family, contextPath, caller);
    return listBody(request, version, scopedRows(request, spec), spec);
  });

  // Not directory objects: no ConsistencyLevel header needed; the list's required $filter applies to its count too.
  app.get(`${base}/$count`, { config: { pim: true, query: COUNT_OPTIONS } }, async (request, reply) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    const spec = rowSpec(kind, family, contextPath, caller);
    return reply.type('text/plain; charset=utf-8').send(countText(request, scopedRows(request, spec), spec));
  });

  app.get(`${base}/filterByCurrentUser(on='principal')`, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    const spec = rowSpec(kind, family, `Collection(${TYPES[family][kind]})`, caller);
    const fnSpec = { ...spec, toWire: (r: GroupRow) => ({ '@odata.type': `#${spec.type}`, ...spec.toWire(r) }) };
    return listBody(request, version, rows(caller.tenant, kind, family, caller.nowMs).filter((r) => r.principalId === caller.id), fnSpec);
  });

  const load = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = request.caller!;
    const fn = FILTER_ON.exec(request.params.id);
    if (fn) throw notSupportedOn(fn[1]!);
    requireScope(caller, PERMISSIONS.read[kind]);
    const spec = rowSpec(kind, family, contextPath, caller);
    const id = request.params.id.toLowerCase();
    const row = rows(caller.tenant, kind, family, caller.nowMs).find((r) => (spec.toWire(r).id as string).toLowerCase() === id);
    if (!row) throw pimErrors.scheduleNotFound(request.params.id);
    if (row.principalId !== caller.id) requireReader(caller);
    return { item: row, spec };
  };
  app.get<{ Params: { id: string } }>(`${base}/:id`, { config: { pim: true, query: ENTITY_OPTIONS } }, async (request) => {
    const { item, spec } = load(request);
    return entityBody(request, version, item, spec);
  });
  navigationRoutes(app, version, base, NAVIGATIONS[family][kind], { pim: true }, load);
}

/**
 * The operation templates of Microsoft's schema under privilegedAccess/group the emulator does not
 * serve yet: each answers 400 BadRequest saying it is not emulated, never a silent 404.
 */
export const GROUP_NOT_EMULATED: Array<{ method: 'GET' | 'PATCH' | 'POST'; url: string; what: string }> = [
  // One approval is read by its id (routes/assignmentApprovals.ts); the collection is not listed.
  { method: 'GET', url: `${GROUP_BASE}/assignmentApprovals`, what: 'Listing approvals for PIM for Groups' },
  { method: 'GET', url: `${GROUP_BASE}/assignmentApprovals/$count`, what: 'Counting approvals for PIM for Groups' },
];

/**
 * The privilegedAccessGroup entity itself has no methods ("Methods: None", pim-groups-reference §1).
 * Graph answers a GET of it 400 with the PIM service's own body rather than Graph's error envelope
 * — on v1.0 and beta alike (msgraph-sdk-powershell#2553, 2024-01-31, v1.0
 * Get-MgIdentityGovernancePrivilegedAccessGroup; #2579, 2024-02-09, beta): the SDKs read no error
 * code from it (PowerShell shows ErrorCode UnknownError and this body as the message).
 */
export const MISSING_PROVIDER = { errorCode: 'MissingProvider', message: 'The provider is missing.', instanceAnnotations: [] } as const;

export const privilegedAccessGroupRoutes: RouteModule = (app, ctx, version) => {
  app.get(GROUP_BASE, { config: { pim: true } }, async (_request, reply) => reply.status(400).send(MISSING_PROVIDER));
  for (const kind of ['assignment', 'eligibility'] as const) {
    registerRequests(app, ctx, version, kind);
    registerReadFamily(app, version, kind, 'schedule');
    registerReadFamily(app, version, kind, 'instance');
  }
  for (const n of GROUP_NOT_EMULATED) {
    app.route({ method: n.method, url: n.url, config: { pim: true }, handler: async () => { throw graphErrors.notEmulated(`${n.what} (${n.method} ${n.url.replace(/:(\w+)/g, '{$1}')})`); } });
  }
};
