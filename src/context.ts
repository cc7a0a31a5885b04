import type { Config } from './config.js';
import type { Clock } from './clock.js';
import type { Store } from './store/store.js';
import type { TokenService } from './auth/tokens.js';
import type { TlsMaterial } from './tls.js';

/** What the route plugins need; built once by createEmulator. */
export interface AppContext {
  config: Config;
  version: string;
  store: Store;
  clock: Clock;
  tokens: TokenService;
  tls: TlsMaterial;
  /** Listener URLs once listening (health, banner). */
  urls: { http?: string; https?: string; smtp?: string };
  /** Back to the seed (or to a given state): store, clock. */
  reset(): Promise<void>;
  /** Run the scheduler now: apply whatever the clock has made due, durably. */
  tick(): Promise<void>;
}
