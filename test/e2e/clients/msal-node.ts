/**
 * @azure/msal-node 7 against entra-pim-emulator, unpatched: client credentials, authorization code
 * with PKCE (the sign-in and MFA pages driven like a browser), device code (the /devicelogin pages)
 * and a silent refresh from MSAL's token cache.
 *
 *   curl -s http://127.0.0.1:8080/_emulator/ca.pem > pim-ca.pem
 *   NODE_EXTRA_CA_CERTS=pim-ca.pem node --import tsx test/e2e/clients/msal-node.ts https://localhost:8443 http://127.0.0.1:8080
 *
 * Prints one JSON line with what each flow returned.
 */
import { ConfidentialClientApplication, CryptoProvider, PublicClientApplication } from '@azure/msal-node';
import { deviceLogin, signIn } from './browser.js';

const [EMU = 'https://localhost:8443'] = process.argv.slice(2); // MSAL refuses http:// authorities
const authority = `${EMU}/contoso`; // tenant: name, domain or GUID
const knownAuthorities = [new URL(EMU).host]; // "localhost:8443": host WITH port; skips instance discovery at login.microsoftonline.com

const scopes = ['https://graph.microsoft.com/.default'];
const pimuser = { username: 'pimuser@contoso.onmicrosoft.com', password: 'Passw0rd!', mfa: true };
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const graph = async (path: string, token: string) => {
  const res = await fetch(`${EMU}/v1.0${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

// ---- 1. Client credentials (a confidential app, app-only token) ----
const cca = new ConfidentialClientApplication({
  auth: {
    clientId: '256ab9b4-5d7d-4b72-abe9-a49048bc8a5e',
    clientSecret: 'pim-emulator-local-secret',
    authority,
    knownAuthorities,
  },
});
const app = (await cca.acquireTokenByClientCredential({ scopes }))!;
const roleDefinitions = await graph('/roleManagement/directory/roleDefinitions', app.accessToken);

// ---- 2. Authorization code with PKCE (a public client, redirect URI http://localhost) ----
const pca = new PublicClientApplication({ auth: { clientId: '6df8e9c8-48f6-4ed2-8e89-b23bb8c566ef', authority, knownAuthorities } });
const redirectUri = 'http://localhost';
const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
const state = 'state-42';
const authorizeUrl = await pca.getAuthCodeUrl({ scopes, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', state, loginHint: pimuser.username });
// The browser: sign-in page, MFA page, then a 302 to http://localhost/?code=…&state=…
const back = await signIn(authorizeUrl, pimuser);
const code = back.searchParams.get('code')!;
// The request's state is what was sent, the payload's what came back: MSAL compares them.
const byCode = await pca.acquireTokenByCode({ code, scopes, redirectUri, codeVerifier: verifier, state }, { code, state: back.searchParams.get('state')! });
const me = await graph('/me', byCode.accessToken);

// ---- 3. Device code: the user opens verification_uri and enters the code (here: fetch does it) ----
let approval: Promise<string> | undefined;
const byDevice = (await new PublicClientApplication({ auth: { clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', authority, knownAuthorities } })
  .acquireTokenByDeviceCode({
    scopes,
    deviceCodeCallback: (r) => {
      // r.message: "To sign in, use a web browser to open the page https://localhost:8443/devicelogin and enter the code …"
      approval = deviceLogin(r.verificationUri, r.userCode, { ...pimuser, mfa: false });
      approval.catch(() => undefined); // awaited below; MSAL keeps polling every 5 s (interval) meanwhile
    },
  }))!;
const devicePage = await approval!;

// ---- 4. Silent: from the cache, then forced through the refresh token ----
const accounts = await pca.getTokenCache().getAllAccounts();
const cached = await pca.acquireTokenSilent({ account: byCode.account!, scopes });
const refreshed = await pca.acquireTokenSilent({ account: byCode.account!, scopes, forceRefresh: true });

console.log(JSON.stringify({
  clientCredentials: {
    tokenType: app.tokenType,
    idtyp: claimsOf(app.accessToken).idtyp,
    roles: claimsOf(app.accessToken).roles,
    roleDefinitions: { status: roleDefinitions.status, count: (roleDefinitions.body.value as unknown[]).length },
  },
  authCode: {
    redirect: `${back.origin}${back.pathname}`,
    username: byCode.account?.username,
    tenantId: byCode.tenantId,
    amr: claimsOf(byCode.accessToken).amr,
    idTokenAmr: byCode.idTokenClaims && (byCode.idTokenClaims as Record<string, unknown>).amr,
    me: { status: me.status, userPrincipalName: me.body.userPrincipalName },
  },
  deviceCode: {
    page: devicePage,
    username: byDevice.account?.username,
    amr: claimsOf(byDevice.accessToken).amr,
    appid: claimsOf(byDevice.accessToken).appid,
  },
  silent: {
    accounts: accounts.map((a) => a.username),
    cachedFromCache: cached.fromCache,
    sameTokenFromCache: cached.accessToken === byCode.accessToken,
    refreshedFromCache: refreshed.fromCache,
    newToken: refreshed.accessToken !== byCode.accessToken,
    amr: claimsOf(refreshed.accessToken).amr,
  },
}));
