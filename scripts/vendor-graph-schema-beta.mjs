// Vendors Microsoft's beta schema for the types the emulator serves: writes test/schema/msgraph-beta.json,
// the beta twin of test/schema/msgraph-v1.0.json (scripts/vendor-graph-schema.mjs), from a checkout of
// microsoftgraph/msgraph-metadata at one commit:
// - which properties and navigation properties each type declares, and each enum's members: from
//   schemas/type-mappings/beta-{entity,complex,enum}-types.json, which msgraph-metadata generates from
//   the production beta CSDL (schemas/beta-Prod.csdl, scripts/generate-type-mappings.ps1);
// - base types and the declared type of each property: from schemas/beta-USNat.csdl of the same commit
//   (a published beta CSDL small enough to be in the checkout), else from the v1.0 vendored schema;
//   a property whose type neither gives is checked by name only.
// Why not clean_beta_metadata/cleanMetadata.xml, the twin of the v1.0 source: at the commit vendored it
// is a large file the checkout available here did not hold; the type mappings carry the same names.
// The types: every type of msgraph-v1.0.json that beta also has, plus the beta types their beta-only
// properties and navigations name (approval's steps → approvalStep).
// Run: node scripts/vendor-graph-schema-beta.mjs <msgraph-metadata checkout> <commit>
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOMParser } from '@xmldom/xmldom';

const [repo, commit] = process.argv.slice(2);
if (!repo || !/^[0-9a-f]{40}$/.test(commit ?? '')) throw new Error('usage: node scripts/vendor-graph-schema-beta.mjs <msgraph-metadata checkout> <40-hex commit>');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EDM = 'http://docs.oasis-open.org/odata/ns/edm';
const read = (rel) => readFileSync(path.join(repo, rel), 'utf8').replace(/^\uFEFF/, '');
const MAPPINGS = { entity: 'schemas/type-mappings/beta-entity-types.json', complex: 'schemas/type-mappings/beta-complex-types.json', enum: 'schemas/type-mappings/beta-enum-types.json' };
const STRUCTURE = 'schemas/beta-USNat.csdl';
const names = Object.fromEntries(Object.entries(MAPPINGS).map(([k, rel]) => [k, JSON.parse(read(rel))['microsoft.graph']]));

const doc = new DOMParser().parseFromString(read(STRUCTURE), 'application/xml');
const graph = Array.from(doc.getElementsByTagNameNS(EDM, 'Schema')).find((s) => s.getAttribute('Namespace') === 'microsoft.graph');
const structure = new Map();
for (const tag of ['EntityType', 'ComplexType']) for (const e of Array.from(graph.getElementsByTagNameNS(EDM, tag))) structure.set(e.getAttribute('Name'), e);
const local = (t) => (/^(?:Collection\()?graph\.([^)]+)\)?$/.exec(t ?? '') ?? [])[1];
const v1 = JSON.parse(readFileSync(path.join(root, 'test', 'schema', 'msgraph-v1.0.json'), 'utf8')).types;

/** The declared type of a property: the beta structure's, else v1.0's (same name on the same type), else unknown. */
function typeOf(typeName, prop, nav) {
  const e = structure.get(typeName);
  const p = e && Array.from(e.childNodes).find((c) => c.localName === (nav ? 'NavigationProperty' : 'Property') && c.getAttribute('Name') === prop);
  if (p) return p.getAttribute('Type');
  const fromV1 = v1[typeName]?.[nav ? 'navigationProperties' : 'properties']?.[prop]?.type;
  return fromV1 ?? 'Edm.Untyped';
}

const types = {};
const queue = Object.keys(v1);
while (queue.length) {
  const name = queue.shift();
  if (types[name]) continue;
  if (names.enum[name]) {
    types[name] = { kind: 'enum', members: names.enum[name] };
    continue;
  }
  const kind = names.entity[name] ? 'entity' : names.complex[name] ? 'complex' : undefined;
  if (!kind) continue; // not in beta (v1.0-only types: approvalStage, …)
  const declared = (kind === 'entity' ? names.entity : names.complex)[name];
  const t = { kind };
  const base = local(structure.get(name)?.getAttribute('BaseType')) ?? v1[name]?.baseType;
  if (base) { t.baseType = base; queue.push(base); }
  const e = structure.get(name);
  if (e?.getAttribute('OpenType') === 'true' || v1[name]?.openType) t.openType = true;
  t.properties = {};
  for (const p of declared.properties) {
    t.properties[p] = { type: typeOf(name, p, false) };
    if (local(t.properties[p].type)) queue.push(local(t.properties[p].type));
  }
  t.navigationProperties = {};
  for (const p of declared.navigationProperties) {
    t.navigationProperties[p] = { type: typeOf(name, p, true) };
    // Beta-only navigations the emulator serves name their types (approval.steps → approvalStep).
    if (!v1[name]?.navigationProperties?.[p] && local(t.navigationProperties[p].type)) queue.push(local(t.navigationProperties[p].type));
  }
  types[name] = t;
}

const out = {
  _source: {
    repository: 'https://github.com/microsoftgraph/msgraph-metadata',
    commit,
    path: 'schemas/type-mappings/beta-{entity,complex,enum}-types.json',
    structure: STRUCTURE,
    note: "Microsoft Graph beta: the declared names of each type from msgraph-metadata's type mappings of the production beta CSDL, base and property types from the beta CSDL named in structure (scripts/vendor-graph-schema-beta.mjs). Data, not code.",
  },
  types: Object.fromEntries(Object.keys(types).sort().map((k) => [k, types[k]])),
};
writeFileSync(path.join(root, 'test', 'schema', 'msgraph-beta.json'), `${JSON.stringify(out, null, 1)}\n`);
console.log(`test/schema/msgraph-beta.json: ${Object.keys(types).length} types (commit ${commit})`);
