import { syncClock } from './clock-sync.js';
import { $, h, fill, put } from './dom.js';
import { errorBanner } from './errors.js';
import { takeFlash } from './flash.js';

import type { Route, View } from './types.js';

// The router: the screen comes from the address's fragment (#/pim/my-roles/eligible?x=1), so every
// screen has a link, Back works, and a mail can point at a role. main.ts says which view shows what.

let pickView: (route: Route) => View = () => () => undefined;
/** Sets the table of screens (main.ts); kept out of this module so views can import go() without a cycle. */
export function setViews(pick: (route: Route) => View): void {
  pickView = pick;
}

let paintShell: (route: Route) => void = () => undefined;
/** Sets what is drawn around every screen (main.ts: shell.ts's menu and account box), which itself uses go(). */
export function setShell(paint: (route: Route) => void): void {
  paintShell = paint;
}

/** #/pim/my-roles/eligible?x=1 → { parts: ['pim','my-roles','eligible'], query } */
export function parseHash(): Route {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(qs ?? ''), hash: location.hash || '#/' };
}
export const go = (hash: string): void => {
  if (location.hash === hash) void render();
  else location.hash = hash;
};
/** Replaces the current screen's address without a history entry (a tab's default, say). */
export const redirect = (hash: string): void => {
  history.replaceState(null, '', hash);
  void render();
};

let cleanups: (() => void)[] = [];
/** Timers and listeners of the current screen, stopped when the screen changes. */
export const onLeave = (fn: () => void): void => {
  cleanups.push(fn);
};
export function every(ms: number, fn: () => void): void {
  const id = setInterval(fn, ms);
  onLeave(() => clearInterval(id));
}

let renderSeq = 0;
let lastHash: string | null = null;
/** Renders the screen for the current hash. A newer render supersedes an unfinished one. */
export async function render(): Promise<void> {
  const seq = ++renderSeq;
  for (const fn of cleanups.splice(0)) fn();
  const route = parseHash();
  void syncClock(); // another window may have moved the emulator clock
  const navigated = route.hash !== lastHash;
  lastHash = route.hash;
  const focusedId = navigated ? null : document.activeElement?.id;
  paintShell(route);
  const main = $('#main');
  if (navigated) fill(main, h('p', { class: 'loading', text: 'Loading\u2026' }));
  const view = h('div', { class: 'view' });
  const stale = () => seq !== renderSeq;
  try {
    await pickView(route)(view, route, stale);
  } catch (e) {
    if (stale()) return;
    put(view, errorBanner(e, 'This page could not be loaded'));
  }
  if (stale()) return;
  const flashEl = takeFlash();
  if (flashEl) {
    // Where the eye is: at the top of an open pane, else under the page title (and its subtitle).
    const paneBody = view.querySelector(':scope > .pane .pane-body');
    const h1 = view.querySelector<HTMLElement>(':scope > h1');
    const after = h1?.nextElementSibling?.classList.contains('subtitle') ? h1.nextElementSibling : h1;
    if (paneBody) paneBody.prepend(flashEl);
    else if (after) after.after(flashEl);
    else view.prepend(flashEl);
  }
  fill(main, view);
  const pane = view.querySelector(':scope > .pane');
  // A pane is modal: what is behind it (and the bars) leaves the tab order until it closes.
  for (const el of [$('#nav'), $('.topbar'), ...[...view.children].filter((c) => !c.matches('.pane, .pane-backdrop'))] as HTMLElement[]) el.inert = Boolean(pane);
  const keep = focusedId && document.getElementById(focusedId);
  if (keep) keep.focus();
  else if (pane) pane.querySelector<HTMLElement>('h2')?.focus();
  else if (navigated) (view.querySelector<HTMLElement>('h1') ?? main).focus();
}
