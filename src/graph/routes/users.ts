import type { UserRecord } from '../../directory/model.js';
import { findUser } from '../../directory/directory.js';
import { requireDirectoryPermission } from '../caller.js';
import { COUNT_OPTIONS, ENTITY_OPTIONS, LIST_OPTIONS, countText, entityBody, listBody, type CollectionSpec } from '../collection.js';
import { graphErrors } from '../errors.js';
import { userToWire } from '../wire.js';
import type { RouteModule } from '../types.js';

const READ = {
  delegated: ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  application: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};

export const USER_PROPERTIES = ['id', 'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'];

export const userSpec: CollectionSpec<UserRecord> = {
  type: 'microsoft.graph.user',
  contextPath: 'users',
  toWire: userToWire,
  properties: USER_PROPERTIES,
  filter: {
    entitySet: 'users',
    properties: {
      id: { type: 'guid', ops: ['eq', 'in'] },
      userPrincipalName: { type: 'string', ops: ['eq', 'in', 'startswith'], caseInsensitive: true },
      displayName: { type: 'string', ops: ['eq', 'in', 'startswith'], caseInsensitive: true },
      mail: { type: 'string', ops: ['eq', 'in', 'startswith', 'null'], caseInsensitive: true },
      givenName: { type: 'string', ops: ['eq', 'startswith'], caseInsensitive: true },
      surname: { type: 'string', ops: ['eq', 'startswith'], caseInsensitive: true },
      jobTitle: { type: 'string', ops: ['eq', 'startswith', 'null'], caseInsensitive: true },
    },
    allowOr: true,
  },
  orderBy: ['displayName', 'userPrincipalName'],
};

/** GET /users, GET /users/{id | userPrincipalName}. */
export const usersRoutes: RouteModule = (app, ctx, version) => {
  app.get('/users', { config: { query: LIST_OPTIONS } }, async (request) => {
    requireDirectoryPermission(request.caller!, READ);
    return listBody(request, version, request.caller!.tenant.users, userSpec);
  });

  app.get('/users/$count', { config: { query: COUNT_OPTIONS } }, async (request, reply) => {
    requireDirectoryPermission(request.caller!, READ);
    return reply.type('text/plain; charset=utf-8').send(countText(request, request.caller!.tenant.users, userSpec, { directoryObjects: true }));
  });

  app.get<{ Params: { id: string } }>('/users/:id', { config: { query: ENTITY_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    const user = findUser(caller.tenant, request.params.id);
    // Reading yourself needs only User.Read.
    if (!(caller.kind === 'user' && user?.id === caller.id)) requireDirectoryPermission(caller, READ);
    if (!user) throw graphErrors.resourceNotFound(request.params.id);
    return entityBody(request, version, user, userSpec);
  });
};
