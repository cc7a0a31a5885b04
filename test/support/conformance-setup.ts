import { appendFileSync } from 'node:fs';
import { afterAll, afterEach } from 'vitest';
import { conformanceStats, takeMismatches } from './conformance.js';

/**
 * Vitest setup file (vitest.config.ts setupFiles): a test that received a Graph body not matching
 * openapi.yaml fails, with every mismatch (route, property, what was wrong). Bodies sent outside a
 * test (beforeAll/afterAll) fail the file in afterAll.
 */
function fail(when: string): void {
  const found = takeMismatches();
  if (found.length === 0) return;
  throw new Error(`${found.length} Graph response(s) do not match openapi.yaml or the ARM SPEC ${when}:\n${found.join('\n')}`);
}

afterEach(() => fail('(test/support/conformance.ts)'));

afterAll((suite) => {
  // For counting over a whole run: PIM_CONFORMANCE_STATS=/tmp/stats.jsonl npx vitest run
  const statsFile = process.env.PIM_CONFORMANCE_STATS;
  if (statsFile) {
    const file = (suite as { filepath?: string }).filepath ?? suite.file?.filepath;
    appendFileSync(statsFile, `${JSON.stringify({ file, validated: conformanceStats.validated, skipped: conformanceStats.skipped, byOperation: Object.fromEntries(conformanceStats.byOperation) })}\n`);
  }
  fail('outside any test (beforeAll/afterAll)');
});
