/**
 * @azure/arm-authorization 9 against entra-pim-emulator, unpatched, over HTTPS: PIM for Azure
 * resources on Azure Resource Manager. The admin makes pimuser eligible for Contributor on a
 * subscription and asks for MFA on activation; pimuser activates with a justification (refused
 * without MFA, as ARM refuses it, then with an MFA token), lists the active instances with
 * `asTarget()`, and sees the activation end once the tenant's clock passes its end.
 *
 *   curl -s http://127.0.0.1:8080/_emulator/ca.pem > pim-ca.pem
 *   NODE_EXTRA_CA_CERTS=pim-ca.pem node --import tsx test/e2e/clients/arm-authorization.ts https://localhost:8443 http://127.0.0.1:8080
 *
 * The TokenCredential hands the SDK an ARM token (audience https://management.azure.com/) minted
 * by the control plane (POST /_emulator/tokens), with or without MFA. Prints one JSON line.
 */
import { randomUUID } from 'node:crypto';
import { AuthorizationManagementClient, type RoleManagementPolicyRuleUnion } from '@azure/arm-authorization';

/** @azure/core-auth's TokenCredential, as the client's constructor takes it. */
type TokenCredential = ConstructorParameters<typeof AuthorizationManagementClient>[0];

const [EMU = 'https://localhost:8443', CONTROL = 'http://127.0.0.1:8080'] = process.argv.slice(2);
const SUB = '9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41'; // Contoso Pay-As-You-Go
// The SDK puts the scope after its endpoint's '/': given without a leading slash, as Microsoft's samples give it.
const SCOPE = `subscriptions/${SUB}`;
const CONTRIBUTOR = `/${SCOPE}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c`;
const ADMIN = 'admin@contoso.onmicrosoft.com';
const PIMUSER = { id: 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709', upn: 'pimuser@contoso.onmicrosoft.com' };

const control = async (path: string, body: unknown) => {
  const res = await fetch(`${CONTROL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, any>;
};
/** A TokenCredential holding one ARM token of `user`, minted by the control plane. */
const credentialFor = async (user: string, mfa: boolean): Promise<TokenCredential> => {
  const minted = await control('/_emulator/tokens', { tenant: 'contoso', user, mfa, resource: 'https://management.azure.com' });
  return { getToken: async () => ({ token: minted.access_token as string, expiresOnTimestamp: Date.now() + 3_600_000 }) };
};
const clientFor = async (user: string, mfa: boolean) => new AuthorizationManagementClient(await credentialFor(user, mfa), SUB, { endpoint: EMU });
const all = async <T>(pages: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of pages) out.push(x);
  return out;
};
const failure = (e: any) => ({ statusCode: e.statusCode, code: e.code, message: e.message });

// ---- The admin: pimuser eligible for Contributor on the subscription, and MFA asked on activation ----
const admin = await clientFor(ADMIN, true);
const eligibility = await admin.roleEligibilityScheduleRequests.create(SCOPE, randomUUID(), {
  principalId: PIMUSER.id, roleDefinitionId: CONTRIBUTOR, requestType: 'AdminAssign', justification: 'On call for the payments subscription',
  scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P30D' } },
});
// The policy of Contributor at the subscription, through its policy assignment ({policyGuid}_{roleGuid}).
const assignment = (await all(admin.roleManagementPolicyAssignments.listForScope(SCOPE))).find((a) => a.roleDefinitionId?.toLowerCase() === CONTRIBUTOR.toLowerCase());
if (!assignment?.policyId) throw new Error('no policy assignment for Contributor at the subscription');
const policyName = assignment.policyId.split('/').pop()!;
const mfaRule: RoleManagementPolicyRuleUnion = {
  id: 'Enablement_EndUser_Assignment', ruleType: 'RoleManagementPolicyEnablementRule', enabledRules: ['MultiFactorAuthentication', 'Justification'],
  target: { caller: 'EndUser', level: 'Assignment', operations: ['All'] },
};
const updated = await admin.roleManagementPolicies.update(SCOPE, policyName, { rules: [mfaRule] });

// ---- pimuser activates: first with a password-only token, then with MFA ----
const activation = () => ({
  principalId: PIMUSER.id, roleDefinitionId: CONTRIBUTOR, requestType: 'SelfActivate' as const, justification: 'Deploy the payments hotfix',
  linkedRoleEligibilityScheduleId: eligibility.targetRoleEligibilityScheduleId,
  scheduleInfo: { expiration: { type: 'AfterDuration' as const, duration: 'PT1H' } },
});
let withoutMfa: unknown;
try {
  await (await clientFor(PIMUSER.upn, false)).roleAssignmentScheduleRequests.create(SCOPE, randomUUID(), activation());
  withoutMfa = 'accepted';
} catch (e) {
  withoutMfa = failure(e);
}
const pimuser = await clientFor(PIMUSER.upn, true);
const activated = await pimuser.roleAssignmentScheduleRequests.create(SCOPE, randomUUID(), activation());
const instances = await all(pimuser.roleAssignmentScheduleInstances.listForScope(SCOPE, { filter: 'asTarget()' }));

// ---- The tenant's clock passes the activation's end (control plane, never a sleep) ----
const clock = await control('/_emulator/clock', { advance: 'PT61M' });
// A new token: the first one expired on the emulator's clock along with the activation.
const later = await all((await clientFor(PIMUSER.upn, true)).roleAssignmentScheduleInstances.listForScope(SCOPE, { filter: 'asTarget()' }));

console.log(JSON.stringify({
  eligibility: { requestType: eligibility.requestType, status: eligibility.status, principalId: eligibility.principalId, roleDefinitionId: eligibility.roleDefinitionId, scope: eligibility.scope, scheduleId: eligibility.targetRoleEligibilityScheduleId },
  policy: { enablement: (updated.rules?.find((r) => r.id === 'Enablement_EndUser_Assignment') as { enabledRules?: string[] } | undefined)?.enabledRules },
  withoutMfa,
  activated: {
    requestType: activated.requestType, status: activated.status, justification: activated.justification, principalId: activated.principalId,
    linkedRoleEligibilityScheduleId: activated.linkedRoleEligibilityScheduleId, duration: activated.scheduleInfo?.expiration?.duration,
  },
  instances: instances.map((i) => ({ scope: i.scope, roleDefinitionId: i.roleDefinitionId, principalId: i.principalId, assignmentType: i.assignmentType, memberType: i.memberType, status: i.status, endDateTime: i.endDateTime?.toISOString() })),
  clock: clock.now,
  later: later.length,
}));
