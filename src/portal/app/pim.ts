import { graph, list } from './api.js';
import { failedRules } from './errors.js';
import { DIRECTORY_ROLE, PAG, RM } from './config.js';
import { durationMs, HOUR } from './format.js';
import { onUserChange } from './session.js';
import type { Obj, RoleDefinition, RoleMap } from './types.js';

// What the portal derives from PIM's objects: role names, schedule windows, expired assignments, role settings.

let roleCache: Promise<RoleMap> | undefined;
// Forgets the role names when the user changes (another user's roles may read other definitions).
onUserChange(() => {
  roleCache = undefined;
});
/** Role definitions by id (names for every table). */
export async function roles(): Promise<RoleMap> {
  roleCache ??= list(`${RM}/roleDefinitions?$select=id,displayName,description,isBuiltIn`)
    .then((v) => new Map(v.map((r) => [r.id as string, r as RoleDefinition])))
    .catch((e) => {
      roleCache = undefined;
      throw e;
    });
  return roleCache;
}
export const roleName = (map: RoleMap, id: string): string => map.get(id)?.displayName ?? id;

/** Start/end of a PIM request's schedule, in ms (end null = permanent). */
export function scheduleWindow(r: Obj): { start: number; end: number | null } | null {
  const si = r.scheduleInfo;
  if (!si) return null;
  const start = Date.parse(si.startDateTime ?? r.createdDateTime);
  const exp = si.expiration ?? {};
  const type = String(exp.type ?? '').toLowerCase();
  let end: number | null = null;
  if (type === 'afterdatetime' && exp.endDateTime) end = Date.parse(exp.endDateTime);
  else if (type === 'afterduration' && exp.duration) end = start + durationMs(exp.duration);
  return { start, end };
}

export const GRANTING = new Set(['selfActivate', 'adminAssign', 'adminUpdate', 'adminExtend', 'adminRenew', 'selfExtend', 'selfRenew'].map((a) => a.toLowerCase()));

/**
 * Expired assignments, derived from the requests (Graph lists only schedules in force or to come):
 * a granted request whose schedule ended by time, or was deactivated; one removed by an admin or
 * replaced by an update is not "expired".
 */
export type ScheduleKind = 'assignment' | 'eligibility';
export interface Expired {
  request: Obj;
  kind: ScheduleKind;
  start: number;
  end: number;
  state: string;
}
export function expiredFrom(requests: Obj[], kind: ScheduleKind, nowMs: number): Expired[] {
  const out: Expired[] = [];
  const sorted = [...requests].sort((x, y) => Date.parse(x.createdDateTime) - Date.parse(y.createdDateTime));
  for (const r of sorted) {
    const action = String(r.action).toLowerCase();
    if (!GRANTING.has(action) || !['Provisioned', 'Granted', 'ScheduleCreated'].includes(r.status)) continue;
    const w = scheduleWindow(r);
    if (!w) continue;
    const same = (x: Obj) => x !== r && x.principalId === r.principalId && x.roleDefinitionId === r.roleDefinitionId && Date.parse(x.createdDateTime) >= Date.parse(r.createdDateTime);
    const later = sorted.filter((x) => same(x) && (w.end === null || Date.parse(x.createdDateTime) < w.end));
    if (later.some((x) => ['adminremove', 'adminupdate', 'adminextend', 'adminrenew'].includes(String(x.action).toLowerCase()))) continue;
    const deactivated = later.find((x) => String(x.action).toLowerCase() === 'selfdeactivate');
    const end = deactivated ? Date.parse(deactivated.createdDateTime) : w.end;
    if (end === null || end > nowMs) continue;
    out.push({ request: r, kind, start: w.start, end, state: kind === 'eligibility' ? 'Eligible' : action === 'selfactivate' ? (deactivated ? 'Deactivated' : 'Activated') : 'Assigned' });
  }
  return out.sort((x, y) => y.end - x.end);
}

export const principalLabel = (p: Obj | null | undefined): string => (p ? `${p.displayName ?? p.id}` : '');

/** The role's policy rules, or null when the signed-in user may not read them. */
export async function policyRules(roleId: string): Promise<Obj> {
  const q = `$filter=${encodeURIComponent(`${DIRECTORY_ROLE} and roleDefinitionId eq '${roleId}'`)}&$expand=${encodeURIComponent('policy($expand=rules)')}`;
  const v = await list(`/v1.0/policies/roleManagementPolicyAssignments?${q}`);
  const policy = v[0]?.policy;
  if (!policy) throw new Error(`No role management policy for role ${roleId}.`);
  return policy;
}
export const ruleOf = (policy: Obj, id: string): Obj | undefined => (policy.rules as Obj[]).find((r) => r.id === id);

/** What the Activate pane needs to know of a role's settings; null where it is not known. */
export interface ActivationSettings {
  known: boolean;
  maxHours: number;
  mfa: boolean | null;
  justification: boolean | null;
  ticketing: boolean | null;
  authContext: string | null;
  approval: boolean;
}
export function activationSettings(policy: Obj): ActivationSettings {
  const exp = ruleOf(policy, 'Expiration_EndUser_Assignment');
  const enabled = ruleOf(policy, 'Enablement_EndUser_Assignment')?.enabledRules ?? [];
  const ac = ruleOf(policy, 'AuthenticationContext_EndUser_Assignment');
  const ap = ruleOf(policy, 'Approval_EndUser_Assignment');
  return {
    known: true,
    maxHours: Math.max(0.5, Math.floor((durationMs(exp?.maximumDuration ?? 'PT8H') / HOUR) * 2) / 2),
    mfa: enabled.includes('MultiFactorAuthentication'),
    justification: enabled.includes('Justification'),
    ticketing: enabled.includes('Ticketing'),
    authContext: ac?.isEnabled ? ac.claimValue : null,
    approval: Boolean(ap?.setting?.isApprovalRequired),
  };
}

let userCache: Promise<Map<string, Obj>> | undefined;
export async function usersById(): Promise<Map<string, Obj>> {
  userCache ??= list('/v1.0/users?$select=id,displayName,userPrincipalName&$top=999').then((v) => new Map(v.map((u) => [u.id as string, u])));
  return userCache.catch((e) => {
    userCache = undefined;
    throw e;
  });
}

export const scopeText = (s: string | null | undefined): string => (s === '/' || !s ? 'Directory' : s);
/** The colour of a request status: done, waiting, or refused. */
export const statusPill = (s: string): string => (/Provisioned|Granted|ScheduleCreated/.test(s) ? 'ok' : /Pending/.test(s) ? 'warn' : /Denied|Failed|Canceled|Revoked/.test(s) ? 'err' : '');

/** Half-hour steps from 0.5 h to 24 h: the range of the Settings › Edit slider for the activation maximum. */
const MAX_STEPS = 48;

/**
 * The role's settings as the requestor may learn them when the policy itself is not readable (an
 * eligible user without a PIM reader role gets 403 UnauthorizedAccessException on
 * roleManagementPolicyAssignments, reference §1.2): validation-only selfActivate requests
 * (isValidationOnly: true creates nothing, sends no mail, writes no audit) answer with every rule
 * that fails, so ExpirationRule says whether a duration is over the maximum — a binary search over
 * half hours finds it — and the same answers say whether a reason, a ticket or MFA is required.
 * Null when the requests are refused for another reason (not eligible, signed out, …).
 */
export async function probeActivationSettings(roleId: string, principalId: string, userHasMfa: boolean): Promise<ActivationSettings | null> {
  return probeWith((duration) => graph(`${RM}/roleAssignmentScheduleRequests`, {
    method: 'POST',
    body: { action: 'selfActivate', principalId, roleDefinitionId: roleId, directoryScopeId: '/', isValidationOnly: true, scheduleInfo: { expiration: { type: 'afterDuration', duration } } },
  }), userHasMfa);
}

/** The same probe for a group's membership or ownership (PIM for Groups answers validation-only requests alike). */
export async function probeGroupActivationSettings(groupId: string, accessId: string, principalId: string, userHasMfa: boolean): Promise<ActivationSettings | null> {
  return probeWith((duration) => graph(`${PAG}/assignmentScheduleRequests`, {
    method: 'POST',
    body: { action: 'selfActivate', accessId, groupId, principalId, isValidationOnly: true, scheduleInfo: { expiration: { type: 'afterDuration', duration } } },
  }), userHasMfa);
}

/** The binary search of probeActivationSettings over one kind of validation-only selfActivate request. */
async function probeWith(validate: (duration: string) => Promise<unknown>, userHasMfa: boolean): Promise<ActivationSettings | null> {
  const seen = new Set<string>();
  /** Is `hours` within the maximum? Every rule that failed is remembered. */
  const fits = async (hours: number): Promise<boolean> => {
    const duration = `PT${Math.floor(hours)}H${hours % 1 ? '30M' : ''}`;
    try {
      await validate(duration);
      return true;
    } catch (e) {
      const rules = failedRules(e);
      if (!rules.length) throw e;
      for (const r of rules) seen.add(r);
      return !rules.includes('ExpirationRule');
    }
  };
  try {
    let lo = 1; // steps known to fit (0.5 h is the least the portal offers)
    let hi = MAX_STEPS;
    if (!(await fits(hi / 2))) {
      hi -= 1;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (await fits(mid / 2)) lo = mid;
        else hi = mid - 1;
      }
    }
    return {
      known: true,
      maxHours: hi / 2,
      // The probes carry no reason and no ticket; MFA shows only while the sign-in lacks it.
      mfa: seen.has('MfaRule') ? true : userHasMfa ? null : false,
      justification: seen.has('JustificationRule'),
      ticketing: seen.has('TicketingRule'),
      authContext: null,
      approval: false,
    };
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ PIM for Groups

/** A group's two PIM roles: membership and ownership (Graph's accessId). */
export const ACCESS = ['member', 'owner'] as const;
export type AccessId = (typeof ACCESS)[number];
export const accessWord = (a: string): string => (String(a).toLowerCase() === 'owner' ? 'Owner' : 'Member');

let groupCache: Promise<Map<string, Obj>> | undefined;
onUserChange(() => {
  groupCache = undefined;
});
/** The tenant's groups by id (names for the Groups tables). */
export async function groupsById(): Promise<Map<string, Obj>> {
  groupCache ??= list('/v1.0/groups?$select=id,displayName,description,groupTypes,securityEnabled,mailEnabled,isAssignableToRole&$top=999').then((v) => new Map(v.map((g) => [g.id as string, g])));
  return groupCache.catch((e) => {
    groupCache = undefined;
    throw e;
  });
}
export const groupName = (map: Map<string, Obj>, id: string): string => map.get(id)?.displayName ?? id;
/** What kind of group the Groups list says: Microsoft 365 or Security, role-assignable or not. */
export const groupKind = (g: Obj): string => `${(g.groupTypes ?? []).includes('Unified') ? 'Microsoft 365' : 'Security'}${g.isAssignableToRole ? ' (role-assignable)' : ''}`;

/**
 * A group's policy for membership or ownership (scopeType Group, roleDefinitionId the literal
 * member/owner). Its id changes when the group is onboarded (its first PIM request or rule change),
 * so the portal reads it afresh rather than keeping it.
 */
export async function groupPolicyRules(groupId: string, accessId: string): Promise<Obj> {
  const q = `$filter=${encodeURIComponent(`scopeId eq '${groupId}' and scopeType eq 'Group' and roleDefinitionId eq '${accessId}'`)}&$expand=${encodeURIComponent('policy($expand=rules)')}`;
  const v = await list(`/v1.0/policies/roleManagementPolicyAssignments?${q}`);
  const policy = v[0]?.policy;
  if (!policy) throw new Error(`No role management policy for the ${accessId} role of group ${groupId}.`);
  return policy;
}

/**
 * Group requests in the shape expiredFrom reads: the group and access id stand where a role
 * request has its role (one "role" per group and access), compared case-blind (Graph writes
 * group enums in camelCase).
 */
export const groupRequestsAsRoles = (requests: Obj[]): Obj[] => requests.map((r) => ({ ...r, roleDefinitionId: `${r.groupId}_${String(r.accessId).toLowerCase()}`, directoryScopeId: r.groupId }));

/**
 * ARM's schedule requests (PIM for Azure resources) in the shape expiredFrom reads: Graph's names,
 * camelCase enums, and one "role" per role definition and scope (an activation narrowed to a
 * resource group is its own, apart from one at the subscription).
 */
export const armRequestsAsRoles = (requests: Obj[]): Obj[] => requests.map((r) => {
  const p = r.properties ?? {};
  const e = p.scheduleInfo?.expiration ?? {};
  return {
    ...r,
    principalId: p.principalId,
    roleDefinitionId: `${String(p.scope ?? '').toLowerCase()}|${String(p.roleDefinitionId ?? '').toLowerCase()}`,
    action: p.requestType,
    status: p.status,
    justification: p.justification,
    createdDateTime: p.createdOn,
    scheduleInfo: { startDateTime: p.scheduleInfo?.startDateTime ?? p.createdOn, expiration: { type: e.type === 'AfterDuration' ? 'afterDuration' : e.type === 'AfterDateTime' ? 'afterDateTime' : 'noExpiration', duration: e.duration, endDateTime: e.endDateTime } },
  };
});
