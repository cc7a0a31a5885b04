import { promises as fs } from 'node:fs';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Adapter } from 'lowdb';
import { fsyncDir, readIfExists, writeFileAtomic } from './atomic-file.js';
import { StoreError } from './store.js';
import type { Op } from './tracker.js';
import { canonical, isShared } from '../tracked.js';
import path from 'node:path';

/**
 * A tenant on disk is a snapshot plus a journal of what changed since:
 *   <id>.json     {"format":3,"seq":S,"crc32":"…","payload":{"shared":[…],"data":{…tenant…}}}   (lowdb; atomic rename)
 *   <id>.journal  one line per update: "<crc32 hex> {"seq":N,"ops":[…]}\n", appended and fsynced;
 *                 a long entry (mail bodies) is stored deflated: "<crc32 hex> ~<base64 of raw deflate>\n"
 * Loading applies the journal entries with seq > S to the snapshot. A line cut short at the end of
 * the journal is an update that was never acknowledged (the crash came before its fsync): it is
 * dropped. Anything else that does not check out stops the start, naming the file.
 */

export const hex = (text: string | Buffer): string => crc32(text).toString(16).padStart(8, '0');

export interface Snapshot<T> {
  seq: number;
  data: T;
}

/** Format 3 ({"format":3,…,"payload":{"shared":[…],"data":…}}); format 2 (no shared table) is still read. */
const SNAPSHOT_HEAD = /^\{"format":([23]),"seq":(\d+),"crc32":"([0-9a-f]{8})","(?:payload|data)":/;

/** The snapshot file as a lowdb adapter: checksummed, written atomically (temp file, fsync, rename). */
export class SnapshotFile<T> implements Adapter<Snapshot<T>> {
  constructor(readonly file: string) {}

  async read(): Promise<Snapshot<T> | null> {
    const text = await readIfExists(this.file);
    return text === undefined ? null : parseSnapshot<T>(this.file, text);
  }

  async write(s: Snapshot<T>): Promise<void> {
    await this.writeText(snapshotText(s));
  }

  /** Write a snapshot already serialised (the caller took it at a consistent moment). */
  async writeText(text: string, beforeRename?: () => void): Promise<void> {
    await writeFileAtomic(this.file, text, 0o644, beforeRename);
  }
}

/**
 * Objects shared between tenants (tracked.ts share(): the default policy rules) are written once per
 * snapshot, in a table, and referenced as {"$shared": n}; on load every reference resolves to one
 * canonical object for all tenants. A thousand tenants' snapshots then hold their own data only.
 */
export function snapshotText<T>(s: Snapshot<T>): string {
  const table: unknown[] = [];
  const index = new Map<object, number>();
  const data = JSON.stringify(s.data, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || !isShared(v)) return v;
    let i = index.get(v);
    if (i === undefined) {
      i = table.push(v) - 1;
      index.set(v, i);
    }
    return { $shared: i };
  });
  const payload = `{"shared":${JSON.stringify(table)},"data":${data}}`;
  return `{"format":3,"seq":${s.seq},"crc32":"${hex(payload)}","payload":${payload}}`;
}

function resolveShared(value: unknown, table: object[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = resolveShared(value[i], table);
    return value;
  }
  const ref = (value as { $shared?: unknown }).$shared;
  if (typeof ref === 'number' && Object.keys(value).length === 1) {
    const target = table[ref];
    if (!target) throw new Error(`shared object ${ref} is not in the snapshot's table`);
    return target;
  }
  for (const k of Object.keys(value)) (value as Record<string, unknown>)[k] = resolveShared((value as Record<string, unknown>)[k], table);
  return value;
}

function parseSnapshot<T>(file: string, text: string): Snapshot<T> {
  const m = SNAPSHOT_HEAD.exec(text);
  if (!m || !text.endsWith('}')) throw corrupt(file, 'it is not a snapshot written by this emulator (truncated, or not format 3)');
  const body = text.slice(m[0].length, -1);
  if (hex(body) !== m[3]) throw corrupt(file, `its checksum does not match its content (crc32 ${hex(body)}, recorded ${m[3]})`);
  try {
    if (m[1] === '2') return { seq: Number(m[2]), data: JSON.parse(body) as T };
    const payload = JSON.parse(body) as { shared: unknown[]; data: T };
    const table = payload.shared.map((v) => canonical(v as object));
    return { seq: Number(m[2]), data: resolveShared(payload.data, table) as T };
  } catch (e) {
    throw corrupt(file, `its content cannot be read (${(e as Error).message})`);
  }
}

export function corrupt(file: string, what: string): StoreError {
  return new StoreError(`${file}: ${what}. The emulator will not start on damaged state. To recover, restore the data directory from a backup, or delete it (or run with a fresh PIM_DATA) to start again from the seed.`);
}

export interface JournalEntry {
  seq: number;
  ops: Op[];
}

/** Entries longer than this are stored deflated (mail HTML shrinks about fivefold). */
const DEFLATE_FROM = 2048;

export const journalLine = (e: JournalEntry): string => {
  const json = JSON.stringify(e);
  const text = json.length > DEFLATE_FROM ? `~${deflateRawSync(json).toString('base64')}` : json;
  return `${hex(text)} ${text}\n`;
};

const entryOf = (text: string): JournalEntry => JSON.parse(text.startsWith('~') ? inflateRawSync(Buffer.from(text.slice(1), 'base64')).toString('utf8') : text) as JournalEntry;

/**
 * Reads a journal, changing nothing: the entries after `afterSeq`, in order, and `bytes`, the length
 * of its whole lines. A torn last line is left out (it was never acknowledged); a bad line before
 * the end, or a gap in the sequence, is corruption.
 */
export async function readJournal(file: string, afterSeq: number): Promise<{ entries: JournalEntry[]; lastSeq: number; bytes: number }> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], lastSeq: afterSeq, bytes: 0 };
    throw e;
  }
  const entries: JournalEntry[] = [];
  let pos = 0;
  let lastSeq = afterSeq;
  let line = 0;
  while (pos < buf.length) {
    line++;
    const nl = buf.indexOf(0x0a, pos);
    const end = nl === -1 ? buf.length : nl;
    const text = buf.subarray(pos, end).toString('utf8');
    const ok = nl !== -1 && text.length > 9 && text[8] === ' ' && hex(text.slice(9)) === text.slice(0, 8);
    if (!ok) {
      if (nl === -1 || end + 1 >= buf.length) {
        // The last line, cut short by a crash before its fsync completed: never acknowledged. It is
        // cut off at the tenant's next write (JournalWriter), not here: a start that is refused
        // afterwards (another file damaged) must leave every byte as it was.
        return { entries, lastSeq, bytes: pos };
      }
      throw corrupt(file, `line ${line} fails its checksum`);
    }
    let e: JournalEntry;
    try {
      e = entryOf(text.slice(9));
    } catch (err) {
      throw corrupt(file, `line ${line} cannot be read (${(err as Error).message})`);
    }
    if (e.seq > afterSeq) {
      if (e.seq !== lastSeq + 1) throw corrupt(file, `line ${line} has sequence ${e.seq} where ${lastSeq + 1} was expected`);
      entries.push(e);
      lastSeq = e.seq;
    }
    pos = end + 1;
  }
  return { entries, lastSeq, bytes: pos };
}

/** The append side of a journal: one write and one fdatasync per batch of lines. */
export class JournalWriter {
  private fh: fs.FileHandle | undefined;

  constructor(readonly file: string, public bytes: number) {}

  async append(text: string): Promise<void> {
    if (!this.fh) {
      const fh = await fs.open(this.file, 'a');
      try {
        // A torn last line left by a crash (readJournal left it out of `bytes`) goes before the first
        // new line; the datasync below makes the cut durable with that line.
        if ((await fh.stat()).size > this.bytes) await fh.truncate(this.bytes);
      } catch (e) {
        await fh.close().catch(() => undefined);
        throw e;
      }
      this.fh = fh;
      await fsyncDir(path.dirname(this.file));
    }
    const buf = Buffer.from(text, 'utf8');
    try {
      await this.fh.write(buf, 0, buf.length, null);
      await this.fh.datasync();
      this.bytes += buf.length;
    } catch (e) {
      // Nothing half-written may stay behind the last acknowledged line; the next append reopens
      // the file (the disk may have been fixed meanwhile).
      const fh = this.fh;
      this.fh = undefined;
      await fh.truncate(this.bytes).catch(() => undefined);
      await fh.close().catch(() => undefined);
      throw e;
    }
  }

  /** Empty the journal after a snapshot took its content. */
  async reset(): Promise<void> {
    if (!this.fh) this.fh = await fs.open(this.file, 'a');
    await this.fh.truncate(0);
    await this.fh.datasync();
    this.bytes = 0;
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}
