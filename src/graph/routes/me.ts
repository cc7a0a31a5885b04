import { ENTITY_OPTIONS, entityBody } from '../collection.js';
import { GraphError } from '../errors.js';
import type { RouteModule } from '../types.js';
import { userSpec } from './users.js';

/** GET /me: the signed-in user. Its @odata.context names `users`, as Graph's does. */
export const meRoutes: RouteModule = (app, _ctx, version) => {
  app.get('/me', { config: { query: ENTITY_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    if (caller.kind !== 'user') throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    return entityBody(request, version, caller.user!, userSpec);
  });
};
