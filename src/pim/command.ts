import type { RoleDefinition, TenantData } from '../directory/model.js';
import type { DomainEvent } from '../events.js';
import type { Action, Actor, Expiration, Kind, RequestRecord } from './model.js';
import type { RequestInput } from './input.js';
import type { ResourceKind, Target } from './resource.js';

export type { RequestInput };

/**
 * The types every action family shares, kept below the action files so they import downward and
 * never each other (design.md, style 13).
 */

export interface Outcome {
  request: RequestRecord;
  events: DomainEvent[];
}

/** Everything a request needs to be decided against one tenant's state at one instant. */
export interface Submission {
  tenant: TenantData;
  roles: RoleDefinition[];
  /** What is being assigned (directory roles today); defaults to the directory-role kind. */
  resource?: ResourceKind;
  kind: Kind;
  input: RequestInput;
  actor: Actor;
  nowMs: number;
  /** Apply the change (false for isValidationOnly). */
  apply: boolean;
}

/** A submission whose resource kind is settled (what the action handlers receive). */
export type Resolved = Submission & { resource: ResourceKind };

/** The effective start and end a scheduleInfo asks for. */
export interface Schedule {
  requestedStart: string | null;
  startMs: number;
  expiration: Expiration;
  endMs: number | null;
}

export type Handler = (sub: Resolved, action: Action, target: Target) => Outcome;

export const DAY_MS = 86_400_000;

/** Request statuses still waiting for someone's decision. */
export const WAITING_FOR_APPROVAL = ['PendingApproval', 'PendingApprovalProvisioning'] as const;
