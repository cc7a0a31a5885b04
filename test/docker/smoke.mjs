// Phase 1–5 smoke check against a running container, over HTTPS with the exported CA
// (run with NODE_EXTRA_CA_CERTS pointing at it). Usage: node smoke.mjs https://localhost:PORT http://127.0.0.1:PORT [phase|persisted]
const [base, http, step = 'phases'] = process.argv.slice(2);
const AZ = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const SR = '5d6b6bb7-de71-4623-b4af-96380a352509';
const PIMUSER = 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709';
const fail = (msg) => { console.error(`smoke: FAIL ${msg}`); process.exit(1); };
const ok = (msg) => console.log(`smoke: ok   ${msg}`);

async function token(upn, mfa) {
  const form = new URLSearchParams({ grant_type: 'password', client_id: AZ, username: upn, password: 'Passw0rd!', scope: 'https://graph.microsoft.com/.default' });
  if (mfa) form.set('mfa_code', (await (await fetch(`${http}/_emulator/tenants/contoso/users/${upn}/mfa-code`)).json()).code);
  const r = await fetch(`${base}/contoso/oauth2/v2.0/token`, { method: 'POST', body: form });
  if (r.status !== 200) fail(`token for ${upn}: ${r.status} ${await r.text()}`);
  return (await r.json()).access_token;
}
async function graph(method, path, tok, body) {
  const r = await fetch(`${base}/v1.0${path}`, { method, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}
const mine = (segment, tok) => graph('GET', `/roleManagement/directory/${segment}/filterByCurrentUser(on='principal')`, tok);

if (step === 'phases') {
  let user = await token('pimuser@contoso.onmicrosoft.com', false);
  if ((await mine('roleEligibilityScheduleInstances', user)).json.value.length !== 0) fail('phase 1: pimuser already has a role');
  ok('phase 1: pimuser has no roles');
  const admin = await token('admin@contoso.onmicrosoft.com', true);
  const pa = await graph('GET', `/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${SR}'`, admin);
  const policyId = pa.json?.value?.[0]?.policyId;
  const patch = await graph('PATCH', `/policies/roleManagementPolicies/${policyId}/rules/Expiration_EndUser_Assignment`, admin, { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', isExpirationRequired: true, maximumDuration: 'PT8H' });
  if (patch.status !== 204) fail(`phase 2: PATCH rule → ${patch.status}`);
  ok('phase 2: role settings updated');
  const assign = await graph('POST', '/roleManagement/directory/roleEligibilityScheduleRequests', admin, { action: 'adminAssign', principalId: PIMUSER, roleDefinitionId: SR, directoryScopeId: '/', justification: 'docker smoke', scheduleInfo: { expiration: { type: 'noExpiration' } } });
  if (assign.status !== 201) fail(`phase 3: ${assign.status} ${JSON.stringify(assign.json)}`);
  ok('phase 3: pimuser eligible');
  const act = { action: 'selfActivate', principalId: PIMUSER, roleDefinitionId: SR, directoryScopeId: '/', justification: 'docker smoke', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT8H' } } };
  const noMfa = await graph('POST', '/roleManagement/directory/roleAssignmentScheduleRequests', user, act);
  if (noMfa.json?.error?.message !== 'The following policy rules failed: ["MfaRule"]') fail(`phase 4: expected MfaRule, got ${JSON.stringify(noMfa.json)}`);
  user = await token('pimuser@contoso.onmicrosoft.com', true);
  const activated = await graph('POST', '/roleManagement/directory/roleAssignmentScheduleRequests', user, act);
  if (activated.status !== 201 || activated.json.status !== 'Provisioned') fail(`phase 4: ${activated.status} ${JSON.stringify(activated.json)}`);
  if ((await mine('roleAssignmentScheduleInstances', user)).json.value.length !== 1) fail('phase 4: no active instance');
  const mail = await fetch(`${http}/_emulator/mail/latest?to=admin@contoso.onmicrosoft.com&subject=activated&wait=15s`);
  if (mail.status !== 200) fail(`phase 4: no activation mail for the admin (${mail.status})`);
  ok('phase 4: activated with MFA, the admin got the mail');
  ok('phases 1–4 hold; the eligibility is left in place for the restart check');
} else if (step === 'persisted') {
  const user = await token('pimuser@contoso.onmicrosoft.com', true);
  if ((await mine('roleEligibilityScheduleInstances', user)).json.value.length !== 1) fail('after restart: the eligibility is gone');
  ok('after a container restart the eligibility is still there');
  const admin = await token('admin@contoso.onmicrosoft.com', true);
  const removed = await graph('POST', '/roleManagement/directory/roleEligibilityScheduleRequests', admin, { action: 'adminRemove', principalId: PIMUSER, roleDefinitionId: SR, directoryScopeId: '/' });
  if (removed.json?.status !== 'Revoked') fail(`phase 5: ${JSON.stringify(removed.json)}`);
  ok('phase 5: the admin removed the eligibility');
}
