import { bool, invalid, show, type RuleKind } from './common.js';

export const authenticationContext: RuleKind = {
  properties: {
    isEnabled: (v, c) => bool(v, 'isEnabled', c.type),
    claimValue: (v, c) => {
      if (v !== null && (typeof v !== 'string' || v.trim() === '')) throw invalid('claimValue', c.type, `expected an authentication context id such as 'c1', or null, not ${show(v)}`);
      return v;
    },
  },
  finish: (merged, c) => {
    if (merged.isEnabled === true && typeof merged.claimValue !== 'string') {
      throw invalid('claimValue', c.type, "an enabled authentication context needs a claimValue such as 'c1'");
    }
  },
};
