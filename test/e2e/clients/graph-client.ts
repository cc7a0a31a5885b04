/**
 * @microsoft/microsoft-graph-client 3 against entra-pim-emulator, unpatched: phases 3 to 5 of the
 * PIM walkthrough with delegated tokens from MSAL (admin and pimuser sign in through the browser
 * pages with MFA), policy failures as a GraphError, the RetryHandler riding out two 429s, and an
 * app-only check through TokenCredentialAuthenticationProvider.
 *
 *   curl -s http://127.0.0.1:8080/_emulator/ca.pem > pim-ca.pem
 *   NODE_EXTRA_CA_CERTS=pim-ca.pem node --import tsx test/e2e/clients/graph-client.ts https://localhost:8443 http://127.0.0.1:8080
 *
 * Prints one JSON line with what each step returned.
 */
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { CryptoProvider, PublicClientApplication, type AccountInfo } from '@azure/msal-node';
import { ClientSecretCredential } from '@azure/identity';
import { signIn } from './browser.js';

const [EMU = 'https://localhost:8443', CONTROL = 'http://127.0.0.1:8080'] = process.argv.slice(2);
// baseUrl: https, no version segment. customHosts: hostname only (no scheme, no port). Without both the
// client silently drops the Authorization header.
const customHosts = new Set([new URL(EMU).hostname]);

const SECURITY_READER = '5d6b6bb7-de71-4623-b4af-96380a352509';
const PIMUSER_ID = 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709';
const scopes = ['https://graph.microsoft.com/.default'];

// ---- Delegated tokens: MSAL, authorization code + PKCE, signed in with MFA on the emulator's pages ----
const pca = new PublicClientApplication({
  auth: { clientId: '6df8e9c8-48f6-4ed2-8e89-b23bb8c566ef', authority: `${EMU}/contoso`, knownAuthorities: [new URL(EMU).host] },
});
async function signInWithMfa(username: string): Promise<AccountInfo> {
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const redirectUri = 'http://localhost';
  const url = await pca.getAuthCodeUrl({ scopes, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', loginHint: username, prompt: 'login' });
  const code = (await signIn(url, { username, password: 'Passw0rd!', mfa: true })).searchParams.get('code')!;
  return (await pca.acquireTokenByCode({ code, scopes, redirectUri, codeVerifier: verifier })).account!;
}

/** A Graph client for a signed-in user: the callback auth provider asks MSAL's cache on every request. */
const graphFor = (account: AccountInfo) =>
  Client.init({
    baseUrl: EMU,
    customHosts,
    authProvider: (done) => {
      pca.acquireTokenSilent({ account, scopes }).then((r) => done(null, r.accessToken), (e: Error) => done(e, null));
    },
  });

const admin = graphFor(await signInWithMfa('admin@contoso.onmicrosoft.com'));
const pimuser = graphFor(await signInWithMfa('pimuser@contoso.onmicrosoft.com'));
const DIRECTORY = '/roleManagement/directory';
const activation = (justification: string | undefined, duration: string) => ({
  action: 'selfActivate', principalId: PIMUSER_ID, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
  ...(justification ? { justification } : {}),
  scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration } },
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

// ---- Phase 3: the admin makes pimuser eligible for Security Reader, permanently ----
const eligibilityRequest = await admin.api(`${DIRECTORY}/roleEligibilityScheduleRequests`).post({
  action: 'adminAssign', justification: 'Phase 3 of the workshop', principalId: PIMUSER_ID, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
  scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'noExpiration' } },
});

// ---- Phase 4: pimuser sees the eligibility, is refused without justification or beyond 8 h, activates ----
const eligible = await pimuser.api(`${DIRECTORY}/roleEligibilitySchedules/filterByCurrentUser(on='principal')`).filter("status eq 'Provisioned'").get();
const withoutJustification = await graphErrorOf(pimuser.api(`${DIRECTORY}/roleAssignmentScheduleRequests`).post(activation(undefined, 'PT8H')));
const tooLong = await graphErrorOf(pimuser.api(`${DIRECTORY}/roleAssignmentScheduleRequests`).post(activation('Reviewing sign-in logs', 'PT9H')));
const activated = await pimuser.api(`${DIRECTORY}/roleAssignmentScheduleRequests`).post(activation('Reviewing sign-in logs, ticket INC1234', 'PT8H'));
const instances = await pimuser.api(`${DIRECTORY}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`).get();

// ---- Throttling: the next two GET /me answer 429 Retry-After: 1; the RetryHandler waits and retries ----
const control = (path: string, body?: unknown) =>
  fetch(`${CONTROL}/_emulator${path}`, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}).then((r) => r.json());
const fault = (await control('/faults', { method: 'GET', path: '/v1.0/me', status: 429, retryAfter: 1, times: 2 })) as { remaining: number };
const started = Date.now();
const me = await pimuser.api('/me').get();
const retriedMs = Date.now() - started;
// A fault given `times` disappears once used up; the request log shows what the client went through.
const faultsAfter = (await control('/faults')) as { value: unknown[] };
const served = (await control('/requests?method=GET&path=/v1.0/me&limit=3')) as { value: Array<{ status: number }> };

// ---- Phase 5: pimuser deactivates (PIM wants 5 minutes of activation first: the emulator clock is
// moved), the admin removes the eligibility; pimuser holds nothing ----
const target = { principalId: PIMUSER_ID, roleDefinitionId: SECURITY_READER, directoryScopeId: '/' };
await control('/clock', { advance: 'PT5M' });
const deactivated = await pimuser.api(`${DIRECTORY}/roleAssignmentScheduleRequests`).post({ action: 'selfDeactivate', ...target });
const removed = await admin.api(`${DIRECTORY}/roleEligibilityScheduleRequests`).post({ action: 'adminRemove', ...target });
const eligibleAfter = await pimuser.api(`${DIRECTORY}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`).get();
const activeAfter = await pimuser.api(`${DIRECTORY}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`).get();

// ---- App-only, through @azure/identity: the automation app reads the audit trail ----
const app = Client.initWithMiddleware({
  baseUrl: EMU,
  defaultVersion: 'v1.0',
  customHosts,
  authProvider: new TokenCredentialAuthenticationProvider(
    new ClientSecretCredential('contoso', '256ab9b4-5d7d-4b72-abe9-a49048bc8a5e', 'pim-emulator-local-secret', { authorityHost: EMU, disableInstanceDiscovery: true }),
    { scopes },
  ),
});
const audits = await app.api('/auditLogs/directoryAudits').filter("category eq 'RoleManagement'").top(50).get();

type Row = Record<string, unknown>;
console.log(JSON.stringify({
  phase3: { action: eligibilityRequest.action, status: eligibilityRequest.status, expiration: eligibilityRequest.scheduleInfo.expiration.type },
  phase4: {
    eligible: (eligible.value as Row[]).map((e) => ({ roleDefinitionId: e.roleDefinitionId, memberType: e.memberType, status: e.status })),
    withoutJustification,
    tooLong,
    activated: { action: activated.action, status: activated.status, justification: activated.justification, duration: activated.scheduleInfo.expiration.duration },
    instances: (instances.value as Row[]).map((i) => ({ roleDefinitionId: i.roleDefinitionId, assignmentType: i.assignmentType })),
  },
  retry: {
    userPrincipalName: me.userPrincipalName,
    retriedMs,
    faultRemainingAtStart: fault.remaining,
    faultsLeft: faultsAfter.value.length,
    statusesOldestFirst: served.value.map((r) => r.status).reverse(),
  },
  phase5: {
    deactivated: { action: deactivated.action, status: deactivated.status },
    removed: { action: removed.action, status: removed.status },
    eligibleAfter: eligibleAfter.value.length,
    activeAfter: activeAfter.value.length,
  },
  appOnly: { activities: [...new Set((audits.value as Row[]).map((a) => a.activityDisplayName))] },
}));
