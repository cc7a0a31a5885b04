import type { FastifyRequest } from 'fastify';
import type { RoleAssignmentRecord } from '../../directory/model.js';
import { findPrincipal, findRoleDefinition } from '../../directory/directory.js';
import { roleAssignmentId } from '../../ids.js';
import { effectiveRoleAssignments } from '../../pim/schedules.js';
import { isoInstant } from '../../iso8601.js';
import { ADMIN_ROLES, callerHoldsRole, requireDirectoryPermission, type Caller } from '../caller.js';
import { ENTITY_OPTIONS, LIST_OPTIONS, entityBody, listBody, type CollectionSpec, NAVIGATIONS, navigationRoutes, COUNT_OPTIONS, countText, locationOf } from '../collection.js';
import { graphErrors } from '../errors.js';
import { principalToWire, roleAssignmentToWire, roleDefinitionToWire } from '../wire.js';
import type { RouteModule } from '../types.js';

const READ = {
  delegated: ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'Directory.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'],
  application: ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'Directory.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'],
};
const WRITE = { delegated: ['RoleManagement.ReadWrite.Directory'], application: ['RoleManagement.ReadWrite.Directory'] };

const TYPE = 'microsoft.graph.unifiedRoleAssignment';

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['principalId', 'roleDefinitionId'],
  properties: {
    '@odata.type': { type: 'string' },
    principalId: { type: 'string' },
    roleDefinitionId: { type: 'string' },
    directoryScopeId: { type: ['string', 'null'] },
    appScopeId: { type: ['string', 'null'] },
    condition: { type: ['string', 'null'] },
  },
} as const;

interface CreateBody {
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId?: string | null;
  appScopeId?: string | null;
  condition?: string | null;
}

/** Direct (non-PIM, permanent) role assignments: GET list/item, POST, DELETE. */
export const roleAssignmentsRoutes: RouteModule = (app, ctx, version) => {
  const spec = (caller: Caller): CollectionSpec<RoleAssignmentRecord> => ({
    type: TYPE,
    contextPath: 'roleManagement/directory/roleAssignments',
    toWire: (a) => roleAssignmentToWire(a, caller.tenant),
    properties: ['id', 'directoryScopeId', 'principalId', 'roleDefinitionId', 'appScopeId', 'condition', 'principalOrganizationId', 'resourceScope'],
    filter: {
      entitySet: 'roleAssignments',
      properties: {
        id: { type: 'string', ops: ['eq'] },
        principalId: { type: 'guid', ops: ['eq', 'in'] },
        roleDefinitionId: { type: 'guid', ops: ['eq', 'in'] },
        directoryScopeId: { type: 'string', ops: ['eq'] },
      },
    },
    expand: {
      principal: (a) => {
        const p = findPrincipal(caller.tenant, a.principalId);
        return p ? principalToWire(p) : null;
      },
      roleDefinition: (a) => {
        const r = findRoleDefinition(ctx.store, a.roleDefinitionId);
        return r ? roleDefinitionToWire(r, version) : null;
      },
    },
  });

  app.get('/roleManagement/directory/roleAssignments', { config: { query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireDirectoryPermission(caller, READ);
    return listBody(request, version, effectiveRoleAssignments(caller.tenant, caller.nowMs), spec(caller));
  });

  app.get('/roleManagement/directory/roleAssignments/$count', { config: { query: COUNT_OPTIONS } }, async (request, reply) => {
    const caller = request.caller!;
    requireDirectoryPermission(caller, READ);
    return reply.type('text/plain; charset=utf-8').send(countText(request, effectiveRoleAssignments(caller.tenant, caller.nowMs), spec(caller)));
  });

  const load = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = request.caller!;
    requireDirectoryPermission(caller, READ);
    const a = effectiveRoleAssignments(caller.tenant, caller.nowMs).find((x) => x.id === request.params.id);
    if (!a) throw graphErrors.resourceNotFound(request.params.id);
    return { item: a, spec: spec(caller) };
  };
  app.get<{ Params: { id: string } }>('/roleManagement/directory/roleAssignments/:id', { config: { query: ENTITY_OPTIONS } }, async (request) => {
    const { item, spec: s } = load(request);
    return entityBody(request, version, item, s);
  });
  navigationRoutes(app, version, '/roleManagement/directory/roleAssignments', NAVIGATIONS.roleAssignment, {}, load);

  app.post<{ Body: CreateBody }>('/roleManagement/directory/roleAssignments', { schema: { body: createBody }, config: { graphType: TYPE } }, async (request, reply) => {
    const caller = request.caller!;
    requireWrite(caller);
    const b = request.body;
    const principal = findPrincipal(caller.tenant, b.principalId);
    if (!principal) throw graphErrors.resourceNotFound(b.principalId);
    const role = findRoleDefinition(ctx.store, b.roleDefinitionId);
    if (!role) throw graphErrors.resourceNotFound(b.roleDefinitionId);
    if (b.appScopeId) throw graphErrors.badRequest(`appScopeId is not emulated; use directoryScopeId '/'.`);
    const scope = b.directoryScopeId ?? '/';
    if (scope !== '/') throw graphErrors.badRequest(`directoryScopeId '${scope}' is not emulated; the emulator supports the tenant scope '/'.`);
    if (principal.kind === 'group' && !principal.record.isAssignableToRole) {
      throw graphErrors.badRequest('Only groups with isAssignableToRole set to true can be assigned to a role.');
    }
    const record: RoleAssignmentRecord = {
      id: roleAssignmentId(role.id, principal.record.id),
      principalId: principal.record.id,
      roleDefinitionId: role.id,
      directoryScopeId: scope,
      appScopeId: null,
      createdDateTime: isoInstant(caller.nowMs),
    };
    await ctx.store.update(caller.tenant.tenant.id, (t) => {
      // Checked inside the update so two concurrent POSTs cannot both add it.
      if (effectiveRoleAssignments(t, caller.nowMs).some((a) => a.id === record.id)) throw graphErrors.conflictingObject();
      t.roleAssignments.push(record);
    });
    reply.status(201).header('location', locationOf(request, version, 'roleManagement/directory/roleAssignments', record.id));
    return entityBody(request, version, record, spec(caller));
  });

  app.delete<{ Params: { id: string } }>('/roleManagement/directory/roleAssignments/:id', async (request, reply) => {
    const caller = request.caller!;
    requireWrite(caller);
    const id = request.params.id;
    await ctx.store.update(caller.tenant.tenant.id, (t) => {
      if (!t.roleAssignments.some((a) => a.id === id)) {
        if (effectiveRoleAssignments(t, caller.nowMs).some((a) => a.id === id)) {
          throw graphErrors.badRequest('This role assignment is managed by PIM. End it with a roleAssignmentScheduleRequest: adminRemove, or selfDeactivate for an activation.');
        }
        throw graphErrors.resourceNotFound(id);
      }
      t.roleAssignments = t.roleAssignments.filter((a) => a.id !== id);
    });
    return reply.status(204).send();
  });
};

/** Writing role assignments needs the permission and, for a signed-in user, an active admin role. */
function requireWrite(caller: Caller): void {
  requireDirectoryPermission(caller, WRITE);
  if (caller.kind === 'user' && !callerHoldsRole(caller, ADMIN_ROLES)) throw graphErrors.insufficientPrivileges();
}
