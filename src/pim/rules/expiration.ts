import { expirationSetting } from '../policy.js';
import { expirationRuleId, type Rule } from './rule.js';

/**
 * ExpirationRule (reference §3.5): no end where the policy requires one (an admin's permanent
 * assignment when "Allow permanent …" is off, any permanent activation), or a duration/end beyond
 * `maximumDuration`. For admin assignments the maximum applies only when expiration is required,
 * as the portal's "Expire … after" setting does; an activation is always bounded by it.
 */
export const expirationRule: Rule = (ctx) => {
  const setting = expirationSetting(ctx.policy, expirationRuleId(ctx));
  const boundedByMaximum = ctx.caller === 'EndUser' || setting.isExpirationRequired;
  if (ctx.endMs === null) return setting.isExpirationRequired || ctx.caller === 'EndUser' ? 'ExpirationRule' : undefined;
  if (boundedByMaximum && ctx.endMs - ctx.startMs > setting.maximumMs) return 'ExpirationRule';
  return undefined;
};
