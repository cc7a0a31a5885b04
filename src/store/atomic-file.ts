import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Adapter } from 'lowdb';

/**
 * A lowdb adapter that makes every write durable and atomic: the JSON goes to a temp file,
 * is fsynced, renamed over the target, and the directory is fsynced. A crash at any point
 * leaves either the old file or the new one, never a torn one.
 */
export class AtomicJsonFile<T> implements Adapter<T> {
  constructor(private readonly file: string) {}

  async read(): Promise<T | null> {
    const text = await readIfExists(this.file);
    return text === undefined ? null : (JSON.parse(text) as T);
  }

  async write(data: T): Promise<void> {
    // Serialise before the first await: the snapshot is the state at the moment the write began.
    const text = JSON.stringify(data);
    await writeFileAtomic(this.file, text);
  }
}

/** A file's text, or undefined when there is no such file. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export async function writeFileAtomic(file: string, text: string, mode = 0o644, beforeRename?: () => void): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp`);
  const fh = await fs.open(tmp, 'w', mode);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.datasync();
  } finally {
    await fh.close();
  }
  beforeRename?.();
  await fs.rename(tmp, file);
  await fsyncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  const dh = await fs.open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
