import { randomBytes } from 'node:crypto';
import { ROLE } from '../directory/roles.js';
import { ANSI, Lines, type Style } from './terminal.js';

/**
 * `pim-emulator walkthrough`: the article's five phases (configure, assign, activate, expire, remove
 * Security Reader), narrated, against a running emulator. It speaks only HTTP — the token endpoint,
 * Graph, and the control plane's MFA codes, clock and inbox — so what it prints is exactly what a
 * client sends and gets. Every step checks that the emulator behaves as the article says; the first
 * one that does not stops the walk with a message saying what was expected and what came back.
 */

export interface WalkthroughOptions {
  /** The emulator's HTTP base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Tenant name, domain or id; `new` clones contoso into a fresh walkthrough-<random> tenant. */
  tenant: string;
  /** Do not pause between phases. */
  yes: boolean;
  /** Receives every line of the narration. */
  out: (line: string) => void;
  /** Where Enter is read from between phases (a TTY's stdin); without it the walk does not pause. */
  input?: NodeJS.ReadableStream;
  /** ANSI colours (a TTY). */
  color?: boolean;
  /** The personas' password (the seed's default). */
  password?: string;
  /**
   * A control-plane key (the tenant's or the admin key) for an emulator that requires one; with
   * `tenant: 'new'` the new tenant's own key is used, returned when it is made.
   */
  key?: string;
}

export interface WalkthroughStep {
  phase: number;
  title: string;
  ok: boolean;
  /** What went wrong, for a failed step. */
  detail?: string;
}

export interface WalkthroughResult {
  ok: boolean;
  steps: WalkthroughStep[];
  /** The tenant walked (its name). */
  tenant?: string;
  /** Why the walk stopped, when it did. */
  error?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';
const SECURITY_READER = ROLE.securityReader;
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const DIR = '/v1.0/roleManagement/directory';
const REASON = 'Reviewing sign-in logs for compliance audit, ticket #INC1234';

const PHASES = [
  'Phase 1 — verify the test user has no roles',
  'Phase 2 — admin: configure role settings BEFORE anyone gets assigned',
  'Phase 3 — admin: assign the eligible role',
  'Phase 4 — user: activate the role',
  'Phase 5 — remove the role when done',
] as const;

/** A step that did not behave as the article says. */
class Deviation extends Error {}

interface Reply {
  status: number;
  /** JSON from the wire, inspected field by field with optional chaining. */
  body: any;
}

interface Instance {
  roleDefinitionId: string;
  assignmentType?: string;
}

interface Persona {
  id: string;
  upn: string;
  displayName: string;
}

export async function runWalkthrough(options: WalkthroughOptions): Promise<WalkthroughResult> {
  const walk = new Walk(options);
  try {
    return await walk.run();
  } finally {
    walk.lines?.close();
  }
}

class Walk {
  readonly base: string;
  readonly password: string;
  readonly steps: WalkthroughStep[] = [];
  readonly lines: Lines | undefined;
  phase = 0;
  tenant = '';
  domain = '';
  /** The key sent to the control plane (Authorization: Bearer), when there is one. */
  key: string | undefined;
  admin!: Persona;
  pimuser!: Persona;

  constructor(private readonly o: WalkthroughOptions) {
    this.base = o.url.replace(/\/+$/, '');
    this.password = o.password ?? 'Passw0rd!';
    this.lines = !o.yes && o.input ? new Lines(o.input) : undefined;
    this.key = o.key;
  }

  // ---- output ----

  private paint(style: Style, text: string): string {
    return this.o.color ? `${ANSI[style]}${text}${ANSI.reset}` : text;
  }
  private say(line = ''): void {
    this.o.out(line);
  }

  // ---- HTTP ----

  private async http(method: string, path: string, init: { token?: string; json?: unknown; form?: Record<string, string>; quiet?: boolean } = {}): Promise<Reply> {
    if (!init.quiet) this.say(`    ${this.paint('cyan', `→ ${method} ${readable(path)}`)}`);
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    else if (this.key && path.startsWith('/_emulator/')) headers.authorization = `Bearer ${this.key}`;
    let body: string | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers, body });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new Deviation(`cannot reach the emulator at ${this.base} (${cause?.code ?? cause?.message ?? (e as Error).message}). Start it with \`pim-emulator\` (or \`npm start\`), or pass --url.`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  }

  private shown(res: Reply, key: string): void {
    this.say(`    ${this.paint('dim', `← ${res.status} ${key}`)}`);
  }

  /** The response was not what the article leads us to expect: stop, saying both. */
  private expectStatus(res: Reply, status: number, what: string): void {
    if (res.status === status) return;
    throw new Deviation(`${what}: expected HTTP ${status}, got ${res.status} ${describe(res)}`);
  }

  // ---- building blocks ----

  private async step<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.say(`  ${title}`);
    try {
      const result = await fn();
      this.steps.push({ phase: this.phase, title, ok: true });
      return result;
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      this.steps.push({ phase: this.phase, title, ok: false, detail });
      throw e;
    }
  }

  private async signIn(who: Persona, mfa: boolean): Promise<string> {
    const form: Record<string, string> = { grant_type: 'password', client_id: AZURE_CLI, username: who.upn, password: this.password, scope: GRAPH_SCOPE };
    if (mfa) {
      const code = await this.http('GET', `/_emulator/tenants/${this.tenant}/users/${who.upn}/mfa-code`);
      this.expectStatus(code, 200, `reading ${who.upn}'s authenticator code`);
      this.shown(code, `authenticator code ${code.body.code} (what the phone shows)`);
      form.mfa_code = code.body.code;
    }
    const res = await this.http('POST', `/${this.tenant}/oauth2/v2.0/token`, { form });
    this.expectStatus(res, 200, `signing in as ${who.upn}`);
    const token = res.body.access_token as string;
    const claims = claimsOf(token);
    this.shown(res, `access token for ${claims.upn ?? who.upn}, amr ${JSON.stringify(claims.amr)}`);
    return token;
  }

  private async pause(next: string): Promise<void> {
    if (!this.lines) return;
    this.say('');
    this.say(this.paint('yellow', `Press Enter for ${next} …`));
    await this.lines.next();
  }

  private async enterPhase(n: number): Promise<void> {
    if (n > 1) await this.pause(PHASES[n - 1]!.split(' — ')[0]!);
    this.phase = n;
    this.say('');
    this.say(this.paint('bold', PHASES[n - 1]!));
  }

  private activation(justification: string | undefined, duration: string) {
    return {
      action: 'selfActivate', principalId: this.pimuser.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
      ...(justification ? { justification } : {}),
      scheduleInfo: { expiration: { type: 'afterDuration', duration } },
    };
  }

  /** An activation the policy must refuse with exactly these failed rules. */
  private async refused(token: string, body: unknown, rules: string[], what: string): Promise<void> {
    const res = await this.http('POST', `${DIR}/roleAssignmentScheduleRequests`, { token, json: body });
    const expected = `The following policy rules failed: ${JSON.stringify(rules)}`;
    if (res.status !== 400 || res.body?.error?.code !== 'RoleAssignmentRequestPolicyValidationFailed' || res.body.error.message !== expected) {
      throw new Deviation(`${what}: the article says PIM refuses it with ${JSON.stringify(rules)} (400 RoleAssignmentRequestPolicyValidationFailed, "${expected}"), but the emulator answered ${res.status} ${describe(res)}`);
    }
    this.shown(res, `${res.body.error.code}: ${res.body.error.message}`);
  }

  private async roles(token: string): Promise<{ eligible: Instance[]; active: Instance[] }> {
    const eligible = await this.http('GET', `${DIR}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`, { token });
    this.expectStatus(eligible, 200, 'listing my eligible roles');
    this.shown(eligible, `eligible: ${names(eligible.body.value)}`);
    const active = await this.http('GET', `${DIR}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`, { token });
    this.expectStatus(active, 200, 'listing my active roles');
    this.shown(active, `active: ${names(active.body.value)}`);
    return { eligible: eligible.body.value, active: active.body.value };
  }

  /** Long-polls the inbox for the mail that this request caused, to the Global Admin. */
  private async mailFor(requestId: string, about: string): Promise<void> {
    const query = new URLSearchParams({ to: this.admin.upn, text: requestId, wait: '10s' });
    // The tenant's own inbox: nobody else's mail, and the tenant key is enough to read it.
    const res = await this.http('GET', `/_emulator/tenants/${this.tenant}/mail/latest?${query}`);
    if (res.status !== 200) throw new Deviation(`the article says the Global Admin gets an email ${about}; none to ${this.admin.upn} mentioning request ${requestId} arrived within 10 s (${res.status} ${describe(res)})`);
    const to = (res.body.to as { address: string }[]).map((a) => a.address).join(', ');
    this.shown(res, `${this.paint('green', '✉')}  "${res.body.subject}" — from ${res.body.from?.address}, to ${to}`);
  }

  // ---- the walk ----

  async run(): Promise<WalkthroughResult> {
    try {
      await this.prepare();
      await this.phase1();
      await this.phase2();
      await this.phase3();
      await this.phase4();
      await this.phase5();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (!(e instanceof Deviation) && this.steps.at(-1)?.ok !== false) this.steps.push({ phase: this.phase, title: 'unexpected error', ok: false, detail: message });
      this.say('');
      this.say(this.paint('red', `✗ ${this.phase ? `Phase ${this.phase}` : 'Preparation'} did not go as the article says: ${message}`));
      return { ok: false, steps: this.steps, tenant: this.tenant || undefined, error: message };
    }
    this.say('');
    this.say(this.paint('green', `✓ All five phases behaved as the article says (${this.steps.length} steps, tenant ${this.tenant}).`));
    if (this.o.tenant === 'new') this.say(`  The tenant ${this.tenant} stays for you to look around; DELETE ${this.base}/_emulator/tenants/${this.tenant} removes it.`);
    this.say(`  The audit trail: GET /v1.0/auditLogs/directoryAudits as ${this.admin.upn}, or ${this.base}/_emulator/tenants/${this.tenant}/audit`);
    return { ok: true, steps: this.steps, tenant: this.tenant };
  }

  private async prepare(): Promise<void> {
    this.say(this.paint('bold', 'PIM walkthrough: just-in-time Security Reader, in the five phases of the article'));
    let key = this.o.tenant;
    if (key === 'new') {
      const name = `walkthrough-${randomBytes(3).toString('hex')}`;
      await this.step(`A fresh tenant for this walk: ${name}, a copy of contoso.`, async () => {
        const res = await this.http('POST', '/_emulator/tenants', { json: { name, from: 'contoso' } });
        this.expectStatus(res, 201, `creating tenant ${name}`);
        this.shown(res, `tenant ${res.body.name} (${res.body.domain}, ${res.body.id}) with ${res.body.users.length} users; its key is used for its control plane`);
        // The new tenant's own key: it reaches this tenant's clock, codes and mail, and nothing else.
        if (typeof res.body.key === 'string') this.key = res.body.key;
      });
      key = name;
    }
    const list = await this.http('GET', '/_emulator/tenants', { quiet: true });
    this.expectStatus(list, 200, 'listing tenants');
    const k = key.toLowerCase();
    type Listed = { id: string; name: string; domain: string; users?: { id: string; userPrincipalName: string; displayName: string }[] };
    let t = (list.body as Listed[]).find((x) => x.name === k || x.domain === k || x.id === k);
    if (!t) throw new Deviation(`no tenant '${key}' in the emulator (it has ${list.body.map((x: { name: string }) => x.name).join(', ')}); use --tenant new for a fresh copy of contoso`);
    if (!t.users) {
      // The emulator requires keys and the list shows personas only where the key reaches.
      const one = await this.http('GET', `/_emulator/tenants/${t.name}`, { quiet: true });
      if (one.status === 401 || one.status === 403) throw new Deviation(`this emulator requires a key for tenant ${t.name} (${describe(one)}); pass --key with ${t.name}'s tenant key or the admin key, or use --tenant new`);
      this.expectStatus(one, 200, `reading tenant ${t.name}`);
      t = one.body as Listed;
    }
    const users = t.users!;
    this.tenant = t.name;
    this.domain = t.domain;
    const persona = (local: string, role: string): Persona => {
      const u = users.find((x) => x.userPrincipalName.toLowerCase() === `${local}@${t!.domain}`);
      if (!u) throw new Deviation(`tenant ${t!.name} has no ${local}@${t.domain} (${role}); the walkthrough follows the seed's personas — use --tenant new`);
      return { id: u.id, upn: u.userPrincipalName, displayName: u.displayName };
    };
    this.admin = persona('admin', 'the Global Admin');
    this.pimuser = persona('pimuser', 'the test user');
    this.say(`  Tenant ${t.name} (${t.domain}, ${t.id}) at ${this.base}`);
    this.say(`  Global Admin ${this.admin.upn}; test user ${this.pimuser.upn}; role Security Reader (${SECURITY_READER})`);
    if (this.o.tenant !== 'new') await this.clearLeftovers();
  }

  /**
   * A walk that was interrupted may have left the test user eligible, assigned or activated: clear
   * it the way an admin and the user would (adminRemove; selfDeactivate for a live activation).
   */
  private async clearLeftovers(): Promise<void> {
    await this.step('Clearing what an earlier walk may have left: the test user\'s Security Reader eligibility, assignment or activation.', async () => {
      const user = await this.signIn(this.pimuser, false);
      const active = await this.http('GET', `${DIR}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`, { token: user });
      this.expectStatus(active, 200, 'listing the test user\'s active roles');
      this.shown(active, `active: ${names(active.body.value)}`);
      if ((active.body.value as Instance[]).some((i) => i.roleDefinitionId === SECURITY_READER && i.assignmentType === 'Activated')) {
        const deactivate = () => this.http('POST', `${DIR}/roleAssignmentScheduleRequests`, { token: user, json: { action: 'selfDeactivate', principalId: this.pimuser.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/' } });
        let res = await deactivate();
        if (res.status === 400 && res.body?.error?.code === 'ActiveDurationTooShort') {
          // PIM refuses a deactivation in an activation's first five minutes; let them pass.
          this.shown(res, 'ActiveDurationTooShort: PIM keeps an activation at least 5 minutes; moving the clock 5 minutes on');
          this.expectStatus(await this.http('POST', `/_emulator/tenants/${this.tenant}/clock`, { json: { advance: 'PT5M' } }), 200, 'moving the tenant clock');
          res = await deactivate();
        }
        this.expectStatus(res, 201, 'deactivating the test user\'s Security Reader activation');
        this.shown(res, `status ${res.body.status} (deactivated)`);
      }
      const admin = await this.signIn(this.admin, true);
      for (const kind of ['roleEligibilityScheduleRequests', 'roleAssignmentScheduleRequests']) {
        const res = await this.http('POST', `${DIR}/${kind}`, { token: admin, json: { action: 'adminRemove', justification: 'Walkthrough clean-up', principalId: this.pimuser.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/' } });
        if (res.status === 400 && res.body?.error?.code === 'RoleAssignmentDoesNotExist') this.shown(res, 'RoleAssignmentDoesNotExist (nothing to clear)');
        else {
          this.expectStatus(res, 201, `clearing the test user's Security Reader ${kind.startsWith('roleEligibility') ? 'eligibility' : 'assignment'}`);
          this.shown(res, `status ${res.body.status}`);
        }
      }
    });
  }

  private async phase1(): Promise<void> {
    await this.enterPhase(1);
    const token = await this.step(`The test user ${this.pimuser.upn} signs in.`, () => this.signIn(this.pimuser, false));
    await this.step('My roles > Microsoft Entra roles: the baseline is zero roles, eligible or active.', async () => {
      const { eligible, active } = await this.roles(token);
      if (eligible.length || active.length) {
        throw new Deviation(`the test user should start with no roles, but has eligible ${names(eligible)} and active ${names(active)}; run with --tenant new for a clean tenant, or POST /_emulator/reset`);
      }
    });
  }

  private async phase2(): Promise<void> {
    await this.enterPhase(2);
    const admin = await this.step(`The Global Admin ${this.admin.upn} signs in, with MFA.`, () => this.signIn(this.admin, true));
    const policyId = await this.step('Manage > Settings > Security Reader: find the role\'s policy.', async () => {
      const filter = `scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${SECURITY_READER}'`;
      const res = await this.http('GET', `/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(filter)}`, { token: admin });
      this.expectStatus(res, 200, 'finding Security Reader\'s policy');
      if (res.body.value?.length !== 1) throw new Deviation(`expected one policy assignment for Security Reader, got ${res.body.value?.length}`);
      this.shown(res, `policyId ${res.body.value[0].policyId}`);
      return res.body.value[0].policyId as string;
    });
    const target = (caller: string, level: string) => ({ '@odata.type': 'microsoft.graph.unifiedRoleManagementPolicyRuleTarget', caller, operations: ['All'], level, inheritableSettings: [], enforcedSettings: [] });
    const expiration = '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule';
    const rules: Array<[string, string, Record<string, unknown>]> = [
      ['Activation tab: maximum activation duration 8 hours.', 'Expiration_EndUser_Assignment', { '@odata.type': expiration, isExpirationRequired: true, maximumDuration: 'PT8H', target: target('EndUser', 'Assignment') }],
      ['Activation tab: require Azure MFA and a justification on activation.', 'Enablement_EndUser_Assignment', { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', enabledRules: ['MultiFactorAuthentication', 'Justification'], target: target('EndUser', 'Assignment') }],
      ['Assignment tab: allow permanent eligible assignment.', 'Expiration_Admin_Eligibility', { '@odata.type': expiration, isExpirationRequired: false, maximumDuration: 'P365D', target: target('Admin', 'Eligibility') }],
      ['Assignment tab: do NOT allow permanent active assignment.', 'Expiration_Admin_Assignment', { '@odata.type': expiration, isExpirationRequired: true, maximumDuration: 'P180D', target: target('Admin', 'Assignment') }],
    ];
    for (const [title, id, body] of rules) {
      await this.step(title, async () => {
        const res = await this.http('PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/${id}`, { token: admin, json: { id, ...body } });
        this.expectStatus(res, 204, `updating rule ${id}`);
        this.shown(res, 'No Content (saved)');
      });
    }
    await this.step('Notification tab: defaults kept (Global Admins are emailed on assignment and activation). Update — and read the settings back.', async () => {
      const res = await this.http('GET', `/v1.0/policies/roleManagementPolicies/${policyId}/rules`, { token: admin });
      this.expectStatus(res, 200, 'reading the rules back');
      const byId = Object.fromEntries((res.body.value as { id: string }[]).map((r) => [r.id, r as Record<string, unknown>]));
      const enabled = byId.Enablement_EndUser_Assignment?.enabledRules as string[] | undefined;
      const checks: Array<[boolean, string]> = [
        [byId.Expiration_EndUser_Assignment?.maximumDuration === 'PT8H', 'maximum activation PT8H'],
        [Boolean(enabled?.includes('MultiFactorAuthentication') && enabled.includes('Justification')), 'MFA and justification on activation'],
        [byId.Expiration_Admin_Eligibility?.isExpirationRequired === false, 'permanent eligible allowed'],
        [byId.Expiration_Admin_Assignment?.isExpirationRequired === true, 'permanent active not allowed'],
      ];
      const wrong = checks.filter(([ok]) => !ok).map(([, what]) => what);
      if (wrong.length) throw new Deviation(`the saved settings do not read back: ${wrong.join(', ')}`);
      this.shown(res, `${checks.map(([, what]) => what).join('; ')}`);
    });
  }

  private async phase3(): Promise<void> {
    await this.enterPhase(3);
    const admin = await this.step(`The Global Admin signs in again.`, () => this.signIn(this.admin, true));
    const requestId = await this.step('Manage > Roles > Security Reader > Add assignments: the test user, Eligible, permanently.', async () => {
      const res = await this.http('POST', `${DIR}/roleEligibilityScheduleRequests`, {
        token: admin,
        json: { action: 'adminAssign', justification: 'Phase 3 of the walkthrough', principalId: this.pimuser.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } } },
      });
      this.expectStatus(res, 201, 'making the test user eligible');
      if (res.body.status !== 'Provisioned') throw new Deviation(`the eligibility should be Provisioned, it is ${res.body.status}`);
      this.shown(res, `status ${res.body.status}, expiration ${res.body.scheduleInfo?.expiration?.type}, request ${res.body.id}`);
      return res.body.id as string;
    });
    await this.step('Assignments tab: the test user is Eligible for Security Reader.', async () => {
      const filter = `principalId eq '${this.pimuser.id}' and roleDefinitionId eq '${SECURITY_READER}'`;
      const res = await this.http('GET', `${DIR}/roleEligibilityScheduleInstances?$filter=${encodeURIComponent(filter)}`, { token: admin });
      this.expectStatus(res, 200, 'listing the eligible assignments');
      if (res.body.value?.length !== 1) throw new Deviation(`expected one eligible assignment, found ${res.body.value?.length}`);
      this.shown(res, `${this.pimuser.displayName}: Eligible, ends ${res.body.value[0].endDateTime ?? 'never (permanent)'}`);
    });
    await this.step('The first auto-email lands in the Global Admin\'s inbox: the audit trail starts here.', () => this.mailFor(requestId, 'when the assignment is made'));
  }

  private async phase4(): Promise<void> {
    await this.enterPhase(4);
    const plain = await this.step('The test user refreshes My roles (signed in with the password only).', () => this.signIn(this.pimuser, false));
    await this.step('Security Reader is listed, with Activate.', async () => {
      const { eligible } = await this.roles(plain);
      if (!eligible.some((i) => i.roleDefinitionId === SECURITY_READER)) throw new Deviation('Security Reader should now be among the eligible roles');
    });
    await this.step('Activate without MFA: the MFA requirement of Phase 2 stops it.', () =>
      this.refused(plain, this.activation(REASON, 'PT8H'), ['MfaRule'], 'activating without MFA'));
    const strong = await this.step('The MFA prompt: the test user proves it with the authenticator code.', () => this.signIn(this.pimuser, true));
    await this.step('Activate without a reason: the justification requirement stops it.', () =>
      this.refused(strong, this.activation(undefined, 'PT8H'), ['JustificationRule'], 'activating without a justification'));
    await this.step('Activate for 9 hours: the slider is capped at 8.', () =>
      this.refused(strong, this.activation(REASON, 'PT9H'), ['ExpirationRule'], 'activating for 9 hours'));
    const requestId = await this.step(`Activate for 8 hours, reason "${REASON}".`, async () => {
      const res = await this.http('POST', `${DIR}/roleAssignmentScheduleRequests`, { token: strong, json: this.activation(REASON, 'PT8H') });
      this.expectStatus(res, 201, 'activating with MFA, a reason and 8 hours');
      if (res.body.status !== 'Provisioned') throw new Deviation(`the activation should be Provisioned, it is ${res.body.status}`);
      this.shown(res, `status ${res.body.status}, until ${res.body.scheduleInfo?.expiration?.duration} from ${res.body.scheduleInfo?.startDateTime}`);
      return res.body.id as string;
    });
    await this.step('The second auto-email: the user has actively elevated.', () => this.mailFor(requestId, 'when the role is activated'));
    await this.step('Validating → Activating → Refreshing: a new token carries the role.', async () => {
      const token = await this.signIn(this.pimuser, true);
      const wids = (claimsOf(token).wids as string[] | undefined) ?? [];
      if (!wids.includes(SECURITY_READER)) throw new Deviation(`the new token's wids should include Security Reader, they are ${JSON.stringify(wids)}`);
      const { active } = await this.roles(token);
      if (!active.some((i) => i.roleDefinitionId === SECURITY_READER && i.assignmentType === 'Activated')) throw new Deviation('Security Reader should be active (assignmentType Activated)');
    });
    await this.step(`Eight hours pass (${this.tenant}'s clock jumps; no other tenant's time moves).`, async () => {
      const res = await this.http('POST', `/_emulator/tenants/${this.tenant}/clock`, { json: { advance: 'PT8H' } });
      this.expectStatus(res, 200, 'moving the tenant clock');
      this.shown(res, `now ${res.body.now}`);
    });
    await this.step('The activation has ended on its own; the eligibility remains.', async () => {
      const token = await this.signIn(this.pimuser, true);
      const { eligible, active } = await this.roles(token);
      if (active.some((i) => i.roleDefinitionId === SECURITY_READER)) throw new Deviation('after 8 hours the activation should be gone, it is still active');
      if (!eligible.some((i) => i.roleDefinitionId === SECURITY_READER)) throw new Deviation('after the activation ends the eligibility should remain, it is gone');
    });
  }

  private async phase5(): Promise<void> {
    await this.enterPhase(5);
    const admin = await this.step('The Global Admin signs in again (the earlier token expired when the clock moved).', () => this.signIn(this.admin, true));
    await this.step('Manage > Assignments > the test user > Remove.', async () => {
      const res = await this.http('POST', `${DIR}/roleEligibilityScheduleRequests`, {
        token: admin,
        json: { action: 'adminRemove', justification: 'Project finished', principalId: this.pimuser.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/' },
      });
      this.expectStatus(res, 201, 'removing the eligibility');
      if (res.body.status !== 'Revoked') throw new Deviation(`the removal should be Revoked, it is ${res.body.status}`);
      this.shown(res, `status ${res.body.status}`);
    });
    await this.step('No dormant eligibility left: the test user has no roles again.', async () => {
      const token = await this.signIn(this.pimuser, false);
      const { eligible, active } = await this.roles(token);
      if (eligible.length || active.length) throw new Deviation(`the test user should have no roles, has eligible ${names(eligible)} and active ${names(active)}`);
    });
  }
}

const ROLE_NAMES: Record<string, string> = { [SECURITY_READER]: 'Security Reader' };
function names(instances: Instance[] | undefined): string {
  if (!instances?.length) return 'none';
  return instances.map((i) => `${ROLE_NAMES[i.roleDefinitionId] ?? i.roleDefinitionId}${i.assignmentType ? ` (${i.assignmentType})` : ''}`).join(', ');
}

/** A path as a person reads it: $filter=scopeId eq '/' rather than its percent-encoding. */
function readable(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function describe(res: Reply): string {
  const b = res.body;
  if (b?.error?.code) return `${b.error.code}: ${b.error.message}`;
  if (b?.error_description) return String(b.error_description).split(' Trace ID:')[0]!;
  if (b?.status) return `status ${b.status}`;
  return typeof b === 'string' ? b.slice(0, 200) : JSON.stringify(b ?? '').slice(0, 200);
}

function claimsOf(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
