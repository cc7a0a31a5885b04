import { enabledRules } from '../policy.js';
import { enablementRuleId, type Rule } from './rule.js';

/** TicketingRule: "Ticketing" is enabled and no ticket number was given. Tickets are not validated (reference §2.4). */
export const ticketingRule: Rule = (ctx) =>
  enabledRules(ctx.policy, enablementRuleId(ctx)).includes('Ticketing') && !ctx.ticketInfo.ticketNumber?.trim() ? 'TicketingRule' : undefined;
