import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import type { GroupRecord, RoleDefinition, TenantData, UserRecord } from '../../directory/model.js';
import { findRoleDefinition, findUser } from '../../directory/directory.js';
import { stableGuid } from '../../ids.js';
import { memberGroupsOf } from '../../pim/group.js';
import { rolesHeldBy } from '../../pim/schedules.js';
import { requireDirectoryPermission, type Caller } from '../caller.js';
import { listBody } from '../collection.js';
import { GraphError, graphErrors } from '../errors.js';
import { groupToWire } from '../wire.js';
import type { GraphVersion, RouteModule } from '../types.js';

/**
 * GET /users/{id}/memberOf and /transitiveMemberOf, and the same under /me: the groups and directory
 * roles a user is a member of right now (learn.microsoft.com user-list-memberof,
 * user-list-transitivememberof). Membership is derived from the clock on every read: a PIM for Groups
 * assignment makes a member while it is active or activated, never while only eligible
 * (pim-groups-reference §2.5); a role-assignable group's roles reach its members the same way.
 */
/** learn user-list-transitivememberof: the signed-in user's own memberships need only User.Read (delegated only). */
const OWN = { delegated: ['User.Read', 'User.ReadBasic.All', 'User.Read.All', 'GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'], application: [] };
/** Another user's memberships. */
const OTHERS = {
  delegated: ['User.Read.All', 'GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  application: ['User.Read.All', 'GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};

type Membership = { kind: 'group'; group: GroupRecord } | { kind: 'directoryRole'; role: RoleDefinition };

/**
 * A directory role as a directoryObject: the tenant's activated role object, which has an object id
 * of its own (not the template id) — derived from tenant and template, so it is the same on every read.
 */
function directoryRoleToWire(t: TenantData, role: RoleDefinition): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.directoryRole',
    id: stableGuid('directoryRole', t.tenant.id, role.templateId),
    deletedDateTime: null,
    description: role.description,
    displayName: role.displayName,
    roleTemplateId: role.templateId,
  };
}

const toWire = (t: TenantData) => (m: Membership): Record<string, unknown> =>
  m.kind === 'group' ? { '@odata.type': '#microsoft.graph.group', ...groupToWire(m.group) } : directoryRoleToWire(t, m.role);

/**
 * Groups first (direct, or with `transitive` through nested groups), then the directory roles held
 * through the user itself or (transitive only) through those groups.
 */
function membershipsOf(ctx: AppContext, t: TenantData, user: UserRecord, nowMs: number, transitive: boolean): Membership[] {
  const groups = memberGroupsOf(t, user.id, nowMs, transitive);
  const principals = transitive ? [user.id, ...groups.map((g) => g.id)] : [user.id];
  const roles = rolesHeldBy(t, principals, nowMs).map((id) => findRoleDefinition(ctx.store, id)).filter((r): r is RoleDefinition => r !== undefined);
  return [...groups.map((group) => ({ kind: 'group' as const, group })), ...roles.map((role) => ({ kind: 'directoryRole' as const, role }))];
}

const PROPERTIES = ['id', 'deletedDateTime', 'description', 'displayName', 'groupTypes', 'isAssignableToRole', 'mail', 'mailEnabled', 'mailNickname', 'securityEnabled', 'roleTemplateId'];
const QUERY = ['$select', '$top', '$skiptoken', '$count'] as const;

function answer(ctx: AppContext, version: GraphVersion, request: FastifyRequest, user: UserRecord, transitive: boolean): Record<string, unknown> {
  const caller = request.caller!;
  return listBody(request, version, membershipsOf(ctx, caller.tenant, user, caller.nowMs, transitive), {
    type: 'microsoft.graph.directoryObject',
    contextPath: 'directoryObjects',
    properties: PROPERTIES,
    toWire: toWire(caller.tenant),
  });
}

function me(caller: Caller): UserRecord {
  if (caller.kind !== 'user') throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
  return caller.user!;
}

export const memberOfRoutes: RouteModule = (app, ctx, version) => {
  for (const [segment, transitive] of [['memberOf', false], ['transitiveMemberOf', true]] as const) {
    app.get(`/me/${segment}`, { config: { query: QUERY } }, async (request) => {
      const caller = request.caller!;
      const user = me(caller);
      requireDirectoryPermission(caller, OWN);
      return answer(ctx, version, request, user, transitive);
    });

    app.get<{ Params: { id: string } }>(`/users/:id/${segment}`, { config: { query: QUERY } }, async (request) => {
      const caller = request.caller!;
      const user = findUser(caller.tenant, request.params.id);
      // One's own memberships need only User.Read; anyone else's a directory read permission.
      requireDirectoryPermission(caller, caller.kind === 'user' && user?.id === caller.id ? OWN : OTHERS);
      if (!user) throw graphErrors.resourceNotFound(request.params.id);
      return answer(ctx, version, request, user, transitive);
    });
  }
};
