// ------------------------------------------------------------------ small helpers

import type { Child } from './types.js';

/** An element of the page shell (index.html) or of a screen being built; present by construction. */
export const $ = <E extends Element = HTMLElement>(sel: string, root: ParentNode = document): E => root.querySelector(sel) as E;

/** JSON values in Web Storage; a value that does not parse reads as null. */
interface JsonStorage {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get(k: string): any;
  set(k: string, v: unknown): void;
  drop(k: string): void;
}
/** What this window keeps (sessionStorage): its session, its pending sign-in, drafts. */
export const store: JsonStorage = {
  get: (k: string) => {
    try {
      return JSON.parse(sessionStorage.getItem(k) ?? 'null');
    } catch {
      return null;
    }
  },
  set: (k: string, v: unknown) => sessionStorage.setItem(k, JSON.stringify(v)),
  drop: (k: string) => sessionStorage.removeItem(k),
};
/** What this browser keeps across its tabs: the team's tenant keys and the instructor's admin key. */
export const kept: JsonStorage = {
  get: (k: string) => {
    try {
      return JSON.parse(localStorage.getItem(k) ?? 'null');
    } catch {
      return null;
    }
  },
  set: (k: string, v: unknown) => localStorage.setItem(k, JSON.stringify(v)),
  drop: (k: string) => localStorage.removeItem(k),
};

/** Builds an element. Text is always set as text (never HTML), so data from the API cannot inject markup. */
export type Props = Record<string, unknown>;
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  const any = el as unknown as Record<string, unknown>;
  let value: unknown;
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'value') value = v;
    else if (k === 'checked' || k === 'selected' || k === 'indeterminate') any[k] = Boolean(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  add(el, children);
  if (value !== undefined) any.value = String(value);
  return el;
}
/** replaceChildren / append that flatten arrays and skip empty values, like h(). */
export const fill = <E extends Element>(el: E, ...children: Child[]): E => {
  el.replaceChildren();
  return add(el, children);
};
export const put = <E extends Element>(el: E, ...children: Child[]): E => add(el, children);
export function add<E extends Element>(el: E, children: Child[]): E {
  for (const c of (children as unknown[]).flat(Infinity)) {
    if (c === undefined || c === null || c === false || c === true) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let liveTimer: ReturnType<typeof setTimeout> | undefined;
/** Announces a status to screen readers (the visible text is shown separately). */
export function announce(text: string): void {
  const live = $('#live');
  live.textContent = '';
  clearTimeout(liveTimer);
  liveTimer = setTimeout(() => (live.textContent = text), 60);
}
