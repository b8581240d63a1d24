#!/usr/bin/env node
// The v2 stage, run INSIDE the guest:
//   tools/guest/run-in-guest --timeout 540 node tools/guest/stage.mjs [files...]
// Runs each test file as its own node process without tap's runner (under
// TCG the runner, with its reporters, React and a wasm layout engine, costs
// about three times what a small test file costs), with tap's mock loader
// and, for TypeScript, esbuild (ts/register.mjs) instead of ts-node, which
// halves each test process's CPU time (1.0 s against 1.9 s on the host). Prints each file's TAP, then one line `N passed, N failed[, N
// skipped]` counted like tools/test/run.mjs (leaf assertions at every depth);
// exits 1 when anything failed.
// Default files: checks/cgroup-v2.mjs (its guest-check lines count as
// assertions), packages/cgroups/test/v2-kernel.test.ts, and every
// *.guest.test.ts under packages/*/test and tools/ (name a test that way to
// have it run in the guest stage).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Parser } from 'tap-parser';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** @param {string} dir @param {RegExp} re @param {string[]} out */
function find(dir, re, out) {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) find(p, re, out);
    else if (re.test(e.name)) out.push(path.relative(repoRoot, p));
  }
  return out;
}

export function defaultFiles() {
  const guestTests = /\.guest\.test\.[cm]?[jt]s$/;
  const files = ['tools/guest/checks/cgroup-v2.mjs', 'packages/cgroups/test/v2-kernel.test.ts']
    .filter((f) => fs.existsSync(path.join(repoRoot, f)));
  for (const pkg of fs.readdirSync(path.join(repoRoot, 'packages'))) find(path.join(repoRoot, 'packages', pkg, 'test'), guestTests, files);
  find(path.join(repoRoot, 'tools'), guestTests, files);
  return [...new Set(files)];
}

/** The `--import` of a tap plugin's loader (a dependency of tap). */
function tapPluginImport(name) {
  const dir = path.join(fs.realpathSync(path.join(repoRoot, 'node_modules/tap')), '..', name);
  const exp = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).exports['./import'];
  return `--import=${pathToFileURL(path.join(dir, typeof exp === 'string' ? exp : exp.import.default)).href}`;
}

/** esbuild when the root has it (a root devDependency), else tap's ts-node. */
function loaderImports() {
  const esbuild = fs.existsSync(path.join(repoRoot, 'node_modules/esbuild/package.json'));
  const ts = esbuild ? `--import=${pathToFileURL(path.join(repoRoot, 'tools/guest/ts/register.mjs')).href}` : tapPluginImport('@tapjs/typescript');
  return [ts, tapPluginImport('@tapjs/mock')];
}

const counts = { passed: 0, failed: 0, skipped: 0 };
/** @type {string[]} */
const failures = [];

/** Counts a TAP stream's leaf assertions, like tools/test/run.mjs. */
function countTap(p, file) {
  let pendingChild = null;
  p.on('child', (c) => {
    const box = { failedInside: 0 };
    pendingChild = box;
    countTap(c, file);
    c.on('assert', (a) => { if (!a.ok && !a.todo && !a.skip) box.failedInside++; });
  });
  p.on('assert', (a) => {
    if (pendingChild) {
      const box = pendingChild;
      pendingChild = null;
      if (!a.ok && !a.todo && !a.skip && box.failedInside === 0) { counts.failed++; failures.push(`${file}: ${a.name}`); }
      return;
    }
    if (a.skip) counts.skipped++;
    else if (a.todo) { /* not counted */ }
    else if (a.ok) counts.passed++;
    else { counts.failed++; failures.push(`${file}: ${a.fullname ?? ''} ${a.name}`); }
  });
}

/** @param {string} file */
async function runFile(file) {
  const isCheck = /\/checks\/[^/]+\.mjs$/.test(file);
  const args = isCheck ? [file] : [...loaderImports(), '--enable-source-maps', file];
  process.stdout.write(`# ${file}\n`);
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    // tap's runner sets these for its children: no type checking (tap's
    // default), and the .taprc timeout instead of 30 s per file.
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TAP_TIMEOUT: process.env.TAP_TIMEOUT ?? '600' },
  });
  const before = counts.failed;
  let parser;
  if (isCheck) {
    let buf = '';
    child.stdout.on('data', (b) => {
      process.stdout.write(b);
      buf += b;
      for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
        const line = buf.slice(0, i);
        if (!line.startsWith('guest-check ')) continue;
        const c = JSON.parse(line.slice('guest-check '.length));
        if (c.skip) counts.skipped++;
        else if (c.ok) counts.passed++;
        else { counts.failed++; failures.push(`${file}: ${c.check}`); }
      }
    });
  } else {
    parser = new Parser();
    countTap(parser, file);
    child.stdout.on('data', (b) => process.stdout.write(b));
    child.stdout.pipe(parser);
  }
  const code = await new Promise((resolve) => child.on('close', (c, sig) => resolve(c ?? sig)));
  parser?.end();
  process.stdout.write(`# ${file}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  if (code !== 0 && counts.failed === before) { counts.failed++; failures.push(`${file}: exited with ${code}`); }
}

/** @param {string[]} files */
export async function runStage(files) {
  for (const f of files) await runFile(f);
  for (const f of failures) process.stdout.write(`FAILED: ${f}\n`);
  process.stdout.write(`${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}\n`);
  return counts.failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  process.exitCode = await runStage(argv.length ? argv : defaultFiles());
}
