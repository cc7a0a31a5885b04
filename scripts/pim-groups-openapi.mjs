// PIM for Groups in openapi.yaml and $metadata (issue #18). The shared Graph subset
// (../shared/reference/graph-v1.0-pim-subset.yaml) has no privilegedAccess/group types, so they are
// derived here from Microsoft's own schema as vendored in test/schema/msgraph-v1.0.json
// (scripts/vendor-graph-schema.mjs, the msgraph-metadata commit in its _source), converted to the
// subset's OpenAPI dialect (Microsoft's CSDL → OpenAPI conventions: nullable, nullable references as
// anyOf, x-ms-navigationProperty, the @odata.type discriminator property). scripts/build-metadata.mjs
// merges the schemas into the CSDL. The paths are the routes the emulator registers under
// /identityGovernance/privilegedAccess/group, each probed (scripts/pim-groups-coverage.ts): served, or
// documented as not emulated yet; the same run rewrites the coverage table in docs/graph.md.
// Run: npx tsx scripts/pim-groups-openapi.mjs   (after scripts/build-openapi.mjs, which rewrites openapi.yaml
// without these blocks; then scripts/build-metadata.mjs). test/contract/pim-groups-coverage.test.ts fails
// while openapi.yaml or docs/graph.md differ from what this run would write.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ref = (name) => ({ $ref: `#/components/schemas/microsoft.graph.${name}` });
const nullableRef = (name) => ({ anyOf: [ref(name), { type: 'object', nullable: true }] });
const DATE_PATTERN = '^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$';

/** Microsoft's v1.0 types as vendored (test/schema/msgraph-v1.0.json). */
export const microsoftTypes = () => JSON.parse(readFileSync(path.join(root, 'test', 'schema', 'msgraph-v1.0.json'), 'utf8'));
const subsetSchemas = () => YAML.parse(readFileSync(path.join(root, '..', 'shared', 'reference', 'graph-v1.0-pim-subset.yaml'), 'utf8'), { maxAliasCount: -1 }).components.schemas;
const local = (t) => /^(?:Collection\()?graph\.([^)]+)\)?$/.exec(t)?.[1];

const EDM = {
  'Edm.String': { type: 'string' },
  'Edm.Guid': { type: 'string', format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' },
  'Edm.Boolean': { type: 'boolean' },
  'Edm.Int32': { type: 'number', format: 'int32', maximum: 2147483647, minimum: -2147483648 },
  'Edm.Int64': { type: 'number', format: 'int64' },
  'Edm.DateTimeOffset': { type: 'string', format: 'date-time', pattern: DATE_PATTERN },
  'Edm.Duration': { type: 'string', format: 'duration', pattern: '^-?P([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+([.][0-9]+)?S)?)?$' },
};

/** One CSDL property (or navigation) → its OpenAPI schema, as Microsoft's converter writes it. */
function propertySchema(types, def, navigation) {
  const collection = /^Collection\((.+)\)$/.exec(def.type);
  const inner = collection ? collection[1] : def.type;
  const name = local(inner);
  const nullable = def.nullable !== false;
  let schema;
  if (name) schema = collection ? { type: 'array', items: ref(name) } : nullable ? nullableRef(name) : ref(name);
  else {
    const edm = EDM[inner] ?? { type: 'string' };
    schema = collection ? { type: 'array', items: { ...edm, nullable: true } } : { ...edm, ...(nullable ? { nullable: true } : {}) };
  }
  return navigation ? { ...schema, 'x-ms-navigationProperty': true } : schema;
}

/** A vendored CSDL type → the subset's OpenAPI schema for it. */
function typeSchema(types, name) {
  const t = types[name];
  if (t.kind === 'enum') return { title: name, enum: t.members, type: 'string' };
  const properties = {};
  for (const [p, def] of Object.entries(t.properties ?? {})) properties[p] = propertySchema(types, def, false);
  for (const [p, def] of Object.entries(t.navigationProperties ?? {})) properties[p] = propertySchema(types, def, true);
  properties['@odata.type'] = { type: 'string', default: `#microsoft.graph.${name}` };
  const derived = Object.entries(types).filter(([, d]) => d.baseType === name).map(([n]) => n);
  const own = {
    title: name, required: ['@odata.type'], type: 'object', properties,
    ...(derived.length ? { discriminator: { propertyName: '@odata.type', mapping: Object.fromEntries(derived.map((d) => [`#microsoft.graph.${d}`, `#/components/schemas/microsoft.graph.${d}`])) } } : {}),
  };
  return t.baseType ? { allOf: [ref(t.baseType), own] } : own;
}

/**
 * The schemas PIM for Groups needs that the shared subset lacks: every type reachable from
 * privilegedAccessRoot (base types, properties, navigations) through types the subset does not
 * already describe.
 */
export function buildGroupSchemas(types = microsoftTypes().types, subset = subsetSchemas()) {
  const out = {};
  const queue = ['privilegedAccessRoot'];
  const seen = new Set();
  while (queue.length) {
    const name = queue.shift();
    if (seen.has(name) || !types[name]) continue;
    seen.add(name);
    const t = types[name];
    // The subset's own types (group, directoryObject, requestSchedule, …) stay as it describes them.
    if (subset[`microsoft.graph.${name}`]) continue;
    out[`microsoft.graph.${name}`] = typeSchema(types, name);
    if (t.baseType) queue.push(t.baseType);
    for (const def of [...Object.values(t.properties ?? {}), ...Object.values(t.navigationProperties ?? {})]) {
      const n = local(def.type);
      if (n) queue.push(n);
    }
  }
  // A directory role as memberOf / transitiveMemberOf list it (Microsoft's v1.0 directoryRole: a
  // directoryObject with these three properties; not in the vendored subset).
  out['microsoft.graph.directoryRole'] ??= {
    allOf: [{ $ref: '#/components/schemas/microsoft.graph.directoryObject' }, {
      title: 'directoryRole', type: 'object',
      properties: { description: { type: 'string', nullable: true }, displayName: { type: 'string', nullable: true }, roleTemplateId: { type: 'string', nullable: true } },
    }],
  };
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}


// ---- paths ----
const graphErrors = { '4XX': { $ref: '#/components/responses/error' }, '5XX': { $ref: '#/components/responses/error' } };
const json = (schema, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const collection = (name) => ({ type: 'object', properties: { '@odata.context': { type: 'string' }, '@odata.nextLink': { type: 'string' }, '@odata.count': { type: 'integer' }, value: { type: 'array', items: ref(name) } } });
const param = (name, description) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const q = (...names) => names.map((n) => ({ $ref: `#/components/parameters/${n}` }));
const LIST = q('top', 'skiptoken', 'filter', 'count', 'orderby', 'select', 'expand');
const ENTITY = q('select', 'expand');
const perms = (...p) => ({ delegated: p, application: p });

/** The summary every operation documented as refused starts with (scripts/graph-coverage.mjs and the tests read it). */
export const NOT_EMULATED_SUMMARY = 'Not emulated yet: 400 BadRequest naming what is not emulated';

/** Permissions per set, least privileged first (pim-groups-reference §1.1). */
const PERMISSIONS = {
  assignment: { read: 'PrivilegedAssignmentSchedule.Read.AzureADGroup', write: 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup' },
  eligibility: { read: 'PrivilegedEligibilitySchedule.Read.AzureADGroup', write: 'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup' },
};
function permissionsOf(set, method) {
  if (set === 'assignmentApprovals') {
    // §1.1: delegated only ("application: Not supported").
    return { delegated: method === 'GET' ? [PERMISSIONS.assignment.read, PERMISSIONS.assignment.write] : [PERMISSIONS.assignment.write], application: [] };
  }
  const p = PERMISSIONS[set?.startsWith('assignment') ? 'assignment' : 'eligibility'];
  return method === 'GET' ? perms(p.read, p.write) : perms(p.write);
}

const REQUEST_ACTIONS = {
  assignmentScheduleRequests: 'adminAssign/Update/Remove/Extend/Renew, selfActivate/Deactivate/Extend/Renew',
  eligibilityScheduleRequests: 'adminAssign/Update/Remove/Extend/Renew, selfExtend/Renew',
};

/**
 * openapi.yaml's path item for one route the emulator registers under privilegedAccess/group, from
 * the template Microsoft's schema gives it (scripts/pim-groups-coverage.ts) and what the probe found.
 * `segments`: the route's segments after the group base, ':x' for a key.
 */
function describe(route, template, probe) {
  const segs = route.url.split('/').slice(1 + 'v1.0/identityGovernance/privilegedAccess/group'.split('/').length);
  // Key parameter names as Microsoft's OpenAPI writes them: {privilegedAccessGroupAssignmentScheduleRequest-id}.
  const parameters = [];
  let type = 'privilegedAccessGroup';
  const types = microsoftTypes().types;
  const navOf = (t, n) => {
    for (let x = t; x && types[x]; x = types[x].baseType) if (types[x].navigationProperties?.[n]) return types[x].navigationProperties[n].type;
    return undefined;
  };
  const openapiSegs = segs.map((seg) => {
    if (seg.startsWith(':')) {
      const name = `${type}-id`;
      parameters.push(param(name, type.startsWith('privilegedAccessGroup') && /Schedule(Instance)?$/.test(type) ? 'composite id {groupId}_{member|owner}_{guid}' : 'id'));
      return `{${name}}`;
    }
    // beta's name for an approval's stages, accepted on both versions (pim-groups-reference §1).
    const nav = navOf(type, seg === 'steps' ? 'stages' : seg);
    if (nav) type = local(nav);
    return seg;
  });
  const p = `/v1.0/identityGovernance/privilegedAccess/group${openapiSegs.length ? `/${openapiSegs.join('/')}` : ''}`;
  const method = route.method;
  const set = segs[0];
  const base = { tags: ['PIM for Groups'], security: [{ bearer: [] }] };
  if (probe.outcome === 'not emulated') {
    return [p, method, { ...base, summary: NOT_EMULATED_SUMMARY, ...(parameters.length ? { parameters } : {}), responses: graphErrors }];
  }
  const y = template.yields;
  const last = segs[segs.length - 1];
  const x = { 'x-permissions': permissionsOf(set, method) };
  let o;
  if (y.kind === 'root') {
    o = {
      summary: 'The privilegedAccessGroup entity has no methods: Graph answers 400 with the PIM service\'s own body, not its error envelope (msgraph-sdk-powershell#2553, #2579)',
      parameters: [],
      responses: {
        400: {
          description: 'MissingProvider',
          'x-graph-quirk': 'msgraph-sdk-powershell#2553 (v1.0) and #2579 (beta): {"errorCode":"MissingProvider","message":"The provider is missing.","instanceAnnotations":[]}',
          content: { 'application/json': { schema: { type: 'object', required: ['errorCode', 'message', 'instanceAnnotations'], additionalProperties: false, properties: { errorCode: { type: 'string', enum: ['MissingProvider'] }, message: { type: 'string' }, instanceAnnotations: { type: 'array', items: {} } } } } },
        },
      },
    };
    return [p, method, { ...base, ...o, responses: { ...o.responses, ...graphErrors } }];
  } else if (method === 'POST' && y.kind === 'list') {
    o = { summary: `Create a ${y.type}: ${REQUEST_ACTIONS[set] ?? 'a new request'} for accessId member or owner; targetScheduleId is {groupId}_{accessId}_{requestId}`, requestBody: { required: true, content: { 'application/json': { schema: ref(y.type) } } }, responses: { 201: json(ref(y.type), 'Created') } };
  } else if (y.kind === 'action') {
    o = { summary: last === 'cancel' ? 'Cancel a request that waits (Granted, PendingApproval, PendingApprovalProvisioning)' : last, responses: { 204: { description: 'Done' } } };
  } else if (method === 'PATCH') {
    o = { summary: `Update one of ${last === ':approvalStage-id' ? 'stages' : segs[segs.length - 2]}: reviewResult Approve or Deny with a justification`, requestBody: { required: true, content: { 'application/json': { schema: ref(y.type) } } }, responses: { 204: { description: 'Updated' } } };
  } else if (y.kind === 'count') {
    o = { summary: `Count ${segs[segs.length - 2]}`, parameters: q('filter'), responses: { 200: { description: 'The number of items the $filter keeps', content: { 'text/plain': { schema: { type: 'integer' } } } } } };
  } else if (y.kind === 'function') {
    o = { summary: `The caller's own ${set} (${(probe.on ?? ['principal']).map((v) => `on='${v}'`).join(', ')}; other values answer 400)`, parameters: LIST, responses: { 200: json(collection(y.type)) } };
  } else if (y.kind === 'list') {
    const required = /Schedule(s|Instances)$/.test(last) ? '. A $filter on groupId or principalId is required (pim-groups-reference §1); without one: 400 BadRequest' : '';
    o = { summary: `List ${last}${required}`, parameters: LIST, responses: { 200: json(collection(y.type)) } };
  } else if (y.kind === 'navigation') {
    o = { summary: `The ${last} navigation property (as $expand=${last} gives it)`, parameters: q('select'), responses: { 200: json(ref(y.type)) } };
  } else {
    o = { summary: `Get one of ${segs[segs.length - 2]}`, parameters: ENTITY, responses: { 200: json(ref(y.type)) } };
  }
  return [p, method, { ...base, summary: o.summary, ...x, parameters: [...parameters, ...(o.parameters ?? [])], ...(o.requestBody ? { requestBody: o.requestBody } : {}), responses: { ...o.responses, ...graphErrors } }];
}

/**
 * The PIM-for-Groups paths of openapi.yaml: every route the emulator registers under the group base
 * (`routes`: the emulator's, /v1.0 only), described from Microsoft's schema as the coverage probe
 * classified it (`coverage`: scripts/pim-groups-coverage.ts), plus the directory side below.
 */
export function buildGroupPaths(routes, coverage, templates, shape) {
  const paths = {};
  const byShape = new Map(templates.map((t) => [shape(t.template), t]));
  for (const route of routes.filter((r) => r.url === '/v1.0/identityGovernance/privilegedAccess/group' || r.url.startsWith('/v1.0/identityGovernance/privilegedAccess/group/'))) {
    const key = shape(route.url);
    const template = byShape.get(key) ?? { template: route.url.slice('/v1.0'.length), yields: { kind: route.url.endsWith('/steps') ? 'list' : 'entity', type: 'approvalStage' } };
    const probe = coverage.probes.find((x) => shape(x.template) === key && x.method === route.method);
    if (!probe) throw new Error(`${route.method} ${route.url}: the coverage probe did not reach it`);
    const [p, method, operation] = describe(route, template, probe);
    (paths[p] ??= {})[method.toLowerCase()] = operation;
  }
  for (const [p, item] of Object.entries(directoryPaths)) paths[p] = { ...(paths[p] ?? {}), ...item };
  return paths;
}

// The directory side (issue #18): owners, and $ref add/remove for direct membership and ownership.
const directoryPaths = {};
const gop = (p, method, o) => ((directoryPaths[p] ??= {})[method] = { tags: ['Graph'], security: [{ bearer: [] }], ...o, responses: { ...o.responses, ...graphErrors } });
const GID = param('group-id', 'object id');
gop('/v1.0/groups/{group-id}/owners', 'get', { summary: 'List the owners of a group: direct ones and, while they last, active PIM ownerships (eligible ones do not count)', parameters: [GID, ...q('select', 'top', 'skiptoken', 'count')], responses: { 200: json(collection('directoryObject')) } });
const refBody = { required: true, content: { 'application/json': { schema: { type: 'object', required: ['@odata.id'], properties: { '@odata.id': { type: 'string', description: 'https://graph.microsoft.com/v1.0/directoryObjects/{id}' } } } } } };
for (const seg of ['members', 'owners']) {
  gop(`/v1.0/groups/{group-id}/${seg}/$ref`, 'post', {
    summary: `Add a direct ${seg === 'members' ? 'member' : 'owner'}; 400 Request_BadRequest when it is one already`,
    'x-permissions': perms('GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'),
    parameters: [GID], requestBody: refBody, responses: { 204: { description: 'Added' } },
  });
  gop(`/v1.0/groups/{group-id}/${seg}/{directoryObject-id}/$ref`, 'delete', {
    summary: `Remove a ${seg === 'members' ? 'member' : 'owner'}: a direct one, or one PIM made (its active assignment ends now)`,
    'x-permissions': perms('GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'),
    parameters: [GID, param('directoryObject-id', 'object id')], responses: { 204: { description: 'Removed' } },
  });
}

// A user's memberships (issue #18): groups and directory roles, direct or transitive, PIM-derived while active.
for (const [seg, what] of [['memberOf', 'direct'], ['transitiveMemberOf', 'direct and transitive']]) {
  const summary = `List the groups and directory roles the user is a member of (${what}); a PIM for Groups assignment counts while it is active or activated, never while only eligible, and a role-assignable group's roles reach its members`;
  gop(`/v1.0/me/${seg}`, 'get', { summary: `${summary} (delegated only; User.Read)`, parameters: q('top', 'skiptoken', 'count', 'select'), responses: { 200: json(collection('directoryObject')) } });
  gop(`/v1.0/users/{user-id}/${seg}`, 'get', { summary, parameters: [param('user-id', 'object id or userPrincipalName'), ...q('top', 'skiptoken', 'count', 'select')], responses: { 200: json(collection('directoryObject')) } });
}

// ---- splice into openapi.yaml ----
const indent = (text, n) => text.split('\n').filter((l) => l.length).map((l) => ' '.repeat(n) + l).join('\n');
function splice(doc, startMark, endMark, afterLine, block) {
  const lines = doc.split('\n');
  const s = lines.indexOf(startMark);
  if (s >= 0) {
    const e = lines.indexOf(endMark, s);
    lines.splice(s, e - s + 1);
  }
  const at = lines.indexOf(afterLine);
  if (at < 0) throw new Error(`openapi.yaml has no line '${afterLine}'`);
  lines.splice(at, 0, startMark, block, endMark);
  return lines.join('\n');
}
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const coverageModule = await import('./pim-groups-coverage.ts').catch((e) => {
    throw new Error(`run it with tsx, which loads the emulator's TypeScript: npx tsx scripts/pim-groups-openapi.mjs (${e.message})`);
  });
  const { createEmulator } = await import('../src/emulator.ts');
  const { defaultConfig } = await import('../src/config.ts');
  const { groupTemplates, probeGroupCoverage, coverageMarkdown, shape, REPORT_START, REPORT_END } = coverageModule;
  const emu = await createEmulator({ ...defaultConfig(), storage: 'memory', httpPort: 0, httpsPort: 0, smtpPort: 0, logLevel: 'silent' });
  let coverage;
  try {
    coverage = await probeGroupCoverage(emu);
  } finally {
    await emu.close();
  }
  if (coverage.failures.length) throw new Error(`PIM-for-Groups templates neither served nor refused as not emulated:\n${coverage.failures.join('\n')}`);
  const templates = groupTemplates();
  const groupSchemas = buildGroupSchemas();
  const groupPaths = buildGroupPaths(emu.routes, coverage, templates, shape);

  const file = path.join(root, 'openapi.yaml');
  let doc = readFileSync(file, 'utf8');
  doc = splice(doc, '  # pim-groups paths: scripts/pim-groups-openapi.mjs', '  # /pim-groups paths', 'components:', indent(YAML.stringify(groupPaths, { lineWidth: 0, aliasDuplicateObjects: false }), 2));
  doc = splice(doc, '    # pim-groups schemas: scripts/pim-groups-openapi.mjs', '    # /pim-groups schemas', '  responses:', indent(YAML.stringify(groupSchemas, { lineWidth: 0, aliasDuplicateObjects: false }), 4));
  writeFileSync(file, doc);

  const docs = path.join(root, 'docs', 'graph.md');
  const md = readFileSync(docs, 'utf8');
  const start = md.indexOf(REPORT_START);
  const end = md.indexOf(REPORT_END);
  if (start < 0 || end < 0) throw new Error('docs/graph.md has no pim-groups-coverage markers');
  writeFileSync(docs, md.slice(0, start) + coverageMarkdown(coverage, templates) + md.slice(end + REPORT_END.length));
  const served = new Set(coverage.probes.filter((x) => x.outcome === 'served').map((x) => x.template));
  console.log(`openapi.yaml: ${Object.keys(groupPaths).length} PIM-for-Groups paths, ${Object.keys(groupSchemas).length} schemas; docs/graph.md: ${templates.filter((t) => served.has(t.template)).length} of ${templates.length} templates served`);
}
