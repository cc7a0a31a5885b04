import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import { tempDir } from '../support/emulator.js';
// @ts-expect-error a plain .mjs script without types
import { extractBlocks, substitutePorts, withExpectations } from '../../scripts/run-doc-blocks.mjs';

/**
 * The docs: README.md is a landing page that links the guides under docs/, every relative link and
 * anchor resolves, and scripts/run-doc-blocks.mjs (which CI runs over every shell block) extracts,
 * opts out and asserts as docs/development.md says — and fails a page whose `#=>` is wrong.
 */

type Block = { line: number; code: string; skip?: string };
const extract = extractBlocks as (md: string) => Block[];
const pages = ['README.md', ...readdirSync(path.join(PACKAGE_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (p: string) => readFileSync(path.join(PACKAGE_ROOT, p), 'utf8');

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return out;
}

describe('the docs', () => {
  it('README is a landing page: the Quick start, the five phases, the guides and why each dependency is there', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThan(200);
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
    expect(readme).toContain('## The five phases with curl');
    for (const guide of ['workshop', 'ci-and-docker', 'clients', 'graph', 'control-plane', 'configuration', 'performance']) {
      expect(readme).toContain(`(docs/${guide}.md)`);
    }
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const deps = readme.slice(readme.indexOf('## Dependencies and why'));
    for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) {
      if (name.startsWith('@types/') || name.startsWith('@microsoft/kiota-')) continue;
      expect(deps, `README's dependency list names ${name}`).toContain(`\`${name}\``);
    }
    expect(readme).toContain('Node.js 22 or later');
  });

  it('every relative link points at a file that exists, and every #anchor at a heading', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = read(page).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [file, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = file ? path.join(path.dirname(page), file) : page;
        if (!existsSync(path.join(PACKAGE_ROOT, resolved))) broken.push(`${page}: ${target} (no ${resolved})`);
        else if (anchor && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) broken.push(`${page}: ${target} (no heading #${anchor} in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every shell block runs unless it opts out with a reason, and opt-outs stay rare', () => {
    const all = pages.flatMap((p) => extract(read(p)).map((b) => ({ page: p, ...b })));
    const skipped = all.filter((b) => b.skip);
    expect(all.length - skipped.length).toBeGreaterThanOrEqual(12);
    expect(skipped.length).toBeLessThanOrEqual(9);
    for (const b of skipped) expect(b.skip!.length, `${b.page}:${b.line}`).toBeGreaterThan(20);
  });
});

describe('run-doc-blocks.mjs', () => {
  it('extracts sh, bash and shell blocks with their line and opt-out reason, and refuses an annotation without one', () => {
    const md = ['# t', '```sh', 'echo a', '```', '<!-- doc-blocks: skip — needs a thing CI lacks -->', '```bash', 'echo b', '```', '```ts', 'x', '```', '  ```shell', '  echo c', '  ```'].join('\n');
    expect(extract(md)).toEqual([
      { line: 2, code: 'echo a' },
      { line: 6, code: 'echo b', skip: 'needs a thing CI lacks' },
      { line: 12, code: 'echo c' },
    ]);
    expect(() => extract('<!-- doc-blocks: skip -->\n```sh\necho\n```')).toThrow(/must read/);
  });

  it('turns #=> into a check of that command, across continuation lines and quotes', () => {
    const code = (withExpectations as (c: string, w: string) => string)(`echo '{"a":
 1}' \\\n  | wc -l   #=> 2\necho '#=> not a check'`, 'x.md:1');
    expect(code).toContain(`__doc_out=$(echo '{"a":\n 1}' \\\n  | wc -l\n)`);
    expect(code).toContain(`!= '2' ]`);
    expect(code).toContain(`echo '#=> not a check'`);
    expect((substitutePorts as (c: string, p: object) => string)('curl http://127.0.0.1:8080/x https://localhost:8443/y http://127.0.0.1:3128', { http: 1, https: 2, proxy: 3 }))
      .toBe('curl http://127.0.0.1:1/x https://localhost:2/y http://127.0.0.1:3');
  });

  it('runs a page against a started emulator and fails it when a #=> is wrong', async () => {
    const t = tempDir('pim-doc-page-');
    try {
      const page = path.join(t.dir, 'page.md');
      writeFileSync(page, ['```sh', 'curl -s -o /dev/null -w "%{http_code}\\n" http://127.0.0.1:8080/_emulator/health   #=> 200', '```', '```sh', 'echo right   #=> wrong', '```'].join('\n'));
      const result = await promisify(execFile)(process.execPath, [path.join(PACKAGE_ROOT, 'scripts', 'run-doc-blocks.mjs'), page], { cwd: PACKAGE_ROOT }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
      expect(result.code).toBe(1);
      expect(result.out).toContain(`doc-blocks: FAIL ${page}:4`);
      expect(result.out).toContain(`expected "wrong", got:`);
      expect(result.out).toMatch(/^200$/m);
      expect(result.out).toContain('doc-blocks: 2 blocks run, 0 skipped; 1 file(s) failed');
    } finally {
      t.cleanup();
    }
  });
});
