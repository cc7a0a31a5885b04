/**
 * @microsoft/msgraph-sdk (Kiota) against entra-pim-emulator, unpatched: just-in-time membership of a
 * group with PIM for Groups, through RequestInformation and the generated models' serializers and
 * parsers (no identityGovernance fluent package is published on npm):
 * - the admin (DeviceCodeCredential, MFA) asks for MFA and a justification on activation of Cloud
 *   Engineers' membership and makes pimuser eligible;
 * - pimuser signed in without MFA, giving no reason, is refused (ODataError naming both rules);
 *   signed in with MFA it activates for two hours and is a member of the group;
 * - once the emulator clock passes the end, the automation app (ClientSecretCredential) sees it gone.
 *
 *   curl -s http://127.0.0.1:8080/_emulator/ca.pem > pim-ca.pem
 *   NODE_EXTRA_CA_CERTS=pim-ca.pem node --import tsx test/e2e/clients/msgraph-sdk-groups.ts https://localhost:8443 http://127.0.0.1:8080
 *
 * Prints one JSON line with what each step returned.
 */
import { GraphRequestAdapter } from '@microsoft/msgraph-sdk';
import {
  createDirectoryObjectCollectionResponseFromDiscriminatorValue,
  createPrivilegedAccessGroupAssignmentScheduleInstanceCollectionResponseFromDiscriminatorValue,
  createPrivilegedAccessGroupAssignmentScheduleRequestFromDiscriminatorValue,
  createPrivilegedAccessGroupEligibilityScheduleRequestFromDiscriminatorValue,
  createUnifiedRoleManagementPolicyAssignmentCollectionResponseFromDiscriminatorValue,
  serializePrivilegedAccessGroupAssignmentScheduleRequest,
  serializePrivilegedAccessGroupEligibilityScheduleRequest,
  serializeUnifiedRoleManagementPolicyEnablementRule,
  type DirectoryObjectCollectionResponse,
  type PrivilegedAccessGroupAssignmentScheduleInstanceCollectionResponse,
  type PrivilegedAccessGroupAssignmentScheduleRequest,
  type PrivilegedAccessGroupEligibilityScheduleRequest,
  type UnifiedRoleManagementPolicyAssignmentCollectionResponse,
  type UnifiedRoleManagementPolicyEnablementRule,
} from '@microsoft/msgraph-sdk/models/index.js';
import { createODataErrorFromDiscriminatorValue, type ODataError } from '@microsoft/msgraph-sdk/models/oDataErrors/index.js';
import { AzureIdentityAuthenticationProvider } from '@microsoft/kiota-authentication-azure';
import { Duration, HttpMethod, RequestInformation } from '@microsoft/kiota-abstractions';
import { ClientSecretCredential, DeviceCodeCredential, type TokenCredential } from '@azure/identity';

const [EMU = 'https://localhost:8443', CONTROL = 'http://127.0.0.1:8080'] = process.argv.slice(2);
const options = { authorityHost: EMU, disableInstanceDiscovery: true };
const allowedHosts = new Set([new URL(EMU).hostname]);
const CLOUD_ENGINEERS = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const PIMUSER_ID = 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709';
const GROUP = '/identityGovernance/privilegedAccess/group';

function adapterFor(credential: TokenCredential): GraphRequestAdapter {
  const adapter = new GraphRequestAdapter(new AzureIdentityAuthenticationProvider(credential, ['https://graph.microsoft.com/.default'], undefined, allowedHosts));
  adapter.baseUrl = `${EMU}/v1.0`;
  return adapter;
}
const errorMappings = { XXX: createODataErrorFromDiscriminatorValue };
const request = (adapter: GraphRequestAdapter, method: HttpMethod, template: string, pathParameters: Record<string, string> = {}) => {
  const info = new RequestInformation(method, `{+baseurl}${template}`);
  info.pathParameters = { baseurl: adapter.baseUrl, ...pathParameters };
  info.headers.tryAdd('Accept', 'application/json');
  return info;
};

/** A user signed in with the device code flow, completed through POST /_emulator/devicelogin (with or without MFA). */
async function deviceCodeUser(user: string, mfa: boolean): Promise<GraphRequestAdapter> {
  let approval: Promise<Response> | undefined;
  const credential = new DeviceCodeCredential({
    tenantId: 'contoso',
    clientId: '6df8e9c8-48f6-4ed2-8e89-b23bb8c566ef',
    ...options,
    userPromptCallback: (info) => {
      approval = fetch(`${CONTROL}/_emulator/devicelogin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userCode: info.userCode, user, mfa }),
      });
      approval.catch(() => undefined);
    },
  });
  // Sign in now, so the approval is done before the first Graph call.
  await credential.getToken('https://graph.microsoft.com/.default');
  await approval;
  return adapterFor(credential);
}

// The three sign-ins at once: each device code flow polls every 5 s (Entra's interval).
const [admin, pimuserWithoutMfa, pimuser] = await Promise.all([
  deviceCodeUser('admin@contoso.onmicrosoft.com', true),
  deviceCodeUser('pimuser@contoso.onmicrosoft.com', false),
  deviceCodeUser('pimuser@contoso.onmicrosoft.com', true),
]);

// ---- The admin: MFA and justification on activation of the group's membership; pimuser eligible for 30 days ----
const find = request(admin, HttpMethod.GET, '/policies/roleManagementPolicyAssignments{?%24filter}');
find.queryParameters['%24filter'] = `scopeId eq '${CLOUD_ENGINEERS}' and scopeType eq 'Group' and roleDefinitionId eq 'member'`;
const assignments = await admin.send<UnifiedRoleManagementPolicyAssignmentCollectionResponse>(find, createUnifiedRoleManagementPolicyAssignmentCollectionResponseFromDiscriminatorValue, errorMappings);
const policyId = assignments?.value?.[0]?.policyId ?? '';

const patch = request(admin, HttpMethod.PATCH, '/policies/roleManagementPolicies/{policyId}/rules/{ruleId}', { policyId, ruleId: 'Enablement_EndUser_Assignment' });
const rule: UnifiedRoleManagementPolicyEnablementRule = {
  odataType: '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
  id: 'Enablement_EndUser_Assignment',
  enabledRules: ['MultiFactorAuthentication', 'Justification'],
  target: { caller: 'EndUser', operations: ['all'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] },
};
patch.setContentFromParsable(admin, 'application/json', rule, serializeUnifiedRoleManagementPolicyEnablementRule);
await admin.sendNoResponseContent(patch, errorMappings);

const eligibilityPost = request(admin, HttpMethod.POST, `${GROUP}/eligibilityScheduleRequests`);
const eligibilityBody: PrivilegedAccessGroupEligibilityScheduleRequest = {
  accessId: 'member', principalId: PIMUSER_ID, groupId: CLOUD_ENGINEERS, action: 'adminAssign', justification: 'On-call rota',
  scheduleInfo: { startDateTime: new Date(), expiration: { type: 'afterDuration', duration: Duration.parse('P30D') } },
};
eligibilityPost.setContentFromParsable(admin, 'application/json', eligibilityBody, serializePrivilegedAccessGroupEligibilityScheduleRequest);
const eligibility = await admin.send<PrivilegedAccessGroupEligibilityScheduleRequest>(eligibilityPost, createPrivilegedAccessGroupEligibilityScheduleRequestFromDiscriminatorValue, errorMappings);

// ---- pimuser: refused without MFA and without a reason, then activates with both ----
const activate = (adapter: GraphRequestAdapter, justification?: string) => {
  const post = request(adapter, HttpMethod.POST, `${GROUP}/assignmentScheduleRequests`);
  const body: PrivilegedAccessGroupAssignmentScheduleRequest = {
    accessId: 'member', principalId: PIMUSER_ID, groupId: CLOUD_ENGINEERS, action: 'selfActivate', ...(justification ? { justification } : {}),
    scheduleInfo: { startDateTime: new Date(), expiration: { type: 'afterDuration', duration: Duration.parse('PT2H') } },
  };
  post.setContentFromParsable(adapter, 'application/json', body, serializePrivilegedAccessGroupAssignmentScheduleRequest);
  return adapter.send<PrivilegedAccessGroupAssignmentScheduleRequest>(post, createPrivilegedAccessGroupAssignmentScheduleRequestFromDiscriminatorValue, errorMappings);
};
let refused: Record<string, unknown> | undefined;
try {
  await activate(pimuserWithoutMfa);
} catch (e) {
  const err = e as ODataError;
  refused = { responseStatusCode: err.responseStatusCode, code: err.errorEscaped?.code, message: err.errorEscaped?.message, requestId: err.errorEscaped?.innerError?.requestId };
}
const activated = await activate(pimuser, 'Patching the build agents, ticket CHG-42');
const mine = await pimuser.send<PrivilegedAccessGroupAssignmentScheduleInstanceCollectionResponse>(
  request(pimuser, HttpMethod.GET, `${GROUP}/assignmentScheduleInstances/filterByCurrentUser(on='{on}')`, { on: 'principal' }),
  createPrivilegedAccessGroupAssignmentScheduleInstanceCollectionResponseFromDiscriminatorValue,
  errorMappings,
);

/** Members as the automation app reads them: a new credential each time, so its token is issued at the emulator's current time. */
const memberIds = async () => {
  const app = adapterFor(new ClientSecretCredential('contoso', '256ab9b4-5d7d-4b72-abe9-a49048bc8a5e', 'pim-emulator-local-secret', options));
  const members = await app.send<DirectoryObjectCollectionResponse>(
    request(app, HttpMethod.GET, '/groups/{groupId}/members', { groupId: CLOUD_ENGINEERS }),
    createDirectoryObjectCollectionResponseFromDiscriminatorValue,
    errorMappings,
  );
  return (members?.value ?? []).map((m) => ({ id: m.id, odataType: m.odataType }));
};
const membersWhileActive = await memberIds();

// ---- Two hours later (the emulator clock) the membership has ended ----
await fetch(`${CONTROL}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'PT2H' }) });
const membersAfter = await memberIds();

console.log(JSON.stringify({
  policyIdIsGroupScoped: policyId.startsWith(`Group_${CLOUD_ENGINEERS}_`),
  eligibility: { status: eligibility?.status, accessId: eligibility?.accessId, groupId: eligibility?.groupId },
  refused,
  activated: { action: activated?.action, status: activated?.status, accessId: activated?.accessId, duration: activated?.scheduleInfo?.expiration?.duration?.toString() },
  instances: (mine?.value ?? []).map((i) => ({ groupId: i.groupId, accessId: i.accessId, assignmentType: i.assignmentType, endIsDate: i.endDateTime instanceof Date })),
  membersWhileActive,
  membersAfter,
}));
