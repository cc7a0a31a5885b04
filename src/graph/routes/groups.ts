import type { FastifyRequest } from 'fastify';
import type { GroupRecord, TenantData } from '../../directory/model.js';
import { findPrincipal, ROLE } from '../../directory/directory.js';
import { isoInstant } from '../../iso8601.js';
import { directOf, holdersOf, livePimAssignments } from '../../pim/group.js';
import type { AccessId } from '../../pim/group-policy.js';
import { callerHoldsRole, requireDirectoryPermission, type Caller } from '../caller.js';
import { ENTITY_OPTIONS, LIST_OPTIONS, entityBody, listBody, type CollectionSpec, COUNT_OPTIONS, countText } from '../collection.js';
import { graphErrors } from '../errors.js';
import { groupToWire, principalToWire } from '../wire.js';
import type { RouteModule } from '../types.js';
import { USER_PROPERTIES } from './users.js';

const READ = {
  delegated: ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  application: ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};
/** Adding or removing members and owners (learn.microsoft.com group-post-members / group-delete-members). */
const WRITE = {
  delegated: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  application: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
};
/** Who may change a group's members as a signed-in user; a role-assignable group only Privileged Role Administrator or Global Administrator. */
const GROUP_WRITERS = [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator, ROLE.userAdministrator, 'fdd7a751-b60b-444a-984c-02652fe8fa1c' /* Groups Administrator */];

const GROUP_PROPERTIES = ['id', 'description', 'displayName', 'groupTypes', 'isAssignableToRole', 'mail', 'mailEnabled', 'mailNickname', 'securityEnabled'];
/** What a member or owner may be: a user, a group or a service principal. */
const MEMBER_PROPERTIES = [...new Set([...USER_PROPERTIES, ...GROUP_PROPERTIES, 'appId', 'servicePrincipalType', 'accountEnabled'])];

export const groupSpec: CollectionSpec<GroupRecord> = {
  type: 'microsoft.graph.group',
  contextPath: 'groups',
  toWire: groupToWire,
  properties: GROUP_PROPERTIES,
  filter: {
    entitySet: 'groups',
    properties: {
      id: { type: 'guid', ops: ['eq', 'in'] },
      displayName: { type: 'string', ops: ['eq', 'in', 'startswith'], caseInsensitive: true },
      mailNickname: { type: 'string', ops: ['eq', 'startswith'], caseInsensitive: true },
      isAssignableToRole: { type: 'boolean', ops: ['eq', 'ne'] },
      securityEnabled: { type: 'boolean', ops: ['eq', 'ne'] },
    },
    allowOr: true,
  },
  orderBy: ['displayName'],
};

const RELATIONS = { members: 'member', owners: 'owner' } as const satisfies Record<string, AccessId>;

function groupOr404(t: TenantData, id: string): GroupRecord {
  const g = t.groups.find((x) => x.id === id.toLowerCase());
  if (!g) throw graphErrors.resourceNotFound(id);
  return g;
}

function requireGroupWriter(caller: Caller, g: GroupRecord): void {
  requireDirectoryPermission(caller, WRITE);
  if (caller.kind !== 'user') return;
  // An owner manages its group; otherwise an admin role (a role-assignable group: PRA or GA only).
  if ((g.owners ?? []).includes(caller.id)) return;
  const roles = g.isAssignableToRole ? [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator] : GROUP_WRITERS;
  if (!callerHoldsRole(caller, roles)) throw graphErrors.insufficientPrivileges();
}

/** The object id an `@odata.id` names: the last segment of …/directoryObjects/{id} (or users/, groups/). */
function referencedId(body: unknown): string {
  const ref = body && typeof body === 'object' ? (body as Record<string, unknown>)['@odata.id'] : undefined;
  const id = typeof ref === 'string' ? /\/(?:directoryObjects|users|groups|servicePrincipals)\/([^/?#]+)$/.exec(ref)?.[1] ?? ref : '';
  // Graph's directory answer for an id that is not a GUID.
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw graphErrors.badRequest(`Invalid object identifier '${id}'.`);
  return id.toLowerCase();
}

/** GET /groups, /groups/{id}, /groups/{id}/members and /owners (+ $ref add and remove). */
export const groupsRoutes: RouteModule = (app, ctx, version) => {
  app.get('/groups', { config: { query: LIST_OPTIONS } }, async (request) => {
    requireDirectoryPermission(request.caller!, READ);
    return listBody(request, version, request.caller!.tenant.groups, groupSpec);
  });

  app.get('/groups/$count', { config: { query: COUNT_OPTIONS } }, async (request, reply) => {
    requireDirectoryPermission(request.caller!, READ);
    return reply.type('text/plain; charset=utf-8').send(countText(request, request.caller!.tenant.groups, groupSpec, { directoryObjects: true }));
  });

  app.get<{ Params: { id: string } }>('/groups/:id', { config: { query: ENTITY_OPTIONS } }, async (request) => {
    requireDirectoryPermission(request.caller!, READ);
    return entityBody(request, version, groupOr404(request.caller!.tenant, request.params.id), groupSpec);
  });

  for (const [segment, accessId] of Object.entries(RELATIONS) as Array<[keyof typeof RELATIONS, AccessId]>) {
    // Direct members/owners and, while they last, PIM's active assignments (pim-groups-reference §2.5); eligible ones do not count.
    app.get<{ Params: { id: string } }>(`/groups/:id/${segment}`, { config: { query: ['$select', '$top', '$skiptoken', '$count'] } }, async (request) => {
      const caller = request.caller!;
      requireDirectoryPermission(caller, READ);
      const t = caller.tenant;
      const g = groupOr404(t, request.params.id);
      const objects = holdersOf(t, g, accessId, caller.nowMs).map((id) => findPrincipal(t, id)).filter((p) => p !== undefined);
      return listBody(request, version, objects, {
        type: 'microsoft.graph.directoryObject',
        contextPath: 'directoryObjects',
        // $select names properties of any member type (user, group, service principal), as on Graph's directoryObject lists.
        properties: MEMBER_PROPERTIES,
        toWire: principalToWire,
      });
    });

    app.post<{ Params: { id: string } }>(`/groups/:id/${segment}/$ref`, { config: { query: [] } }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const caller = request.caller!;
      const g = groupOr404(caller.tenant, request.params.id);
      requireGroupWriter(caller, g);
      const id = referencedId(request.body);
      const p = findPrincipal(caller.tenant, id);
      // Owners are users (and service principals); members users and groups.
      if (!p || (accessId === 'owner' && p.kind === 'group')) throw graphErrors.resourceNotFound(id);
      await ctx.store.update(caller.tenant.tenant.id, (t) => {
        const group = groupOr404(t, g.id);
        if (holdersOf(t, group, accessId, caller.nowMs).includes(id)) {
          throw graphErrors.badRequest(`One or more added object references already exist for the following modified properties: '${segment}'.`);
        }
        if (accessId === 'member') group.members = [...group.members, id];
        else group.owners = [...(group.owners ?? []), id];
      });
      return reply.status(204).send();
    });

    app.delete<{ Params: { id: string; objectId: string } }>(`/groups/:id/${segment}/:objectId/$ref`, { config: { query: [] } }, async (request, reply) => {
      const caller = request.caller!;
      const g = groupOr404(caller.tenant, request.params.id);
      requireGroupWriter(caller, g);
      const id = request.params.objectId.toLowerCase();
      await ctx.store.update(caller.tenant.tenant.id, (t) => {
        const group = groupOr404(t, g.id);
        if (!holdersOf(t, group, accessId, caller.nowMs).includes(id)) throw graphErrors.resourceNotFound(request.params.objectId);
        if (directOf(group, accessId).includes(id)) {
          if (accessId === 'member') group.members = group.members.filter((m) => m !== id);
          else group.owners = (group.owners ?? []).filter((m) => m !== id);
        }
        // An admin may remove a PIM-made member with this API too (§2.5): its active assignment ends now.
        for (const s of livePimAssignments(t, group.id, accessId, caller.nowMs).filter((x) => x.principalId === id)) {
          s.revokedDateTime = isoInstant(caller.nowMs);
          s.modifiedDateTime = isoInstant(caller.nowMs);
        }
      });
      return reply.status(204).send();
    });
  }
};
