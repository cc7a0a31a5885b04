import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { PACKAGE_ROOT } from '../config.js';

/**
 * The portal's script: the typed modules under src/portal/app (one per page or pane, a router, an API
 * client; their own tsconfig, with the DOM library) bundled by esbuild into one ES module, portal.js.
 * `npm run build` writes it to dist/portal (with index.html and portal.css) for the published package
 * and the Docker image; a checkout with the sources (tests, `npm start`) bundles them in memory on
 * the first request and again whenever a module changes, so an edited portal shows on reload.
 */
export const PORTAL_SOURCES = path.join(PACKAGE_ROOT, 'src', 'portal', 'app');
const ENTRY = path.join(PORTAL_SOURCES, 'main.ts');

/** The newest modification time under the sources: a bundle is current while this stays the same. */
function sourcesStamp(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? sourcesStamp(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** esbuild's settings, the same for the build and for the in-memory bundle. */
const OPTIONS: BuildOptions = {
  entryPoints: [ENTRY],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  charset: 'utf8',
  legalComments: 'none',
  logLevel: 'silent',
};

/** Bundles the sources into `outfile` (npm run build). */
export async function writePortalBundle(outfile: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({ ...OPTIONS, outfile, write: true });
}

let cached: { stamp: number; body: Promise<Buffer | undefined> } | undefined;
/**
 * The bundle from the sources, or undefined where they are not installed (the published package,
 * the Docker image) or esbuild is not (npm ci --omit=dev): those serve the prebuilt file. A bundling
 * error (a syntax error in a module) rejects with esbuild's message, naming the file and line.
 */
export function portalBundleFromSources(): Promise<Buffer | undefined> {
  let stamp: number;
  try {
    statSync(ENTRY);
    stamp = sourcesStamp(PORTAL_SOURCES);
  } catch {
    return Promise.resolve(undefined);
  }
  if (cached?.stamp !== stamp) {
    const body = (async () => {
      let esbuild: typeof import('esbuild');
      try {
        esbuild = await import('esbuild');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
        throw e;
      }
      const out = await esbuild.build({ ...OPTIONS, write: false });
      return Buffer.from(out.outputFiles![0]!.contents);
    })();
    // A failed bundle is not kept: the next request tries again (the author may be mid-edit).
    body.catch(() => {
      if (cached?.body === body) cached = undefined;
    });
    cached = { stamp, body };
  }
  return cached.body;
}
