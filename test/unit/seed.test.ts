import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import { roleAssignmentId } from '../../src/ids.js';
import { loadSeedFile, parseSeed, SeedError } from '../../src/store/seed.js';

const SEED = path.join(PACKAGE_ROOT, 'seed', 'default.json');

const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const PRIVILEGED_ROLE_ADMINISTRATOR = 'e8611ab8-c189-46e8-94e1-60213ab1f814';

// Reference §3.2, in the order Graph returns them.
const RULE_IDS = [
  'Expiration_Admin_Eligibility',
  'Enablement_Admin_Eligibility',
  'Notification_Admin_Admin_Eligibility',
  'Notification_Requestor_Admin_Eligibility',
  'Notification_Approver_Admin_Eligibility',
  'Expiration_Admin_Assignment',
  'Enablement_Admin_Assignment',
  'Notification_Admin_Admin_Assignment',
  'Notification_Requestor_Admin_Assignment',
  'Notification_Approver_Admin_Assignment',
  'Expiration_EndUser_Assignment',
  'Enablement_EndUser_Assignment',
  'Approval_EndUser_Assignment',
  'AuthenticationContext_EndUser_Assignment',
  'Notification_Admin_EndUser_Assignment',
  'Notification_Requestor_EndUser_Assignment',
  'Notification_Approver_EndUser_Assignment',
];

describe('the shipped seed (seed/default.json)', () => {
  const state = loadSeedFile(SEED);
  const tenant = (name: string) => {
    const t = state.tenants.find((x) => x.tenant.name === name);
    expect(t, `tenant ${name}`).toBeDefined();
    return t!;
  };
  const user = (tenantName: string, localPart: string) => {
    const t = tenant(tenantName);
    const u = t.users.find((x) => x.userPrincipalName === `${localPart}@${t.tenant.domain}`);
    expect(u, `${localPart}@${t.tenant.domain}`).toBeDefined();
    return u!;
  };
  const rolesOf = (tenantName: string, userId: string) =>
    tenant(tenantName).roleAssignments.filter((a) => a.principalId === userId).map((a) => a.roleDefinitionId);

  it('has tenant contoso, licensed for PIM (AAD_PREMIUM_P2)', () => {
    expect(tenant('contoso').tenant.licenses).toContain('AAD_PREMIUM_P2');
    expect(tenant('contoso').tenant.domain).toBe('contoso.onmicrosoft.com');
  });

  it('has tenant fabrikam, with no licences', () => {
    expect(tenant('fabrikam').tenant.licenses).toEqual([]);
  });

  it('has at least 26 built-in role definitions whose id is their template id', () => {
    expect(state.roleDefinitions.length).toBeGreaterThanOrEqual(26);
    for (const r of state.roleDefinitions) expect(r.templateId, r.displayName).toBe(r.id);
  });

  it('includes Global Administrator and Privileged Role Administrator under their well-known ids', () => {
    const byId = new Map(state.roleDefinitions.map((r) => [r.id, r.displayName]));
    expect(byId.get(GLOBAL_ADMINISTRATOR)).toBe('Global Administrator');
    expect(byId.get(PRIVILEGED_ROLE_ADMINISTRATOR)).toBe('Privileged Role Administrator');
  });

  it.each(['contoso', 'fabrikam'])('gives %s one policy per role definition', (name) => {
    const policies = tenant(name).policies;
    expect(policies).toHaveLength(state.roleDefinitions.length);
    expect(policies.length).toBeGreaterThanOrEqual(26);
    expect(new Set(policies.map((p) => p.roleDefinitionId))).toEqual(new Set(state.roleDefinitions.map((r) => r.id)));
  });

  it.each(['contoso', 'fabrikam'])('gives every %s policy the 17 rules in the order Graph returns them', (name) => {
    for (const p of tenant(name).policies) expect(p.rules.map((r) => r.id)).toEqual(RULE_IDS);
  });

  it.each(['contoso', 'fabrikam'])('names %s policies DirectoryRole_<tenantId>_<guid>', (name) => {
    const t = tenant(name);
    for (const p of t.policies) {
      expect(p.id).toMatch(new RegExp(`^DirectoryRole_${t.tenant.id}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`));
    }
    expect(new Set(t.policies.map((p) => p.id)).size).toBe(t.policies.length);
  });

  it('gives the two tenants different policy ids', () => {
    const contoso = new Set(tenant('contoso').policies.map((p) => p.id));
    for (const p of tenant('fabrikam').policies) expect(contoso.has(p.id)).toBe(false);
  });

  it('makes admin@contoso a Global Administrator', () => {
    expect(rolesOf('contoso', user('contoso', 'admin').id)).toContain(GLOBAL_ADMINISTRATOR);
  });

  it('makes approver@contoso a Privileged Role Administrator', () => {
    expect(rolesOf('contoso', user('contoso', 'approver').id)).toContain(PRIVILEGED_ROLE_ADMINISTRATOR);
  });

  it('gives pimuser@contoso no role at all', () => {
    expect(rolesOf('contoso', user('contoso', 'pimuser').id)).toEqual([]);
  });

  it("gives role assignments Graph's id format", () => {
    for (const t of state.tenants) {
      for (const a of t.roleAssignments) expect(a.id).toBe(roleAssignmentId(a.roleDefinitionId, a.principalId));
    }
  });

  it('gives every user an authenticator secret', () => {
    for (const t of state.tenants) {
      for (const u of t.users) expect(u.mfaSecret, u.userPrincipalName).toMatch(/^[A-Z2-7]{16,}=*$/);
    }
  });

  it('gives different users different authenticator secrets', () => {
    const secrets = state.tenants.flatMap((t) => t.users.map((u) => u.mfaSecret));
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it('loads to identical ids and secrets every time', () => {
    const again = loadSeedFile(SEED);
    expect(again).toEqual(state);
  });

  it('fails with a SeedError naming the file when the file is missing', () => {
    expect(() => loadSeedFile('/nonexistent/seed.json')).toThrow(SeedError);
    expect(() => loadSeedFile('/nonexistent/seed.json')).toThrow(/\/nonexistent\/seed\.json/);
  });
});

describe('parseSeed', () => {
  const ROLE = '62e90394-69f5-4237-9190-012177145e10';
  const ALICE = '11111111-1111-4111-8111-111111111111';
  const BOB = '22222222-2222-4222-8222-222222222222';
  const GROUP = '33333333-3333-4333-8333-333333333333';

  /** A small valid document; each test breaks one thing in it. */
  function doc() {
    return {
      roleDefinitions: [{ id: ROLE, templateId: ROLE, displayName: 'Global Administrator', rolePermissions: [{ allowedResourceActions: ['microsoft.directory/allEntities/allProperties/allTasks'] }] }],
      tenants: [
        {
          tenant: { id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', name: 'contoso', domain: 'contoso.onmicrosoft.com' },
          users: [
            { id: ALICE, displayName: 'Alice', userPrincipalName: 'alice@contoso.onmicrosoft.com' },
            { id: BOB, displayName: 'Bob', userPrincipalName: 'bob@contoso.onmicrosoft.com' },
          ],
          groups: [{ id: GROUP, displayName: 'Admins', members: [ALICE] }],
          roleAssignments: [{ principalId: ALICE, roleDefinitionId: ROLE }],
        },
      ] as Array<Record<string, any>>,
    };
  }

  function seedError(d: unknown): SeedError {
    try {
      parseSeed(d, 'test-seed');
    } catch (e) {
      expect(e).toBeInstanceOf(SeedError);
      return e as SeedError;
    }
    throw new Error('parseSeed accepted the document');
  }

  it('accepts the small document and fills in defaults', () => {
    const state = parseSeed(doc());
    const t = state.tenants[0]!;
    expect(t.tenant).toMatchObject({ displayName: 'contoso', licenses: [], defaultPassword: 'Passw0rd!' });
    expect(t.users[0]).toMatchObject({ mail: 'alice@contoso.onmicrosoft.com', accountEnabled: true, businessPhones: [] });
    expect(t.policies).toHaveLength(1);
    expect(t.roleAssignments[0]).toMatchObject({ directoryScopeId: '/', id: roleAssignmentId(ROLE, ALICE) });
  });

  it('accepts a role assignment to a group', () => {
    const d = doc();
    d.tenants[0]!.roleAssignments = [{ principalId: GROUP, roleDefinitionId: ROLE }];
    expect(parseSeed(d).tenants[0]!.roleAssignments[0]!.principalId).toBe(GROUP);
  });

  it('names the source in the message', () => {
    expect(seedError({}).message.startsWith('test-seed: ')).toBe(true);
  });

  it('rejects a field of the wrong type, naming its JSON path', () => {
    const d = doc();
    d.tenants[0]!.users[1].userPrincipalName = 42;
    expect(seedError(d).message).toContain('/tenants/0/users/1/userPrincipalName');
  });

  it('rejects a missing required field, naming the object', () => {
    const d = doc();
    delete d.tenants[0]!.users[1].displayName;
    const message = seedError(d).message;
    expect(message).toContain('/tenants/0/users/1');
    expect(message).toContain('displayName');
  });

  it('rejects an unknown property, naming it and where it is', () => {
    const d = doc();
    d.tenants[0]!.users[0].favouriteColour = 'teal';
    const message = seedError(d).message;
    expect(message).toContain('/tenants/0/users/0');
    expect(message).toContain('favouriteColour');
  });

  it('rejects an id that is not a GUID', () => {
    const d = doc();
    d.tenants[0]!.users[0].id = 'alice';
    expect(seedError(d).message).toContain('/tenants/0/users/0/id');
  });

  it('rejects a duplicate user id, naming the second one', () => {
    const d = doc();
    d.tenants[0]!.users[1].id = ALICE.toUpperCase();
    const message = seedError(d).message;
    expect(message).toContain('/tenants/0/users/1/id');
    expect(message).toMatch(/duplicate/i);
  });

  it('rejects a group whose id is already a user', () => {
    const d = doc();
    d.tenants[0]!.groups[0].id = BOB;
    expect(seedError(d).message).toContain('/tenants/0/groups/0/id');
  });

  it("rejects a user principal name outside the tenant's domain", () => {
    const d = doc();
    d.tenants[0]!.users[1].userPrincipalName = 'bob@fabrikam.onmicrosoft.com';
    const message = seedError(d).message;
    expect(message).toContain('/tenants/0/users/1/userPrincipalName');
    expect(message).toContain('contoso.onmicrosoft.com');
  });

  it('rejects a duplicate user principal name', () => {
    const d = doc();
    d.tenants[0]!.users[1].userPrincipalName = 'ALICE@contoso.onmicrosoft.com';
    expect(seedError(d).message).toContain('/tenants/0/users/1/userPrincipalName');
  });

  it('rejects a role assignment to a principal that does not exist', () => {
    const d = doc();
    d.tenants[0]!.roleAssignments = [{ principalId: '44444444-4444-4444-8444-444444444444', roleDefinitionId: ROLE }];
    const message = seedError(d).message;
    expect(message).toContain('/tenants/0/roleAssignments/0/principalId');
    expect(message).toContain('44444444-4444-4444-8444-444444444444');
  });

  it('rejects a role assignment of a role that does not exist', () => {
    const d = doc();
    d.tenants[0]!.roleAssignments = [{ principalId: ALICE, roleDefinitionId: '55555555-5555-4555-8555-555555555555' }];
    const message = seedError(d).message;
    expect(message).toContain('/tenants/0/roleAssignments/0/roleDefinitionId');
    expect(message).toContain('55555555-5555-4555-8555-555555555555');
  });

  it('rejects the same role assigned twice to the same principal', () => {
    const d = doc();
    d.tenants[0]!.roleAssignments = [
      { principalId: ALICE, roleDefinitionId: ROLE },
      { principalId: ALICE, roleDefinitionId: ROLE },
    ];
    expect(seedError(d).message).toContain('/tenants/0/roleAssignments/1');
  });

  it('rejects a group member that is not a user of the tenant', () => {
    const d = doc();
    d.tenants[0]!.groups[0].members = [ALICE, GROUP];
    const message = seedError(d).message;
    expect(message).toContain('/tenants/0/groups/0/members/1');
    expect(message).toContain(GROUP);
  });

  it('rejects a duplicate tenant name, naming the second tenant', () => {
    const d = doc();
    const second = structuredClone(d.tenants[0]!);
    second.tenant.id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
    second.tenant.domain = 'contoso2.onmicrosoft.com';
    second.users = [];
    second.groups = [];
    second.roleAssignments = [];
    d.tenants.push(second);
    const message = seedError(d).message;
    expect(message).toContain('/tenants/1/tenant/name');
    expect(message).toContain('contoso');
  });

  it('rejects a duplicate tenant id', () => {
    const d = doc();
    d.tenants.push({ tenant: { ...d.tenants[0]!.tenant, name: 'other', domain: 'other.onmicrosoft.com' }, users: [] });
    expect(seedError(d).message).toContain('/tenants/1/tenant/id');
  });

  it('rejects a document with no tenants', () => {
    const d = doc();
    d.tenants = [];
    expect(seedError(d).message).toContain('/tenants');
  });

  it('rejects something that is not a seed document at all', () => {
    expect(() => parseSeed(null)).toThrow(SeedError);
    expect(() => parseSeed([])).toThrow(SeedError);
    expect(() => parseSeed('seed')).toThrow(SeedError);
  });
});
