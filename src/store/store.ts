import type { ClockState } from '../clock.js';
import type { RoleDefinition, SigningKey, TenantData } from '../directory/model.js';

export type { SigningKey };

/** State that is not any one tenant's. */
export interface SystemData {
  version: 1;
  /** File store only: which generation folder holds the tenant files (bumped by replace). */
  generation: number;
  clock: ClockState;
  roleDefinitions: RoleDefinition[];
  tenantIds: string[];
  /** Where signing keys used to live (one map for every tenant); read once at start to move each key to its tenant. */
  signingKeys: Record<string, SigningKey>;
}

export interface State {
  roleDefinitions: RoleDefinition[];
  tenants: TenantData[];
}

/**
 * The Store port. It holds no rules and throws no Graph errors: callers validate first,
 * then mutate inside update(), which resolves only once the change is durable.
 */
export interface Store {
  readonly kind: 'file' | 'memory';
  system(): SystemData;
  tenants(): TenantData[];
  tenant(id: string): TenantData | undefined;
  /** Mutate one tenant's data; resolves after the change is on disk. `fn` must not throw after mutating. */
  update<T>(tenantId: string, fn: (data: TenantData) => T): Promise<T>;
  updateSystem<T>(fn: (data: SystemData) => T): Promise<T>;
  /**
   * Add one tenant, durably: its file is written first, then system.json lists it (the commit point),
   * so a crash in between leaves an unlisted file, never a listed tenant without data.
   * Throws StoreError when a tenant with that id exists.
   */
  addTenant(data: TenantData): Promise<void>;
  /**
   * Remove one tenant and its signing key, durably: system.json stops listing it first (the commit
   * point), then its file is deleted. Throws StoreError when there is no such tenant.
   */
  removeTenant(id: string): Promise<void>;
  /** Replace all tenants and role definitions at once (reset, seed import). Signing keys and the clock stay. */
  replace(state: State): Promise<void>;
  /**
   * Called after every update with the records it changed, and after a rollback with the inverse
   * (indexes follow the data this way). Structurally the same as tracker.ts's CollectionChange.
   */
  onChange(listener: (tenant: TenantData, changes: Array<{ collection: string; added: object[]; removed: object[]; changed: object[] }>) => void): void;
  close(): Promise<void>;
}

export class StoreError extends Error {}

/** A change could not be made durable (disk full, I/O error): nothing of it was kept. Retry later. */
export class StorageUnavailable extends StoreError {
  override readonly name = 'StorageUnavailable';
}
