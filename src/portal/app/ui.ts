import { $, h, put } from './dom.js';
import type { Child } from './types.js';

// The building blocks of the screens: header, tabs, tables, the progress stages, the confirm dialog, side panes.

/** A breadcrumb: [label, href]; the last one may have no link. */
export type Crumb = [string, string?];
export function header(view: HTMLElement, { crumbs = [], title, subtitle }: { crumbs?: Crumb[]; title: string; subtitle?: string }): void {
  put(view, 
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('ol', {}, ([['Home', '#/'], ...crumbs] as Crumb[]).map(([label, href]) => h('li', {}, href ? h('a', { href, text: label }) : label)))),
    h('h1', { tabindex: '-1', text: title }),
    subtitle ? h('p', { class: 'subtitle', text: subtitle }) : null,
  );
}
export const PIM_CRUMB: Crumb = ['Privileged Identity Management', '#/pim'];

export function tabsNav(label: string, tabs: [string, string, string][], current: string): HTMLElement {
  return h('nav', { class: 'tabs-nav', 'aria-label': label },
    tabs.map(([id, text, href]) => h('a', { class: 'tab', href, 'aria-current': id === current ? 'page' : undefined, text })));
}

export function table(columns: string[], rows: Child[][], empty: [string, string?]): HTMLElement {
  if (!rows.length) return h('div', { class: 'empty', role: 'status' }, h('strong', { text: empty[0] }), empty[1] ?? '');
  // The wrapper scrolls sideways on a narrow screen; the page itself never does.
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => h('td', { class: i === cells.length - 1 && c instanceof HTMLElement && c.dataset.actions ? 'actions' : undefined }, c)))))));
}
export const actions = (...buttons: Child[]): HTMLElement => {
  const span = h('span', {}, buttons);
  span.dataset.actions = '1';
  return span;
};

export function stagesList(stages: [string, string][]): HTMLElement {
  return h('ol', { class: 'stages', 'aria-label': 'Progress' }, stages.map(([name, state]) => h('li', { 'data-state': state, text: name })));
}

/** The page's confirm dialog (index.html #confirm), centred; true when the user chose `yes`. */
export async function confirmDialog(title: string, text: string, yes = 'Yes'): Promise<boolean> {
  const dlg = $<HTMLDialogElement>('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-yes').textContent = yes;
  dlg.returnValue = '';
  dlg.showModal();
  $('#confirm-no').focus();
  return new Promise((resolve) => dlg.addEventListener('close', () => resolve(dlg.returnValue === 'yes'), { once: true }));
}

/** A side pane (blade) over the screen: labelled dialog, Escape or × closes it. */
export interface PaneOptions {
  title: string;
  subtitle?: string;
  onClose: () => void;
  body: Child;
  foot?: Child;
}
export function pane(view: HTMLElement, { title, subtitle, onClose, body, foot }: PaneOptions): HTMLElement {
  const close = () => onClose();
  const headingId = `pane-title-${Math.random().toString(36).slice(2, 8)}`;
  const el = h('section', { class: 'pane', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': headingId },
    h('div', { class: 'pane-head' },
      h('div', {}, h('h2', { id: headingId, tabindex: '-1', text: title }), subtitle ? h('p', { class: 'subtitle', text: subtitle }) : null),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: close }, '\u00d7')),
    h('div', { class: 'pane-body' }, body),
    foot ? h('div', { class: 'pane-foot' }, foot) : null);
  el.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') return close();
    if (ev.key !== 'Tab') return;
    // Keep Tab inside the pane: from the last control back to the first, and the other way round.
    const focusable = [...el.querySelectorAll<HTMLElement>('button, [href], input, select, textarea, [tabindex="0"]')].filter((x) => !(x as HTMLButtonElement).disabled && x.offsetParent !== null);
    const first = focusable[0];
    const last = focusable.at(-1);
    if (!first) return;
    if (ev.shiftKey && (document.activeElement === first || document.activeElement === el.querySelector('h2'))) {
      last?.focus();
      ev.preventDefault();
    } else if (!ev.shiftKey && document.activeElement === last) {
      first.focus();
      ev.preventDefault();
    }
  });
  put(view, h('div', { class: 'pane-backdrop', onclick: close }), el);
  return el;
}
