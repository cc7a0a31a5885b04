import { pimAudit } from './audit.js';
import type { Handler } from './command.js';
import { pimErrors } from './errors.js';
import { currentSchedules, existing, permanence, provision, single, standing } from './provision.js';

/** adminAssign and adminUpdate: an admin puts a schedule in place (reference §2.1). */

export const adminAssign: Handler = (sub, action, target) => {
  if (currentSchedules(sub, target).length || standing(sub, target)) throw pimErrors.exists();
  const which = sub.kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM';
  return provision(sub, action, target, {
    event: 'assigned',
    audits: (base, request, sched) => {
      const records = [pimAudit(sub.tenant, { ...base, activity: `${which} requested (${permanence(sched)})`, operationType: 'Add' })];
      if (request.status === 'Provisioned') {
        records.push(pimAudit(sub.tenant, { ...base, activity: `${which} completed (${permanence(sched)})`, operationType: 'Add' }));
        if (sub.kind === 'assignment') records.push(...sub.resource.onActiveChange(sub.tenant, target, true, sub.nowMs, base.correlationId));
      }
      return records;
    },
  });
};

export const adminUpdate: Handler = (sub, action, target) =>
  provision(sub, action, target, { replaces: existing(sub, target), audits: single(sub, 'Process role update request', 'Update'), event: 'updated' });
