import { syncAccess } from './access.js';
import { paintClock } from './clock.js';
import { syncClock } from './clock-sync.js';
import { $ } from './dom.js';
import { flash } from './flash.js';
import { render, setShell, setViews } from './router.js';
import { completeSignIn, shareSession } from './session.js';
import { renderAccount, renderNav, setupMenu, setupSearch } from './shell.js';
import { session } from './session.js';
import type { Route, View } from './types.js';
import { approvalsView } from './views/approvals.js';
import { allAssignmentsView, roleAssignmentsView, rolesListView } from './views/assignments.js';
import { auditView } from './views/audit.js';
import { emulatorView } from './views/emulator.js';
import { groupsListView, groupView } from './views/groups.js';
import { guideView } from './views/guide.js';
import { homeView, notFoundView, pimHomeView, signInFirstView } from './views/home.js';
import { inboxView } from './views/inbox.js';
import { landingView } from './views/landing.js';
import { mailLinkView } from './views/mail-link.js';
import { myGroupsView } from './views/my-groups.js';
import { myAzureView } from './views/my-azure.js';
import { azureResourcesView } from './views/azure-resources.js';
import { myRolesView } from './views/my-roles.js';
import { myRequestsView } from './views/requests.js';
import { settingsDetailView, settingsEditView, settingsListView } from './views/settings.js';

// The PIM workshop portal: a single-page app that walks the article's five phases in a browser.
// It is an OAuth client of the emulator like any other: it signs in through /{tenant}/oauth2/v2.0/authorize
// (authorization code + PKCE S256, amr_values=mfa as Microsoft enforces MFA on admin portals),
// redeems the code at /token, keeps the tokens in sessionStorage, and calls only Microsoft Graph
// (/v1.0, /beta) with them, plus the emulator's own control plane (/_emulator) for what Entra does
// not have: the clock, MFA codes, the captured inbox, reset. No framework, nothing loaded from
// elsewhere; esbuild bundles these modules into portal.js (src/portal/plugin.ts). Screens are named
// as the article names them.

/** Which screen shows what: the portal's table of routes. */
function pickView(route: Route): View {
  const [a, b, c] = route.parts;
  if (!a) return session() ? homeView : landingView;
  if (a === 'emulator') return emulatorView;
  if (a === 'guide') return guideView;
  if (a === 'inbox') return inboxView;
  // Links in PIM's mails: {portal}/#/roles/{roleId}?tenant={name}, #/groups/{groupId}?tenant={name}
  if ((a === 'roles' || a === 'groups') && b) return mailLinkView;
  if (a !== 'pim') return notFoundView;
  if (!session()) return signInFirstView;
  switch (b) {
    case undefined:
      return pimHomeView;
    case 'my-roles':
      return c === 'groups' ? myGroupsView : c === 'azure' ? myAzureView : myRolesView;
    case 'my-requests':
      return myRequestsView;
    case 'approvals':
      return approvalsView;
    case 'roles':
      return c ? roleAssignmentsView : rolesListView;
    case 'assignments':
      return allAssignmentsView;
    case 'groups':
      return c ? groupView : groupsListView;
    case 'azure':
      return azureResourcesView;
    case 'settings':
      return route.parts[3] === 'edit' ? settingsEditView : c ? settingsDetailView : settingsListView;
    case 'audit':
      return auditView;
    default:
      return notFoundView;
  }
}

async function start(): Promise<void> {
  setViews(pickView);
  setShell((route) => {
    renderNav(route);
    renderAccount();
  });
  setupSearch();
  setupMenu();
  shareSession();
  $('#skip').addEventListener('click', (ev) => {
    ev.preventDefault();
    $('#main').focus();
  });
  window.addEventListener('hashchange', () => void render());
  await syncAccess();
  await syncClock();
  setInterval(paintClock, 1000);
  setInterval(() => void syncClock(), 10_000);
  try {
    await completeSignIn();
  } catch (e) {
    flash('error', `Sign-in did not complete: ${(e as Error).message}`);
  }
  await render();
}

if (typeof document !== 'undefined') void start();
