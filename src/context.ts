import type { Config } from './config.js';
import type { Clock } from './clock.js';
import type { Store } from './store/store.js';
import type { TokenService } from './auth/tokens.js';
import type { SigningKeys } from './auth/keys.js';
import type { AuthFlows } from './auth/flows.js';
import type { TlsMaterial } from './tls.js';
import type { Inbox } from './mail/inbox.js';
import type { Outbox } from './mail/outbox.js';
import type { EventBus } from './events.js';
import type { Commit } from './compose/commit.js';
import type { Faults } from './emulator/faults.js';
import type { RequestLog } from './emulator/request-log.js';
import type { TenantClocks } from './directory/tenant-clock.js';
import type { ControlKeys } from './emulator/access.js';

/** What the route plugins need; built once by createEmulator. */
export interface AppContext {
  config: Config;
  version: string;
  store: Store;
  /** The instance clock; every tenant's time rides on it (`time`). */
  clock: Clock;
  /** Each tenant's now: the instance clock plus the tenant's offset. */
  time: TenantClocks;
  tokens: TokenService;
  /** Each tenant's token-signing key, given when the tenant is created or loaded. */
  signingKeys: SigningKeys;
  /** In-memory state of the interactive sign-in flows: authorization codes, device codes, redeemed refresh tokens. */
  authFlows: AuthFlows;
  tls: TlsMaterial;
  /** Listener URLs once listening (health, banner). */
  urls: { http?: string; https?: string; smtp?: string; proxy?: string };
  /** Back to the seed (or to a given state): store, clock. */
  reset(): Promise<void>;
  /**
   * One tenant back to its creation state (a clone: as it was made; a seed tenant: as in the seed):
   * its data, clock, faults, mail and request log. Its key stays; no other tenant is touched.
   * Resolves false when the creation state is unknown (a tenant imported by POST /_emulator/seed).
   */
  resetTenant(tenantId: string): Promise<boolean>;
  /** Run the scheduler now: apply whatever the clock has made due, durably. */
  tick(): Promise<void>;
  /** The control plane's admin key and tenant keys (src/emulator/access.ts). */
  keys: ControlKeys;
  /** Fault injection rules (/_emulator/faults). */
  faults: Faults;
  /** The last requests served (/_emulator/requests). */
  requests: RequestLog;
  /** Domain events' subscribers (mail); see src/events.ts. */
  events: EventBus;
  /** Write a domain change with what its events' subscribers add, in one transaction (src/compose/commit.ts). */
  commit: Commit;
  mail: {
    inbox: Inbox;
    outbox: Outbox;
    /** After a committed change: send now, and wait (bounded) until the outbox is empty. */
    settle(maxWaitMs?: number): Promise<void>;
  };
}
