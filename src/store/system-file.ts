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
  private chain: Promise<unknown> = Promise.resolve();

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
    const run = this.chain.then(async () => {
      const before = structuredClone(this.data);
      let result: T;
      try {
        result = fn(this.data);
        await this.write();
      } catch (e) {
        this.data = before;
        throw e instanceof Error && 'code' in e ? new StorageUnavailable(`could not write ${this.file}: ${e.message}`, { cause: e }) : e;
      }
      return result;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async idle(): Promise<void> {
    await this.chain;
  }
}
