import { graphErrors } from '../errors.js';
import type { RouteModule } from '../types.js';

const BASE = '/roleManagement/directory/resourceNamespaces';

/**
 * Resource namespaces and their actions (the permissions catalogue behind custom roles) are in
 * Microsoft's schema under roleManagement/directory, but the emulator has no custom roles to build
 * from them: each template answers 400 BadRequest saying it is not emulated, never a bare 404
 * (issue #15; docs/graph.md's coverage report lists them as refused).
 */
export const RESOURCE_NAMESPACES_NOT_EMULATED: ReadonlyArray<{ url: string; what: string }> = [
  { url: BASE, what: 'Listing resource namespaces' },
  { url: `${BASE}/$count`, what: 'Counting resource namespaces' },
  { url: `${BASE}/:id`, what: 'Reading a resource namespace' },
  { url: `${BASE}/:id/resourceActions`, what: "Listing a resource namespace's actions" },
  { url: `${BASE}/:id/resourceActions/:actionId`, what: 'Reading a resource action' },
];

export const resourceNamespacesRoutes: RouteModule = (app) => {
  for (const n of RESOURCE_NAMESPACES_NOT_EMULATED) {
    app.get(n.url, async () => {
      throw graphErrors.notEmulated(`${n.what} (GET ${n.url.replace(/:(\w+)/g, '{$1}')})`);
    });
  }
};
