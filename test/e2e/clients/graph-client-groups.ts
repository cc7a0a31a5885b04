/**
 * @microsoft/microsoft-graph-client 3 against entra-pim-emulator, unpatched: just-in-time membership
 * of a group with PIM for Groups. The admin (MSAL auth code with MFA) asks for MFA and a
 * justification on activation of Cloud Engineers' membership and makes pimuser eligible; pimuser,
 * signed in without MFA and giving no reason, is refused (a GraphError naming both rules); signed in
 * with MFA it activates for two hours and is a member of the group; once the emulator clock passes
 * the end it is not.
 *
 *   curl -s http://127.0.0.1:8080/_emulator/ca.pem > pim-ca.pem
 *   NODE_EXTRA_CA_CERTS=pim-ca.pem node --import tsx test/e2e/clients/graph-client-groups.ts https://localhost:8443 http://127.0.0.1:8080
 *
 * Prints one JSON line with what each step returned.
 */
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { CryptoProvider, PublicClientApplication } from '@azure/msal-node';
import { ClientSecretCredential } from '@azure/identity';
import { signIn } from './browser.js';

const [EMU = 'https://localhost:8443', CONTROL = 'http://127.0.0.1:8080'] = process.argv.slice(2);
const customHosts = new Set([new URL(EMU).hostname]);
const scopes = ['https://graph.microsoft.com/.default'];
const CLOUD_ENGINEERS = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const PIMUSER_ID = 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709';
const GROUP = '/identityGovernance/privilegedAccess/group';

/** A Graph client for a user signed in through the emulator's pages (one MSAL app per sign-in, so each keeps its own token). */
async function signedIn(username: string, mfa: boolean): Promise<Client> {
  const pca = new PublicClientApplication({
    auth: { clientId: '6df8e9c8-48f6-4ed2-8e89-b23bb8c566ef', authority: `${EMU}/contoso`, knownAuthorities: [new URL(EMU).host] },
  });
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const redirectUri = 'http://localhost';
  const url = await pca.getAuthCodeUrl({ scopes, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', loginHint: username, prompt: 'login' });
  const code = (await signIn(url, { username, password: 'Passw0rd!', mfa })).searchParams.get('code')!;
  const account = (await pca.acquireTokenByCode({ code, scopes, redirectUri, codeVerifier: verifier })).account!;
  return Client.init({
    baseUrl: EMU,
    customHosts,
    authProvider: (done) => {
      pca.acquireTokenSilent({ account, scopes }).then((r) => done(null, r.accessToken), (e: Error) => done(e, null));
    },
  });
}

/** The automation app (app-only, Directory.Read.All): a new credential, so its token is issued at the emulator's current time. */
const automation = () =>
  Client.initWithMiddleware({
    baseUrl: EMU,
    defaultVersion: 'v1.0',
    customHosts,
    authProvider: new TokenCredentialAuthenticationProvider(
      new ClientSecretCredential('contoso', '256ab9b4-5d7d-4b72-abe9-a49048bc8a5e', 'pim-emulator-local-secret', { authorityHost: EMU, disableInstanceDiscovery: true }),
      { scopes },
    ),
  });

const graphErrorOf = async (call: Promise<unknown>) => {
  try {
    await call;
    return undefined;
  } catch (e) {
    if (!(e instanceof GraphError)) throw e;
    return { statusCode: e.statusCode, code: e.code, message: e.message, requestId: e.requestId };
  }
};
const memberIds = async (client: Client) => ((await client.api(`/groups/${CLOUD_ENGINEERS}/members`).get()).value as Array<{ id: string }>).map((m) => m.id);

// ---- The admin: MFA and justification on activation of the group's membership; pimuser eligible for 30 days ----
const admin = await signedIn('admin@contoso.onmicrosoft.com', true);
const assignments = await admin.api('/policies/roleManagementPolicyAssignments')
  .filter(`scopeId eq '${CLOUD_ENGINEERS}' and scopeType eq 'Group' and roleDefinitionId eq 'member'`).get();
const policyId = assignments.value[0].policyId as string;
await admin.api(`/policies/roleManagementPolicies/${policyId}/rules/Enablement_EndUser_Assignment`).patch({
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
  id: 'Enablement_EndUser_Assignment',
  enabledRules: ['MultiFactorAuthentication', 'Justification'],
  target: { caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] },
});
const eligibility = await admin.api(`${GROUP}/eligibilityScheduleRequests`).post({
  accessId: 'member', principalId: PIMUSER_ID, groupId: CLOUD_ENGINEERS, action: 'adminAssign', justification: 'On-call rota',
  scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'P30D' } },
});

// ---- pimuser: refused without MFA and without a reason, then activates with both ----
const activation = (justification?: string) => ({
  accessId: 'member', principalId: PIMUSER_ID, groupId: CLOUD_ENGINEERS, action: 'selfActivate', ...(justification ? { justification } : {}),
  scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'PT2H' } },
});
const withoutMfa = await signedIn('pimuser@contoso.onmicrosoft.com', false);
const refused = await graphErrorOf(withoutMfa.api(`${GROUP}/assignmentScheduleRequests`).post(activation()));
const pimuser = await signedIn('pimuser@contoso.onmicrosoft.com', true);
const activated = await pimuser.api(`${GROUP}/assignmentScheduleRequests`).post(activation('Patching the build agents, ticket CHG-42'));
const mine = await pimuser.api(`${GROUP}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`).get();
const membersWhileActive = await memberIds(automation());

// ---- Two hours later (the emulator clock) the membership has ended ----
await fetch(`${CONTROL}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'PT2H' }) });
const membersAfter = await memberIds(automation());

type Row = Record<string, unknown>;
console.log(JSON.stringify({
  policy: { policyIdIsGroupScoped: policyId.startsWith(`Group_${CLOUD_ENGINEERS}_`) },
  eligibility: { status: eligibility.status, accessId: eligibility.accessId, targetScheduleIdPrefix: String(eligibility.targetScheduleId).split('_').slice(0, 2).join('_') },
  refused,
  activated: { action: activated.action, status: activated.status, accessId: activated.accessId, groupId: activated.groupId, duration: activated.scheduleInfo.expiration.duration },
  instances: (mine.value as Row[]).map((i) => ({ groupId: i.groupId, accessId: i.accessId, assignmentType: i.assignmentType })),
  membersWhileActive,
  membersAfter,
}));
