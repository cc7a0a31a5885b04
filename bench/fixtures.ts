// Seed documents for `npm run bench`, written to a temp folder and loaded with PIM_SEED.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib.js';

export const SR = '5d6b6bb7-de71-4623-b4af-96380a352509'; // Security Reader
export const AZ_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
/** Roles whose holders receive admin mail: activating them would change each later mail's fan-out. */
const PRIVILEGED = new Set(['62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814', '194ae4cb-b126-40b2-bd5b-6091b380977d']);

type Json = Record<string, any>;
const base = (): Json => JSON.parse(readFileSync(path.join(ROOT, 'seed', 'default.json'), 'utf8'));

export const benchRoles = (): string[] => (base().roleDefinitions as Json[]).map((r) => r.id as string).filter((id) => !PRIVILEGED.has(id));

const T0 = '2026-01-01T00:00:00.000Z';
function eligibility(principalId: string, roleDefinitionId: string, directoryScopeId = '/'): Json {
  const id = randomUUID();
  return {
    kind: 'eligibility', id, principalId, roleDefinitionId, directoryScopeId, appScopeId: null, memberType: 'Direct',
    createdUsing: id, createdDateTime: T0, modifiedDateTime: null, startDateTime: T0, endDateTime: null,
    expiration: { type: 'noExpiration', endDateTime: null, duration: null }, activatedUsing: null, revokedDateTime: null, revokedBy: null,
  };
}

export interface BenchUser { id: string; upn: string }

/** `count` users b{i}@{domain}; each eligible for every role in `roles` at every scope in `scopes`. */
function addUsers(t: Json, count: number, roles: string[], scopes: string[] = ['/']): BenchUser[] {
  const users: BenchUser[] = [];
  t.pim ??= { requests: [], schedules: [], audits: [] };
  for (let i = 0; i < count; i++) {
    const u = { id: randomUUID(), upn: `b${i}@${t.tenant.domain}` };
    users.push(u);
    t.users.push({ id: u.id, displayName: `Bench User ${i}`, givenName: 'Bench', surname: `User ${i}`, userPrincipalName: u.upn });
    for (const r of roles) for (const s of scopes) t.pim.schedules.push(eligibility(u.id, r, s));
  }
  return users;
}

function write(dir: string, name: string, doc: Json): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/** The default seed plus `users` bench users in contoso, each eligible for `roles` (activation targets). */
export function writersSeed(dir: string, users: number, roles: string[]): { file: string; users: BenchUser[]; tenant: string } {
  const doc = base();
  const contoso = doc.tenants[0];
  const list = addUsers(contoso, users, roles);
  return { file: write(dir, `writers-${users}`, doc), users: list, tenant: contoso.tenant.name };
}

/** contoso holding `schedules` eligibility schedules (100 per user) and a few spare activation targets. */
export function bigSeed(dir: string, schedules: number): { file: string; users: BenchUser[]; tenant: string } {
  const doc = base();
  const contoso = doc.tenants[0];
  const roles = benchRoles();
  const perRole = Math.ceil(100 / roles.length);
  const scopes = ['/', ...Array.from({ length: perRole - 1 }, () => `/administrativeUnits/${randomUUID()}`)];
  const pairs = roles.flatMap((r) => scopes.map((s) => [r, s] as const)).slice(0, 100);
  const users = addUsers(contoso, Math.ceil(schedules / 100), [], []);
  for (const u of users) for (const [r, s] of pairs) contoso.pim.schedules.push(eligibility(u.id, r, s));
  contoso.pim.schedules.length = schedules;
  return { file: write(dir, `big-${schedules}`, doc), users, tenant: contoso.tenant.name };
}

/** `count` tenants shaped like contoso, each with `usersPer` users (the extra ones eligible for Security Reader). */
export function tenantsSeed(dir: string, count: number, usersPer: number): { file: string; tenants: Array<{ name: string; users: BenchUser[] }> } {
  const doc = base();
  const shape = doc.tenants[0];
  const tenants: Array<{ name: string; users: BenchUser[] }> = [];
  doc.tenants = [];
  for (let i = 0; i < count; i++) {
    const name = `t${String(i).padStart(4, '0')}`;
    const domain = `${name}.onmicrosoft.com`;
    const ids = new Map<string, string>();
    const re = (id: string) => {
      if (!ids.has(id)) ids.set(id, randomUUID());
      return ids.get(id)!;
    };
    const t: Json = {
      tenant: { ...shape.tenant, id: randomUUID(), name, displayName: name, domain },
      users: shape.users.map((u: Json) => ({ ...u, id: re(u.id), userPrincipalName: `${u.userPrincipalName.split('@')[0]}@${domain}` })),
      groups: (shape.groups ?? []).map((g: Json) => ({ ...g, id: re(g.id), members: g.members.map(re) })),
      applications: shape.applications.map((a: Json) => ({ ...a, id: randomUUID() })),
      roleAssignments: shape.roleAssignments.map((a: Json) => ({ ...a, principalId: re(a.principalId) })),
    };
    const users = addUsers(t, usersPer - t.users.length, [SR]);
    doc.tenants.push(t);
    tenants.push({ name, users });
  }
  return { file: write(dir, `tenants-${count}x${usersPer}`, doc), tenants };
}
