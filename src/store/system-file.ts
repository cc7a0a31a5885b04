import { readIfExists, writeFileAtomic } from './atomic-file.js';
import { corrupt, hex } from './journal.js';
import { StorageUnavailable, type SystemData } from './store.js';

/**
 * system.json: what is not any one tenant's. Small and rarely written, so each update rewrites it
 * atomically (temp file, fsync, rename). It carries a checksum of its own content (`crc32`, over
 * the JSON without that field), so damage inside a string is caught at start. Updates run one at
 * a time; one whose write fails is undone in memory before it rejects.
 */
export class SystemFile {
  private queue: Array<{ fn: (data: SystemData) => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;

  private constructor(
    private readonly file: string | undefined,
    public data: SystemData,
  ) {}

  static memory(data: SystemData): SystemFile {
    return new SystemFile(undefined, data);
  }

  static file(file: string, data: SystemData): SystemFile {
    return new SystemFile(file, data);
  }

  static async read(file: string): Promise<SystemFile | undefined> {
    const text = await readIfExists(file);
    if (text === undefined) return undefined;
    let parsed: SystemData & { crc32?: string };
    try {
      parsed = JSON.parse(text) as SystemData & { crc32?: string };
    } catch (e) {
      throw corrupt(file, `it is not valid JSON (${(e as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || !Array.isArray(parsed.tenantIds) || typeof parsed.generation !== 'number') {
      throw corrupt(file, 'it lacks the tenant list or generation of a system file written by this emulator');
    }
    const { crc32, ...data } = parsed;
    if (crc32 !== undefined && crc32 !== hex(JSON.stringify(data))) {
      throw corrupt(file, `its checksum does not match its content (recorded ${crc32}, content ${hex(JSON.stringify(data))})`);
    }
    return new SystemFile(file, data as SystemData);
  }

  async write(): Promise<void> {
    if (!this.file) return;
    const json = JSON.stringify(this.data);
    await writeFileAtomic(this.file, `${json.slice(0, -1)},"crc32":"${hex(json)}"}`);
  }

  update<T>(fn: (data: SystemData) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn: fn as (data: SystemData) => unknown, resolve: resolve as (v: unknown) => void, reject });
      this.flushing ??= this.flush();
    });
  }

  /**
   * Group commit: the updates queued meanwhile are applied in order, then written once. One that
   * throws is undone alone; if the write fails, every update of the batch is undone and rejects.
   */
  private async flush(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0);
        const before = structuredClone(this.data);
        const done: Array<{ resolve: (v: unknown) => void; result: unknown }> = [];
        const rejected: Array<{ reject: (e: unknown) => void; e: unknown }> = [];
        for (const u of batch) {
          const snap = structuredClone(this.data);
          try {
            done.push({ resolve: u.resolve, result: u.fn(this.data) });
          } catch (e) {
            this.data = snap;
            rejected.push({ reject: u.reject, e });
          }
        }
        for (const r of rejected) r.reject(r.e);
        if (!done.length) continue;
        try {
          await this.write();
        } catch (e) {
          this.data = before;
          const err = e instanceof Error && 'code' in e ? new StorageUnavailable(`could not write ${this.file}: ${e.message}`, { cause: e }) : e;
          for (const u of batch) if (!rejected.some((r) => r.reject === u.reject)) u.reject(err);
          continue;
        }
        for (const d of done) d.resolve(d.result);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}
