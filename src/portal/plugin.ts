import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PACKAGE_ROOT } from '../config.js';
import { portalBundleFromSources } from './bundle.js';

/**
 * The workshop portal: a single-page app (index.html, portal.css beside this file; portal.js bundled
 * from the typed modules in app/, see bundle.ts) served at /portal/ on both listeners. It is an OAuth client of the emulator
 * like any other (authorization code + PKCE, then Graph with a bearer token); nothing here knows
 * about PIM. `/` sends the browser to the portal (mails link to `{base}/#/roles/{id}`; a redirect
 * keeps the fragment).
 */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'portal.js': 'text/javascript; charset=utf-8',
  'portal.css': 'text/css; charset=utf-8',
};

/**
 * Everything comes from this origin (the portal works offline). Mail bodies are shown in a sandboxed
 * srcdoc frame, whose inline styles need 'unsafe-inline' for styles only; scripts never run there.
 */
const HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  // The authorization code arrives in the query string: never send it on as a referrer.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

/**
 * The assets sit beside plugin.ts in src/portal, and beside the compiled plugin in dist/portal; the
 * bundled command line (dist/cli.js) runs from elsewhere and takes the built ones.
 */
function assetDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (existsSync(path.join(here, 'index.html'))) return here;
  const built = path.join(PACKAGE_ROOT, 'dist', 'portal');
  return existsSync(path.join(built, 'index.html')) ? built : path.join(PACKAGE_ROOT, 'src', 'portal');
}

/**
 * A portal file from memory, reread when its mtime changes (an edited portal shows on reload).
 * Synchronous on purpose: a stat of a small file takes microseconds, while an asynchronous read
 * waits in libuv's thread pool behind fsyncs and RSA key generation — the portal's CSS stalled for
 * seconds when a workshop's teams all started at once (issue #11).
 */
const assets = new Map<string, { mtimeMs: number; body: Buffer }>();
function asset(file: string): Buffer {
  const { mtimeMs } = statSync(file);
  const cached = assets.get(file);
  if (cached?.mtimeMs === mtimeMs) return cached.body;
  const body = readFileSync(file);
  assets.set(file, { mtimeMs, body });
  return body;
}

export async function portalPlugin(app: FastifyInstance): Promise<void> {
  const dir = assetDir();
  const toPortal = async (_request: unknown, reply: FastifyReply) => reply.redirect('/portal/', 302);
  app.get('/', toPortal);
  app.get('/portal', toPortal);
  app.get<{ Params: { '*': string } }>('/portal/*', async (request, reply) => {
    const name = request.params['*'] || 'index.html';
    const type = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    // Anything else is the emulator's JSON 404, as for every unknown path.
    if (!type) return reply.callNotFound();
    let body: Buffer;
    try {
      // The script from the sources where they are installed (a checkout), else the built bundle.
      body = (name === 'portal.js' ? await portalBundleFromSources() : undefined) ?? asset(path.join(dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return reply.status(404).send({ error: { code: 'PortalNotInstalled', message: `The workshop portal's files are not installed: ${path.join(dir, name)} is missing (npm run build writes them to dist/portal).` } });
    }
    return reply.headers({ ...HEADERS, 'content-type': type }).send(body);
  });
}
