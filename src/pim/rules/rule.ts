import type { PolicyRecord } from '../../directory/model.js';
import type { RuleName } from '../errors.js';
import type { Actor, Expiration, Kind, ScheduleRecord, TicketInfo } from '../model.js';

/** What every rule sees: the normalised request, who sends it, and the role's policy. */
export interface RuleContext {
  kind: Kind;
  caller: 'Admin' | 'EndUser';
  actor: Actor;
  policy: PolicyRecord;
  justification: string | null;
  ticketInfo: TicketInfo;
  startMs: number;
  expiration: Expiration;
  /** Effective end (null = no expiration). */
  endMs: number | null;
  /** selfActivate: the eligibility it would use. */
  eligibility: ScheduleRecord | undefined;
  nowMs: number;
}

/** A rule returns its Graph name when it fails, nothing when it holds. */
export type Rule = (ctx: RuleContext) => RuleName | undefined;

export const enablementRuleId = (ctx: RuleContext) =>
  ctx.caller === 'EndUser' ? 'Enablement_EndUser_Assignment' as const : ctx.kind === 'eligibility' ? 'Enablement_Admin_Eligibility' as const : 'Enablement_Admin_Assignment' as const;

export const expirationRuleId = (ctx: RuleContext) =>
  ctx.caller === 'EndUser' ? 'Expiration_EndUser_Assignment' as const : ctx.kind === 'eligibility' ? 'Expiration_Admin_Eligibility' as const : 'Expiration_Admin_Assignment' as const;
