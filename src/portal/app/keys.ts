import { KEY } from './config.js';
import { kept } from './dom.js';

// ------------------------------------------------------------------ control-plane keys (issue #12)
// With an admin key set (a workshop), each tenant's control plane (/_emulator/tenants/{t}/…) takes
// that tenant's key, handed out once when the team creates its tenant; the instructor's admin key
// reaches everything. This browser keeps the keys it was given (localStorage: every tab of it).
// What the emulator says of them (GET /_emulator/access) is access.ts.

export const adminKey = (): string | undefined => kept.get(KEY.adminKey) ?? undefined;
export const tenantKeys = (): Record<string, string> => kept.get(KEY.keys) ?? {};
export const keyFor = (tenant: string | undefined): string | undefined => adminKey() ?? (tenant ? tenantKeys()[tenant] : undefined);
export function rememberKey(tenant: string, key: string): void {
  kept.set(KEY.keys, { ...tenantKeys(), [tenant]: key });
}
