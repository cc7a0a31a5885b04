import type { PolicyRecord, RoleAssignmentRecord, RoleDefinition, TenantData } from '../directory/model.js';
import type { RequestInput } from './input.js';
import type { AuditRecord, Kind } from './model.js';

/**
 * What a PIM request is about, for whichever kind of resource: who gets what at which scope.
 * The stored and wire names are Graph's for directory roles (roleDefinitionId, directoryScopeId);
 * another kind maps its own words (a group's accessId, an ARM scope) onto these three.
 */
export interface Target {
  /** To whom: a user, a group or (active assignments only) a service principal. */
  principalId: string;
  /** What is assigned. */
  roleDefinitionId: string;
  /** At what scope. */
  directoryScopeId: string;
  /** What audit records and mails name. */
  role: RoleDefinition;
}

/**
 * A kind of resource plugged into PIM's engine (eligibility, activation, rules, approvals,
 * schedules, expiry and events are the engine's; design.md "Resource kinds"). The directory-role
 * kind (pim/directory-role.ts) is the first implementation; PIM for Groups and Azure resource
 * roles implement the same interface and add their routes.
 */
export interface ResourceKind {
  readonly name: string;
  /** Who, what and where a request body names; a PimError when any of it does not resolve or is not emulated. */
  resolve(t: TenantData, roles: readonly RoleDefinition[], input: RequestInput, kind: Kind): Target;
  /** The id scheme of new requests and schedules (directory roles: a random GUID, one id for both). */
  newId(): string;
  /**
   * The id of the schedule a request creates, when it is not the request's own id (groups:
   * `{groupId}_{member|owner}_{requestId}`, pim-groups-reference §2.3).
   */
  scheduleId?(target: Target, requestId: string): string;
  /**
   * Stored on this kind's requests and schedules (`resource`), so each kind's routes list only their
   * own records from the one engine store. The directory-role kind has none (records made before #18
   * have none either).
   */
  readonly tag?: string;
  /**
   * How long after its start an assignment cannot be removed (Azure resource roles: 5 minutes,
   * ActiveDurationTooShort, arm-pim-reference §3); none for directory roles and groups.
   */
  readonly removalGraceMs?: number;
  /**
   * Whether an eligibility at one scope entitles its holder to activate at another (default: only the
   * same scope). Azure resource roles: that scope or any below it, the "reduced scope" activation
   * (Microsoft's "Activate my Azure resource roles": "select the Scope tab … to reduce the scope").
   */
  eligibilityCovers?(eligibilityScope: string, targetScope: string): boolean;
  /** The eligibility schedule an activation names (ARM's linkedRoleEligibilityScheduleId), when it names one. */
  readonly linkedEligibility?: string;
  /** The policy (role settings) whose rules govern requests for the target. */
  policy(t: TenantData, target: Target): PolicyRecord | undefined;
  /** An assignment made outside PIM for the target (directory roles: a direct role assignment), if any. */
  standing(t: TenantData, kind: Kind, target: Target): RoleAssignmentRecord | undefined;
  /** Ends an assignment made outside PIM (an admin's remove or update of it). */
  removeStanding(t: TenantData, standing: RoleAssignmentRecord): void;
  /**
   * The side effect of an active assignment starting (`active` true) or ending, and the records it
   * leaves: directory roles log Core Directory's role-membership change; groups will change the
   * group's membership here.
   */
  onActiveChange(t: TenantData, target: Target, active: boolean, nowMs: number, correlationId: string): AuditRecord[];
}
