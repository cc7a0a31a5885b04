import { newGuid } from '../ids.js';

/**
 * Fault injection, controlled at run time through /_emulator/faults: for requests matching a
 * method and a path pattern, answer with an error (429 with Retry-After, 500, 503, 504, or an
 * AADSTS error at the token endpoint) and/or add latency — for the next N matches ("fail N times,
 * then succeed"), with a probability, or until removed.
 */
export interface FaultSpec {
  /** HTTP method to match, or '*' (default). */
  method?: string;
  /** Path pattern: '*' matches within a segment, '**' across segments; e.g. '/v1.0/roleManagement/**'. */
  path: string;
  /** Status to answer with (omit for latency only). */
  status?: number;
  /** Retry-After seconds (429/503 get 1 by default, as Graph sends one when throttling). */
  retryAfter?: number;
  /** Graph error body {code, message}; defaults follow the status. */
  error?: { code?: string; message?: string };
  /** At the token endpoint: an AAD error instead, e.g. {"error":"invalid_grant","aadsts":50126}. */
  aad?: { error: string; aadsts: number; description?: string };
  /** Added latency in ms (real time: that is the point of latency). */
  latencyMs?: number;
  /** Apply to the next N matching requests, then disappear ("fail N times then succeed"). */
  times?: number;
  /** Apply to a matching request with this probability (0..1). */
  probability?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  method: string;
  /** How many matching requests it has answered. */
  hits: number;
  /** Remaining applications when `times` was given. */
  remaining: number | null;
  /** Set for a tenant's fault (POST /_emulator/tenants/{t}/faults): it hits only that tenant's requests. */
  tenantId?: string;
}

export class FaultError extends Error {}

const STATUS_DEFAULTS: Record<number, { code: string; message: string }> = {
  429: { code: 'TooManyRequests', message: 'Too many requests. The emulator injected this throttling response (/_emulator/faults).' },
  500: { code: 'InternalServerError', message: 'An internal server error occurred. The emulator injected this fault (/_emulator/faults).' },
  502: { code: 'BadGateway', message: 'Bad gateway. The emulator injected this fault (/_emulator/faults).' },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable. The emulator injected this fault (/_emulator/faults).' },
  504: { code: 'GatewayTimeout', message: 'The gateway timed out. The emulator injected this fault (/_emulator/faults).' },
};

export function defaultError(status: number): { code: string; message: string } {
  return STATUS_DEFAULTS[status] ?? { code: 'InjectedFault', message: `The emulator injected this ${status} response (/_emulator/faults).` };
}

function toRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export class Faults {
  private faults: Array<Fault & { re: RegExp }> = [];

  constructor(private readonly random: () => number = Math.random) {}

  /** Whether any tenant-scoped fault exists (the caller then works out each request's tenant). */
  get hasTenantFaults(): boolean {
    return this.faults.some((f) => f.tenantId !== undefined);
  }

  add(spec: FaultSpec, tenantId?: string): Fault {
    if (typeof spec.path !== 'string' || !spec.path.startsWith('/')) throw new FaultError("path must start with '/', e.g. '/v1.0/roleManagement/**'");
    if (spec.status === undefined && spec.latencyMs === undefined && spec.aad === undefined) throw new FaultError('give status, aad or latencyMs');
    if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599)) throw new FaultError('status must be an HTTP error status from 400 to 599');
    if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1)) throw new FaultError('times must be a whole number of at least 1');
    if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) throw new FaultError('probability must be between 0 and 1');
    if (spec.latencyMs !== undefined && !(spec.latencyMs >= 0 && spec.latencyMs <= 60_000)) throw new FaultError('latencyMs must be from 0 to 60000');
    const fault = { ...spec, id: newGuid(), method: (spec.method ?? '*').toUpperCase(), hits: 0, remaining: spec.times ?? null, re: toRegExp(spec.path), ...(tenantId ? { tenantId } : {}) };
    this.faults.push(fault);
    return this.view(fault);
  }

  /** Every fault, or only one tenant's. */
  list(tenantId?: string): Fault[] {
    return this.faults.filter((f) => tenantId === undefined || f.tenantId === tenantId).map((f) => this.view(f));
  }

  /** Removes a fault (only if it is that tenant's, when a tenant is given). */
  remove(id: string, tenantId?: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id || (tenantId !== undefined && f.tenantId !== tenantId));
    return this.faults.length < before;
  }

  /** Removes every fault, or only one tenant's. */
  clear(tenantId?: string): void {
    this.faults = tenantId === undefined ? [] : this.faults.filter((f) => f.tenantId !== tenantId);
  }

  /**
   * The fault to apply to this request, if any (counts it as applied): an instance-wide fault
   * applies to every request, a tenant's only to requests of that tenant.
   */
  match(method: string, path: string, tenantId?: string): Fault | undefined {
    for (const f of this.faults) {
      if (f.tenantId !== undefined && f.tenantId !== tenantId) continue;
      if (f.method !== '*' && f.method !== method.toUpperCase()) continue;
      if (!f.re.test(path)) continue;
      if (f.probability !== undefined && this.random() >= f.probability) continue;
      f.hits += 1;
      if (f.remaining !== null) {
        f.remaining -= 1;
        if (f.remaining <= 0) this.remove(f.id);
      }
      return this.view(f);
    }
    return undefined;
  }

  private view(f: Fault & { re?: RegExp }): Fault {
    const { re: _re, ...rest } = f;
    return { ...rest };
  }
}
