import { array, invalid, show, type RuleKind } from './common.js';

/** What an enablement rule can switch on (reference §3.1). */
export const ENABLED_RULES = ['MultiFactorAuthentication', 'Justification', 'Ticketing'] as const;

export const enablement: RuleKind = {
  properties: {
    enabledRules: (v, c) => {
      const out: string[] = [];
      for (const item of array(v, 'enabledRules', c.type)) {
        const hit = typeof item === 'string' ? ENABLED_RULES.find((r) => r.toLowerCase() === item.toLowerCase()) : undefined;
        if (!hit) throw invalid('enabledRules', c.type, `${show(item)} is not a rule PIM can enable; use ${ENABLED_RULES.join(', ')}`);
        if (!out.includes(hit)) out.push(hit);
      }
      return out;
    },
  },
};
