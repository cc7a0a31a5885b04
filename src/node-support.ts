import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from './config.js';

/**
 * The Node.js versions the package supports, from package.json's `engines` (the one source), and
 * whether this process runs on one of them. `engines` follows the dependency tree: `cookie@2`
 * (under Fastify's light-my-request) declares Node >= 22, and Node 20 left support in April 2026.
 */
export function nodeSupport(running: string = process.version): { running: string; required: string; supported: boolean } {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const required = pkg.engines?.node ?? '>=0';
  const min = /^>=\s*(\d+)(?:\.(\d+))?/.exec(required);
  const [major = 0, minor = 0] = running.replace(/^v/, '').split('.').map(Number);
  const supported = !min || major > Number(min[1]) || (major === Number(min[1]) && minor >= Number(min[2] ?? 0));
  return { running, required: required.replace(/^>=\s*/, '≥ '), supported };
}
