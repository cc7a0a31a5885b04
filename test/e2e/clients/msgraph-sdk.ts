/**
 * @microsoft/msgraph-sdk (Kiota) against entra-pim-emulator, unpatched. No roleManagement fluent
 * package is published on npm, so the PIM calls are RequestInformation + the generated models'
 * serializers and parsers, sent through the GraphRequestAdapter:
 * - the automation app (ClientSecretCredential, app-only) makes pimuser eligible for Security Reader;
 * - pimuser (DeviceCodeCredential, completed with MFA through POST /_emulator/devicelogin) lists the
 *   eligibility with filterByCurrentUser, is refused 9 hours (ODataError), activates for 8.
 *
 *   curl -s http://127.0.0.1:8080/_emulator/ca.pem > pim-ca.pem
 *   NODE_EXTRA_CA_CERTS=pim-ca.pem node --import tsx test/e2e/clients/msgraph-sdk.ts https://localhost:8443 http://127.0.0.1:8080
 *
 * Prints one JSON line with what each step returned.
 */
import { GraphRequestAdapter } from '@microsoft/msgraph-sdk';
import {
  createUnifiedRoleAssignmentScheduleInstanceCollectionResponseFromDiscriminatorValue,
  createUnifiedRoleAssignmentScheduleRequestFromDiscriminatorValue,
  createUnifiedRoleEligibilityScheduleCollectionResponseFromDiscriminatorValue,
  createUnifiedRoleEligibilityScheduleRequestFromDiscriminatorValue,
  serializeUnifiedRoleAssignmentScheduleRequest,
  serializeUnifiedRoleEligibilityScheduleRequest,
  type UnifiedRoleAssignmentScheduleInstanceCollectionResponse,
  type UnifiedRoleAssignmentScheduleRequest,
  type UnifiedRoleEligibilityScheduleCollectionResponse,
  type UnifiedRoleEligibilityScheduleRequest,
} from '@microsoft/msgraph-sdk/models/index.js';
import { createODataErrorFromDiscriminatorValue, type ODataError } from '@microsoft/msgraph-sdk/models/oDataErrors/index.js';
import { AzureIdentityAuthenticationProvider } from '@microsoft/kiota-authentication-azure';
import { Duration, HttpMethod, RequestInformation } from '@microsoft/kiota-abstractions';
import { ClientSecretCredential, DeviceCodeCredential, type TokenCredential } from '@azure/identity';

const [EMU = 'https://localhost:8443', CONTROL = 'http://127.0.0.1:8080'] = process.argv.slice(2);
const options = { authorityHost: EMU, disableInstanceDiscovery: true }; // https + no instance discovery
const allowedHosts = new Set([new URL(EMU).hostname]); // "localhost": hostname only; otherwise no Authorization header is sent

/** A request adapter on the emulator: baseUrl INCLUDES the version. */
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

const SECURITY_READER = '5d6b6bb7-de71-4623-b4af-96380a352509';
const PIMUSER_ID = 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709';

// ---- The automation app makes pimuser eligible (app-only, RoleManagement.ReadWrite.Directory) ----
const app = adapterFor(new ClientSecretCredential('contoso', '256ab9b4-5d7d-4b72-abe9-a49048bc8a5e', 'pim-emulator-local-secret', options));
const assign = request(app, HttpMethod.POST, '/roleManagement/directory/roleEligibilityScheduleRequests');
const eligibilityBody: UnifiedRoleEligibilityScheduleRequest = {
  action: 'adminAssign', principalId: PIMUSER_ID, roleDefinitionId: SECURITY_READER, directoryScopeId: '/', justification: 'Kiota automation',
  scheduleInfo: { startDateTime: new Date(), expiration: { type: 'noExpiration' } },
};
assign.setContentFromParsable(app, 'application/json', eligibilityBody, serializeUnifiedRoleEligibilityScheduleRequest);
const eligibility = await app.send<UnifiedRoleEligibilityScheduleRequest>(assign, createUnifiedRoleEligibilityScheduleRequestFromDiscriminatorValue, errorMappings);

// ---- pimuser signs in with the device code flow, with MFA ----
let approval: Promise<Response> | undefined;
const pimuser = adapterFor(new DeviceCodeCredential({
  tenantId: 'contoso',
  clientId: '6df8e9c8-48f6-4ed2-8e89-b23bb8c566ef',
  ...options,
  userPromptCallback: (info) => {
    approval = fetch(`${CONTROL}/_emulator/devicelogin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userCode: info.userCode, user: 'pimuser@contoso.onmicrosoft.com', mfa: true }),
    });
    approval.catch(() => undefined);
  },
}));

const list = request(pimuser, HttpMethod.GET, "/roleManagement/directory/roleEligibilitySchedules/filterByCurrentUser(on='{on}'){?%24filter}", { on: 'principal' });
list.queryParameters['%24filter'] = "status eq 'Provisioned'";
const eligible = await pimuser.send<UnifiedRoleEligibilityScheduleCollectionResponse>(list, createUnifiedRoleEligibilityScheduleCollectionResponseFromDiscriminatorValue, errorMappings);
const approved = (await (await approval!).json()) as { amr: string[] };

const activate = async (duration: string) => {
  const post = request(pimuser, HttpMethod.POST, '/roleManagement/directory/roleAssignmentScheduleRequests');
  const body: UnifiedRoleAssignmentScheduleRequest = {
    action: 'selfActivate', principalId: PIMUSER_ID, roleDefinitionId: SECURITY_READER, directoryScopeId: '/', justification: 'Kiota: reviewing sign-in logs',
    scheduleInfo: { startDateTime: new Date(), expiration: { type: 'afterDuration', duration: Duration.parse(duration) } },
  };
  post.setContentFromParsable(pimuser, 'application/json', body, serializeUnifiedRoleAssignmentScheduleRequest);
  return pimuser.send<UnifiedRoleAssignmentScheduleRequest>(post, createUnifiedRoleAssignmentScheduleRequestFromDiscriminatorValue, errorMappings);
};
let refused: Record<string, unknown> | undefined;
try {
  await activate('PT9H');
} catch (e) {
  const err = e as ODataError; // note: errorEscaped, not error
  refused = { responseStatusCode: err.responseStatusCode, code: err.errorEscaped?.code, message: err.errorEscaped?.message, requestId: err.errorEscaped?.innerError?.requestId };
}
const activated = await activate('PT8H');

const instances = await pimuser.send<UnifiedRoleAssignmentScheduleInstanceCollectionResponse>(
  request(pimuser, HttpMethod.GET, "/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='{on}')", { on: 'principal' }),
  createUnifiedRoleAssignmentScheduleInstanceCollectionResponseFromDiscriminatorValue,
  errorMappings,
);

console.log(JSON.stringify({
  adminAssign: { action: eligibility?.action, status: eligibility?.status, expiration: eligibility?.scheduleInfo?.expiration?.type },
  deviceLogin: { amr: approved.amr },
  eligible: (eligible?.value ?? []).map((e) => ({ roleDefinitionId: e.roleDefinitionId, principalId: e.principalId, memberType: e.memberType })),
  refused,
  activated: {
    action: activated?.action,
    status: activated?.status,
    duration: activated?.scheduleInfo?.expiration?.duration?.toString(),
    startDateTimeIsDate: activated?.scheduleInfo?.startDateTime instanceof Date,
  },
  instances: (instances?.value ?? []).map((i) => ({ roleDefinitionId: i.roleDefinitionId, assignmentType: i.assignmentType })),
}));
