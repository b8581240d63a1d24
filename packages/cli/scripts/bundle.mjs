// Bundles the CLI with esbuild into dist/bundle/:
// - oci-ts.mjs plus chunks/: the full entry (src/main.ts: every command, yargs
//   for help and usage errors) as ES modules, lazily imported per command;
//   bin/oci-ts.mjs runs it, and bin/oci-ts.cjs falls back to it.
// - oci-ts.cjs (src/hot.ts): state, start, kill, delete, list; cold.cjs
//   (src/cold.ts): create, run, exec and the other commands. CommonJS, so
//   bin/oci-ts.cjs runs them without Node's ES module loader. @oci/spec (an
//   ES module) is loaded with require(), which Node >= 20.19 supports for ES
//   modules without top-level await.
// - deps/cgroups.cjs: @oci/cgroups in one CommonJS file for both (its dist is
//   ~50 small ES modules); deps/core.cjs: @oci/core's loader as CommonJS.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
function gitCommit() {
  try {
    return execFileSync('git', ['-C', pkgDir, 'describe', '--always', '--dirty', '--abbrev=12'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const final = path.join(pkgDir, 'dist/bundle');
// Built next to the old bundle and swapped in with two renames, so a CLI
// started during a rebuild (tests of other packages) never sees half a bundle.
const out = `${final}.tmp-${process.pid}`;
const common = {
  absWorkingDir: pkgDir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  define: {
    OCI_TS_VERSION: JSON.stringify(pkg.version),
    // version.ts: runc's "commit:" line (the build's git commit, when built from a clone) and the spec/seccomp versions.
    OCI_TS_COMMIT: JSON.stringify(gitCommit()),
    OCI_SPEC_VERSION: JSON.stringify((await import('@oci/spec')).OCI_VERSION),
    OCI_SECCOMP_VERSION: JSON.stringify(JSON.parse(fs.readFileSync(createRequire(import.meta.url).resolve('@oci/seccomp/package.json'), 'utf8')).version),
  },
  logLevel: 'warning',
  legalComments: 'none',
};
// Chunk names carry content hashes: start clean so stale chunks do not pile up.
fs.rmSync(out, { recursive: true, force: true });
process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));

await build({
  ...common,
  entryPoints: { 'oci-ts': path.join(pkgDir, 'src/main.ts') },
  outdir: out,
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // @oci/core is a native addon and @oci/spec reads its precompiled validators
  // from files next to its own module: both stay external. @oci/cgroups and
  // @oci/seccomp (pure ESM, dozens of small modules) are bundled into the lazily
  // loaded chunks: one file read instead of ~50 module loads on `create`.
  external: ['@oci/core', '@oci/core/*', '@oci/spec', '@oci/spec/*'],
  // yargs and friends use require() for node builtins when bundled as ESM.
  banner: { js: "import { createRequire as __ociCreateRequire } from 'node:module'; const require = __ociCreateRequire(import.meta.url);" },
});

// --- CommonJS builds ---

// @oci/cgroups loads @oci/core with a top-level await (devices/bpf.ts), which
// CommonJS cannot express. Its statement is kept, with require() for the
// import: same try/catch, same result (require() of an ES module is
// synchronous in Node >= 20.19, and throws on older Node, which the catch
// turns into "no @oci/core", as a failed import would).
const cgroupsTopLevelAwait = {
  name: 'cgroups-top-level-await',
  setup(b) {
    b.onLoad({ filter: /[\\/]cgroups[\\/]dist[\\/]devices[\\/]bpf\.js$/ }, (args) => {
      // Anything else that is not CommonJS-safe makes esbuild fail below, and
      // the CommonJS bundles are then skipped (with a warning), not the build.
      const src = fs.readFileSync(args.path, 'utf8');
      return { contents: src.replace("(await import('@oci/core'))", "require('@oci/core')"), loader: 'js' };
    });
  },
};
// The fast entries use the one-file @oci/cgroups and @oci/core next to them
// (`dir`: where those are, relative to the file being built).
const depFiles = (dir) => ({
  name: 'dep-files',
  setup(b) {
    b.onResolve({ filter: /^@oci\/(cgroups|core|cgroups\/systemd)$/ }, (a) => (a.kind === 'entry-point' ? undefined : { path: `${dir}/${a.path.slice(5).replace('/', '-')}.cjs`, external: true }));
  },
});

/**
 * Rewrites an esbuild CommonJS output:
 * - `import("x")` of an external becomes `Promise.resolve().then(() => require("x"))`,
 *   so loading @oci/spec, @oci/core or a builtin never starts the ES module loader;
 * - `__toESM(require("node:x"), 1)` (one per `import fs from 'node:fs'`) copies
 *   every export of the builtin onto a new object (~2 ms for a dozen imports);
 *   an object whose prototype is the builtin gives the same default and named
 *   exports, as a builtin has no ES module interop to fix.
 */
function rewriteCjs(file) {
  let src = fs.readFileSync(file, 'utf8');
  src = src.replace(/\bimport\(("(?:@oci\/[\w-]+|node:[\w/]+|\.\/(?:deps\/)?[\w-]+\.cjs)")\)/g, 'Promise.resolve().then(() => require($1))');
  src = src.replace(/__toESM\((require\("node:[\w/]+"\)), 1\)/g, '{ __proto__: $1, default: $1 }');
  const left = /\bimport\(/.exec(src);
  if (left) throw new Error(`bundle.mjs: ${file} still has a dynamic import() at ${left.index}: ${src.slice(left.index, left.index + 60)}`);
  fs.writeFileSync(file, src);
}

const cjs = { ...common, format: 'cjs', outExtension: { '.js': '.cjs' } };
// Without the CommonJS bundles bin/oci-ts.cjs runs everything through the full
// entry: slower, still correct. So a failure here (a dependency that is no
// longer CommonJS-safe) is a warning, not a broken build; test/entry.test.ts
// fails on the missing files.
try {
  // @oci/core's napi-rs loader (index.js, an ES module) as CommonJS: require()
  // of the ES module costs ~6 ms (Node's ES module loader) on every kill,
  // delete and create. Its only ES-module-ism is createRequire(import.meta.url),
  // which finds the .node next to index.js: import.meta.url becomes the URL of
  // the real index.js, found by require.resolve from here.
  await build({
    ...cjs,
    entryPoints: { core: '@oci/core' },
    outdir: path.join(out, 'deps'),
    define: { ...common.define, 'import.meta.url': '__ociCoreUrl' },
    banner: { js: "const __ociCoreUrl = require('node:url').pathToFileURL(require.resolve('@oci/core')).href;" },
  });
  await build({
    ...cjs,
    entryPoints: { cgroups: '@oci/cgroups' },
    outdir: path.join(out, 'deps'),
    plugins: [cgroupsTopLevelAwait, depFiles('.')],
  });
  // The systemd driver (--systemd-cgroup) in a file of its own, loaded only
  // by the containers that use it (create, update, delete of such a one).
  await build({
    ...cjs,
    entryPoints: { 'cgroups-systemd': '@oci/cgroups/systemd' },
    outdir: path.join(out, 'deps'),
    plugins: [cgroupsTopLevelAwait, depFiles('.')],
  });
  const external = ['@oci/spec', '@oci/spec/*', 'yargs'];
  await build({
    ...cjs,
    entryPoints: { cold: path.join(pkgDir, 'src/cold.ts') },
    outdir: out,
    external,
    plugins: [depFiles('./deps')],
  });
  // @oci/seccomp (~180 KB of syscall tables) is for create, exec and features, all in cold.cjs.
  await build({
    ...cjs,
    entryPoints: { 'oci-ts': path.join(pkgDir, 'src/hot.ts') },
    outdir: out,
    external: [...external, '@oci/seccomp', '@oci/seccomp/*'],
    plugins: [depFiles('./deps')],
  });
  // The planner the native front end starts (src/planner/serve.ts): the hot
  // and cold command tables in one CommonJS file.
  await build({
    ...cjs,
    entryPoints: { planner: path.join(pkgDir, 'src/planner/entry.ts') },
    outdir: out,
    external,
    plugins: [depFiles('./deps')],
  });
  for (const f of ['deps/core.cjs', 'deps/cgroups.cjs', 'deps/cgroups-systemd.cjs', 'oci-ts.cjs', 'cold.cjs', 'planner.cjs']) rewriteCjs(path.join(out, f));
} catch (e) {
  for (const f of ['deps', 'oci-ts.cjs', 'cold.cjs', 'planner.cjs']) fs.rmSync(path.join(out, f), { recursive: true, force: true });
  console.warn(`bundle.mjs: WARNING: no CommonJS fast entry (bin/oci-ts.cjs falls back to the ES module entry): ${e.message}`);
}

const old = `${final}.old-${process.pid}`;
if (fs.existsSync(final)) fs.renameSync(final, old);
fs.renameSync(out, final);
fs.rmSync(old, { recursive: true, force: true });

// The native front end (packages/core-rs/src/bin/oci-ts.rs), when @oci/core
// was built with it, goes next to bin/oci-ts.cjs as bin/oci-ts: it finds
// oci-ts.cjs and dist/bundle/planner.cjs relative to itself. Copied to a
// temporary name and renamed, so a caller never executes half a file.
try {
  const frontEnd = path.join(path.dirname(createRequire(import.meta.url).resolve('@oci/core')), 'oci-ts');
  const dest = path.join(pkgDir, 'bin/oci-ts');
  if (fs.existsSync(frontEnd)) {
    fs.copyFileSync(frontEnd, `${dest}.tmp-${process.pid}`);
    fs.chmodSync(`${dest}.tmp-${process.pid}`, 0o755);
    fs.renameSync(`${dest}.tmp-${process.pid}`, dest);
  }
} catch (e) {
  console.warn(`bundle.mjs: no native front end (bin/oci-ts.cjs still works): ${e.message}`);
}
