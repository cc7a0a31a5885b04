/**
 * design.md's dependency direction, enforced (npm run lint:deps, and .ci/run before the tests):
 *   cli → emulator → {graph, auth, emulator (control plane), mail, scheduler, store} → pim, directory → clock/ids/events
 * A forbidden import or any cycle fails the run.
 */
const LOWER = '^src/(pim|directory)/|^src/(clock|ids|events|iso8601|tracked|html|schema)[.]ts$';
const BOTTOM = '^src/(clock|ids|events|iso8601|tracked|html|schema)[.]ts$';
const UPPER = '^src/(graph|auth|emulator|mail|scheduler|store|compose|portal|proxy|arm|walkthrough)/|^src/(cli|cli-main|emulator|context|edge|web|startup|config|tls|testkit|index)[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Split a module by moving its shared types down (design.md, style 13); never import in a circle.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'pim-knows-no-framework',
      severity: 'error',
      comment: 'pim/ is the domain: no HTTP, storage or mail library (design.md "Dependency direction"); its command shapes come from src/schema.ts.',
      from: { path: '^src/pim/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'domain-imports-downward',
      severity: 'error',
      comment: 'pim/, directory/ and the clock/ids/events modules are below every adapter: they never import graph, auth, the control plane, mail, scheduler, store or the composition.',
      from: { path: LOWER },
      to: { path: UPPER },
    },
    {
      name: 'directory-below-pim',
      severity: 'error',
      comment: 'directory/ is what PIM assigns from; it does not know PIM (pim → directory, never back).',
      from: { path: '^src/directory/' },
      to: { path: '^src/pim/' },
    },
    {
      name: 'bottom-layer-imports-nothing-above',
      severity: 'error',
      comment: 'clock, ids and events are the bottom layer; events may name the domain records as types only.',
      from: { path: BOTTOM },
      to: { path: '^src/(?!(clock|ids|events|iso8601|tracked|html|schema)[.]ts$)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'graph-and-control-plane-apart',
      severity: 'error',
      comment: "Microsoft's protocol (graph/) and our control plane (emulator/) never import each other.",
      from: { path: '^src/graph/' },
      to: { path: '^src/emulator/' },
    },
    {
      name: 'control-plane-and-graph-apart',
      severity: 'error',
      comment: "Microsoft's protocol (graph/) and our control plane (emulator/) never import each other.",
      from: { path: '^src/emulator/' },
      to: { path: '^src/graph/' },
    },
    {
      name: 'store-holds-no-rules',
      severity: 'error',
      comment: 'store/ persists; it throws no Graph errors and holds no protocol or rules.',
      from: { path: '^src/store/' },
      to: { path: '^src/(graph|auth|emulator|mail|scheduler|compose|portal|proxy|arm)/' },
    },
    {
      name: 'only-the-factory-composes',
      severity: 'error',
      comment: 'The composition (compose/, emulator.ts) is used by the CLI, the testkit and tests only.',
      from: { path: '^src/', pathNot: '^src/(compose/|emulator[.]ts$|cli[.]ts$|cli-main[.]ts$|testkit[.]ts$|index[.]ts$|context[.]ts$)' },
      to: { path: '^src/(compose/|emulator[.]ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
