/** The last requests the emulator served, newest first, for debugging a failing CI run. */
export interface LoggedRequest {
  time: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  tenant: string | null;
  caller: string | null;
  requestId: string;
}

export class RequestLog {
  private entries: LoggedRequest[] = [];

  constructor(private readonly capacity = 1000) {}

  add(e: LoggedRequest): void {
    this.entries.push(e);
    // Trimmed in batches (amortised O(1) per request); list() reads only the last `capacity`.
    if (this.entries.length >= 2 * this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  list(filter: { method?: string; path?: string; status?: number; tenant?: string; caller?: string; limit?: number } = {}): LoggedRequest[] {
    const out: LoggedRequest[] = [];
    const oldest = Math.max(0, this.entries.length - this.capacity);
    for (let i = this.entries.length - 1; i >= oldest && out.length < (filter.limit ?? 100); i--) {
      const e = this.entries[i]!;
      if (filter.method && e.method !== filter.method.toUpperCase()) continue;
      if (filter.path && !e.path.includes(filter.path)) continue;
      if (filter.status !== undefined && e.status !== filter.status) continue;
      if (filter.tenant && e.tenant !== filter.tenant) continue;
      if (filter.caller && !(e.caller ?? '').toLowerCase().includes(filter.caller.toLowerCase())) continue;
      out.push(e);
    }
    return out;
  }

  /** Forgets every entry, or only one tenant's (by name). */
  clear(tenant?: string): void {
    this.entries = tenant === undefined ? [] : this.entries.filter((e) => e.tenant !== tenant);
  }
}
