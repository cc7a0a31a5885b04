import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../config.js';
import type { GraphVersion } from '../types.js';
import type { RouteModule } from '../types.js';

const documents = new Map<GraphVersion, string>();

/** metadata/graph-{version}.xml, built by scripts/build-metadata.mjs from the source of openapi.yaml; read once. */
function csdl(version: GraphVersion): string {
  let xml = documents.get(version);
  if (xml === undefined) {
    xml = readFileSync(path.join(PACKAGE_ROOT, 'metadata', `graph-${version}.xml`), 'utf8');
    documents.set(version, xml);
  }
  return xml;
}

/**
 * GET /$metadata: the CSDL of the Graph subset the emulator serves (its entity, complex and enum
 * types and the roots of its paths). Graph serves $metadata without a token, as XML.
 */
export const metadataRoutes: RouteModule = (app, _ctx, version) => {
  app.get('/$metadata', { config: { anonymous: true, query: [] } }, async (_request, reply) =>
    reply.type('application/xml;charset=utf-8').send(csdl(version)));
};
