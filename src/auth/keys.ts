import { createHash, createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { SigningKey, TenantData } from '../directory/model.js';
import type { Store } from '../store/store.js';

/**
 * Per-tenant RS256 signing keys. A tenant gets its key when it is created or loaded, never inside a
 * request: RSA generation takes 100–300 ms of CPU, and a synchronous one stalls every other request
 * (issue #11: 30 first sign-ins at once made the token endpoint's p95 22 s). Keys are generated with
 * the asynchronous `generateKeyPair` (libuv's thread pool, off the event loop) and kept with the
 * tenant's own data, so no shared file grows with the number of tenants.
 * The kid is the RFC 7638 thumbprint of the public key.
 */

const generateRsa = promisify(generateKeyPair);

/**
 * At most this many generations at once. They run in libuv's thread pool (4 threads by default),
 * which file reads and fsyncs share: a burst of 30 new tenants must not leave the store's writes
 * and the portal's files waiting behind RSA generation.
 */
const MAX_PARALLEL_GENERATIONS = 2;
let running = 0;
const waiting: Array<() => void> = [];

export async function generateSigningKey(): Promise<SigningKey> {
  // A finished generation hands its slot straight to the next in line.
  if (running >= MAX_PARALLEL_GENERATIONS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await generate();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** Keys started by the CLI before the emulator is loaded (startEarlyKeys), for the first takers. */
const early: Array<Promise<SigningKey>> = [];

/** Starts `n` key generations now; the first keys a start needs (seed tenants, spares) take these. */
export function startEarlyKeys(n: number): void {
  for (let i = 0; i < n; i++) {
    const key = generateSigningKey();
    key.catch(() => undefined); // a failed early key is simply not used (earlyKey below)
    early.push(key);
  }
}

/** An early key, if any is left: a generation already under way (or done). */
function earlyKey(): Promise<SigningKey> | undefined {
  const key = early.shift();
  return key?.catch(() => generateSigningKey());
}

async function generate(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const kid = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
  return {
    kid,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: { kty: 'RSA', use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e, alg: 'RS256' },
  };
}

/**
 * Spare keys made ahead of demand in the background (within MAX_PARALLEL_GENERATIONS), for a burst
 * of new tenants: a workshop where every team creates its own. Each spare is handed out once.
 */
class SparePool {
  private spares: SigningKey[] = [];
  /** What each running emulator asked for; the pool keeps the largest. */
  private readonly wanted = new Set<{ n: number }>();
  private filling = 0;

  /** Keep `n` spares until the returned release is called (when the emulator closes). */
  keep(n: number): () => void {
    const want = { n };
    this.wanted.add(want);
    this.refill();
    return () => void this.wanted.delete(want);
  }

  private get target(): number {
    let n = 0;
    for (const w of this.wanted) n = Math.max(n, w.n);
    return n;
  }

  get ready(): number {
    return this.spares.length;
  }

  /** A spare if one is ready. */
  takeReady(): SigningKey | undefined {
    const spare = this.spares.shift();
    this.refill();
    return spare;
  }

  take(): Promise<SigningKey> {
    const spare = this.takeReady();
    return spare ? Promise.resolve(spare) : earlyKey() ?? generateSigningKey();
  }

  private readyWaiters: Array<{ n: number; resolve: () => void }> = [];

  /** Resolves when `n` spares are ready (at most as many as wanted). */
  whenReady(n: number): Promise<void> {
    if (this.spares.length >= Math.min(n, this.target)) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push({ n, resolve }));
  }

  private wakeReady(): void {
    this.readyWaiters = this.readyWaiters.filter((w) => {
      if (this.spares.length < Math.min(w.n, this.target)) return true;
      w.resolve();
      return false;
    });
  }

  private refill(): void {
    while (this.filling < MAX_PARALLEL_GENERATIONS && this.spares.length + this.filling < this.target) {
      this.filling++;
      generateSigningKey()
        .then((k) => void this.spares.push(k), () => undefined)
        .finally(() => {
          this.filling--;
          this.wakeReady();
          this.refill();
        });
    }
  }
}

const spares = new SparePool();
/** Keys being generated for tenants created while no spare was ready, by tenant id. */
const pendingKeys = new Map<string, Promise<SigningKey>>();
/** Most new keys a start waits for (SigningKeys.ensureStored). */
const START_KEYS = 16;
/** Spares kept once an emulator has created a tenant (see forNewTenant). */
const BURST_SPARES = 4;

/**
 * Memory storage only: a seeded tenant gets the same key in every emulator this process starts.
 * Test suites start many in-memory emulators, and RSA generation would be most of each start;
 * nothing outlives the process, as nothing of memory storage does.
 */
const seededKeys = new Map<string, Promise<SigningKey>>();
function seededKey(tenantId: string): Promise<SigningKey> {
  let key = seededKeys.get(tenantId);
  if (!key) {
    key = earlyKey() ?? generateSigningKey();
    key.catch(() => seededKeys.delete(tenantId));
    seededKeys.set(tenantId, key);
  }
  return key;
}

/** Hands each tenant its key: at start, on reset and seed import, and when a tenant is created. */
export class SigningKeys {
  private releaseBurst: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: { storage: 'file' | 'memory' },
  ) {}

  /** Stop keeping spares for this emulator. */
  close(): void {
    this.releaseBurst?.();
    this.releaseBurst = undefined;
  }

  /** Keep spare keys ready for tenants created later, until the returned release is called. */
  keepSpares(n: number): () => void {
    return n > 0 ? spares.keep(n) : () => undefined;
  }

  /** Spare keys ready now (health). */
  get spares(): number {
    return spares.ready;
  }

  /** Resolves once `n` spare keys are ready (tests, and the bench's workshop). */
  whenSpares(n: number): Promise<void> {
    return spares.whenReady(n);
  }

  /**
   * A key for a tenant about to be created, when a spare is ready; else undefined, and the caller
   * starts one with generateFor() once the tenant exists. Once this emulator creates tenants, a few
   * spares are kept until it closes, so a run of creations overlaps their generation.
   */
  spareForNewTenant(): SigningKey | undefined {
    this.releaseBurst ??= spares.keep(BURST_SPARES);
    return spares.takeReady();
  }

  /**
   * Generates the key of a tenant just created without one, asynchronously, and stores it with the
   * tenant. A sign-in meanwhile waits for it (signingKey below), off the event loop.
   */
  generateFor(tenantId: string): void {
    this.pendingFor(tenantId, spares.take());
  }

  /** Stores `made` with the tenant once it is ready; signingKey() waits for it meanwhile. */
  private pendingFor(tenantId: string, made: Promise<SigningKey>): void {
    const key = made.then((k) => this.store.update(tenantId, (t) => (t.signingKey ??= k)));
    pendingKeys.set(tenantId, key);
    key.then(() => pendingKeys.delete(tenantId), () => pendingKeys.delete(tenantId));
  }

  /**
   * Gives every tenant in `tenants` (a state about to replace the store's) a key: the key the store
   * holds for the same tenant id (tokens survive a reset, as before), else a new one.
   */
  async assign(tenants: TenantData[]): Promise<void> {
    await Promise.all(tenants.map(async (t) => {
      t.signingKey ??= this.existing(t.tenant.id) ?? (await this.fresh(t.tenant.id));
    }));
  }

  /**
   * At start: every stored tenant has its key, durably, before the emulator answers anything. Keys
   * an older version kept in system.json's shared map move to their tenant, and the map is emptied.
   * A seed of many tenants is the exception: with more than START_KEYS tenants lacking a key, each
   * gets its key on first use (asynchronously, see signingKey), so no start — first or restart —
   * waits on RSA generation (1,000 keys would hold it for minutes).
   */
  async ensureStored(): Promise<void> {
    const lacking = this.store.tenants().filter((t) => !t.signingKey);
    const toMake = lacking.filter((t) => !this.existing(t.tenant.id));
    // A small seed gets every key before anything is served; a large one (more than START_KEYS
    // tenants without a key) gets each on first use, so a start never waits on RSA generation.
    const missing = [...lacking.filter((t) => this.existing(t.tenant.id)), ...(toMake.length <= START_KEYS ? toMake : [])];
    const keys = await Promise.all(missing.map(async (t) => [t.tenant.id, this.existing(t.tenant.id) ?? (await this.fresh(t.tenant.id))] as const));
    await Promise.all(keys.map(([id, key]) => this.store.update(id, (d) => void (d.signingKey ??= key))));
    if (Object.keys(this.store.system().signingKeys ?? {}).length) {
      await this.store.updateSystem((s) => void (s.signingKeys = {}));
    }
  }

  private existing(tenantId: string): SigningKey | undefined {
    const legacy = this.store.system().signingKeys ?? {};
    return this.store.tenant(tenantId)?.signingKey ?? (Object.hasOwn(legacy, tenantId) ? legacy[tenantId] : undefined);
  }

  private fresh(tenantId: string): Promise<SigningKey> {
    return this.opts.storage === 'memory' ? seededKey(tenantId) : spares.take();
  }
}

/**
 * The tenant's signing key: given at creation or load (SigningKeys), or still being generated for a
 * tenant created while no spare was ready — then this waits for it. Never a synchronous generation.
 */
export async function signingKey(store: Store, tenantId: string): Promise<SigningKey> {
  const existing = store.tenant(tenantId)?.signingKey;
  if (existing) return existing;
  const pending = pendingKeys.get(tenantId);
  if (pending) return pending;
  const key = await generateSigningKey();
  return store.update(tenantId, (t) => (t.signingKey ??= key));
}

export function publicKeyPem(key: SigningKey): string {
  return createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
}
