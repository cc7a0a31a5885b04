import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../config.js';
import { writePortalBundle } from './bundle.js';

/**
 * `npm run build`, after tsc: the portal's files beside the compiled plugin (dist/portal), where the
 * published package and the Docker image serve them from — portal.js bundled from src/portal/app,
 * index.html and portal.css copied.
 */
const out = path.dirname(fileURLToPath(import.meta.url));
mkdirSync(out, { recursive: true });
for (const f of ['index.html', 'portal.css']) copyFileSync(path.join(PACKAGE_ROOT, 'src', 'portal', f), path.join(out, f));
await writePortalBundle(path.join(out, 'portal.js'));
console.log(`portal: ${path.relative(PACKAGE_ROOT, out)}/{index.html,portal.css,portal.js}`);
