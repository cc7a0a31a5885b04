import { KEY } from './config.js';
import { store, h, announce } from './dom.js';
import { stagesList } from './ui.js';

export type FlashKind = 'ok' | 'error' | 'warn';
/** A banner for the next screen (kept across the navigation and the sign-in round trip). */
export function flash(kind: FlashKind, text: string, extra?: { stages?: string[]; details?: [string, string] }): void {
  store.set(KEY.flash, { kind, text, extra });
}
export function takeFlash(): HTMLElement | null {
  const f = store.get(KEY.flash);
  store.drop(KEY.flash);
  if (!f) return null;
  announce(f.text);
  return h('div', { class: `banner ${f.kind}`, role: f.kind === 'error' ? 'alert' : 'status', id: 'flash' },
    h('p', { text: f.text }),
    f.extra?.stages ? stagesList((f.extra.stages as string[]).map((name): [string, string] => [name, 'done'])) : null,
    // Technical names (Graph's rule ids) one click away, never in the sentence itself.
    f.extra?.details ? h('details', { class: 'tech' }, h('summary', { text: f.extra.details[0] }), h('span', { class: 'code', text: f.extra.details[1] })) : null);
}
