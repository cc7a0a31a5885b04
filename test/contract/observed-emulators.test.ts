import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';

/**
 * Issue #15: every API and e2e test validates the Graph (and ARM) bodies it receives against
 * openapi.yaml and Microsoft's schema. testEmulator() does it for every test that uses it; an
 * emulator a test builds itself (createEmulator, the test kit's startEmulator, the proxy harness)
 * must pass `observe` (observeResponse of test/support/conformance.ts) too. The exceptions below
 * serve no Graph body to a test, each for the reason given.
 */
const EXEMPT: ReadonlyArray<{ file: string; call: string; why: string }> = [
  { file: 'test/api/authenticator.test.ts', call: 'createEmulator({ ...defaultConfig(), storage: \'memory\', logLevel: \'silent\' }, { seed: parseSeed(doc, \'seed\')', why: 'only the token endpoint is called (OAuth bodies, not Graph)' },
  { file: 'test/api/storage.test.ts', call: 'const keyed = await createEmulator(', why: 'started to read the tenants with their signing keys, closed without a request' },
  { file: 'test/e2e/state-refusals.test.ts', call: 'const err = await createEmulator(fileConfig(dir))', why: 'a start that must be refused' },
  { file: 'test/e2e/startup-refusals.test.ts', call: 'createEmulator(fileConfig(', why: 'starts only to populate a data directory or to be refused; no request is sent' },
];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return testFiles(full);
    return /\.ts$/.test(name) ? [full] : [];
  });
}

/** The text of each createEmulator(…) / startEmulator(…) call: from the name to its closing parenthesis. */
function calls(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/\b(createEmulator|startEmulator)\(/g)) {
    let depth = 0;
    let end = m.index!;
    for (let i = m.index! + m[1]!.length; i < source.length; i++) {
      if (source[i] === '(') depth++;
      else if (source[i] === ')' && --depth === 0) {
        end = i;
        break;
      }
    }
    out.push(source.slice(Math.max(0, m.index! - 40), end + 1));
  }
  return out;
}

describe('every emulator a test builds checks the bodies it sends', () => {
  it('passes observe to createEmulator and startEmulator in test/api, test/e2e, test/contract and test/fuzz', () => {
    const unobserved: string[] = [];
    for (const tier of ['api', 'e2e', 'contract', 'fuzz']) {
      for (const file of testFiles(path.join(PACKAGE_ROOT, 'test', tier))) {
        const rel = path.relative(PACKAGE_ROOT, file);
        if (rel === 'test/contract/observed-emulators.test.ts') continue;
        for (const call of calls(readFileSync(file, 'utf8'))) {
          if (/\bobserve\b/.test(call)) continue;
          if (EXEMPT.some((e) => e.file === rel && call.includes(e.call))) continue;
          unobserved.push(`${rel}: ${call.replace(/\s+/g, ' ').trim()}`);
        }
      }
    }
    expect(unobserved).toEqual([]);
  });

  it('finds an unobserved emulator (the check can fail)', () => {
    expect(calls("const e = await createEmulator(config, { seed });\nconst f = await startEmulator({ observe: observeResponse });").map((c) => /\bobserve\b/.test(c))).toEqual([false, true]);
  });
});
