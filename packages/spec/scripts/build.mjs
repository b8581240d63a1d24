#!/usr/bin/env node
// `pnpm build` for @oci/spec:
//   1. scripts/generate.mjs: schema -> src/generated (types, standalone validators)
//   2. tsc: type-check and emit the .d.ts files only
//   3. esbuild: bundle src/index.ts into ONE dist/index.js. Loading 13 small
//      ESM modules cost ~3x more than one file of the same code (measured with
//      tools/bench/spec-validate.mjs), and every `oci-ts` invocation pays it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: pkg, stdio: 'inherit' });

run(process.execPath, ['scripts/generate.mjs']);
fs.rmSync(path.join(pkg, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
run(process.execPath, [tsc, '-p', 'tsconfig.build.json']);
await esbuild.build({
  entryPoints: [path.join(pkg, 'src/index.ts')],
  outfile: path.join(pkg, 'dist/index.js'),
  bundle: true, format: 'esm', platform: 'node', target: 'node20',
  minifyWhitespace: true, minifySyntax: true, // identifiers kept: readable stack traces
  sourcemap: true, legalComments: 'none', logLevel: 'warning',
});

// The validators script and its V8 code cache. The cache is made after
// running every validator on valid and invalid documents, so the lazily
// compiled functions are in it too (v8.Script#createCachedData).
import vm from 'node:vm';
const genDir = path.join(pkg, 'dist/generated');
fs.mkdirSync(genDir, { recursive: true });
const samples = [0, null, [], {}, { ociVersion: 1, root: 2, process: 3, linux: 4, mounts: 5, hooks: 6, windows: 7, freebsd: 8 }];
for (const dir of ['config', 'state', 'features']) {
  const d = path.resolve(pkg, 'test/samples', dir);
  if (fs.existsSync(d)) for (const f of fs.readdirSync(d)) samples.push(JSON.parse(fs.readFileSync(path.join(d, f), 'utf8')));
}
for (const name of ['validators.script.js', 'platforms.script.js']) {
  const scriptFile = path.join(genDir, name);
  fs.copyFileSync(path.join(pkg, 'src/generated', name), scriptFile);
  const script = new vm.Script(fs.readFileSync(scriptFile, 'utf8'), { filename: scriptFile });
  const v = script.runInThisContext();
  for (let i = 0; i < 3; i++) for (const s of samples) for (const fn of Object.values(v)) fn(s);
  fs.writeFileSync(scriptFile.replace(/\.js$/, '.cache'), script.createCachedData());
}
