import { list } from '../api.js';
import { KEY, PAG, RM } from '../config.js';
import { h, put, store } from '../dom.js';
import { redirect } from '../router.js';
import { borrowSession, session, startSignIn } from '../session.js';
import { header, PIM_CRUMB } from '../ui.js';
import type { Route } from '../types.js';

/**
 * Where PIM's mails link: {portal}/#/roles/{roleId}?tenant={name}, or for PIM for Groups
 * #/groups/{groupId}?tenant={name}. Signed in to that tenant (in this
 * window, or in another window of this browser that lends its session), the
 * link opens the role: its assignments for whoever may read them, else the user's own roles (a
 * requestor's mail: "you are eligible", "your role is activated"). Signed out, or signed in to
 * another tenant, it offers the sign-in to the mail's tenant and comes back to the role.
 */
export async function mailLinkView(view: HTMLElement, route: Route): Promise<void> {
  const group = route.parts[0] === 'groups';
  const roleId = route.parts[1]!;
  const tenant = route.query.get('tenant') ?? undefined;
  // A mail's link opens a new tab: signed in next door in this browser is signed in here.
  const s = session() ?? ((await borrowSession(tenant)) ? session() : null);
  if (s && (!tenant || s.tenant === tenant)) {
    // An admin or a PIM reader sees the role's (group's) assignments; anyone else their own.
    const probe = group
      ? `${PAG}/eligibilitySchedules?$filter=${encodeURIComponent(`groupId eq '${roleId}'`)}&$top=1`
      : `${RM}/roleEligibilitySchedules?$filter=${encodeURIComponent(`roleDefinitionId eq '${roleId}'`)}&$top=1`;
    const canList = await list(probe).then(() => true, () => false);
    if (group) return redirect(canList ? `#/pim/groups/${encodeURIComponent(roleId)}` : '#/pim/my-roles/groups/eligible');
    return redirect(canList ? `#/pim/roles/${encodeURIComponent(roleId)}` : '#/pim/my-roles/eligible');
  }
  if (tenant) store.set(KEY.tenant, tenant);
  const target = tenant ?? store.get(KEY.tenant) ?? 'contoso';
  header(view, { crumbs: [PIM_CRUMB], title: 'Privileged Identity Management', subtitle: s ? `This link is for ${target}; this window is signed in to ${s.tenant}.` : `Sign in to ${target} to open the ${group ? 'group' : 'role'} from the mail.` });
  put(view, h('div', { class: 'buttons' },
    h('button', { type: 'button', class: 'primary', id: 'mail-link-sign-in', onclick: () => void startSignIn({ tenant: target, mfa: !store.get(KEY.skipMfa), returnTo: `#/${group ? 'groups' : 'roles'}/${encodeURIComponent(roleId)}${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ''}` }) }, `Sign in to ${target}`),
    h('a', { class: 'button', href: '#/', text: 'Go to the sign-in page' })));
}
