// Builds metadata/graph-v1.0.xml and metadata/graph-beta.xml: the CSDL (OData's $metadata document)
// of the Graph subset the emulator serves, from the same source as openapi.yaml —
// ../shared/reference/graph-v1.0-pim-subset.yaml, itself derived from Microsoft's published CSDL.
// Served at /v1.0/$metadata and /beta/$metadata (src/graph/routes/metadata.ts).
// Run: node scripts/build-metadata.mjs   (needs ../shared beside the checkout)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { buildGroupSchemas } from './pim-groups-openapi.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const subset = YAML.parse(readFileSync(path.join(root, '..', 'shared', 'reference', 'graph-v1.0-pim-subset.yaml'), 'utf8'), { maxAliasCount: -1 });

const NS = 'microsoft.graph.';
const REF = /^#\/(?:components|x-beta)\/schemas\/microsoft\.graph\.(.+)$/;
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** OpenAPI property schema → CSDL type name and nullability. */
function typeOf(schema) {
  if (schema.$ref) return { type: `graph.${REF.exec(schema.$ref)[1]}`, nullable: true };
  if (schema.anyOf) {
    const ref = schema.anyOf.find((s) => s.$ref);
    if (ref) return { type: `graph.${REF.exec(ref.$ref)[1]}`, nullable: schema.anyOf.some((s) => s.nullable) };
    const primitive = schema.anyOf.find((s) => s.type && s.type !== 'object');
    return { ...typeOf(primitive ?? { type: 'string' }), nullable: true };
  }
  if (schema.type === 'array') return { type: `Collection(${typeOf(schema.items ?? { type: 'string' }).type})`, nullable: false };
  const nullable = schema.nullable === true;
  if (schema.type === 'string') {
    const byFormat = { 'date-time': 'Edm.DateTimeOffset', duration: 'Edm.Duration', date: 'Edm.Date', uuid: 'Edm.Guid' };
    return { type: byFormat[schema.format] ?? 'Edm.String', nullable };
  }
  if (schema.type === 'integer') return { type: schema.format === 'int64' ? 'Edm.Int64' : 'Edm.Int32', nullable };
  if (schema.type === 'number') return { type: 'Edm.Double', nullable };
  if (schema.type === 'boolean') return { type: 'Edm.Boolean', nullable };
  return { type: 'Edm.String', nullable };
}

/** The types of one version: v1.0's, with beta's own (approval with steps) in place of v1.0's where beta differs. */
function typesFor(version) {
  const types = {};
  // PIM for Groups' types are not in the shared subset: scripts/pim-groups-openapi.mjs derives them from Microsoft's vendored schema.
  for (const [name, schema] of Object.entries({ ...subset.components.schemas, ...buildGroupSchemas() })) {
    const short = name.slice(NS.length);
    // Response wrappers and the error envelope are OpenAPI's, not the model's.
    if (!name.startsWith(NS) || name.startsWith(`${NS}ODataErrors.`) || short.endsWith('CollectionResponse')) continue;
    types[short] = schema;
  }
  if (version === 'beta') {
    for (const [name, schema] of Object.entries(subset['x-beta'].schemas)) {
      types[name.slice(NS.length)] = { allOf: [{ $ref: '#/components/schemas/microsoft.graph.entity' }, { ...schema, properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([p]) => p !== 'id')) }] };
    }
    // Reference §6: isPrivileged exists on unifiedRoleDefinition in beta only.
    const def = structuredClone(types.unifiedRoleDefinition);
    def.allOf[1].properties = { ...def.allOf[1].properties, isPrivileged: { type: 'boolean', nullable: true } };
    types.unifiedRoleDefinition = def;
  }
  return types;
}

/** Navigations whose targets live inside their owner (the path segments under roleManagement/directory, a policy's rules). */
const CONTAINERS = new Set(['roleManagement', 'rbacApplication']);
const CONTAINED = new Set(['rules', 'effectiveRules', 'steps', 'stages']);

function render(version) {
  const types = typesFor(version);
  const isEntity = (name) => {
    for (let n = name; n; ) {
      if (n === 'entity') return true;
      const base = types[n]?.allOf?.find((s) => s.$ref);
      n = base ? REF.exec(base.$ref)[1] : undefined;
    }
    return false;
  };
  const out = [];
  for (const [name, schema] of Object.entries(types)) {
    if (schema.enum) {
      out.push(`      <EnumType Name="${esc(name)}">`);
      schema.enum.forEach((m, i) => out.push(`        <Member Name="${esc(m)}" Value="${i}" />`));
      out.push('      </EnumType>');
      continue;
    }
    const base = schema.allOf?.find((s) => s.$ref);
    const own = schema.allOf ? schema.allOf.find((s) => !s.$ref) ?? {} : schema;
    // roleManagement is the type of a singleton: an entity type (without a key of its own), as in Graph.
    const kind = isEntity(name) || name === 'roleManagement' ? 'EntityType' : 'ComplexType';
    const attrs = [`Name="${esc(name)}"`];
    if (base) attrs.push(`BaseType="graph.${REF.exec(base.$ref)[1]}"`);
    if (own['x-abstract'] || schema['x-abstract']) attrs.push('Abstract="true"');
    if (own.additionalProperties && typeof own.additionalProperties === 'object') attrs.push('OpenType="true"');
    out.push(`      <${kind} ${attrs.join(' ')}>`);
    if (name === 'entity') out.push('        <Key>', '          <PropertyRef Name="id" />', '        </Key>');
    for (const [prop, p] of Object.entries(own.properties ?? {})) {
      if (prop.startsWith('@')) continue;
      const { type, nullable } = typeOf(p);
      const target = /^(?:Collection\()?graph\.([^)]+)\)?$/.exec(type)?.[1];
      // A property of an entity type is a navigation (beta's approval.steps is listed without the mark).
      if (p['x-ms-navigationProperty'] || (target && types[target] && !types[target].enum && isEntity(target))) {
        out.push(`        <NavigationProperty Name="${esc(prop)}" Type="${type}" ContainsTarget="${CONTAINED.has(prop) || CONTAINERS.has(name) ? 'true' : 'false'}" />`);
      } else {
        const key = name === 'entity' && prop === 'id';
        out.push(`        <Property Name="${esc(prop)}" Type="${type}"${key || (!nullable && !type.startsWith('Collection(')) ? ' Nullable="false"' : ''} />`);
      }
    }
    out.push(`      </${kind}>`);
  }
  // The roots of the emulated paths: /users, /groups, /roleManagement/directory/…, /policies/…, /auditLogs/….
  out.push('      <EntityType Name="policyRoot" BaseType="graph.entity">',
    '        <NavigationProperty Name="roleManagementPolicies" Type="Collection(graph.unifiedRoleManagementPolicy)" ContainsTarget="true" />',
    '        <NavigationProperty Name="roleManagementPolicyAssignments" Type="Collection(graph.unifiedRoleManagementPolicyAssignment)" ContainsTarget="true" />',
    '      </EntityType>',
    '      <EntityType Name="auditLogRoot" BaseType="graph.entity">',
    '        <NavigationProperty Name="directoryAudits" Type="Collection(graph.directoryAudit)" ContainsTarget="true" />',
    '      </EntityType>');
  // rbacApplication in the subset lists its navigations already on v1.0; beta adds the approvals.
  if (version === 'beta') {
    const i = out.findIndex((l) => l.includes('<EntityType Name="rbacApplication"'));
    const end = out.findIndex((l, j) => j > i && l.includes('</EntityType>'));
    if (!out.slice(i, end).some((l) => l.includes('"roleAssignmentApprovals"'))) {
      out.splice(end, 0, '        <NavigationProperty Name="roleAssignmentApprovals" Type="Collection(graph.approval)" ContainsTarget="true" />');
    }
  }
  out.push('      <EntityContainer Name="GraphService">',
    '        <EntitySet Name="users" EntityType="graph.user" />',
    '        <EntitySet Name="groups" EntityType="graph.group" />',
    '        <EntitySet Name="directoryObjects" EntityType="graph.directoryObject" />',
    '        <Singleton Name="roleManagement" Type="graph.roleManagement" />',
    '        <Singleton Name="policies" Type="graph.policyRoot" />',
    '        <Singleton Name="auditLogs" Type="graph.auditLogRoot" />',
    '      </EntityContainer>');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<!-- Generated by scripts/build-metadata.mjs from the Graph ${version} subset the emulator serves; edit the script, not this file. -->`,
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '  <edmx:DataServices>',
    '    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
    ...out,
    '    </Schema>',
    '  </edmx:DataServices>',
    '</edmx:Edmx>',
    '',
  ].join('\n');
}

mkdirSync(path.join(root, 'metadata'), { recursive: true });
for (const version of ['v1.0', 'beta']) {
  const xml = render(version);
  writeFileSync(path.join(root, 'metadata', `graph-${version}.xml`), xml);
  console.log(`metadata/graph-${version}.xml: ${(xml.match(/<(Entity|Complex|Enum)Type /g) ?? []).length} types`);
}
