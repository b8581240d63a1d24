// Bundles the CLI with esbuild: dist/bundle/oci-ts.mjs plus chunks for the
// lazily imported commands, so `oci-ts state` parses and runs only what it
// needs. @oci/core (a native addon) stays external.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
await build({
  entryPoints: { 'oci-ts': path.join(pkgDir, 'src/main.ts') },
  outdir: path.join(pkgDir, 'dist/bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  external: ['@oci/core', '@oci/core/*'],
  define: { OCI_TS_VERSION: JSON.stringify(pkg.version) },
  // yargs and friends use require() for node builtins when bundled as ESM.
  banner: { js: "import { createRequire as __ociCreateRequire } from 'node:module'; const require = __ociCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});
