// `npm run build`, last step: the command line (`npm start`, the package's `pim-emulator` bin, the
// Docker image) as one ES module with its dependencies in it, so a start loads a few files instead of
// ~1,500 small modules (issue #11: cold start). It replaces tsc's dist/cli.js; the library entry
// (dist/index.js: startEmulator, the test kit) stays tsc's output. The modules loaded only when
// first used stay outside, loaded from node_modules as before: nodemailer and mailparser (first
// mail), the X.509 library and its decorator metadata (first CA; its dependency injection does not
// survive bundling), and esbuild (bundles the portal from its sources in a checkout, and finds its
// binary relative to its own files).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist', 'cli-chunks'), { recursive: true, force: true });
await build({
  entryPoints: { cli: path.join(root, 'src', 'cli.ts') },
  outdir: path.join(root, 'dist'),
  chunkNames: 'cli-chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['esbuild', 'nodemailer', 'mailparser', '@peculiar/x509', 'reflect-metadata'],
  // CommonJS dependencies call require() for Node's own modules; an ES module has none of its own.
  banner: { js: "import { createRequire as __pimCreateRequire } from 'node:module'; const require = __pimCreateRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
});
console.log('cli: dist/cli.js (bundled; chunks in dist/cli-chunks/)');
