import { emu } from './api.js';
import { KEY } from './config.js';
import { store, kept } from './dom.js';
import { adminKey, keyFor } from './keys.js';
import { session } from './session.js';
import type { Obj } from './types.js';

// ------------------------------------------------------------------ control-plane access (issue #12)
// Whether the emulator wants keys, and what the keys this browser holds (keys.ts) reach.

/** { keysRequired, scope, tenant } from GET /_emulator/access; open until the emulator says otherwise. */
export interface Access {
  keysRequired: boolean;
  scope: 'none' | 'admin' | 'tenant' | string;
  tenant?: string;
}
export let access: Access = { keysRequired: false, scope: 'none' };
/** The admin's view (every tenant): no keys in force, or the admin key held. */
export const instructor = (): boolean => !access.keysRequired || access.scope === 'admin';
/** May this browser act on this tenant's control plane? */
export const reaches = (tenant: string | undefined): boolean => !access.keysRequired || Boolean(keyFor(tenant));
/** The tenant this window works in: the signed-in one, else the one chosen on the sign-in page. */
export const myTenant = (): string | undefined => session()?.tenant ?? store.get(KEY.tenant) ?? undefined;
export async function syncAccess(): Promise<void> {
  try {
    access = (await emu('/access')) as Access;
    // A remembered admin key that no longer works (a restart with a new one) is forgotten.
    if (adminKey() && access.scope !== 'admin') kept.drop(KEY.adminKey);
  } catch {
    /* keep the last answer */
  }
}
/** A tenant with its personas: from the list when the key reaches it, else from its own entry (with its key). */
export async function withPersonas(t: Obj | undefined): Promise<Obj | undefined> {
  if (!t || t.users) return t;
  if (!reaches(t.name)) return { ...t, users: null };
  try {
    return await emu(`/tenants/${encodeURIComponent(t.name)}`);
  } catch {
    return { ...t, users: null };
  }
}
