import type { RuleName } from '../errors.js';
import { eligibilityRule } from './eligibility.js';
import { expirationRule } from './expiration.js';
import { justificationRule } from './justification.js';
import { mfaRule } from './mfa.js';
import type { Rule, RuleContext } from './rule.js';
import { ticketingRule } from './ticketing.js';

/** One rule per file, named with Graph's word; all are evaluated, every failure reported at once. */
const RULES: Rule[] = [eligibilityRule, expirationRule, justificationRule, mfaRule, ticketingRule];

export function failedRules(ctx: RuleContext): RuleName[] {
  return RULES.map((r) => r(ctx)).filter((x): x is RuleName => x !== undefined);
}

export type { RuleContext } from './rule.js';
