// Bundles the CLI with esbuild: dist/bundle/oci-ts.mjs plus chunks for the
// lazily imported commands, so `oci-ts state` parses and runs only what it
// needs. The @oci/* packages stay external (see below).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
// Chunk names carry content hashes: start clean so stale chunks do not pile up.
rmSync(path.join(pkgDir, 'dist/bundle'), { recursive: true, force: true });
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
  // @oci/core is a native addon and @oci/spec reads its precompiled validators
  // from files next to its own module: both stay external. @oci/cgroups and
  // @oci/seccomp (pure ESM, dozens of small modules) are bundled into the lazily
  // loaded chunks: one file read instead of ~50 module loads on `create`.
  external: ['@oci/core', '@oci/core/*', '@oci/spec', '@oci/spec/*'],
  define: { OCI_TS_VERSION: JSON.stringify(pkg.version) },
  // yargs and friends use require() for node builtins when bundled as ESM.
  banner: { js: "import { createRequire as __ociCreateRequire } from 'node:module'; const require = __ociCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});
