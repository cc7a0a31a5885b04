import type { GroupRecord } from '../../directory/model.js';
import { requireDirectoryPermission } from '../caller.js';
import { ENTITY_OPTIONS, LIST_OPTIONS, entityBody, listBody, type CollectionSpec, COUNT_OPTIONS, countText } from '../collection.js';
import { graphErrors } from '../errors.js';
import { groupToWire, userToWire } from '../wire.js';
import type { RouteModule } from '../types.js';

const READ = {
  delegated: ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  application: ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};

export const groupSpec: CollectionSpec<GroupRecord> = {
  type: 'microsoft.graph.group',
  contextPath: 'groups',
  toWire: groupToWire,
  properties: ['id', 'description', 'displayName', 'groupTypes', 'isAssignableToRole', 'mail', 'mailEnabled', 'mailNickname', 'securityEnabled'],
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

/** GET /groups, GET /groups/{id}, GET /groups/{id}/members. */
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
    const g = request.caller!.tenant.groups.find((x) => x.id === request.params.id.toLowerCase());
    if (!g) throw graphErrors.resourceNotFound(request.params.id);
    return entityBody(request, version, g, groupSpec);
  });

  app.get<{ Params: { id: string } }>('/groups/:id/members', { config: { query: ['$top', '$skiptoken', '$count'] } }, async (request) => {
    requireDirectoryPermission(request.caller!, READ);
    const t = request.caller!.tenant;
    const g = t.groups.find((x) => x.id === request.params.id.toLowerCase());
    if (!g) throw graphErrors.resourceNotFound(request.params.id);
    const members = t.users.filter((u) => g.members.includes(u.id));
    return listBody(request, version, members, {
      type: 'microsoft.graph.directoryObject',
      contextPath: 'directoryObjects',
      properties: [],
      toWire: (u) => ({ '@odata.type': '#microsoft.graph.user', ...userToWire(u) }),
    });
  });
};
