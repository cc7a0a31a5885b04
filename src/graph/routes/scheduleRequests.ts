import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { findPrincipal, findRoleDefinition } from '../../directory/directory.js';
import { isDirectoryRoleRecord, type Kind, type RequestRecord } from '../../pim/model.js';
import { pimErrors } from '../../pim/errors.js';
import { actsForSelf, isSelfAction, submitRequest } from '../../pim/requests.js';
import { cancelRequest } from '../../pim/cancel.js';
import { RequestInputSchema, type RequestInput } from '../../pim/input.js';
import { parseAction } from '../../pim/parse.js';
import { actorOf, type Caller } from '../caller.js';
import { ENTITY_OPTIONS, LIST_OPTIONS, entityBody, listBody, type CollectionSpec, NAVIGATIONS, navigationRoutes, locationOf, COUNT_OPTIONS, countText } from '../collection.js';
import { GraphError } from '../errors.js';
import { listRequestsPermission, PERMISSIONS, requireAdmin, requireReader, requireScope } from '../pim-access.js';
import { REQUEST_PROPERTIES, requestToWire, scheduleToWire, SEGMENTS, TYPE_NAMES } from '../pim-wire.js';
import type { GraphVersion } from '../types.js';
import { principalToWire, roleDefinitionToWire } from '../wire.js';
import type { RouteModule } from '../types.js';

const FILTER_ON = /^filterByCurrentUser\(on='([^']*)'\)$/;

/** roleAssignmentScheduleRequests and roleEligibilityScheduleRequests: list, create, get, cancel, filterByCurrentUser. */
export const scheduleRequestsRoutes: RouteModule = (app, ctx, version) => {
  for (const kind of ['assignment', 'eligibility'] as const) {
    const segment = SEGMENTS.request[kind];
    const base = `/roleManagement/directory/${segment}`;
    const type = `microsoft.graph.${TYPE_NAMES.request[kind]}`;
    const spec = (caller: Caller) => collectionSpec(ctx, version, kind, `roleManagement/directory/${segment}`, caller);

    app.get(base, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
      const caller = request.caller!;
      requireScope(caller, listRequestsPermission(kind));
      requireReader(caller);
      return listBody(request, version, requestsOf(caller, kind), spec(caller));
    });

    app.get(`${base}/$count`, { config: { pim: true, query: COUNT_OPTIONS } }, async (request, reply) => {
      const caller = request.caller!;
      requireScope(caller, listRequestsPermission(kind));
      requireReader(caller);
      return reply.type('text/plain; charset=utf-8').send(countText(request, requestsOf(caller, kind), spec(caller)));
    });

    app.post<{ Body: RequestInput }>(base, { schema: { body: RequestInputSchema }, config: { pim: true, graphType: type } }, async (request, reply) => {
      const caller = request.caller!;
      const action = parseAction(request.body.action);
      requireScope(caller, action === 'adminRemove' ? PERMISSIONS.remove[kind] : PERMISSIONS.write[kind]);
      const actor = actorOf(caller);
      if (isSelfAction(action)) {
        // Self-service is for the caller's own principal (or a group it belongs to).
        if (!actsForSelf(caller.tenant, actor, request.body.principalId)) throw pimErrors.unauthorized();
      } else {
        requireAdmin(caller);
      }
      const roles = ctx.store.system().roleDefinitions;
      const submission = { roles, kind, input: request.body, actor, nowMs: caller.nowMs };
      const outcome = request.body.isValidationOnly
        ? submitRequest({ ...submission, tenant: caller.tenant, apply: false })
        : await ctx.commit(caller.tenant.tenant.id, caller.nowMs, (t) => submitRequest({ ...submission, tenant: t, apply: true }));
      reply.status(201);
      // A validation-only request is not kept, so it has no URL to point at.
      if (!request.body.isValidationOnly) reply.header('location', locationOf(request, version, `roleManagement/directory/${SEGMENTS.request[kind]}`, outcome.request.id));
      return entityBody(request, version, outcome.request, spec(caller));
    });

    const functionSpec = (caller: Caller): CollectionSpec<RequestRecord> => ({
      ...spec(caller),
      contextPath: `Collection(${TYPE_NAMES.request[kind]})`,
      toWire: (r) => ({ '@odata.type': `#${type}`, ...requestToWire(r) }),
    });
    const byCurrentUser = (on: string) => async (request: FastifyRequest) => {
      const caller = request.caller!;
      requireScope(caller, PERMISSIONS.read[kind]);
      if (on === 'principal') {
        // Only the caller's own principal: assignments through groups are not returned (reference §2.6).
        return listBody(request, version, requestsOf(caller, kind).filter((r) => r.principalId === caller.id), functionSpec(caller));
      }
      // on='approver': the requests this caller may approve (reference §5; filter status eq 'PendingApproval' to see the open ones).
      return listBody(request, version, requestsOf(caller, kind).filter((r) => r.approval?.approverIds.includes(caller.id)), functionSpec(caller));
    };
    const ons = kind === 'assignment' ? ['principal', 'approver'] : ['principal'];
    for (const on of ons) app.get(`${base}/filterByCurrentUser(on='${on}')`, { config: { pim: true, query: LIST_OPTIONS } }, byCurrentUser(on));

    const load = (request: FastifyRequest<{ Params: { id: string } }>) => {
      const caller = request.caller!;
      const fn = FILTER_ON.exec(request.params.id);
      if (fn) {
        // Reference §1.1: on ∈ principal, createdBy, approver, unknownFutureValue; only these are supported.
        throw new GraphError(400, 'BadRequest', `filterByCurrentUser(on='${fn[1]}') is not supported. Supported: ${ons.map((o) => `on='${o}'`).join(', ')}.`);
      }
      requireScope(caller, PERMISSIONS.read[kind]);
      const r = requestsOf(caller, kind).find((x) => x.id === request.params.id);
      if (!r) throw pimErrors.requestNotFound(request.params.id);
      if (r.principalId !== caller.id) requireReader(caller);
      return { item: r, spec: spec(caller) };
    };
    app.get<{ Params: { id: string } }>(`${base}/:id`, { config: { pim: true, query: ENTITY_OPTIONS } }, async (request) => {
      const { item, spec: s } = load(request);
      return entityBody(request, version, item, s);
    });
    navigationRoutes(app, version, base, kind === 'assignment' ? NAVIGATIONS.assignmentRequest : NAVIGATIONS.eligibilityRequest, { pim: true }, load);

    app.post<{ Params: { id: string } }>(`${base}/:id/cancel`, { config: { pim: true } }, async (request, reply) => {
      const caller = request.caller!;
      requireScope(caller, PERMISSIONS.write[kind]);
      const r = requestsOf(caller, kind).find((x) => x.id === request.params.id);
      if (!r) throw pimErrors.requestNotFound(request.params.id);
      // The requester may cancel its own request (e.g. its selfActivate); anything else is an admin
      // write (reference §1.2: writes need Privileged Role Administrator). Being the request's principal
      // is not enough, and a user must not match a user-made request through two missing app ids.
      const own = caller.kind === 'user' ? r.createdBy.user?.id === caller.id : Boolean(r.createdBy.application) && r.createdBy.application!.id === caller.app?.appId;
      if (!own) requireAdmin(caller);
      await ctx.commit(caller.tenant.tenant.id, caller.nowMs, (t) => cancelRequest(t, ctx.store.system().roleDefinitions, kind, request.params.id, actorOf(caller), caller.nowMs));
      return reply.status(204).send();
    });
  }
};

function requestsOf(caller: Caller, kind: Kind): RequestRecord[] {
  // PIM for Groups' requests live in the same engine store; they are listed under privilegedAccess/group.
  return caller.tenant.pim.requests.filter((r) => r.kind === kind && isDirectoryRoleRecord(r));
}

function collectionSpec(ctx: AppContext, version: GraphVersion, kind: Kind, contextPath: string, caller: Caller): CollectionSpec<RequestRecord> {
  const tenantOf = () => ctx.store.tenant(caller.tenant.tenant.id)!;
  return {
    type: `microsoft.graph.${TYPE_NAMES.request[kind]}`,
    contextPath,
    toWire: requestToWire,
    properties: REQUEST_PROPERTIES,
    filter: {
      entitySet: SEGMENTS.request[kind],
      // Reference §1.3: id, principalId, roleDefinitionId, status, targetScheduleId (eq, ne);
      // directoryScopeId, appScopeId (eq, ne, null); action is accepted too.
      properties: {
        id: { type: 'guid', ops: ['eq', 'ne', 'in'] },
        principalId: { type: 'guid', ops: ['eq', 'ne', 'in'] },
        roleDefinitionId: { type: 'guid', ops: ['eq', 'ne', 'in'] },
        status: { type: 'enum', ops: ['eq', 'ne'] },
        action: { type: 'enum', ops: ['eq', 'ne'] },
        targetScheduleId: { type: 'guid', ops: ['eq', 'ne', 'null'] },
        directoryScopeId: { type: 'string', ops: ['eq', 'ne', 'null'] },
        appScopeId: { type: 'string', ops: ['eq', 'ne', 'null'] },
      },
    },
    orderBy: ['createdDateTime', 'completedDateTime'],
    expand: {
      principal: (r) => {
        const p = findPrincipal(tenantOf(), r.principalId);
        return p ? principalToWire(p) : null;
      },
      roleDefinition: (r) => {
        const d = findRoleDefinition(ctx.store, r.roleDefinitionId);
        return d ? roleDefinitionToWire(d, version) : null;
      },
      targetSchedule: (r) => {
        const t = tenantOf();
        const s = t.pim.schedules.find((x) => x.id === r.targetScheduleId);
        return s ? scheduleToWire(s, caller.nowMs) : null;
      },
      ...(kind === 'assignment'
        ? {
            activatedUsing: (r: RequestRecord) => {
              const s = tenantOf().pim.schedules.find((x) => x.id === r.activatedUsing);
              return s ? scheduleToWire(s, caller.nowMs) : null;
            },
          }
        : {}),
    },
  };
}
