import type { Rule } from './rule.js';

/** EligibilityRule: selfActivate without an eligibility in force now (reference §3.5). */
export const eligibilityRule: Rule = (ctx) => (ctx.caller === 'EndUser' && !ctx.eligibility ? 'EligibilityRule' : undefined);
