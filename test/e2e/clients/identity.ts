/**
 * @azure/identity 4 against entra-pim-emulator, unpatched: ClientSecretCredential (app-only) and
 * DeviceCodeCredential (pimuser, completed headlessly with POST /_emulator/devicelogin, which does
 * in one call what a person does on the /devicelogin pages).
 *
 *   curl -s http://127.0.0.1:8080/_emulator/ca.pem > pim-ca.pem
 *   NODE_EXTRA_CA_CERTS=pim-ca.pem node --import tsx test/e2e/clients/identity.ts https://localhost:8443 http://127.0.0.1:8080
 *
 * Prints one JSON line with what each credential returned.
 */
import { ClientSecretCredential, DeviceCodeCredential } from '@azure/identity';

const [EMU = 'https://localhost:8443', CONTROL = 'http://127.0.0.1:8080'] = process.argv.slice(2);
// authorityHost must be https; disableInstanceDiscovery trusts it without asking login.microsoftonline.com.
const options = { authorityHost: EMU, disableInstanceDiscovery: true };
const scope = 'https://graph.microsoft.com/.default';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const graph = async (path: string, token: string) => {
  const res = await fetch(`${EMU}/v1.0${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

// ---- ClientSecretCredential: the confidential app, app-only ----
const secret = new ClientSecretCredential('contoso', '256ab9b4-5d7d-4b72-abe9-a49048bc8a5e', 'pim-emulator-local-secret', options);
const appToken = await secret.getToken(scope);
const eligibilities = await graph('/roleManagement/directory/roleEligibilitySchedules', appToken.token);

// ---- DeviceCodeCredential: a user signs in on another device ----
let approval: Promise<Response> | undefined;
const device = new DeviceCodeCredential({
  tenantId: 'contoso',
  clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', // Azure CLI (also the default)
  ...options,
  userPromptCallback: (info) => {
    // info.message: "To sign in, use a web browser to open the page https://localhost:8443/devicelogin and enter the code …"
    approval = fetch(`${CONTROL}/_emulator/devicelogin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userCode: info.userCode, user: 'pimuser@contoso.onmicrosoft.com', mfa: true }),
    });
    approval.catch(() => undefined); // awaited below; the credential polls every 5 s meanwhile
  },
});
const userToken = await device.getToken(scope);
const approved = (await (await approval!).json()) as Record<string, unknown>;
const again = await device.getToken(scope); // from the credential's cache: no new device code
const me = await graph('/me', userToken.token);

console.log(JSON.stringify({
  clientSecret: {
    expiresInMinutes: Math.round((appToken.expiresOnTimestamp - Date.now()) / 60_000),
    tokenType: appToken.tokenType,
    idtyp: claimsOf(appToken.token).idtyp,
    appid: claimsOf(appToken.token).appid,
    roles: claimsOf(appToken.token).roles,
    eligibilitySchedules: { status: eligibilities.status, count: (eligibilities.body.value as unknown[]).length },
  },
  deviceCode: {
    approved,
    upn: claimsOf(userToken.token).upn,
    amr: claimsOf(userToken.token).amr,
    cached: again.token === userToken.token,
    me: { status: me.status, userPrincipalName: me.body.userPrincipalName },
  },
}));
