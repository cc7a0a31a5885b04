// PIM for Groups in openapi.yaml and $metadata (issue #18). The shared Graph subset
// (../shared/reference/graph-v1.0-pim-subset.yaml) has no privilegedAccess/group types, so they are
// written here from Microsoft's v1.0 resource pages as pim-groups-reference.md §2 gives them
// (privilegedAccessGroup*Schedule*, privilegedAccessSchedule*, the three enums), in the subset's
// OpenAPI shape. scripts/build-metadata.mjs merges the schemas into the CSDL; running this file
// splices schemas and paths into openapi.yaml between its markers (idempotent).
// Run: node scripts/pim-groups-openapi.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ref = (name) => ({ $ref: `#/components/schemas/microsoft.graph.${name}` });
const nullableRef = (name) => ({ anyOf: [ref(name), { type: 'object', nullable: true }] });
const nav = (name) => ({ ...nullableRef(name), 'x-ms-navigationProperty': true });
const str = { type: 'string', nullable: true };
const DATE = { type: 'string', format: 'date-time', pattern: '^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$', nullable: true };
const entity = (base, title, properties) => ({ allOf: [ref(base), { title, type: 'object', properties }] });

export const groupSchemas = {
  'microsoft.graph.privilegedAccessGroupRelationships': { title: 'privilegedAccessGroupRelationships', type: 'string', enum: ['owner', 'member', 'unknownFutureValue'] },
  'microsoft.graph.privilegedAccessGroupAssignmentType': { title: 'privilegedAccessGroupAssignmentType', type: 'string', enum: ['assigned', 'activated', 'unknownFutureValue'] },
  'microsoft.graph.privilegedAccessGroupMemberType': { title: 'privilegedAccessGroupMemberType', type: 'string', enum: ['direct', 'group', 'unknownFutureValue'] },
  'microsoft.graph.scheduleRequestActions': {
    title: 'scheduleRequestActions', type: 'string',
    enum: ['adminAssign', 'adminUpdate', 'adminRemove', 'selfActivate', 'selfDeactivate', 'adminExtend', 'adminRenew', 'selfExtend', 'selfRenew', 'unknownFutureValue'],
  },
  'microsoft.graph.privilegedAccessRoot': entity('entity', 'privilegedAccessRoot', { group: nav('privilegedAccessGroup') }),
  'microsoft.graph.privilegedAccessGroup': entity('entity', 'privilegedAccessGroup', {
    assignmentScheduleInstances: { type: 'array', items: ref('privilegedAccessGroupAssignmentScheduleInstance'), 'x-ms-navigationProperty': true },
    assignmentScheduleRequests: { type: 'array', items: ref('privilegedAccessGroupAssignmentScheduleRequest'), 'x-ms-navigationProperty': true },
    assignmentSchedules: { type: 'array', items: ref('privilegedAccessGroupAssignmentSchedule'), 'x-ms-navigationProperty': true },
    eligibilityScheduleInstances: { type: 'array', items: ref('privilegedAccessGroupEligibilityScheduleInstance'), 'x-ms-navigationProperty': true },
    eligibilityScheduleRequests: { type: 'array', items: ref('privilegedAccessGroupEligibilityScheduleRequest'), 'x-ms-navigationProperty': true },
    eligibilitySchedules: { type: 'array', items: ref('privilegedAccessGroupEligibilitySchedule'), 'x-ms-navigationProperty': true },
  }),
  'microsoft.graph.privilegedAccessScheduleRequest': entity('request', 'privilegedAccessScheduleRequest', {
    action: nullableRef('scheduleRequestActions'),
    isValidationOnly: { type: 'boolean', nullable: true },
    justification: str,
    scheduleInfo: nullableRef('requestSchedule'),
    ticketInfo: nullableRef('ticketInfo'),
  }),
  'microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest': entity('privilegedAccessScheduleRequest', 'privilegedAccessGroupAssignmentScheduleRequest', {
    accessId: nullableRef('privilegedAccessGroupRelationships'),
    groupId: str,
    principalId: str,
    targetScheduleId: str,
    activatedUsing: nav('privilegedAccessGroupEligibilitySchedule'),
    group: nav('group'),
    principal: nav('directoryObject'),
    targetSchedule: nav('privilegedAccessGroupEligibilitySchedule'),
  }),
  'microsoft.graph.privilegedAccessGroupEligibilityScheduleRequest': entity('privilegedAccessScheduleRequest', 'privilegedAccessGroupEligibilityScheduleRequest', {
    accessId: nullableRef('privilegedAccessGroupRelationships'),
    groupId: str,
    principalId: str,
    targetScheduleId: str,
    group: nav('group'),
    principal: nav('directoryObject'),
    targetSchedule: nav('privilegedAccessGroupEligibilitySchedule'),
  }),
  'microsoft.graph.privilegedAccessSchedule': entity('entity', 'privilegedAccessSchedule', {
    createdDateTime: DATE,
    createdUsing: str,
    modifiedDateTime: DATE,
    scheduleInfo: nullableRef('requestSchedule'),
    status: str,
  }),
  'microsoft.graph.privilegedAccessGroupAssignmentSchedule': entity('privilegedAccessSchedule', 'privilegedAccessGroupAssignmentSchedule', {
    accessId: nullableRef('privilegedAccessGroupRelationships'),
    assignmentType: nullableRef('privilegedAccessGroupAssignmentType'),
    groupId: str,
    memberType: nullableRef('privilegedAccessGroupMemberType'),
    principalId: str,
    activatedUsing: nav('privilegedAccessGroupEligibilitySchedule'),
    group: nav('group'),
    principal: nav('directoryObject'),
  }),
  'microsoft.graph.privilegedAccessGroupEligibilitySchedule': entity('privilegedAccessSchedule', 'privilegedAccessGroupEligibilitySchedule', {
    accessId: nullableRef('privilegedAccessGroupRelationships'),
    groupId: str,
    memberType: nullableRef('privilegedAccessGroupMemberType'),
    principalId: str,
    group: nav('group'),
    principal: nav('directoryObject'),
  }),
  'microsoft.graph.privilegedAccessScheduleInstance': entity('entity', 'privilegedAccessScheduleInstance', { endDateTime: DATE, startDateTime: DATE }),
  'microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance': entity('privilegedAccessScheduleInstance', 'privilegedAccessGroupAssignmentScheduleInstance', {
    accessId: nullableRef('privilegedAccessGroupRelationships'),
    assignmentScheduleId: str,
    assignmentType: nullableRef('privilegedAccessGroupAssignmentType'),
    groupId: str,
    memberType: nullableRef('privilegedAccessGroupMemberType'),
    principalId: str,
    activatedUsing: nav('privilegedAccessGroupEligibilityScheduleInstance'),
    group: nav('group'),
    principal: nav('directoryObject'),
  }),
  'microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance': entity('privilegedAccessScheduleInstance', 'privilegedAccessGroupEligibilityScheduleInstance', {
    accessId: nullableRef('privilegedAccessGroupRelationships'),
    eligibilityScheduleId: str,
    groupId: str,
    memberType: nullableRef('privilegedAccessGroupMemberType'),
    principalId: str,
    group: nav('group'),
    principal: nav('directoryObject'),
  }),
};

// ---- paths ----
const graphErrors = { '4XX': { $ref: '#/components/responses/error' }, '5XX': { $ref: '#/components/responses/error' } };
const json = (schema, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const collection = (name) => ({ type: 'object', properties: { '@odata.context': { type: 'string' }, '@odata.nextLink': { type: 'string' }, '@odata.count': { type: 'integer' }, value: { type: 'array', items: ref(name) } } });
const param = (name, description) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const q = (...names) => names.map((n) => ({ $ref: `#/components/parameters/${n}` }));
const LIST = q('top', 'skiptoken', 'filter', 'count', 'orderby', 'select', 'expand');
const ENTITY = q('select', 'expand');
const perms = (...p) => ({ delegated: p, application: p });

export const groupPaths = {};
const op = (p, method, o) => ((groupPaths[p] ??= {})[method] = { tags: ['PIM for Groups'], security: [{ bearer: [] }], ...o, responses: { ...o.responses, ...graphErrors } });

const G = '/v1.0/identityGovernance/privilegedAccess/group';
const KINDS = {
  assignment: { read: 'PrivilegedAssignmentSchedule.Read.AzureADGroup', write: 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup' },
  eligibility: { read: 'PrivilegedEligibilitySchedule.Read.AzureADGroup', write: 'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup' },
};
const NOT_EMULATED = 'Not emulated yet: 400 BadRequest naming what is not emulated';
for (const [kind, p] of Object.entries(KINDS)) {
  const K = kind[0].toUpperCase() + kind.slice(1);
  const request = `privilegedAccessGroup${K}ScheduleRequest`;
  const rq = `${G}/${kind}ScheduleRequests`;
  const rqId = `privilegedAccessGroup${K}ScheduleRequest-id`;
  op(rq, 'get', { summary: `List ${kind}ScheduleRequests`, 'x-permissions': perms(p.read, p.write), parameters: LIST, responses: { 200: json(collection(request)) } });
  op(rq, 'post', {
    summary: `Create a ${kind}ScheduleRequest: ${kind === 'assignment' ? 'adminAssign/Update/Remove/Extend/Renew, selfActivate/Deactivate/Extend/Renew' : 'adminAssign/Update/Remove/Extend/Renew, selfExtend/Renew'} for accessId member or owner; targetScheduleId is {groupId}_{accessId}_{requestId}`,
    'x-permissions': perms(p.write),
    requestBody: { required: true, content: { 'application/json': { schema: ref(request) } } },
    responses: { 201: json(ref(request), 'Created') },
  });
  op(`${rq}/filterByCurrentUser(on='principal')`, 'get', { summary: "The caller's own requests (on='principal'; other values answer 400)", 'x-permissions': perms(p.read, p.write), parameters: LIST, responses: { 200: json(collection(request)) } });
  op(`${rq}/{${rqId}}`, 'get', { summary: `Get a ${kind}ScheduleRequest`, 'x-permissions': perms(p.read, p.write), parameters: [param(rqId, 'request id'), ...ENTITY], responses: { 200: json(ref(request)) } });
  op(`${rq}/{${rqId}}/cancel`, 'post', { summary: 'Cancel a request that waits (Granted, PendingApproval, PendingApprovalProvisioning)', 'x-permissions': perms(p.write), parameters: [param(rqId, 'request id')], responses: { 204: { description: 'Canceled' } } });
  op(`${rq}/$count`, 'get', { summary: NOT_EMULATED, responses: {} });
  for (const n of kind === 'assignment' ? ['group', 'principal', 'activatedUsing', 'targetSchedule'] : ['group', 'principal', 'targetSchedule']) {
    op(`${rq}/{${rqId}}/${n}`, 'get', { summary: `${NOT_EMULATED} (the ${n} navigation)`, parameters: [param(rqId, 'request id')], responses: {} });
  }
  for (const family of ['Schedule', 'ScheduleInstance']) {
    const type = `privilegedAccessGroup${K}${family}`;
    const set = `${G}/${kind}${family}s`;
    const idName = `${type}-id`;
    const required = 'A $filter on groupId or principalId is required (pim-groups-reference §1); without one: 400 BadRequest';
    op(set, 'get', { summary: `List ${kind}${family}s. ${required}`, 'x-permissions': perms(p.read, p.write), parameters: LIST, responses: { 200: json(collection(type)) } });
    op(`${set}/filterByCurrentUser(on='principal')`, 'get', { summary: "The caller's own (on='principal'; other values answer 400)", 'x-permissions': perms(p.read, p.write), parameters: LIST, responses: { 200: json(collection(type)) } });
    op(`${set}/{${idName}}`, 'get', { summary: `Get one of ${kind}${family}s (id {groupId}_{member|owner}_{guid})`, 'x-permissions': perms(p.read, p.write), parameters: [param(idName, 'composite id'), ...ENTITY], responses: { 200: json(ref(type)) } });
    op(`${set}/$count`, 'get', { summary: NOT_EMULATED, responses: {} });
    for (const n of kind === 'assignment' ? ['group', 'principal', 'activatedUsing'] : ['group', 'principal']) {
      op(`${set}/{${idName}}/${n}`, 'get', { summary: `${NOT_EMULATED} (the ${n} navigation)`, parameters: [param(idName, 'composite id')], responses: {} });
    }
  }
}
op(G, 'get', { summary: NOT_EMULATED, responses: {} });
const A = `${G}/assignmentApprovals`;
op(A, 'get', { summary: `${NOT_EMULATED} (listing approvals; read one by the request id)`, responses: {} });
// Approvals (pim-groups-reference §1, §5): delegated only; the id is the assignment request's approvalId.
const APPROVAL_READ = { delegated: ['PrivilegedAssignmentSchedule.Read.AzureADGroup', 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup'], application: ['Not supported'] };
const APPROVAL_WRITE = { delegated: ['PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup'], application: ['Not supported'] };
const AID = param('approval-id', 'the assignment request id (its approvalId)');
const SID = param('approvalStage-id', 'stage id (the single stage: the request id)');
op(`${A}/{approval-id}`, 'get', { summary: 'Get an approval: v1.0 returns its stages inline; beta its steps with $expand=steps', 'x-permissions': APPROVAL_READ, parameters: [AID, ...ENTITY], responses: { 200: json(ref('approval')) } });
for (const seg of ['stages', 'steps']) {
  const also = seg === 'steps' ? ' (the beta segment; Microsoft\'s v1.0 update page uses it too)' : '';
  op(`${A}/{approval-id}/${seg}`, 'get', { summary: `List the approval's stages${also}`, 'x-permissions': APPROVAL_READ, parameters: [AID], responses: { 200: json(collection('approvalStage')) } });
  op(`${A}/{approval-id}/${seg}/{approvalStage-id}`, 'get', { summary: `Get the approval stage${also}`, 'x-permissions': APPROVAL_READ, parameters: [AID, SID], responses: { 200: json(ref('approvalStage')) } });
  op(`${A}/{approval-id}/${seg}/{approvalStage-id}`, 'patch', {
    summary: `Approve or deny (reviewResult Approve | Deny, justification)${also}`,
    'x-permissions': APPROVAL_WRITE,
    parameters: [AID, SID],
    requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['reviewResult'], properties: { reviewResult: { type: 'string', enum: ['Approve', 'Deny'] }, justification: { type: 'string', nullable: true } } } } } },
    responses: { 204: { description: 'Decided' }, 403: { description: 'The requestor approving its own request, or an application token' }, 404: { description: 'No such approval (or not visible to the caller), or stage' }, 409: { description: 'Already decided (or expired)' } },
  });
}

// The directory side (issue #18): owners, and $ref add/remove for direct membership and ownership.
const gop = (p, method, o) => ((groupPaths[p] ??= {})[method] = { tags: ['Graph'], security: [{ bearer: [] }], ...o, responses: { ...o.responses, ...graphErrors } });
const GID = param('group-id', 'object id');
gop('/v1.0/groups/{group-id}/owners', 'get', { summary: 'List the owners of a group: direct ones and, while they last, active PIM ownerships (eligible ones do not count)', parameters: [GID, ...q('top', 'skiptoken', 'count')], responses: { 200: json(collection('directoryObject')) } });
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
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const file = path.join(root, 'openapi.yaml');
  let doc = readFileSync(file, 'utf8');
  doc = splice(doc, '  # pim-groups paths: scripts/pim-groups-openapi.mjs', '  # /pim-groups paths', 'components:', indent(YAML.stringify(groupPaths, { lineWidth: 0, aliasDuplicateObjects: false }), 2));
  doc = splice(doc, '    # pim-groups schemas: scripts/pim-groups-openapi.mjs', '    # /pim-groups schemas', '  responses:', indent(YAML.stringify(groupSchemas, { lineWidth: 0, aliasDuplicateObjects: false }), 4));
  writeFileSync(file, doc);
  console.log(`openapi.yaml: ${Object.keys(groupPaths).length} PIM-for-Groups paths, ${Object.keys(groupSchemas).length} schemas`);
}
