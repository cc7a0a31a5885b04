import { enabledRules } from '../policy.js';
import { enablementRuleId, type Rule } from './rule.js';

/** JustificationRule: the Enablement rule lists "Justification" and none (or only blanks) was given. */
export const justificationRule: Rule = (ctx) =>
  enabledRules(ctx.policy, enablementRuleId(ctx)).includes('Justification') && !ctx.justification?.trim() ? 'JustificationRule' : undefined;
