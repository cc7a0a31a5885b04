/**
 * PIM's records as the emulator stores them. Wire names are Graph's (reference §1.3–1.5);
 * times are ISO strings as Graph returns them.
 */
export const ACTIONS = ['adminAssign', 'adminUpdate', 'adminRemove', 'selfActivate', 'selfDeactivate', 'adminExtend', 'adminRenew', 'selfExtend', 'selfRenew'] as const;
export type Action = (typeof ACTIONS)[number];

export const EXPIRATION_TYPES = ['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration'] as const;
export type ExpirationType = (typeof EXPIRATION_TYPES)[number];

/** eligibility = roleEligibilityScheduleRequests / Schedules; assignment = roleAssignment… */
export type Kind = 'eligibility' | 'assignment';

export interface Expiration {
  type: ExpirationType;
  endDateTime: string | null;
  duration: string | null;
}

export interface ScheduleInfo {
  startDateTime: string | null;
  recurrence: null;
  expiration: Expiration;
}

export interface TicketInfo {
  ticketNumber: string | null;
  ticketSystem: string | null;
}

export interface IdentitySet {
  application: { displayName: string | null; id: string } | null;
  device: null;
  user: { displayName: string | null; id: string } | null;
}

export interface RequestRecord {
  kind: Kind;
  /** The resource kind's tag (ResourceKind.tag); absent for directory roles. */
  resource?: string;
  id: string;
  action: Action;
  status: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  appScopeId: string | null;
  justification: string | null;
  isValidationOnly: boolean;
  customData: string | null;
  createdDateTime: string;
  completedDateTime: string | null;
  approvalId: string | null;
  targetScheduleId: string | null;
  createdBy: IdentitySet;
  scheduleInfo: ScheduleInfo | null;
  ticketInfo: TicketInfo;
  /** Assignment requests made by selfActivate: the eligibility schedule used. */
  activatedUsing?: string | null;
  /** Activation waiting for approval (Approval_EndUser_Assignment): who may decide, and the single step. */
  approval?: ApprovalState;
  /** What to provision once approved (or an admin decides a selfExtend/selfRenew). */
  pending?: { startMs: number; endMs: number | null; expiration: Expiration; activatedUsing: string | null };
}

export interface ApprovalStep {
  status: 'InProgress' | 'Completed' | 'Expired';
  reviewResult: 'NotReviewed' | 'Approve' | 'Deny';
  reviewedBy: { id: string; displayName: string | null; userPrincipalName: string | null; mail: string | null } | null;
  reviewedDateTime: string | null;
  justification: string | null;
}

export interface ApprovalState {
  /** User ids who may approve (resolved when the request was made). */
  approverIds: string[];
  isApproverJustificationRequired: boolean;
  /** When the single stage times out (approvalStageTimeOutInDays; 24 h by default). */
  expiresDateTime: string;
  step: ApprovalStep;
}

/** A schedule: an eligibility, or an active assignment (Assigned by an admin, or Activated). */
export interface ScheduleRecord {
  kind: Kind;
  /** The resource kind's tag (ResourceKind.tag); absent for directory roles. */
  resource?: string;
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  appScopeId: string | null;
  /** Assignment schedules only. */
  assignmentType?: 'Assigned' | 'Activated';
  memberType: 'Direct';
  createdUsing: string | null;
  createdDateTime: string;
  modifiedDateTime: string | null;
  /** Effective start (provisioning time, or the requested future start). */
  startDateTime: string;
  /** Effective end, or null for no expiration. */
  endDateTime: string | null;
  expiration: Expiration;
  /** Activations: the eligibility schedule they came from. */
  activatedUsing: string | null;
  /** Set when removed, updated away, deactivated or canceled before its end. */
  revokedDateTime: string | null;
  /** The request that ended it early, if any. */
  revokedBy: string | null;
  /** The scheduler wrote its expiry (audit, mail) once. */
  expiryProcessed?: boolean;
  /** The scheduler wrote the provisioning of a future start once. */
  startProcessed?: boolean;
  /** Expiry reminders already queued ('reminder14d', 'reminder1d'). */
  remindersSent?: string[];
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface AuditRecord {
  id: string;
  activityDateTime: string;
  activityDisplayName: string;
  additionalDetails: KeyValue[];
  category: string;
  correlationId: string;
  initiatedBy: {
    app: { appId: string | null; displayName: string | null; servicePrincipalId: string | null; servicePrincipalName: string | null } | null;
    user: { id: string; displayName: string | null; userPrincipalName: string | null; ipAddress: string | null } | null;
  };
  loggedByService: string;
  operationType: string;
  result: 'success' | 'failure';
  resultReason: string;
  targetResources: Array<{
    id: string;
    displayName: string | null;
    type: string;
    userPrincipalName: string | null;
    groupType: string | null;
    modifiedProperties: Array<{ displayName: string; oldValue: string | null; newValue: string | null }>;
  }>;
}

export interface PimData {
  requests: RequestRecord[];
  schedules: ScheduleRecord[];
  audits: AuditRecord[];
}

declare module '../directory/model.js' {
  interface TenantData {
    /** PIM requests, schedules and audit records. */
    pim: PimData;
  }
}

/** The tag of PIM for Groups' records (pim/group.ts). */
export const GROUP_RESOURCE = 'group';

/** The tag of PIM for Azure resources' records (pim/azure-role.ts). */
export const AZURE_ROLE_RESOURCE = 'azureRole';

/** A directory-role record (no resource tag): what the roleManagement/directory routes and role holders see. */
export const isDirectoryRoleRecord = (r: { resource?: string }): boolean => r.resource === undefined;

export const emptyPimData = (): PimData => ({ requests: [], schedules: [], audits: [] });

/** The actor behind a request: a signed-in user (with the methods it proved) or an application. */
export interface Actor {
  kind: 'user' | 'app';
  id: string;
  displayName: string | null;
  userPrincipalName: string | null;
  appId: string | null;
  amr: string[];
  acrs: string[];
}
