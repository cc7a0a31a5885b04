import { enabledRules } from '../policy.js';
import { enablementRuleId, type Rule } from './rule.js';

/**
 * MfaRule: "MultiFactorAuthentication" is enabled and the caller's token has no `mfa` in `amr`.
 * An app-only token can never satisfy it (reference §3.5).
 */
export const mfaRule: Rule = (ctx) =>
  enabledRules(ctx.policy, enablementRuleId(ctx)).includes('MultiFactorAuthentication') && !(ctx.actor.kind === 'user' && ctx.actor.amr.includes('mfa'))
    ? 'MfaRule'
    : undefined;
