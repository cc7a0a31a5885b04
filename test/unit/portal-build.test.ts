import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import { portalBundleFromSources, writePortalBundle } from '../../src/portal/bundle.js';

/**
 * The portal is TypeScript built with the project (issue #17): its modules type-check under their own
 * tsconfig (strict, with the DOM library) — `npm run build` and `npm run typecheck` run the same
 * check — and esbuild bundles them into the one script the portal page loads.
 */
const run = promisify(execFile);

describe('the portal build', () => {
  it('type-checks src/portal/app (strict, DOM)', async () => {
    const tsc = path.join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const out = await run(process.execPath, [tsc, '-p', path.join(PACKAGE_ROOT, 'src', 'portal', 'app', 'tsconfig.json')], { cwd: PACKAGE_ROOT }).catch((e: { stdout?: string; stderr?: string }) => e);
    expect(`${out.stdout ?? ''}${out.stderr ?? ''}`).toBe('');
  }, 120_000);

  it('bundles the modules into one ES module, the same in memory as on disk', async () => {
    const memory = (await portalBundleFromSources())!.toString('utf8');
    expect(memory).toContain('// src/portal/app/main.ts');
    // One self-contained script: nothing imported at run time (the CSP allows only this origin).
    expect(memory).not.toMatch(/^\s*import\s/m);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-bundle-'));
    try {
      await writePortalBundle(path.join(dir, 'portal.js'));
      expect(readFileSync(path.join(dir, 'portal.js'), 'utf8')).toBe(memory);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
