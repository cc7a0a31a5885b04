import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import type { Emulator } from '../../src/emulator.js';
import { get, moveClock, send } from '../support/api.js';
import { ROLES, testEmulator, tokenFor, USERS } from '../support/emulator.js';

/**
 * The Graph coverage report of docs/graph.md (issue #15): every v1.0 path template Microsoft's CSDL
 * defines under roleManagement/directory, policies and auditLogs, each "served" or "refused". Here
 * each row is probed on the emulator with real ids, so the report cannot say more than is true: a
 * served template answers 200, a refused one Graph's 400 BadRequest saying it is not emulated yet —
 * never a bare 404 — and the served rows are the paths openapi.yaml describes.
 */
const START = '<!-- graph-coverage:';
const END = '<!-- /graph-coverage -->';
const SCOPE = "scopeId eq '/' and scopeType eq 'DirectoryRole'";
const NOW = '2030-01-01T09:00:00Z';

interface Row {
  template: string;
  served: string[] | undefined;
  refusal: string | undefined;
}

function reportRows(): Row[] {
  const doc = readFileSync(path.join(PACKAGE_ROOT, 'docs', 'graph.md'), 'utf8');
  const block = doc.slice(doc.indexOf(START), doc.indexOf(END));
  const rows: Row[] = [];
  for (const m of block.matchAll(/^\| `([^`]+)` \| (.+) \|$/gm)) {
    const served = /^served \(([A-Z, ]+)\)$/.exec(m[2]!);
    rows.push({ template: m[1]!, served: served ? served[1]!.split(', ') : undefined, refusal: served ? undefined : m[2] });
  }
  return rows;
}

describe('the Graph coverage report (docs/graph.md) against the emulator', () => {
  const rows = reportRows();
  let emu: Emulator;
  let admin: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: NOW, freeze: true });
    admin = await tokenFor(emu, USERS.admin.upn);
    const pimuser = await tokenFor(emu, USERS.pimuser.upn, { mfa: true });
    const RD = '/v1.0/roleManagement/directory';
    const scheduleInfo = (expiration: object) => ({ startDateTime: NOW, expiration });
    const eligible = await send(emu, 'POST', `${RD}/roleEligibilityScheduleRequests`, admin, {
      action: 'adminAssign', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'coverage', scheduleInfo: scheduleInfo({ type: 'noExpiration' }),
    });
    expect(eligible.statusCode).toBe(201);
    const activated = await send(emu, 'POST', `${RD}/roleAssignmentScheduleRequests`, pimuser, {
      action: 'selfActivate', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'coverage', scheduleInfo: scheduleInfo({ type: 'afterDuration', duration: 'PT1H' }),
    });
    expect(activated.statusCode).toBe(201);
    const first = async (url: string) => {
      const res = await get(emu, url, admin);
      expect(res.statusCode, url).toBe(200);
      return res.json().value[0].id as string;
    };
    const mine = `$filter=principalId eq '${USERS.pimuser.id}'`;
    Object.assign(ids, {
      roleAssignmentScheduleRequests: activated.json().id,
      roleEligibilityScheduleRequests: eligible.json().id,
      roleAssignmentSchedules: activated.json().targetScheduleId,
      roleEligibilitySchedules: eligible.json().targetScheduleId,
      roleAssignmentScheduleInstances: await first(`${RD}/roleAssignmentScheduleInstances?${mine}`),
      roleEligibilityScheduleInstances: await first(`${RD}/roleEligibilityScheduleInstances?${mine}`),
      roleAssignments: await first(`${RD}/roleAssignments?$filter=principalId eq '${USERS.admin.id}'`),
      roleDefinitions: ROLES.securityReader,
      inheritsPermissionsFrom: ROLES.directoryReaders,
      roleManagementPolicies: await first(`/v1.0/policies/roleManagementPolicies?$filter=${SCOPE}`),
      roleManagementPolicyAssignments: await first(`/v1.0/policies/roleManagementPolicyAssignments?$filter=${SCOPE}`),
      rules: 'Expiration_EndUser_Assignment',
      effectiveRules: 'Expiration_EndUser_Assignment',
      directoryAudits: await first('/v1.0/auditLogs/directoryAudits'),
      resourceNamespaces: 'microsoft.directory',
      resourceActions: 'microsoft.directory-users-create-post',
    });
  });
  afterAll(async () => emu.close());

  /** A template with each {id} replaced by a real id of the set before it, plus the $filter a policy list requires. */
  function url(template: string): string {
    const segments = template.split('/');
    const filled = segments.map((s, i) => {
      if (s !== '{id}') return s;
      const id = ids[segments[i - 1]!];
      if (!id) throw new Error(`no id for ${segments[i - 1]} in ${template}`);
      return encodeURIComponent(id);
    });
    const needsScope = /^\/policies\/roleManagementPolic(ies|yAssignments)(\/\$count)?$/.test(template);
    return `/v1.0${filled.join('/')}${needsScope ? `?$filter=${SCOPE}` : ''}`;
  }

  it('lists the roleManagement/directory, policies and audit templates, each served or refused', () => {
    const groups = ['/roleManagement/directory/', '/policies/', '/auditLogs/'];
    expect(rows.length).toBeGreaterThan(70);
    for (const g of groups) expect(rows.some((r) => r.template.startsWith(g)), g).toBe(true);
    expect(rows.filter((r) => !groups.some((g) => r.template.startsWith(g))).map((r) => r.template)).toEqual([]);
    for (const r of rows) expect(r.served ?? r.refusal, r.template).toBeTruthy();
  });

  it('answers every template it says is served', async () => {
    const wrong: string[] = [];
    for (const r of rows.filter((x) => x.served?.includes('GET'))) {
      const res = await get(emu, url(r.template), admin);
      // directoryScope and appScope of the tenant-wide scope: nothing is behind them (docs/graph.md).
      const nothingBehind = /\/(directoryScope|appScope)$/.test(r.template) && res.statusCode === 404 && /^Resource '(directoryScope|appScope)' does not exist/.test(res.json().error.message);
      if (res.statusCode !== 200 && !nothingBehind) wrong.push(`${r.template} → ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses every other template with 400 BadRequest saying it is not emulated yet — never a bare 404', async () => {
    const wrong: string[] = [];
    for (const r of rows.filter((x) => !x.served)) {
      if (r.refusal !== 'refused: 400 BadRequest "… is not emulated yet", naming openapi.yaml') wrong.push(`${r.template}: the report says ${r.refusal}`);
      const res = await get(emu, url(r.template), admin);
      const body = res.json() as { error?: { code?: string; message?: string } };
      const ok = res.statusCode === 400 && body.error?.code === 'BadRequest' && /is not emulated yet\. The emulator serves the Graph paths listed in GET \/_emulator\/openapi\.yaml\.$/.test(body.error.message ?? '');
      if (!ok) wrong.push(`${r.template} → ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  });

  it("says served exactly where openapi.yaml describes the template (the report is not stale)", () => {
    const doc = YAML.parse(readFileSync(path.join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8'), { maxAliasCount: -1 }) as { paths: Record<string, Record<string, { summary?: string }>> };
    const shape = (p: string) => p.replace(/\{[^}]+\}/g, '{id}');
    const described = new Map<string, string[]>();
    for (const [p, ops] of Object.entries(doc.paths)) {
      if (!p.startsWith('/v1.0/') || Object.values(ops).every((o) => String(o.summary ?? '').startsWith('Not emulated yet'))) continue;
      described.set(shape(p.slice('/v1.0'.length)), Object.entries(ops).filter(([, o]) => !String(o.summary ?? '').startsWith('Not emulated yet')).map(([m]) => m.toUpperCase()));
    }
    const mismatched = rows.filter((r) => JSON.stringify(r.served ?? null) !== JSON.stringify(described.get(r.template) ?? null)).map((r) => `${r.template}: report ${JSON.stringify(r.served ?? 'refused')}, openapi.yaml ${JSON.stringify(described.get(r.template) ?? 'refused')}`);
    expect(mismatched, 'run `node scripts/graph-coverage.mjs <clean_v10_metadata/cleanMetadata.xml> <commit>`').toEqual([]);
  });
});
