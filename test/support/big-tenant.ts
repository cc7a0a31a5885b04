import { randomUUID } from 'node:crypto';
import type { ScheduleRecord } from '../../src/pim/model.js';
import type { State } from '../../src/store/store.js';
import { CONTOSO, ROLES, defaultSeed } from './emulator.js';

/**
 * The default seed with `n` extra PIM schedules in contoso (for other principals, half eligible and
 * half active, permanent or ending within a year): state that has grown, as a long-running tenant's does.
 */
export function seedWithSchedules(n: number): State {
  const state = structuredClone(defaultSeed());
  const contoso = state.tenants.find((t) => t.tenant.id === CONTOSO.id)!;
  const roles = Object.values(ROLES);
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    const eligible = i % 2 === 0;
    const startMs = start + (i % 1000) * 60_000;
    const endMs = i % 3 === 0 ? null : startMs + 365 * 86_400_000;
    const s: ScheduleRecord = {
      kind: eligible ? 'eligibility' : 'assignment',
      id,
      principalId: randomUUID(),
      roleDefinitionId: roles[i % roles.length]!,
      directoryScopeId: '/',
      appScopeId: null,
      ...(eligible ? {} : { assignmentType: 'Assigned' as const }),
      memberType: 'Direct',
      createdUsing: id,
      createdDateTime: new Date(startMs).toISOString(),
      modifiedDateTime: null,
      startDateTime: new Date(startMs).toISOString(),
      endDateTime: endMs === null ? null : new Date(endMs).toISOString(),
      expiration: endMs === null ? { type: 'noExpiration', endDateTime: null, duration: null } : { type: 'afterDateTime', endDateTime: new Date(endMs).toISOString(), duration: null },
      activatedUsing: null,
      revokedDateTime: null,
      revokedBy: null,
    };
    contoso.pim.schedules.push(s);
  }
  return state;
}
