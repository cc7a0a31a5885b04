// Builds openapi.yaml: the emulator's paths (Graph, sign-in, control plane) described here, with
// Microsoft's schemas taken from ../shared/reference/graph-v1.0-pim-subset.yaml (derived from
// Microsoft's published CSDL) so our bodies are described with Graph's own schema names.
// Run: node scripts/build-openapi.mjs   (needs ../shared beside the checkout)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const subset = YAML.parse(readFileSync(path.join(root, '..', 'shared', 'reference', 'graph-v1.0-pim-subset.yaml'), 'utf8'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const ref = (name) => ({ $ref: `#/components/schemas/microsoft.graph.${name}` });
const json = (schema, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const collection = (name) => ({ type: 'object', properties: { '@odata.context': { type: 'string' }, '@odata.nextLink': { type: 'string' }, '@odata.count': { type: 'integer' }, value: { type: 'array', items: ref(name) } } });
const graphErrors = { '4XX': { $ref: '#/components/responses/error' }, '5XX': { $ref: '#/components/responses/error' } };
const param = (name, description, where = 'path') => ({ name, in: where, required: where === 'path', description, schema: { type: 'string' } });
const q = (...names) => names.map((n) => ({ $ref: `#/components/parameters/${n}` }));
const LIST = q('top', 'skiptoken', 'filter', 'count', 'orderby', 'select', 'expand');
const ENTITY = q('select', 'expand');

const graph = {};
const op = (p, method, o) => ((graph[p] ??= {})[method] = { tags: [o.tag ?? 'Graph'], security: [{ bearer: [] }], ...o, tag: undefined, responses: { ...o.responses, ...graphErrors } });

op('/v1.0/me', 'get', { summary: 'The signed-in user (delegated tokens only)', parameters: ENTITY, responses: { 200: json(ref('user')) } });
op('/v1.0/users', 'get', { summary: 'List users', parameters: LIST, responses: { 200: json(collection('user')) } });
op('/v1.0/users/{user-id}', 'get', { summary: 'Get a user by id or userPrincipalName', parameters: [param('user-id', 'object id or userPrincipalName'), ...ENTITY], responses: { 200: json(ref('user')) } });
op('/v1.0/groups', 'get', { summary: 'List groups', parameters: LIST, responses: { 200: json(collection('group')) } });
op('/v1.0/groups/{group-id}', 'get', { summary: 'Get a group', parameters: [param('group-id', 'object id'), ...ENTITY], responses: { 200: json(ref('group')) } });
op('/v1.0/groups/{group-id}/members', 'get', { summary: 'List the direct members of a group', parameters: [param('group-id', 'object id'), ...q('select', 'top', 'skiptoken', 'count')], responses: { 200: json(collection('directoryObject')) } });
// Every PIM, role and audit path Microsoft documents in the subset is emulated: take its operations
// (with x-permissions) as they are. filterByCurrentUser is served for the `on` values supported.
const FILTER_ON = {
  roleAssignmentScheduleRequests: ['principal', 'approver'],
};
for (const [p, ops] of Object.entries(subset.paths)) {
  const fn = /^(.*\/(\w+))\/filterByCurrentUser\(on='\{on\}'\)$/.exec(p);
  const copy = (target, o) => {
    for (const [method, operation] of Object.entries(o)) {
      if (method === 'parameters') continue;
      const parameters = (operation.parameters ?? []).filter((x) => x.name !== 'on');
      (graph[`/v1.0${target}`] ??= {})[method] = { security: [{ bearer: [] }], ...operation, parameters };
    }
  };
  if (fn) {
    for (const on of FILTER_ON[fn[2]] ?? ['principal']) copy(`${fn[1]}/filterByCurrentUser(on='${on}')`, ops);
  } else {
    copy(p, ops);
  }
}

// The policy-level PATCH (GDC unifiedrolemanagementpolicy-update.md; Terraform azuread's group policy resource uses it).
graph['/v1.0/policies/roleManagementPolicies/{unifiedRoleManagementPolicy-id}'].patch = {
  security: [{ bearer: [] }], tags: ['policies.unifiedRoleManagementPolicy'],
  summary: 'Update unifiedRoleManagementPolicy: the rules in "rules", each named by its id and checked as PATCH …/rules/{id} checks it; 200 with the policy (a group policy\'s first write onboards the group and changes its id)',
  operationId: 'policies.UpdateRoleManagementPolicies',
  'x-permissions': { delegated: ['RoleManagementPolicy.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleManagementPolicy.ReadWrite.AzureADGroup (Group policies)'], application: ['RoleManagementPolicy.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleManagementPolicy.ReadWrite.AzureADGroup (Group policies)'] },
  parameters: [param('unifiedRoleManagementPolicy-id', 'policy id')],
  requestBody: { required: true, content: { 'application/json': { schema: ref('unifiedRoleManagementPolicy') } } },
  responses: { 200: json(ref('unifiedRoleManagementPolicy')), ...graphErrors },
};

// Approvals exist only in beta (reference §5); v1.0 answers 400 for the segment. Their beta schemas are
// kept apart (v1.0 has an unrelated microsoft.graph.approval of entitlement management).
const betaSchemas = JSON.parse(JSON.stringify(subset['x-beta'].schemas).replaceAll('#/x-beta/schemas/microsoft.graph.', '#/components/schemas/beta.microsoft.graph.'));
for (const k of Object.keys(betaSchemas)) { betaSchemas[`beta.${k}`] = betaSchemas[k]; delete betaSchemas[k]; }
const betaRef = (name) => ({ $ref: `#/components/schemas/beta.microsoft.graph.${name}` });
for (const [p, ops] of Object.entries(subset['x-beta'].paths)) {
  for (const [method, operation] of Object.entries(ops)) {
    const ok = p.endsWith('/steps')
      ? { type: 'object', properties: { '@odata.context': { type: 'string' }, value: { type: 'array', items: betaRef('approvalStep') } } }
      : p.endsWith('{approvalStep-id}') ? betaRef('approvalStep') : betaRef('approval');
    const responses = method === 'patch'
      ? { 204: { description: 'Decided' }, 403: { description: 'No permission, or the requestor approving its own request' }, 404: { description: 'No such approval' }, 409: { description: 'Already decided (or expired)' } }
      : { 200: json(ok) };
    (graph[`/beta${p}`] ??= {})[method] = { tags: ['PIM'], security: [{ bearer: [] }], summary: operation.summary, 'x-permissions': operation['x-permissions'], responses: { ...responses, ...graphErrors } };
  }
}
// The beta approvals "list" (issue #15): filterByCurrentUser(on='approver'); the bare collection and its $count are not emulated.
{
  const A = '/beta/roleManagement/directory/roleAssignmentApprovals';
  op(A, 'get', { tag: 'PIM', summary: "Not emulated yet: 400 BadRequest (no list method is documented; use filterByCurrentUser(on='approver'), or read one by the request's approvalId)", responses: {} });
  op(`${A}/$count`, 'get', { tag: 'PIM', summary: 'Not emulated yet: 400 BadRequest', responses: {} });
  op(`${A}/filterByCurrentUser(on='approver')`, 'get', {
    tag: 'PIM', summary: "The approvals of directory-role activations the caller is an approver of (supports $expand=steps); on='target' and on='createdBy' are not emulated",
    parameters: q('expand'), responses: { 200: json({ type: 'object', properties: { '@odata.context': { type: 'string' }, value: { type: 'array', items: betaRef('approval') } } }) },
  });
}
// Navigation properties of Microsoft's schema on the emulated entity sets, as the SDKs' fluent calls
// read them (…/{id}/principal). directoryScope and appScope answer 404: the emulator serves only the
// tenant-wide scope '/' and no app scope, so nothing is behind them.
const RD = '/v1.0/roleManagement/directory';
const NAV_TYPES = { principal: 'directoryObject', roleDefinition: 'unifiedRoleDefinition', directoryScope: 'directoryObject', appScope: 'appScope' };
const NAVS = {
  roleAssignments: { key: 'unifiedRoleAssignment-id', navs: {} },
  roleAssignmentScheduleRequests: { key: 'unifiedRoleAssignmentScheduleRequest-id', navs: { targetSchedule: 'unifiedRoleAssignmentSchedule', activatedUsing: 'unifiedRoleEligibilitySchedule' } },
  roleEligibilityScheduleRequests: { key: 'unifiedRoleEligibilityScheduleRequest-id', navs: { targetSchedule: 'unifiedRoleEligibilitySchedule' } },
  roleAssignmentSchedules: { key: 'unifiedRoleAssignmentSchedule-id', navs: { activatedUsing: 'unifiedRoleEligibilitySchedule' } },
  roleEligibilitySchedules: { key: 'unifiedRoleEligibilitySchedule-id', navs: {} },
  roleAssignmentScheduleInstances: { key: 'unifiedRoleAssignmentScheduleInstance-id', navs: { activatedUsing: 'unifiedRoleEligibilityScheduleInstance' } },
  roleEligibilityScheduleInstances: { key: 'unifiedRoleEligibilityScheduleInstance-id', navs: {} },
};
const navOp = (p, key, nav, schema, tag = 'PIM') =>
  op(p, 'get', { tag, summary: `The ${nav} navigation property (as $expand=${nav} gives it)`, parameters: [param(key, 'id'), ...q('select')], responses: { 200: json(schema) } });
for (const [set, { key, navs }] of Object.entries(NAVS)) {
  for (const [nav, type] of Object.entries({ ...NAV_TYPES, ...navs })) navOp(`${RD}/${set}/{${key}}/${nav}`, key, nav, ref(type));
}
navOp(`${RD}/roleDefinitions/{unifiedRoleDefinition-id}/inheritsPermissionsFrom`, 'unifiedRoleDefinition-id', 'inheritsPermissionsFrom', collection('unifiedRoleDefinition'));
navOp('/v1.0/policies/roleManagementPolicyAssignments/{unifiedRoleManagementPolicyAssignment-id}/policy', 'unifiedRoleManagementPolicyAssignment-id', 'policy', ref('unifiedRoleManagementPolicy'));

// effectiveRules: the same list as rules (no tenant-wide policy to inherit from), described as rules are.
{
  const P = '/v1.0/policies/roleManagementPolicies/{unifiedRoleManagementPolicy-id}/';
  graph[`${P}effectiveRules`] = { get: { ...graph[`${P}rules`].get, summary: 'List effectiveRules (the same list as rules: no tenant-wide policy to inherit from)', operationId: 'policies.roleManagementPolicies.ListEffectiveRules' } };
  graph[`${P}effectiveRules/{unifiedRoleManagementPolicyRule-id}`] = { get: { ...graph[`${P}rules/{unifiedRoleManagementPolicyRule-id}`].get, summary: 'Get one of effectiveRules', operationId: 'policies.roleManagementPolicies.GetEffectiveRules' } };
}

// $count segments: a text/plain integer; on directory objects only with ConsistencyLevel: eventual
// (without it Graph answers 400 Request_BadRequest "$count is not currently supported.").
const countOp = (p, summary) =>
  op(p, 'get', { summary, parameters: q('filter'), responses: { 200: { description: 'The number of items the $filter keeps', content: { 'text/plain': { schema: { type: 'integer' } } } } } });
countOp('/v1.0/users/$count', 'Count users (needs the ConsistencyLevel: eventual header)');
countOp('/v1.0/groups/$count', 'Count groups (needs the ConsistencyLevel: eventual header)');
countOp(`${RD}/roleDefinitions/$count`, 'Count role definitions');
countOp(`${RD}/roleAssignments/$count`, 'Count role assignments');
for (const set of Object.keys(NAVS).filter((s) => s !== 'roleAssignments')) countOp(`${RD}/${set}/$count`, `Count ${set}`);
countOp('/v1.0/auditLogs/directoryAudits/$count', 'Count directory audits');
countOp('/v1.0/policies/roleManagementPolicies/$count', "Count roleManagementPolicies (the list's required $filter on scopeId and scopeType)");
countOp('/v1.0/policies/roleManagementPolicyAssignments/$count', "Count roleManagementPolicyAssignments (the list's required $filter on scopeId and scopeType)");
op(`${RD}/roleDefinitions/{unifiedRoleDefinition-id}/inheritsPermissionsFrom/{unifiedRoleDefinition-id1}`, 'get', {
  tag: 'PIM', summary: 'One role of the inheritsPermissionsFrom navigation, by id (as the list gives it)',
  parameters: [param('unifiedRoleDefinition-id', 'id'), param('unifiedRoleDefinition-id1', 'id of the inherited role'), ...q('select')], responses: { 200: json(ref('unifiedRoleDefinition')) },
});
// Custom role definitions: Graph's methods, refused as not emulated (src/graph/routes/roleDefinitions.ts).
for (const [p, method, params] of [[`${RD}/roleDefinitions`, 'post', []], [`${RD}/roleDefinitions/{unifiedRoleDefinition-id}`, 'patch', [param('unifiedRoleDefinition-id', 'id')]], [`${RD}/roleDefinitions/{unifiedRoleDefinition-id}`, 'delete', [param('unifiedRoleDefinition-id', 'id')]]]) {
  op(p, method, { tag: 'PIM', summary: 'Not emulated yet: 400 BadRequest (custom role definitions)', ...(params.length ? { parameters: params } : {}), responses: {} });
}
// Resource namespaces (the permissions catalogue of custom roles): Microsoft's templates, refused
// as not emulated (src/graph/routes/resourceNamespaces.ts) so the coverage report lists them so.
{
  const RN = `${RD}/resourceNamespaces`;
  const ns = param('unifiedRbacResourceNamespace-id', 'id');
  for (const [p, params] of [[RN, []], [`${RN}/$count`, []], [`${RN}/{unifiedRbacResourceNamespace-id}`, [ns]], [`${RN}/{unifiedRbacResourceNamespace-id}/resourceActions`, [ns]], [`${RN}/{unifiedRbacResourceNamespace-id}/resourceActions/{unifiedRbacResourceAction-id}`, [ns, param('unifiedRbacResourceAction-id', 'id')]]]) {
    op(p, 'get', { tag: 'PIM', summary: 'Not emulated yet: 400 BadRequest (no custom roles, so no permissions catalogue)', ...(params.length ? { parameters: params } : {}), responses: {} });
  }
}

// $metadata: the CSDL of the emulated subset (scripts/build-metadata.mjs), served without a token.
op('/v1.0/$metadata', 'get', { summary: 'The CSDL (OData $metadata) of the Graph subset the emulator serves; /beta/$metadata has the beta types', security: [], parameters: [], responses: { 200: { description: 'CSDL', content: { 'application/xml': { schema: { type: 'string' } } } } } });

for (const p of ['/v1.0/roleManagement/directory/roleAssignmentApprovals', '/v1.0/roleManagement/directory/roleAssignmentApprovals/{path}']) {
  for (const method of ['get', 'patch', 'post']) {
    (graph[p] ??= {})[method] = { tags: ['PIM'], summary: "Not in v1.0: 400 BadRequest \"Resource not found for the segment 'roleAssignmentApprovals'.\" (use /beta)", ...(p.endsWith('{path}') ? { parameters: [param('path', 'rest of the path')] } : {}), responses: graphErrors };
  }
}

const signIn = {
  '/{tenant}/v2.0/.well-known/openid-configuration': { get: { tags: ['Sign-in'], summary: 'OpenID Connect discovery (v2.0)', parameters: [param('tenant', 'tenant GUID, domain, short name, common or organizations')], responses: { 200: { description: 'OIDC metadata' } } } },
  '/{tenant}/.well-known/openid-configuration': { get: { tags: ['Sign-in'], summary: 'OpenID Connect discovery (protocolMode OIDC)', parameters: [param('tenant', 'tenant')], responses: { 200: { description: 'OIDC metadata' } } } },
  '/oidc/userinfo': {
    get: { tags: ['Sign-in'], summary: "OIDC userinfo: the signed-in user's sub, name, given_name, family_name, email (bearer access token)", responses: { 200: { description: 'Claims' }, 401: { description: 'No or invalid token' } } },
    post: { tags: ['Sign-in'], summary: 'OIDC userinfo (POST form)', responses: { 200: { description: 'Claims' }, 401: { description: 'No or invalid token' } } },
  },
  '/{tenant}/discovery/v2.0/keys': { get: { tags: ['Sign-in'], summary: 'JSON Web Key Set (RS256, one key per tenant)', parameters: [param('tenant', 'tenant')], responses: { 200: { description: 'JWKS' } } } },
  '/{tenant}/oauth2/v2.0/token': {
    post: {
      tags: ['Sign-in'],
      summary: 'Token endpoint: authorization_code (PKCE), client_credentials, device_code, password (with the emulator field mfa_code), refresh_token (rotating)',
      parameters: [param('tenant', 'tenant')],
      requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['grant_type', 'client_id'], properties: { grant_type: { type: 'string', enum: ['authorization_code', 'client_credentials', 'device_code', 'urn:ietf:params:oauth:grant-type:device_code', 'password', 'refresh_token'] }, client_id: { type: 'string' }, client_secret: { type: 'string' }, scope: { type: 'string' }, code: { type: 'string' }, redirect_uri: { type: 'string' }, code_verifier: { type: 'string' }, device_code: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, mfa_code: { type: 'string', description: "Emulator extension: the user's current TOTP code; adds mfa to amr" }, refresh_token: { type: 'string', description: 'Single use: every response carries a new one' } } } } } },
      responses: { 200: { description: 'Token response' }, 400: { description: 'AAD error {error, error_description, error_codes, timestamp, trace_id, correlation_id}' }, 401: { description: 'AAD error (invalid_client)' } },
    },
  },
  '/{tenant}/oauth2/v2.0/authorize': {
    get: {
      tags: ['Sign-in'],
      summary: 'Authorization endpoint (authorization code flow): the sign-in page, then MFA, then a redirect with code and state',
      parameters: [param('tenant', 'tenant'), ...['client_id', 'response_type', 'redirect_uri', 'scope', 'response_mode', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'login_hint', 'claims', 'amr_values'].map((n) => param(n, n === 'response_type' ? 'code' : n === 'response_mode' ? 'query (default), fragment or form_post' : n === 'claims' ? 'JSON; access_token.acrs values require MFA and appear in acrs' : n, 'query'))],
      responses: { 200: { description: 'Sign-in page (HTML), or the form_post page' }, 302: { description: 'Back to redirect_uri with code and state, or error and error_description' }, 400: { description: 'Error page (HTML): unknown tenant or client, redirect_uri not registered (AADSTS50011)' } },
    },
  },
  '/{tenant}/oauth2/v2.0/devicecode': {
    post: {
      tags: ['Sign-in'],
      summary: 'Device authorization: user_code, device_code, verification_uri ({base}/devicelogin), expires_in 900, interval 5, message',
      parameters: [param('tenant', 'tenant')],
      requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['client_id', 'scope'], properties: { client_id: { type: 'string' }, scope: { type: 'string' }, claims: { type: 'string' } } } } } },
      responses: { 200: { description: 'Device code response' }, 400: { description: 'AAD error' } },
    },
  },
  '/{tenant}/oauth2/v2.0/logout': {
    get: {
      tags: ['Sign-in'],
      summary: 'Sign out: back to post_logout_redirect_uri (with state), or a signed-out page',
      parameters: [param('tenant', 'tenant'), param('post_logout_redirect_uri', 'where to go afterwards', 'query'), param('state', 'echoed', 'query'), param('client_id', 'when given, post_logout_redirect_uri must be one of its redirect URIs', 'query')],
      responses: { 200: { description: 'Signed-out page (HTML)' }, 302: { description: 'Redirect to post_logout_redirect_uri' } },
    },
  },
  '/{tenant}/login': {
    post: {
      tags: ['Sign-in'],
      summary: 'The sign-in form (username and password) of the sign-in page; answers with the MFA page or the sign-in page with an error',
      parameters: [param('tenant', 'tenant')],
      requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { flow: { type: 'string', description: 'signed state of the sign-in, from the page' }, login: { type: 'string' }, passwd: { type: 'string' }, action: { type: 'string', enum: ['cancel'] } } } } } },
      responses: { 200: { description: 'HTML page' }, 400: { description: 'Error page (expired flow)' } },
    },
  },
  '/{tenant}/login/mfa': {
    post: {
      tags: ['Sign-in'],
      summary: 'The MFA form: the authenticator code (otc), or action=skip for password only; ends with the redirect to the app or the device sign-in confirmation',
      parameters: [param('tenant', 'tenant')],
      requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { flow: { type: 'string' }, otc: { type: 'string' }, action: { type: 'string', enum: ['verify', 'skip', 'cancel'] } } } } } },
      responses: { 200: { description: 'HTML page' }, 302: { description: 'Back to the app with code and state' }, 400: { description: 'Error page' } },
    },
  },
  '/devicelogin': {
    get: { tags: ['Sign-in'], summary: 'Device code sign-in: the "Enter code" page (verification_uri)', responses: { 200: { description: 'HTML page' } } },
    post: {
      tags: ['Sign-in'],
      summary: 'Device code sign-in: the code (otc) entered; answers with the sign-in page',
      requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { otc: { type: 'string' } } } } } },
      responses: { 200: { description: 'HTML page' } },
    },
  },
};

const control = {};
const cop = (p, method, summary, extra = {}) => ((control[`/_emulator${p}`] ??= {})[method] = { tags: ['Control plane'], summary, responses: { 200: { description: 'OK' }, '4XX': { description: '{"error":{"code","message"}}' } }, ...extra });
cop('/health', 'get', 'Health: 200 with version and listener URLs when every listener is up, else 503; inbox: {messages, evicted, max} (evicted counts what PIM_INBOX_MAX dropped); spareSigningKeys (tenants POST /_emulator/tenants can create without waiting for RSA generation)');
cop('/reset', 'post', 'Back to the seed: state, inbox and clock');
cop('/clock', 'get', 'The emulator clock: {now, frozen}');
cop('/clock', 'post', 'Move the clock: {"advance":"PT8H"} (prefix - to go back), {"set":"2026-12-01T09:00:00Z"}, {"freeze":true|false}', { requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { advance: { type: 'string' }, set: { type: 'string', format: 'date-time' }, freeze: { type: 'boolean' } } } } } } });
cop('/seed', 'get', 'Export the current state as a seed document');
cop('/seed', 'post', 'Import a seed document (validated; replaces every tenant)');
cop('/tenants', 'get', 'Tenants with their users and applications');
cop('/tenants', 'post', 'Tenants on demand: clone a tenant, {"name":"team07","from":"contoso"} (from defaults to the first tenant). The clone has new ids, the same personas under name.onmicrosoft.com (same password, new MFA secrets), the same direct role assignments and licences, default role settings, no PIM state. 400 InvalidTenantName, 404 unknown from, 409 TenantExists', {
  requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }, from: { type: 'string', description: 'name, domain or id of the tenant to copy' }, displayName: { type: 'string' } } } } } },
  responses: { 201: { description: 'The new tenant: {id, name, displayName, domain, licenses, users:[{id,userPrincipalName,displayName}], applications:[{appId,displayName,publicClient}], clonedFrom}' }, '4XX': { description: '{"error":{"code","message"}}' } },
});
cop('/tenants/{tenant}', 'delete', 'Remove a tenant (name, domain or id): its data, signing key and tokens; 404 unknown, 400 LastTenant for the only one', {
  parameters: [param('tenant', 'tenant name, domain or id')],
  responses: { 204: { description: 'Removed' }, '4XX': { description: '{"error":{"code","message"}}' } },
});
cop('/tenants/{tenant}/users/{user}/mfa-code', 'get', "A user's current authenticator (TOTP) code", { parameters: [param('tenant', 'tenant'), param('user', 'userPrincipalName or id')] });
cop('/audit', 'get', 'Search the PIM audit records (justifications, activities, targets) of a tenant: ?tenant=contoso&search=…');
cop('/devicelogin', 'post', 'Complete a pending device code sign-in without a browser: {"userCode" or "deviceCode", "user": upn, "mfa": true|false} or {…, "decline": true}; 404 unknown, 400 expired, 409 already completed');
cop('/tokens', 'post', 'Mint an access token for a user ({tenant, user, scopes?, mfa?, acrs?}) or an app ({tenant, clientId, roles?})');
cop('/mail', 'get', 'Captured mail, newest first: ?to=&from=&subject=&q= (Mailpit search syntax)&limit=&start=&wait=5s (long-poll; 408 when nothing matches in time); evicted counts messages a PIM_INBOX_MAX cap dropped');
cop('/mail', 'delete', 'Delete every captured message');
cop('/mail/latest', 'get', 'The newest message matching the same filters as the list; wait=5s long-polls');
cop('/mail/{id}', 'get', 'One message: headers, text, HTML', { parameters: [param('id', 'message id')] });
cop('/mail/{id}', 'delete', 'Delete one message', { parameters: [param('id', 'message id')] });
cop('/mail/{id}/raw', 'get', 'The raw source of one message', { parameters: [param('id', 'message id')] });
cop('/faults', 'get', 'The active fault-injection rules');
cop('/faults', 'post', 'Add a fault: {"method":"POST","path":"/v1.0/roleManagement/**","status":429,"retryAfter":2,"times":2} — or latencyMs, probability, error {code,message}, aad {error,aadsts,description} for the token endpoint', { responses: { 201: { description: 'The fault, with its id' }, '4XX': { description: '{"error":{"code","message"}}' } } });
cop('/faults', 'delete', 'Remove every fault');
cop('/faults/{id}', 'delete', 'Remove one fault', { parameters: [param('id', 'fault id')] });
cop('/requests', 'get', 'The last requests served, newest first: ?method=&path=&status=&tenant=&caller=&limit=');
cop('/requests', 'delete', 'Clear the request log');
cop('/ca.pem', 'get', 'The CA certificate to trust (NODE_EXTRA_CA_CERTS)');
cop('/openapi.yaml', 'get', 'This document');

// The Mailpit API v1 subset, with Mailpit's field names (for Mailpit clients and habits).
const mailpit = {};
const mop = (p, method, summary, extra = {}) => ((mailpit[`/api/v1${p}`] ??= {})[method] = { tags: ['Mailpit API subset'], summary, responses: { 200: { description: 'OK (Mailpit JSON)' }, 404: { description: 'Not found (plain text)' } }, ...extra });
mop('/messages', 'get', 'List messages (Mailpit: total, unread, count, messages_count, start, tags, messages[])');
mop('/messages', 'delete', 'Delete messages by {"IDs":[…]}, or all');
mop('/message/{id}', 'get', 'One message by ID or "latest"', { parameters: [param('id', 'message ID or latest')] });
mop('/message/{id}/raw', 'get', 'Raw source', { parameters: [param('id', 'message ID or latest')] });
mop('/message/{id}/headers', 'get', 'Headers as {"Name":["value"]}', { parameters: [param('id', 'message ID or latest')] });
mop('/search', 'get', 'Search with Mailpit syntax: ?query=to:x subject:"y" -z');
mop('/search', 'delete', 'Delete the messages a search matches');

// The workshop portal (src/portal): a static single-page app, an OAuth client of the emulator itself.
const portal = {};
const pop = (p, summary, extra) => ((portal[p] ??= {}).get = { tags: ['Portal'], summary, ...extra });
pop('/', 'Redirects to /portal/ (the fragment, e.g. #/roles/{id} from a PIM mail, is kept)', { responses: { 302: { description: 'Location: /portal/' } } });
pop('/portal', 'Redirects to /portal/', { responses: { 302: { description: 'Location: /portal/' } } });
pop('/portal/{path}', 'The workshop portal: index.html (empty path), portal.js, portal.css; anything else is a JSON 404', {
  parameters: [{ name: 'path', in: 'path', required: true, description: "'' (index.html), portal.js or portal.css", schema: { type: 'string' } }],
  responses: { 200: { description: 'HTML, JavaScript or CSS (no-cache)' }, 404: { description: '{"error":{"code","message"}}' } },
});

const doc = {
  openapi: '3.0.3',
  info: {
    title: 'entra-pim-emulator',
    version: pkg.version,
    description: 'Microsoft Graph PIM for Microsoft Entra roles, an Entra-shaped token service, and the emulator control plane. Every /v1.0 path is also served under /beta. Schemas are Microsoft\'s (derived from the published Graph CSDL).',
  },
  servers: [{ url: 'https://localhost:8443' }, { url: 'http://127.0.0.1:8080' }],
  tags: [{ name: 'Graph' }, { name: 'PIM' }, { name: 'Sign-in' }, { name: 'Control plane', description: 'Not part of Microsoft Graph: testing aids' }, { name: 'Mailpit API subset', description: 'Captured mail, Mailpit-compatible' }, { name: 'Portal', description: 'The workshop portal: a browser UI over Graph and the control plane (not part of Microsoft Graph)' }],
  paths: { ...graph, ...signIn, ...control, ...mailpit, ...portal },
  components: {
    schemas: { ...subset.components.schemas, ...betaSchemas },
    responses: subset.components.responses,
    parameters: { ...subset.components.parameters, skiptoken: { name: '$skiptoken', in: 'query', description: 'Paging token from @odata.nextLink', schema: { type: 'string' } } },
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  },
};
writeFileSync(path.join(root, 'openapi.yaml'), `# Generated by scripts/build-openapi.mjs — edit the script, not this file.\n${YAML.stringify(doc, { lineWidth: 0 })}`);
console.log(`openapi.yaml: ${Object.keys(doc.paths).length} paths, ${Object.keys(doc.components.schemas).length} schemas`);
