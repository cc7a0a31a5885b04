import { withPersonas } from '../access.js';
import { GraphFailure, SignedOut, armList, list, emu } from '../api.js';
import { emuNow } from '../clock.js';
import { ARM_PIM_API, KEY, PAG, RM } from '../config.js';
import { store, h, fill, put } from '../dom.js';
import { errorBanner } from '../errors.js';
import { fmt, durationMs, HOUR, describeDuration } from '../format.js';
import { armRequestsAsRoles, expiredFrom, groupRequestsAsRoles, policyRules } from '../pim.js';
import { every } from '../router.js';
import { session, me } from '../session.js';
import { header } from '../ui.js';
import type { Obj, Route, Stale } from '../types.js';

/** A read's outcome as a value, so one refusal does not hide the other facts. */
type Settled<T = Obj> = { ok: true; value: T; error?: undefined } | { ok: false; value?: undefined; error: unknown };
type ItemState = 'done' | 'todo' | 'unknown';
interface Item {
  text: string;
  state: ItemState;
  note?: string;
}
/** One phase of the guide, as guideSteps derives it. */
interface Step {
  n: number;
  who: string;
  title: string;
  text: string;
  items: Item[];
  links: [string, string][];
  note?: string;
  state: ItemState;
  status: string;
}

// ------------------------------------------------------------------ Workshop guide

/** Security Reader's id: built-in role definitions are the same in every tenant (clones share them). */
const SECURITY_READER = '5d6b6bb7-de71-4623-b4af-96380a352509';
const ASK_ADMIN = 'Sign in as the admin to check this step.';
const NOT_READABLE = 'Your roles cannot read this.';
const NOBODY = 'Sign in to check this.';
const GUIDE_POLL_MS = 3000;

/** A promise's outcome as a value: { ok, value } or { ok: false, error }. */
const settle = <T>(p: Promise<T>): Promise<Settled<T>> => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
/** True when a read failed because of who is signed in (or nobody is), not because something broke. */
const notAllowed = (e: unknown): boolean => e instanceof SignedOut || (e instanceof GraphFailure && (e.status === 401 || e.status === 403));
const auditDetail = (a: Obj, key: string): string | undefined => a.additionalDetails?.find((d: Obj) => d.key === key)?.value;
const targets = (a: Obj, id: string): boolean => (a.targetResources ?? []).some((t: Obj) => t.id?.toLowerCase() === id.toLowerCase());
const byTime = (x: Obj, y: Obj): number => Date.parse(x.activityDateTime ?? x.createdDateTime) - Date.parse(y.activityDateTime ?? y.createdDateTime);
const whoDid = (a: Obj): string => a.initiatedBy?.user?.userPrincipalName ?? a.initiatedBy?.user?.displayName ?? a.initiatedBy?.app?.displayName ?? 'someone';

/**
 * Everything the guide looks at, read as the signed-in user: the audit log (history, preferred),
 * Security Reader's role settings, pimuser's roles and requests (pimuser reads its own through
 * filterByCurrentUser; others need a PIM reader role), and the admin's inbox (the emulator's capture,
 * readable by anyone). A read that fails is kept as the failure: the steps say what it means.
 */
async function guideFacts(tenant: Obj) {
  const persona = (local: string): Obj | undefined => (tenant.users as Obj[]).find((u) => u.userPrincipalName.toLowerCase().startsWith(`${local}@`));
  const pim = persona('pimuser');
  const admin = persona('admin');
  const c = session() ? me() : null;
  const asPimuser = Boolean(c && pim && c.oid === pim.id);
  const signedOut: Settled<never> = { ok: false, error: new SignedOut('Nobody is signed in in this window.') };
  const read = <T>(fn: () => Promise<T>): Promise<Settled<T>> => (c ? settle(fn()) : Promise.resolve(signedOut));
  const byPrincipal = (segment: string): string => `${RM}/${segment}?$filter=${encodeURIComponent(`principalId eq '${pim!.id}'`)}`;
  const own = (segment: string): string => `${RM}/${segment}/filterByCurrentUser(on='principal')`;
  const [audits, policy, roles, eligibilityRequests, assignmentRequests, mail] = await Promise.all([
    read(() => list(`/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("loggedByService eq 'PIM'")}&$top=999`)),
    read(() => policyRules(SECURITY_READER)),
    pim
      ? read(async () => (await Promise.all(asPimuser
        ? [list(own('roleEligibilityScheduleInstances')), list(own('roleAssignmentScheduleInstances'))]
        : [list(byPrincipal('roleEligibilitySchedules')), list(byPrincipal('roleAssignmentSchedules'))])).flat())
      : Promise.resolve(signedOut),
    pim ? read(() => list(asPimuser ? own('roleEligibilityScheduleRequests') : byPrincipal('roleEligibilityScheduleRequests'))) : Promise.resolve(signedOut),
    pim ? read(() => list(asPimuser ? own('roleAssignmentScheduleRequests') : byPrincipal('roleAssignmentScheduleRequests'))) : Promise.resolve(signedOut),
    admin ? settle(emu(`/tenants/${encodeURIComponent(tenant.name)}/mail?to=${encodeURIComponent(admin.userPrincipalName)}&limit=500`)) : Promise.resolve<Settled>({ ok: false, error: new Error('This tenant has no admin@ persona.') }),
  ]);
  // The optional phase: pimuser's PIM-for-Groups requests for Cloud Engineers' membership.
  const groupRequests = (segment: string) => (asPimuser ? `${PAG}/${segment}/filterByCurrentUser(on='principal')` : `${PAG}/${segment}?$filter=${encodeURIComponent(`principalId eq '${pim!.id}'`)}`);
  const [group, groupEligibility, groupAssignment] = await Promise.all([
    read(async () => (await list('/v1.0/groups?$top=999')).find((g) => g.displayName === CLOUD_ENGINEERS) ?? null),
    pim ? read(() => list(groupRequests('eligibilityScheduleRequests'))) : Promise.resolve(signedOut),
    pim ? read(() => list(groupRequests('assignmentScheduleRequests'))) : Promise.resolve(signedOut),
  ]);
  // The optional Azure phase: pimuser's requests on Azure Resource Manager under the tenant's
  // subscriptions (pimuser reads its own with asTarget(); the admin filters by principalId).
  const azureRequests = (type: string) => read(async () => {
    const filter = encodeURIComponent(asPimuser ? 'asTarget()' : `principalId eq '${pim!.id}'`);
    const subs = await armList('/subscriptions?api-version=2022-12-01');
    return (await Promise.all(subs.map((x) => armList(`${x.id}/providers/Microsoft.Authorization/${type}?${ARM_PIM_API}&$filter=${filter}`)))).flat();
  });
  const [azureEligibility, azureAssignment] = pim
    ? await Promise.all([azureRequests('roleEligibilityScheduleRequests'), azureRequests('roleAssignmentScheduleRequests')])
    : [signedOut, signedOut];
  return { tenant, pim, admin, audits, policy, roles, eligibilityRequests, assignmentRequests, mail, group, groupEligibility, groupAssignment, azureEligibility, azureAssignment, nowMs: emuNow() };
}

/** The group of the optional phase (the seed's; clones keep its name). */
const CLOUD_ENGINEERS = 'Cloud Engineers';

/** The optional phase — just-in-time group membership (PIM for Groups) — from the same facts; not one of the five. */
function optionalSteps(f: Awaited<ReturnType<typeof guideFacts>>): Step[] {
  const pimName = f.pim?.displayName ?? 'PIM User';
  const ok = (s: unknown): boolean => ['provisioned', 'granted', 'schedulecreated'].includes(String(s).toLowerCase());
  const groupId = f.group.ok ? f.group.value?.id : undefined;
  const mine = (r: Settled<Obj[]>, action: string): Obj[] => (r.ok && groupId ? r.value.filter((x) => x.groupId === groupId && String(x.accessId).toLowerCase() === 'member' && String(x.action).toLowerCase() === action.toLowerCase() && ok(x.status)).sort(byTime) : []);
  const noGroup = f.group.ok && !groupId ? `${f.tenant.name} has no group named ${CLOUD_ENGINEERS}.` : undefined;
  const fact = (text: string, r: Settled<Obj[]>, found: () => Obj | undefined, done: (x: Obj) => string, todo?: string): Item => {
    if (!f.group.ok) return unknownItem(text, f.group.error);
    if (noGroup) return item(text, 'unknown', noGroup);
    if (!r.ok) return unknownItem(text, r.error);
    const x = found();
    return x ? item(text, 'done', done(x)) : item(text, 'todo', todo);
  };
  const eligible = fact(`${pimName} is eligible for ${CLOUD_ENGINEERS}’ membership`, f.groupEligibility, () => mine(f.groupEligibility, 'adminAssign').at(-1),
    (x) => `Eligibility request ${x.status}, ${fmt(x.createdDateTime)} (privilegedAccess/group/eligibilityScheduleRequests).`);
  const activated = fact(`${pimName} activated the membership, with a reason`, f.groupAssignment, () => mine(f.groupAssignment, 'selfActivate').filter((x) => x.justification).at(-1),
    (x) => `“${x.justification}”, ${fmt(x.createdDateTime)}.`);
  const ended = fact('The membership ended: by time (Emulator › +8 h) or Deactivate', f.groupAssignment,
    () => expiredFrom(groupRequestsAsRoles(f.groupAssignment.ok ? f.groupAssignment.value : []), 'assignment', f.nowMs).find((x) => x.request.groupId === groupId && String(x.request.accessId).toLowerCase() === 'member')?.request,
    () => 'My roles › Groups › Expired assignments lists it; the eligibility stays.');
  return [
    optionalStep(6, 'just-in-time group membership',
      `For teams that finish early: PIM for Groups. As the admin: Manage › Groups › ${CLOUD_ENGINEERS} › + Add assignments, role Member, select PIM User, Assign (a group’s settings require an end date). As pimuser: My roles › Groups › Activate, with a reason: pimuser is a member (Members and owners) while it lasts. Then +8 h in the Emulator panel: the membership is gone.`,
      [['#/pim/groups', 'Open Groups'], ['#/pim/my-roles/groups', 'Open My roles › Groups']],
      [eligible, activated, ended]),
    azureStep(f),
  ];
}

/** The second optional phase — a just-in-time Azure role (PIM for Azure resources), read from ARM. */
function azureStep(f: Awaited<ReturnType<typeof guideFacts>>): Step {
  const pimName = f.pim?.displayName ?? 'PIM User';
  const ok = (s: unknown): boolean => ['provisioned', 'granted', 'schedulecreated'].includes(String(s).toLowerCase());
  const byCreated = (x: Obj, y: Obj): number => Date.parse(x.properties?.createdOn) - Date.parse(y.properties?.createdOn);
  const mine = (r: Settled<Obj[]>, type: string): Obj[] => (r.ok ? r.value.filter((x) => String(x.properties?.requestType).toLowerCase() === type.toLowerCase() && ok(x.properties?.status)).sort(byCreated) : []);
  const what = (x: Obj): string => `${x.properties?.expandedProperties?.roleDefinition?.displayName ?? 'An Azure role'} on ${x.properties?.expandedProperties?.scope?.displayName ?? x.properties?.scope}`;
  const fact = (text: string, r: Settled<Obj[]>, found: () => Obj | undefined, done: (x: Obj) => string, todo?: string): Item => {
    if (!r.ok) return unknownItem(text, r.error);
    const x = found();
    return x ? item(text, 'done', done(x)) : item(text, 'todo', todo);
  };
  return optionalStep(7, 'just-in-time Azure role',
    'PIM for Azure resources, through Azure Resource Manager. As the admin (ARM: az rest, Terraform azurerm or curl; docs/workshop.md has the block): make PIM User eligible for Contributor on the subscription. As pimuser: My roles › Azure resources › Activate, with a reason (the Scope list narrows it to a resource group). Then +8 h in the Emulator panel: the activation is gone.',
    [['#/pim/azure', 'Open Azure resources'], ['#/pim/my-roles/azure', 'Open My roles › Azure resources']],
    [
      fact(`${pimName} is eligible for an Azure role`, f.azureEligibility, () => mine(f.azureEligibility, 'AdminAssign').at(-1),
        (x) => `${what(x)}: eligibility request ${x.properties.status}, ${fmt(x.properties.createdOn)} (roleEligibilityScheduleRequests).`),
      fact(`${pimName} activated it, with a reason`, f.azureAssignment, () => mine(f.azureAssignment, 'SelfActivate').filter((x) => x.properties?.justification).at(-1),
        (x) => `${what(x)}: “${x.properties.justification}”, ${fmt(x.properties.createdOn)}.`),
      fact('The activation ended: by time (Emulator › +8 h) or Deactivate', f.azureAssignment,
        () => expiredFrom(armRequestsAsRoles(f.azureAssignment.ok ? f.azureAssignment.value : []), 'assignment', f.nowMs).find((x) => String(x.request.action).toLowerCase() === 'selfactivate')?.request,
        () => 'My roles › Azure resources › Expired assignments lists it; the eligibility stays.'),
    ]);
}

/** An optional phase from its items: done when all are, todo when one is, else why it could not be checked. */
function optionalStep(n: number, title: string, text: string, links: [string, string][], items: Item[]): Step {
  const states = items.map((i) => i.state);
  const state: ItemState = states.every((x) => x === 'done') ? 'done' : states.includes('todo') ? 'todo' : 'unknown';
  const askAdmin = items.some((i) => i.state === 'unknown' && (i.note === NOT_READABLE || i.note === NOBODY));
  return { n, who: 'optional', title, text, links, items, state, status: state === 'done' ? 'Done' : state === 'todo' ? 'Not yet' : askAdmin ? ASK_ADMIN : 'This step could not be checked.' };
}

/** An item of a step: done, todo or unknown (unknown says why: the user's permissions, or an error). */
const item = (text: string, state: ItemState, note?: string): Item => ({ text, state, note });
function unknownItem(text: string, error: unknown): Item {
  if (!notAllowed(error)) return item(text, 'unknown', `It could not be read: ${(error as Error)?.message ?? error}.`);
  return item(text, 'unknown', session() ? NOT_READABLE : NOBODY);
}

/** The five phases with their checks, from the facts (pure: same facts, same answer). */
function guideSteps(f: Awaited<ReturnType<typeof guideFacts>>): Step[] {
  const pimName = f.pim?.displayName ?? 'PIM User';
  const srAudits = (pattern: RegExp): Obj[] => (f.audits.ok ? f.audits.value.filter((a) => pattern.test(a.activityDisplayName) && targets(a, SECURITY_READER) && f.pim && targets(a, f.pim.id)).sort(byTime) : []);
  const srRequests = (r: Settled<Obj[]>, action: string): Obj[] => (r.ok ? r.value.filter((x) => x.roleDefinitionId === SECURITY_READER && String(x.action).toLowerCase() === action.toLowerCase()).sort(byTime) : []);
  const ok = (s: unknown): boolean => ['provisioned', 'granted', 'schedulecreated'].includes(String(s).toLowerCase());
  const subjects = f.mail.ok ? (f.mail.value.messages as Obj[]).map((m) => (m.subject as string) ?? '') : [];
  const mailItem = (label: string, pattern: RegExp): Item => (f.mail.ok
    ? subjects.some((s: string) => pattern.test(s)) ? item(label, 'done') : item(label, 'todo', 'Not in the inbox yet (it refreshes by itself).')
    : unknownItem(label, f.mail.error));
  const inbox = f.admin?.userPrincipalName ?? 'the admin';
  const policy = f.policy.ok ? f.policy.value : null;
  const rule = (id: string): Obj | undefined => policy?.rules.find((r: Obj) => r.id === id);
  const policyItem = (text: string, test: () => boolean, now: () => string): Item => (policy ? item(text, test() ? 'done' : 'todo', test() ? undefined : now()) : unknownItem(text, f.policy.error));

  // Phase 3's evidence first: Phases 1, 4 and 5 refer to it.
  const eligibleAdds = srAudits(/^Add eligible member to role in PIM completed \((permanent|timebound)\)$/);
  const eligibleRemoves = srAudits(/^Remove eligible member from role in PIM completed \((permanent|timebound)\)$/);
  const assigns = srRequests(f.eligibilityRequests, 'adminAssign').filter((r) => ok(r.status));
  const removes = srRequests(f.eligibilityRequests, 'adminRemove');
  const permanent = (r: Obj): boolean => String(r.scheduleInfo?.expiration?.type ?? '').toLowerCase() === 'noexpiration';
  let assigned;
  const assignedText = `${pimName} is eligible for Security Reader, permanently`;
  if (f.audits.ok) {
    const perm = eligibleAdds.find((a) => a.activityDisplayName.endsWith('(permanent)'));
    assigned = perm
      ? item(assignedText, 'done', `Audit log: \u201c${perm.activityDisplayName}\u201d, ${fmt(perm.activityDateTime)}, by ${whoDid(perm)}.`)
      : item(assignedText, 'todo', eligibleAdds.length ? 'Eligible with an end date (timebound): the article ticks Permanently eligible.' : 'No \u201cAdd eligible member to role in PIM completed\u201d record in the audit log yet.');
  } else if (f.eligibilityRequests.ok) {
    const perm = assigns.find(permanent);
    assigned = perm
      ? item(assignedText, 'done', `Eligibility request ${perm.status}, ${fmt(perm.createdDateTime)} (roleEligibilityScheduleRequests).`)
      : item(assignedText, 'todo', assigns.length ? 'Eligible with an end date: the article ticks Permanently eligible.' : 'No eligible assignment to Security Reader yet.');
  } else {
    assigned = unknownItem(assignedText, f.audits.error);
  }

  // Phase 1: the baseline. pimuser holds no role — Security Reader from Phase 3 on aside.
  const baselineText = `${pimName} holds no Microsoft Entra role`;
  let baseline;
  if (f.roles.ok) {
    const others = [...new Set(f.roles.value.map((r) => r.roleDefinitionId).filter((id) => id !== SECURITY_READER))];
    const holdsSr = f.roles.value.some((r) => r.roleDefinitionId === SECURITY_READER);
    baseline = others.length
      ? item(baselineText, 'todo', `${pimName} holds ${others.length} other role(s) (${others.join(', ')}): not the clean baseline the article starts from.`)
      : item(baselineText, 'done', holdsSr ? 'Apart from Security Reader, which Phase 3 gives.' : 'My roles \u203a Eligible assignments: No eligible assignments found.');
  } else {
    baseline = unknownItem(baselineText, f.roles.error);
  }

  // Phase 2: Security Reader's role settings as the article sets them.
  const maxMs = durationMs(rule('Expiration_EndUser_Assignment')?.maximumDuration);
  const enabled = rule('Enablement_EndUser_Assignment')?.enabledRules ?? [];
  const settingsItems = [
    policyItem('Activation maximum duration: 8 hours', () => maxMs === 8 * HOUR, () => `Now ${describeDuration(rule('Expiration_EndUser_Assignment')?.maximumDuration)}.`),
    policyItem('Require Azure MFA on activation', () => enabled.includes('MultiFactorAuthentication'), () => 'Not ticked.'),
    policyItem('Require justification on activation', () => enabled.includes('Justification'), () => 'Not ticked.'),
    policyItem('Allow permanent eligible assignment', () => rule('Expiration_Admin_Eligibility')?.isExpirationRequired === false, () => 'Not ticked: eligible assignments need an end date.'),
    policyItem('Allow permanent active assignment: unticked', () => rule('Expiration_Admin_Assignment')?.isExpirationRequired === true, () => 'Still ticked: the load-bearing change of this phase.'),
  ];
  const settingUpdates = f.audits.ok ? f.audits.value.filter((a) => a.activityDisplayName === 'Update role setting in PIM' && targets(a, SECURITY_READER)).sort(byTime) : [];
  let settingsNote;
  if (settingUpdates.length) {
    const last = settingUpdates.at(-1);
    settingsNote = `Audit log: \u201cUpdate role setting in PIM\u201d ${settingUpdates.length} time(s), last ${fmt(last!.activityDateTime)} by ${whoDid(last!)}.`;
    if (eligibleAdds.length && byTime(settingUpdates[0], eligibleAdds[0]) > 0) settingsNote += ` The settings changed after ${pimName} was assigned: configure first, then assign, or existing assignments inherit the change.`;
  }

  // Phase 4: the activation, its reason, MFA (the role setting), the second mail.
  const activatedText = `${pimName} activated Security Reader`;
  let activation: { justification?: string; note: string } | null = null; // null: no activation yet
  let activated;
  if (f.audits.ok) {
    const a = srAudits(/^Add member to role completed \(PIM activation\)$/).at(-1);
    const waiting = srAudits(/^Add member to role approval requested \(PIM activation\)$/).length > srAudits(/^Add member to role request (approved|denied) \(PIM activation\)$/).length;
    activation = a ? { justification: auditDetail(a, 'Justification'), note: `Audit log: \u201c${a.activityDisplayName}\u201d, ${fmt(a.activityDateTime)}.` } : null;
    activated = a ? item(activatedText, 'done', activation!.note) : item(activatedText, 'todo', waiting ? 'The request is waiting for approval.' : 'No \u201cAdd member to role completed (PIM activation)\u201d record yet.');
  } else if (f.assignmentRequests.ok) {
    const all = srRequests(f.assignmentRequests, 'selfActivate');
    const r = all.filter((x) => ok(x.status)).at(-1);
    activation = r ? { justification: r.justification, note: `Activation request ${r.status}, ${fmt(r.createdDateTime)} (roleAssignmentScheduleRequests).` } : null;
    const pending = all.some((x) => /^PendingApproval/.test(x.status));
    activated = r ? item(activatedText, 'done', activation!.note) : item(activatedText, 'todo', pending ? 'The request is waiting for approval.' : 'No activation yet.');
  } else {
    activated = unknownItem(activatedText, f.audits.error);
  }
  const reasonText = 'With a reason (it goes into the audit log)';
  const reason = activated.state === 'unknown'
    ? unknownItem(reasonText, f.audits.error)
    : activation?.justification ? item(reasonText, 'done', `\u201c${activation.justification}\u201d`) : item(reasonText, 'todo', activation ? 'The activation has no justification.' : undefined);
  const mfaText = 'With multi-factor authentication';
  const mfa = !activation
    ? (activated.state === 'unknown' ? unknownItem(mfaText, f.audits.error) : item(mfaText, 'todo'))
    : policy ? (enabled.includes('MultiFactorAuthentication') ? item(mfaText, 'done', 'The role setting requires it on activation, so PIM verified it.') : item(mfaText, 'todo', 'Security Reader does not require MFA on activation (Phase 2).')) : unknownItem(mfaText, f.policy.error);

  // Phase 5: the eligible assignment removed after it was made.
  const removedText = `${pimName}\u2019s eligible assignment is removed`;
  let removed;
  if (f.audits.ok) {
    const lastAdd = eligibleAdds.at(-1);
    const lastRemove = eligibleRemoves.at(-1);
    removed = lastRemove && (!lastAdd || byTime(lastRemove, lastAdd) >= 0)
      ? item(removedText, 'done', `Audit log: \u201c${lastRemove.activityDisplayName}\u201d, ${fmt(lastRemove.activityDateTime)}, by ${whoDid(lastRemove)}.`)
      : item(removedText, 'todo', lastRemove ? `${pimName} was made eligible again after the last removal.` : undefined);
  } else if (f.eligibilityRequests.ok) {
    const lastAdd = assigns.at(-1);
    const lastRemove = removes.at(-1);
    removed = lastRemove && (!lastAdd || byTime(lastRemove, lastAdd) >= 0)
      ? item(removedText, 'done', `Removal request ${lastRemove.status}, ${fmt(lastRemove.createdDateTime)} (roleEligibilityScheduleRequests).`)
      : item(removedText, 'todo');
  } else {
    removed = unknownItem(removedText, f.audits.error);
  }

  const phases: Omit<Step, 'state' | 'status'>[] = [
    {
      n: 1, who: 'pimuser', title: 'verify you have no roles',
      text: 'Sign in as pimuser. Search Privileged Identity Management, then My roles \u203a Microsoft Entra roles: Eligible assignments says \u201cNo eligible assignments found\u201d. No admin powers: that is the baseline.',
      links: [['#/pim/my-roles', 'Open My roles']],
      items: [baseline],
    },
    {
      n: 2, who: 'admin', title: 'configure Security Reader before anyone is assigned',
      text: 'In a second window, as the admin: Manage \u203a Settings \u203a Security Reader \u203a Edit. Activation: maximum 8 hours, require Azure MFA and justification on activation. Assignment: allow permanent eligible assignment, untick allow permanent active assignment. Notification: keep the defaults, Update.',
      links: [[`#/pim/settings/${SECURITY_READER}`, 'Open Security Reader\u2019s settings']],
      items: settingsItems,
      note: settingsNote,
    },
    {
      n: 3, who: 'admin', title: 'make pimuser eligible, permanently',
      text: 'Manage \u203a Roles \u203a Security Reader \u203a + Add assignments: select PIM User, Next, assignment type Eligible, tick Permanently eligible, Assign. PIM mails the admins at once: the first mail.',
      links: [[`#/pim/roles/${SECURITY_READER}`, 'Open Security Reader\u2019s assignments'], [`#/inbox?to=${encodeURIComponent(inbox)}`, 'Open the admin\u2019s Inbox']],
      items: [assigned, mailItem(`First mail in ${inbox}: \u201c${pimName} was made permanently eligible for the Security Reader role\u201d`, new RegExp(`${escapeRe(pimName)} was made (permanently )?eligible for the Security Reader role`))],
    },
    {
      n: 4, who: 'pimuser', title: 'activate with MFA and a reason',
      text: 'Back as pimuser: My roles \u203a Refresh \u203a Activate on Security Reader. At most 8 hours; type a specific reason such as \u201cReviewing sign-in logs for compliance audit, ticket #INC1234\u201d; verify with MFA when asked. Validating \u2192 Activating \u2192 Refreshing. The second mail reaches the admin.',
      links: [['#/pim/my-roles', 'Open My roles'], [`#/inbox?to=${encodeURIComponent(inbox)}`, 'Open the admin\u2019s Inbox']],
      items: [activated, reason, mfa, mailItem(`Second mail in ${inbox}: \u201c${pimName} has the Security Reader role activated\u201d`, new RegExp(`${escapeRe(pimName)} has the Security Reader role activated`))],
    },
    {
      n: 5, who: 'admin', title: 'remove the assignment when the project is done',
      text: 'As the admin: Manage \u203a Assignments, search pimuser, Remove (Update changes the type or the end date instead). A dormant eligible assignment is still attack surface. Audit history shows everything that happened.',
      links: [['#/pim/assignments', 'Open Assignments'], ['#/pim/audit', 'Open Audit history']],
      items: [removed],
    },
  ];
  return phases.map((step) => {
    const states = step.items.map((i) => i.state);
    const state: ItemState = states.every((x) => x === 'done') ? 'done' : states.includes('todo') ? 'todo' : 'unknown';
    const askAdmin = step.items.some((i) => i.state === 'unknown' && (i.note === NOT_READABLE || i.note === NOBODY));
    return { ...step, state, status: state === 'done' ? 'Done' : state === 'todo' ? 'Not yet' : askAdmin ? ASK_ADMIN : 'This step could not be checked.' };
  });
}
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const MARK: Record<ItemState, string> = { done: '\u2713', todo: '\u25cb', unknown: '?' };
const STATE_WORDS: Record<ItemState, string> = { done: 'Done', todo: 'Not yet', unknown: 'Unknown' };

function guideStepEl(step: Step, current: boolean): HTMLElement {
  return h('li', { class: 'guide-step', id: `guide-phase-${step.n}`, 'data-state': step.state, 'aria-current': current ? 'step' : undefined, 'aria-labelledby': `guide-phase-${step.n}-h` },
    h('span', { class: 'guide-mark', 'aria-hidden': 'true', text: MARK[step.state] }),
    h('div', { class: 'guide-body' },
      h('h2', { id: `guide-phase-${step.n}-h`, text: `Phase ${step.n} \u2014 ${step.who}: ${step.title}` }),
      h('p', { class: 'guide-status', id: `guide-phase-${step.n}-status`, text: step.status }),
      h('p', { text: step.text }),
      h('ul', { class: 'guide-items' }, step.items.map((i) => h('li', { 'data-state': i.state },
        h('span', { class: 'guide-mark', 'aria-hidden': 'true', text: MARK[i.state] }),
        h('span', { class: 'sr-only', text: `${STATE_WORDS[i.state]}: ` }),
        h('span', { text: i.text }),
        i.note ? h('span', { class: 'hint guide-note', text: ` \u2014 ${i.note}` }) : null))),
      step.note ? h('p', { class: 'hint', text: step.note }) : null,
      h('p', { class: 'guide-links' }, step.links.map(([href, label], i) => [i ? ' \u00b7 ' : '', h('a', { href, text: label })]))));
}

/**
 * The workshop guide: the article's five phases, each ticked from the participant's tenant as the
 * signed-in user can read it, re-checked every few seconds. What this user may not read is not
 * guessed: the step says to sign in as the admin.
 */
export async function guideView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  let tenant;
  try {
    tenant = await guideTenant();
  } catch (e) {
    header(view, { title: 'Workshop guide' });
    put(view, errorBanner(e, 'The tenants could not be read'));
    return;
  }
  const c = session() ? me() : null;
  header(view, {
    crumbs: [['Workshop guide', '#/guide']],
    title: 'Workshop guide',
    subtitle: `The article\u2019s five phases in your tenant ${tenant.name} (${tenant.domain}). Each one ticks when the tenant reaches it, checked every few seconds ${c ? `with what ${c.upn} may read` : 'with what anyone may read (nobody is signed in in this window)'}.`,
  });
  const progress = h('p', { class: 'guide-progress', id: 'guide-progress', role: 'status' });
  const checked = h('p', { class: 'hint', id: 'guide-checked' });
  const steps = h('ol', { class: 'guide', id: 'guide-steps', 'aria-label': 'The five phases' });
  const optional = h('ol', { class: 'guide', id: 'guide-optional', 'aria-label': 'Optional phases', start: '6' });
  const warn = h('div', { id: 'guide-warning' });
  put(view,
    h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => void check() }, '\u21bb Refresh')),
    c ? null : h('div', { class: 'banner warn' }, h('p', {}, 'Nobody is signed in in this window: only the inbox can be checked. ', h('a', { href: '#/', text: 'Sign in' }), ' (as the admin to check every step).')),
    warn, progress, checked, steps,
    h('h2', { class: 'guide-optional-title', text: 'Beyond the five phases (optional)' }), optional,
    h('p', { class: 'hint', text: 'The checks prefer the audit log (Graph /v1.0/auditLogs/directoryAudits: it keeps the history), then the role settings, pimuser\u2019s roles and requests, and the captured inbox (Emulator). pimuser may read its own roles and requests only, and everything else only while a reader role such as Security Reader is active.' }));

  let painted = '';
  let busy = false;
  let again = false;
  const check = async () => {
    // One check at a time; a Refresh during a check runs another right after (the first may predate a change).
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const f = await guideFacts(tenant);
      if (stale()) return;
      fill(warn, f.pim ? null : h('div', { class: 'banner warn' }, h('p', { text: `${tenant.name} has no pimuser@ persona: the guide follows pimuser, as the article does.` })));
      const model = guideSteps(f);
      const extra = optionalSteps(f);
      const key = JSON.stringify([model, extra]);
      checked.textContent = `Last checked ${fmt(emuNow())} (emulator clock)${c ? ` as ${c.upn}` : ''}.`;
      if (key === painted) return;
      painted = key;
      const current = model.find((s) => s.state !== 'done');
      fill(steps, model.map((s) => guideStepEl(s, s === current)));
      fill(optional, extra.map((s) => guideStepEl(s, false)));
      const done = model.filter((s) => s.state === 'done').length;
      const text = `${done} of 5 phases done${current ? `; next: Phase ${current.n}` : ': the workshop is complete'}.`;
      if (progress.textContent !== text) progress.textContent = text;
    } finally {
      busy = false;
      if (again && !stale()) {
        again = false;
        void check().catch(() => undefined);
      }
    }
  };
  await check();
  if (stale()) return;
  every(GUIDE_POLL_MS, () => void check().catch(() => undefined));
}

/** The participant's tenant: the one signed in to, else the one chosen on the sign-in page. */
async function guideTenant(): Promise<Obj> {
  const tenants: Obj[] = await emu('/tenants');
  const s = session();
  const tid = s ? me()?.tid : undefined;
  const name = s?.tenant ?? store.get(KEY.tenant);
  const t = tenants.find((x) => x.id === tid) ?? tenants.find((x) => x.name === name || x.domain === name || x.id === name) ?? tenants[0];
  if (!t) throw new Error('The emulator has no tenant.');
  const full = await withPersonas(t);
  if (!full?.users) throw new Error(`${t.name}\u2019s personas are shown to the team holding its key: enter it on the sign-in page (I have a key).`);
  return full;
}
