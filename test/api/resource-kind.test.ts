import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import type { RoleDefinition } from '../../src/directory/model.js';
import type { Actor } from '../../src/pim/model.js';
import { defaultPolicy } from '../../src/pim/policy-defaults.js';
import { pimErrors } from '../../src/pim/errors.js';
import { submitRequest } from '../../src/pim/requests.js';
import { directoryRoles } from '../../src/pim/directory-role.js';
import type { ResourceKind } from '../../src/pim/resource.js';
import { CONTOSO, USERS, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock } from '../support/api.js';

/**
 * The engine runs any resource kind that implements ResourceKind (src/pim/resource.ts): here a toy
 * "group membership" kind, as PIM for Groups will be — what is assigned is a group, its policy is
 * the group's own, and an active assignment's side effect is the membership itself. Its "route" is
 * the few lines a route has: one domain write through ctx.commit. Everything else (eligibility,
 * rules, schedules, the five-minute deactivation floor) is the engine's, unchanged.
 */
const SOC = { id: 'd0787156-9ef8-4ecb-a149-ef8fa1f26e40', displayName: 'Security Operations' };
const T0 = '2026-12-01T09:00:00Z';

const groupMembership: ResourceKind = {
  name: 'groupMembership (test)',
  resolve(t, _roles, input) {
    const group = t.groups.find((g) => g.id === input.roleDefinitionId?.toLowerCase());
    const principal = t.users.find((u) => u.id === input.principalId?.toLowerCase());
    if (!group || !principal) throw pimErrors.invalidRequest();
    // Audit records and mails name what is assigned: the group, shown as a "role".
    const role: RoleDefinition = { id: group.id, templateId: group.id, displayName: `${group.displayName} (member)`, description: '', isBuiltIn: false, isEnabled: true, resourceScopes: ['/'], version: null, rolePermissions: [] };
    return { principalId: principal.id, roleDefinitionId: group.id, directoryScopeId: '/', role };
  },
  newId: directoryRoles.newId,
  policy: (t, target) => defaultPolicy(t.tenant.id, target.roleDefinitionId),
  standing: () => undefined,
  removeStanding: () => undefined,
  onActiveChange(t, target, active) {
    const group = t.groups.find((g) => g.id === target.roleDefinitionId)!;
    group.members = active ? [...group.members, target.principalId] : group.members.filter((m) => m !== target.principalId);
    return [];
  },
};

describe('a resource kind other than directory roles', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: T0, freeze: true });
  });
  afterEach(async () => {
    await emu.close();
  });

  const actor = (id: string, upn: string): Actor => ({ kind: 'user', id, displayName: null, userPrincipalName: upn, appId: null, amr: ['pwd', 'mfa'], acrs: [] });
  /** What a route for the kind does: one domain write, its events published by the commit. */
  const request = (kind: 'eligibility' | 'assignment', who: Actor, action: string, duration?: string) =>
    emu.ctx.commit(CONTOSO.id, emu.clock.nowMs(), (t) =>
      submitRequest({
        tenant: t, roles: emu.store.system().roleDefinitions, resource: groupMembership, kind, actor: who, nowMs: emu.clock.nowMs(), apply: true,
        input: {
          action, principalId: USERS.pimuser.id, roleDefinitionId: SOC.id, justification: 'On call this week',
          scheduleInfo: { startDateTime: T0, expiration: duration ? { type: 'afterDuration', duration } : { type: 'noExpiration' } },
        },
      }));
  const members = async (): Promise<string[]> => {
    const res = await get(emu, `/v1.0/groups/${SOC.id}/members`, await tokenFor(emu, USERS.admin.upn));
    expect(res.statusCode, res.body).toBe(200);
    return res.json().value.map((m: { id: string }) => m.id);
  };

  it('makes pimuser eligible, activates the membership, and ends it on deactivation — through the same engine', async () => {
    const admin = actor(USERS.admin.id, USERS.admin.upn);
    const pimuser = actor(USERS.pimuser.id, USERS.pimuser.upn);
    expect(await members()).not.toContain(USERS.pimuser.id);

    const eligible = await request('eligibility', admin, 'adminAssign');
    expect(eligible.request).toMatchObject({ status: 'Provisioned', roleDefinitionId: SOC.id, principalId: USERS.pimuser.id });
    expect(await members()).not.toContain(USERS.pimuser.id);

    // The engine's rules apply to the new kind: the group's policy caps an activation at eight hours.
    await expect(request('assignment', pimuser, 'selfActivate', 'PT9H')).rejects.toMatchObject({ code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["ExpirationRule"]' });
    const activated = await request('assignment', pimuser, 'selfActivate', 'PT2H');
    expect(activated.request).toMatchObject({ action: 'selfActivate', status: 'Provisioned', activatedUsing: eligible.request.id });
    expect(activated.events.map((e) => e.type)).toEqual(['activated']);
    expect(await members()).toContain(USERS.pimuser.id);

    // Past the engine's five-minute floor for deactivation.
    await moveClock(emu, { advance: 'PT10M' });
    const deactivated = await request('assignment', pimuser, 'selfDeactivate');
    expect(deactivated.request.status).toBe('Revoked');
    expect(await members()).not.toContain(USERS.pimuser.id);
  });
});
