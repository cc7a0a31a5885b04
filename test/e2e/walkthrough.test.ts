import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { PACKAGE_ROOT } from '../../src/config.js';
import { runWalkthrough } from '../../src/walkthrough/index.js';
import { CONTOSO, ROLES, USERS, testEmulator, tokenFor } from '../support/emulator.js';
import { get, send } from '../support/api.js';

/**
 * `pim-emulator walkthrough`: the article's five phases narrated against a running emulator, over
 * real HTTP. It must pass on a fresh emulator, on a re-run, on a fresh tenant — and fail, saying
 * why, when the emulator does not behave as the article says.
 */

const PHASE_TITLES = [
  'Phase 1 — verify the test user has no roles',
  'Phase 2 — admin: configure role settings BEFORE anyone gets assigned',
  'Phase 3 — admin: assign the eligible role',
  'Phase 4 — user: activate the role',
  'Phase 5 — remove the role when done',
];
const GRAPH = '/v1.0/roleManagement/directory';

async function walk(url: string, tenant = 'contoso', key?: string) {
  const lines: string[] = [];
  const result = await runWalkthrough({ url, tenant, yes: true, out: (l) => lines.push(l), ...(key ? { key } : {}) });
  return { ...result, output: lines.join('\n') };
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PACKAGE_ROOT, 'src', 'cli.ts'), ...args], {
      cwd: PACKAGE_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the narrated walkthrough', () => {
  let emu: Emulator;
  let url: string;

  beforeAll(async () => {
    emu = await testEmulator();
    url = (await emu.listen()).http!;
  });
  afterAll(async () => {
    await emu.close();
  });

  it('walks the five phases on contoso: every phase, the three rule failures and the two emails', async () => {
    const r = await walk(url);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.tenant).toBe('contoso');
    expect(r.steps.every((s) => s.ok)).toBe(true);
    expect(new Set(r.steps.map((s) => s.phase))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    for (const title of PHASE_TITLES) expect(r.output).toContain(title);
    expect(r.output).toContain('The following policy rules failed: ["MfaRule"]');
    expect(r.output).toContain('The following policy rules failed: ["JustificationRule"]');
    expect(r.output).toContain('The following policy rules failed: ["ExpirationRule"]');
    expect(r.output).toContain('"PIM: PIM User was made permanently eligible for the Security Reader role"');
    expect(r.output).toContain('"PIM: PIM User has the Security Reader role activated"');
    // The Graph requests themselves, method and path.
    expect(r.output).toContain('→ POST /v1.0/roleManagement/directory/roleEligibilityScheduleRequests');
    expect(r.output).toContain('→ POST /_emulator/tenants/contoso/clock');
    expect(r.output).toContain('All five phases behaved as the article says');
    // Plain output when not asked for colours.
    expect(r.output).not.toContain('\x1b[');
    // It leaves pimuser as it found them: no roles.
    expect(emu.store.tenant(CONTOSO.id)!.pim.schedules.filter((s) => s.principalId === USERS.pimuser.id && !s.revokedDateTime && s.kind === 'eligibility')).toEqual([]);
  });

  it('runs again on the same tenant, clearing what an interrupted walk left (an eligibility and a live activation)', async () => {
    const admin = await tokenFor(emu, USERS.admin.upn, { mfa: true });
    const assign = await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, admin, {
      action: 'adminAssign', justification: 'left over', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } },
    });
    expect(assign.statusCode).toBe(201);
    const user = await tokenFor(emu, USERS.pimuser.upn, { mfa: true });
    const activate = await send(emu, 'POST', `${GRAPH}/roleAssignmentScheduleRequests`, user, {
      action: 'selfActivate', justification: 'left over', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(activate.statusCode).toBe(201);

    const r = await walk(url);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.output).toMatch(/Clearing what an earlier walk may have left/);
    expect(r.output).toContain('ActiveDurationTooShort');
    expect(r.output).toContain('(deactivated)');
    expect(r.output).toContain('← 201 status Revoked');
  });

  it('with --tenant new, clones contoso into a fresh walkthrough-… tenant and walks there', async () => {
    const before = emu.store.tenant(CONTOSO.id)!.pim.requests.length;
    const r = await walk(url, 'new');
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.tenant).toMatch(/^walkthrough-[0-9a-f]{6}$/);
    expect(r.output).toContain(`pimuser@${r.tenant}.onmicrosoft.com`);
    expect(r.output).not.toContain('Clearing what an earlier walk');
    expect(emu.store.tenant(CONTOSO.id)!.pim.requests.length).toBe(before);
    const mail = await get(emu, `/_emulator/mail?to=admin@${r.tenant}.onmicrosoft.com`);
    expect(mail.json().total).toBeGreaterThanOrEqual(2);
  });

  it('fails, naming the step, when Security Reader stops requiring MFA before Phase 4', async () => {
    const input = new PassThrough();
    const lines: string[] = [];
    const admin = await tokenFor(emu, USERS.admin.upn, { mfa: true });
    const policyId = (await get(emu, `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${ROLES.securityReader}'`, admin)).json().value[0].policyId as string;
    let changed = false;
    const result = await runWalkthrough({
      url, tenant: 'contoso', yes: false, input,
      out: (line) => {
        lines.push(line);
        if (!line.startsWith('Press Enter')) return;
        if (!line.includes('Phase 4')) return void input.write('\n');
        // Between Phase 3 and Phase 4, someone edits the role settings: justification only, no MFA.
        void send(emu, 'PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/Enablement_EndUser_Assignment`, admin, {
          '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: ['Justification'],
          target: { caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] },
        }).then((res) => {
          changed = res.statusCode === 204;
          input.write('\n');
        });
      },
    });
    expect(changed).toBe(true);
    expect(result.ok).toBe(false);
    const failed = result.steps.at(-1)!;
    expect(failed).toMatchObject({ phase: 4, ok: false });
    expect(failed.title).toContain('without MFA');
    expect(result.error).toContain('["MfaRule"]');
    expect(result.error).toContain('201');
    const output = lines.join('\n');
    for (const n of [2, 3, 4]) expect(output).toContain(`Press Enter for Phase ${n}`);
    expect(output).toContain('✗ Phase 4 did not go as the article says');
    expect(output).not.toContain(PHASE_TITLES[4]);
  });

  it('fails clearly when no emulator answers', async () => {
    const r = await walk('http://127.0.0.1:9');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/cannot reach the emulator at http:\/\/127\.0\.0\.1:9/);
  });

  it('fails clearly for an unknown tenant', async () => {
    const r = await walk(url, 'northwind');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/no tenant 'northwind'.*--tenant new/);
  });

  it('runs as `pim-emulator walkthrough --url … --yes` and exits 0; non-zero when it cannot pass', async () => {
    const ok = await runCli(['walkthrough', '--url', url, '--yes']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(PHASE_TITLES[0]);
    expect(ok.stdout).toContain('All five phases behaved as the article says');
    expect(ok.stdout).not.toContain('\x1b['); // not a TTY: no colours

    const unreachable = await runCli(['walkthrough', '--url', 'http://127.0.0.1:9', '--yes']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stdout).toContain('cannot reach the emulator');

    const usage = await runCli(['walkthrough', '--frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--frobnicate'");
  });
});

describe('the walkthrough during a live workshop (keys required)', () => {
  const ADMIN_KEY = 'instructor-key-0123456789';
  let emu: Emulator;
  let url: string;
  const keys: Record<string, string> = {};
  const control = async (method: 'GET' | 'POST', path: string, key?: string, payload?: object) => {
    const res = await emu.app.inject({ method, url: path, headers: key ? { authorization: `Bearer ${key}` } : {}, ...(payload ? { payload } : {}) });
    expect(res.statusCode, `${method} ${path}: ${res.body}`).toBe(200);
    return res.json();
  };
  /** Every tenant's clock offset, and the instance clock. */
  const clocks = async () => {
    const out: Record<string, number> = {};
    for (const t of emu.store.tenants()) out[t.tenant.name] = (await control('GET', `/_emulator/tenants/${t.tenant.name}/clock`, ADMIN_KEY)).offsetMs;
    return { offsets: out, instance: Date.parse((await control('GET', '/_emulator/clock')).now) };
  };

  beforeAll(async () => {
    emu = await testEmulator({ adminKey: ADMIN_KEY });
    url = (await emu.listen()).http!;
    for (const team of ['team01', 'team02']) {
      const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name: team } });
      expect(res.statusCode).toBe(201);
      keys[team] = res.json().key;
    }
    // Team 2 is mid-exercise, two hours into its own time.
    await control('POST', '/_emulator/tenants/team02/clock', keys.team02, { advance: 'PT2H' });
  });
  afterAll(async () => emu.close());

  it('walks a tenant of its own (the default) with that tenant\'s key, and leaves every other tenant\'s clock where it was', async () => {
    const before = await clocks();
    const r = await walk(url, 'new');
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.output).toContain(`→ POST /_emulator/tenants/${r.tenant}/clock`);
    const after = await clocks();
    for (const [name, offset] of Object.entries(before.offsets)) expect(after.offsets[name], name).toBe(offset);
    expect(after.offsets[r.tenant!]).toBeGreaterThanOrEqual(8 * 3600_000);
    // The instance clock was not moved (only real time passed).
    expect(after.instance - before.instance).toBeLessThan(5 * 60_000);
  });

  it('as the instructor types it (`pim-emulator walkthrough --url … --yes`, no --tenant, no key): walks a new tenant and moves no other clock', async () => {
    const before = await clocks();
    const names = emu.store.tenants().map((t) => t.tenant.name);
    const run = await runCli(['walkthrough', '--url', url, '--yes']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const made = emu.store.tenants().map((t) => t.tenant.name).filter((n) => !names.includes(n));
    expect(made).toEqual([expect.stringMatching(/^walkthrough-[0-9a-f]{6}$/)]);
    expect(run.stdout).toContain(`→ POST /_emulator/tenants/${made[0]}/clock`);
    const after = await clocks();
    for (const [name, offset] of Object.entries(before.offsets)) expect(after.offsets[name], name).toBe(offset);
    expect(after.offsets.team02).toBe(2 * 3600_000);
    expect(after.offsets[made[0]!]).toBeGreaterThanOrEqual(8 * 3600_000);
    expect(after.instance - before.instance).toBeLessThan(5 * 60_000);
  }, 60_000);

  it("asks for a key to walk a team's existing tenant, and with that team's key moves that team's clock only", async () => {
    const refused = await walk(url, 'team01');
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain('pass --key');
    const before = await clocks();
    const r = await walk(url, 'team01', keys.team01);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    const after = await clocks();
    expect(after.offsets.team01! - before.offsets.team01!).toBeGreaterThanOrEqual(8 * 3600_000);
    for (const name of Object.keys(before.offsets).filter((n) => n !== 'team01')) expect(after.offsets[name], name).toBe(before.offsets[name]);
    expect(after.instance - before.instance).toBeLessThan(5 * 60_000);
  });
});
