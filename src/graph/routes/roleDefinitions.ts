import type { FastifyRequest } from 'fastify';
import type { RoleDefinition } from '../../directory/model.js';
import { findRoleDefinition } from '../../directory/directory.js';
import { ROLE } from '../../directory/roles.js';
import { requireDirectoryPermission } from '../caller.js';
import { COUNT_OPTIONS, ENTITY_OPTIONS, countText, entityBody, listBody, navigationBody, navigationRoutes, type CollectionSpec } from '../collection.js';
import { graphErrors } from '../errors.js';
import { roleDefinitionToWire } from '../wire.js';
import type { GraphVersion } from '../types.js';
import type { RouteModule } from '../types.js';

const READ = {
  delegated: ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  application: ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};

const DIRECTORY_READERS = ROLE.directoryReaders;
const PROPERTIES = ['id', 'description', 'displayName', 'isBuiltIn', 'isEnabled', 'resourceScopes', 'templateId', 'version', 'rolePermissions'];

export const roleDefinitionSpec = (version: GraphVersion, all: () => RoleDefinition[]): CollectionSpec<RoleDefinition> => {
  // Built-in roles inherit the Directory Readers permissions; Graph lists them by id only, and
  // returns them inline on the roleDefinitions set without $expand (reference §6, Helpdesk
  // Administrator sample; Microsoft's list example shows the same on every built-in role but
  // Directory Readers itself). Custom roles inherit nothing.
  const inherits = (r: RoleDefinition) =>
    r.isBuiltIn && r.id !== DIRECTORY_READERS && all().some((x) => x.id === DIRECTORY_READERS) ? [{ id: DIRECTORY_READERS }] : [];
  return {
    type: 'microsoft.graph.unifiedRoleDefinition',
    contextPath: 'roleManagement/directory/roleDefinitions',
    toWire: (r) => ({ ...roleDefinitionToWire(r, version), inheritsPermissionsFrom: inherits(r) }),
    properties: version === 'beta' ? [...PROPERTIES, 'isPrivileged'] : PROPERTIES,
    // Reference §1.1: $filter eq/in on id, displayName, isBuiltIn; `or` → Request_UnsupportedQuery.
    filter: {
      entitySet: 'roleDefinitions',
      properties: {
        id: { type: 'guid', ops: ['eq', 'in'] },
        displayName: { type: 'string', ops: ['eq', 'in'] },
        isBuiltIn: { type: 'boolean', ops: ['eq'] },
        templateId: { type: 'guid', ops: ['eq', 'in'] },
      },
    },
    expand: { inheritsPermissionsFrom: inherits },
    orderBy: ['displayName'],
    pageSize: 1000,
  };
};

/** GET /roleManagement/directory/roleDefinitions and /{id}. Role definitions need no P2 licence. */
export const roleDefinitionsRoutes: RouteModule = (app, ctx, version) => {
  const spec = roleDefinitionSpec(version, () => ctx.store.system().roleDefinitions);

  app.get('/roleManagement/directory/roleDefinitions', { config: { query: ['$filter', '$select', '$expand', '$top', '$skiptoken', '$count', '$orderby'] } }, async (request) => {
    requireDirectoryPermission(request.caller!, READ);
    return listBody(request, version, ctx.store.system().roleDefinitions, spec);
  });

  // Role definitions are not directory objects: $count needs no ConsistencyLevel header.
  app.get('/roleManagement/directory/roleDefinitions/$count', { config: { query: COUNT_OPTIONS } }, async (request, reply) => {
    requireDirectoryPermission(request.caller!, READ);
    return reply.type('text/plain; charset=utf-8').send(countText(request, ctx.store.system().roleDefinitions, spec));
  });

  const load = (request: FastifyRequest<{ Params: { id: string } }>) => {
    requireDirectoryPermission(request.caller!, READ);
    const r = findRoleDefinition(ctx.store, request.params.id);
    if (!r) throw graphErrors.resourceNotFound(request.params.id);
    return { item: r, spec };
  };
  app.get<{ Params: { id: string } }>('/roleManagement/directory/roleDefinitions/:id', { config: { query: ENTITY_OPTIONS } }, async (request) => {
    const { item } = load(request);
    return entityBody(request, version, item, spec);
  });
  navigationRoutes(app, version, '/roleManagement/directory/roleDefinitions', ['inheritsPermissionsFrom'], {}, load);

  // Custom roles are not emulated (issue #15): the built-in roles are the seed's, and the permissions
  // catalogue behind custom roles (resourceNamespaces) is not served. Graph takes these methods, so
  // the answer says they are not emulated rather than a 405 saying the method does not exist.
  for (const [method, url, what] of [
    ['POST', '/roleManagement/directory/roleDefinitions', 'Creating custom role definitions (POST /roleManagement/directory/roleDefinitions)'],
    ['PATCH', '/roleManagement/directory/roleDefinitions/:id', 'Updating role definitions (PATCH /roleManagement/directory/roleDefinitions/{id})'],
    ['DELETE', '/roleManagement/directory/roleDefinitions/:id', 'Deleting role definitions (DELETE /roleManagement/directory/roleDefinitions/{id})'],
  ] as const) {
    app.route({ method, url, handler: async () => { throw graphErrors.notEmulated(what); } });
  }

  // One item of the navigation, as the list gives it (by id only): the SDKs' fluent
  // roleDefinitions[id].inheritsPermissionsFrom[id] reads it.
  app.get<{ Params: { id: string; inheritedId: string } }>('/roleManagement/directory/roleDefinitions/:id/inheritsPermissionsFrom/:inheritedId', { config: { query: ['$select'] } }, async (request) => {
    const { item } = load(request);
    const wanted = request.params.inheritedId.toLowerCase();
    const inherited = (spec.expand!.inheritsPermissionsFrom!(item) as Array<{ id: string }>).find((x) => x.id.toLowerCase() === wanted);
    if (!inherited) throw graphErrors.resourceNotFound(request.params.inheritedId);
    return navigationBody(request, version, item, request.params.id, 'inheritsPermissionsFrom', { ...spec, expand: { inheritsPermissionsFrom: () => inherited } });
  });
};
