import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * A start the emulator refuses: the message names the file or directory, what is wrong with it
 * and how to recover. The CLI prints it and exits 1; nothing on disk was changed.
 */
export class StartupError extends Error {}

/**
 * The data directory, and every directory in it, must take writes before anything is served: a
 * read-only one would accept changes into memory that a restart then loses. Checked by writing (and
 * removing) a probe file, since permission bits say nothing for root or on a read-only mount. A
 * directory that does not exist yet is made (a first start).
 */
export async function assertWritableDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (e) {
    throw unwritable(dataDir, dataDir, e);
  }
  for (const dir of await directoriesIn(dataDir, 2)) {
    const probe = path.join(dir, `.pim-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      const handle = await open(probe, 'wx', 0o600);
      try {
        await handle.write('ok');
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (e) {
      throw unwritable(dataDir, dir, e);
    }
    await unlink(probe).catch(() => undefined);
  }
}

async function directoriesIn(root: string, depth: number): Promise<string[]> {
  const out = [root];
  if (depth === 0) return out;
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (e) {
    throw unwritable(root, root, e);
  }
  for (const entry of entries) {
    if (entry.isDirectory()) out.push(...(await directoriesIn(path.join(root, entry.name), depth - 1)));
  }
  return out;
}

function unwritable(dataDir: string, dir: string, e: unknown): StartupError {
  const code = (e as NodeJS.ErrnoException).code ?? String(e);
  const user = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
  return new StartupError(
    `The data directory ${dir} is not writable (${code}), so changes could not be kept. ` +
      `Make ${dataDir} writable for the user running the emulator${user}, or point PIM_DATA (--data) at a writable directory; ` +
      `nothing in ${dataDir} was changed.`,
  );
}
