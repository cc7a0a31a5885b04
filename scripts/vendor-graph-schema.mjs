// Vendors Microsoft's own schema for the types the emulator serves: reads a CSDL file of
// microsoftgraph/msgraph-metadata (clean_v10_metadata/cleanMetadata.xml) and writes
// test/schema/msgraph-v1.0.json — the entity, complex and enum types named by openapi.yaml's
// Microsoft schemas, with their base types and every type their properties use, plus every type an
// emulated area contains (CONTAINMENT_ROOTS: PIM for Groups under identityGovernance/privilegedAccess),
// with the functions and actions bound to each type. The test suite validates every Graph response
// against it (test/support/conformance.ts); scripts/pim-groups-openapi.mjs derives openapi.yaml's
// PIM-for-Groups schemas and paths from it.
// Run: node scripts/vendor-graph-schema.mjs <cleanMetadata.xml> <commit>
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOMParser } from '@xmldom/xmldom';
import YAML from 'yaml';

const [file, commit] = process.argv.slice(2);
if (!file || !/^[0-9a-f]{40}$/.test(commit ?? '')) throw new Error('usage: node scripts/vendor-graph-schema.mjs <cleanMetadata.xml> <40-hex commit>');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EDM = 'http://docs.oasis-open.org/odata/ns/edm';
const doc = new DOMParser().parseFromString(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), 'application/xml');

// Only the microsoft.graph namespace: other schemas (microsoft.graph.security, …) reuse names such as "user".
const graph = Array.from(doc.getElementsByTagNameNS(EDM, 'Schema')).find((s) => s.getAttribute('Namespace') === 'microsoft.graph');
const all = new Map();
for (const tag of ['EntityType', 'ComplexType', 'EnumType']) {
  for (const e of Array.from(graph.getElementsByTagNameNS(EDM, tag))) all.set(e.getAttribute('Name'), { kind: tag, e });
}
const local = (t) => (/^(?:Collection\()?graph\.([^)]+)\)?$/.exec(t) ?? [])[1];

// The roots: the Microsoft types openapi.yaml describes (beta-only types and wrappers aside).
const openapi = YAML.parse(readFileSync(path.join(root, 'openapi.yaml'), 'utf8'), { maxAliasCount: -1 });
const roots = Object.keys(openapi.components.schemas)
  .filter((n) => n.startsWith('microsoft.graph.') && !n.startsWith('microsoft.graph.ODataErrors.') && !n.endsWith('CollectionResponse'))
  .map((n) => n.slice('microsoft.graph.'.length))
  .filter((n) => all.has(n));

// Areas whose whole containment tree is vendored, schemas and path templates alike: a root and every
// type its ContainsTarget navigations reach (privilegedAccessRoot → privilegedAccessGroup → its six
// schedule sets and assignmentApprovals → approval → stages).
const CONTAINMENT_ROOTS = ['privilegedAccessRoot'];
const contained = new Set();
for (const start of CONTAINMENT_ROOTS) {
  const seen = new Set();
  const walk = [start];
  while (walk.length) {
    const name = walk.shift();
    if (seen.has(name) || !all.has(name)) continue;
    seen.add(name);
    roots.push(name);
    contained.add(name);
    for (const n of Array.from(all.get(name).e.getElementsByTagNameNS(EDM, 'NavigationProperty'))) {
      if (n.getAttribute('ContainsTarget') === 'true') walk.push(local(n.getAttribute('Type')));
    }
  }
}

// Functions and actions bound to a contained type or a collection of it (filterByCurrentUser, cancel, …):
// their path templates are part of the area's.
const bound = new Map();
for (const tag of ['Function', 'Action']) {
  for (const op of Array.from(graph.getElementsByTagNameNS(EDM, tag))) {
    if (op.getAttribute('IsBound') !== 'true') continue;
    const [binding, ...params] = Array.from(op.getElementsByTagNameNS(EDM, 'Parameter'));
    const target = binding?.getAttribute('Type') ?? '';
    const name = local(target);
    if (!name || !contained.has(name)) continue;
    const returns = op.getElementsByTagNameNS(EDM, 'ReturnType')[0]?.getAttribute('Type');
    const list = bound.get(name) ?? [];
    list.push({
      kind: tag === 'Function' ? 'function' : 'action',
      name: op.getAttribute('Name'),
      ...(target.startsWith('Collection(') ? { collection: true } : {}),
      parameters: params.map((p) => ({ name: p.getAttribute('Name'), type: p.getAttribute('Type') })),
      ...(returns ? { returnType: returns } : {}),
    });
    bound.set(name, list);
    // The parameters' enums (filterByCurrentUser's `on` values) are vendored with the operation.
    for (const p of params) if (local(p.getAttribute('Type'))) roots.push(local(p.getAttribute('Type')));
  }
}

const types = {};
const queue = [...roots];
while (queue.length) {
  const name = queue.shift();
  if (types[name] || !all.has(name)) continue;
  const { kind, e } = all.get(name);
  if (kind === 'EnumType') {
    types[name] = { kind: 'enum', members: Array.from(e.getElementsByTagNameNS(EDM, 'Member')).map((m) => m.getAttribute('Name')) };
    continue;
  }
  const t = { kind: kind === 'EntityType' ? 'entity' : 'complex' };
  const base = e.getAttribute('BaseType');
  if (base) { t.baseType = local(base); queue.push(t.baseType); }
  if (e.getAttribute('Abstract') === 'true') t.abstract = true;
  if (e.getAttribute('OpenType') === 'true') t.openType = true;
  t.properties = {};
  for (const p of Array.from(e.getElementsByTagNameNS(EDM, 'Property'))) {
    const type = p.getAttribute('Type');
    t.properties[p.getAttribute('Name')] = { type, ...(p.getAttribute('Nullable') === 'false' ? { nullable: false } : {}) };
    if (local(type)) queue.push(local(type));
  }
  // Navigation targets are kept by name only: their types are vendored when the emulator serves them.
  t.navigationProperties = {};
  for (const p of Array.from(e.getElementsByTagNameNS(EDM, 'NavigationProperty'))) {
    t.navigationProperties[p.getAttribute('Name')] = { type: p.getAttribute('Type'), ...(p.getAttribute('ContainsTarget') === 'true' ? { containsTarget: true } : {}) };
  }
  if (bound.has(name)) t.boundOperations = bound.get(name);
  types[name] = t;
}

const out = {
  _source: {
    repository: 'https://github.com/microsoftgraph/msgraph-metadata',
    commit,
    path: 'clean_v10_metadata/cleanMetadata.xml',
    note: 'Microsoft Graph v1.0 CSDL, reduced to the types the emulator serves (scripts/vendor-graph-schema.mjs). Data, not code.',
  },
  types: Object.fromEntries(Object.keys(types).sort().map((k) => [k, types[k]])),
};
writeFileSync(path.join(root, 'test', 'schema', 'msgraph-v1.0.json'), `${JSON.stringify(out, null, 1)}\n`);
console.log(`test/schema/msgraph-v1.0.json: ${Object.keys(types).length} types from ${roots.length} roots (commit ${commit})`);
