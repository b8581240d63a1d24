#!/usr/bin/env node
// The OCI runtime-tools conformance stage (issue 12): runs every validation
// program of runtime-tools v0.9.0 (built by install.sh) against runc, the
// control, and against oci-ts, in the same run, and compares.
//
//   node tools/conformance/run.mjs [--runtime NAME|PATH]... [--only REGEX] [--jobs N] [--verbose]
//
// --runtime defaults to `runc` and `oci-ts` (this checkout's bin); the first
// is the control. A file passes only when its TAP output has at least one
// check that is not a skip, no `not ok`, and the program exited 0: a program
// that printed nothing (the container's program never ran) is a failure.
// oci-ts failing a file is allowed only when the file is listed in
// expected-failures.json with its reason AND the control fails it too in
// this run; anything else fails the stage. Prints the per-file table and
// `N passed, N failed` (one per file); exits 1 on a failure.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const cache = path.join(repoRoot, 'tools/.cache/conformance');

const { values } = parseArgs({
  options: {
    runtime: { type: 'string', multiple: true },
    only: { type: 'string' },
    jobs: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '120' },
    verbose: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: node tools/conformance/run.mjs [--runtime NAME|PATH]... [--only REGEX] [--jobs N] [--timeout S] [--verbose] [--keep]');
  process.exit(0);
}
if (process.getuid?.() !== 0) { console.error('conformance: needs root'); process.exit(2); }
const alias = (r) => (r === 'oci-ts' ? path.join(repoRoot, 'packages/cli/bin/oci-ts.cjs') : r);
const show = (r) => path.basename(r).replace(/\.c?m?js$/, '');
const runtimes = (values.runtime ?? ['runc', 'oci-ts']).map((r) => ({ name: show(r), cmd: alias(r) }));
const control = runtimes[0];

const binDir = path.join(cache, 'bin');
if (!fs.existsSync(path.join(binDir, 'runtimetest'))) {
  console.error('conformance: suite not built; run: bash tools/conformance/install.sh');
  process.exit(2);
}
const only = values.only ? new RegExp(values.only) : null;
const files = fs.readdirSync(binDir).filter((f) => f !== 'runtimetest' && (!only || only.test(f))).sort();
const expected = JSON.parse(fs.readFileSync(path.join(here, 'expected-failures.json'), 'utf8'));

// Each runtime gets a wrapper with its own --root under the work dir, so a
// container a program leaves behind never meets anyone else's, and can be
// deleted at the end.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-conformance-'));
for (const r of runtimes) {
  r.root = path.join(work, `root-${r.name}`);
  r.wrapper = path.join(work, `rt-${r.name}`);
  fs.writeFileSync(r.wrapper, `#!/bin/sh\nexec ${JSON.stringify(r.cmd)} --root ${JSON.stringify(r.root)} "$@"\n`, { mode: 0o755 });
}

/** TAP verdict of one program's run. */
export function verdict(out, code) {
  let ok = 0, notOk = 0, skip = 0;
  for (const line of out.split('\n')) {
    const m = /^(not ok|ok)\b(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'not ok') notOk++;
    else if (/#\s*SKIP/i.test(m[2])) skip++;
    else ok++;
  }
  if (notOk) return { pass: false, why: `${notOk} not ok` };
  if (code !== 0) return { pass: false, why: `exit ${code}` };
  // Several programs report a failure only as a YAML `error:` block.
  if (!ok) return { pass: false, why: (skip ? 'only skips' : 'no checks') + (/^\s+"?error"?:/m.test(out) ? ', error' : '') };
  return { pass: true, why: `${ok} ok` };
}

function runOne(file, rt) {
  // Each program finds rootfs-amd64.tar.gz and runtimetest in its cwd.
  const cwd = fs.mkdtempSync(path.join(work, `${file}-${rt.name}-`));
  fs.symlinkSync(path.join(cache, 'rootfs-amd64.tar.gz'), path.join(cwd, 'rootfs-amd64.tar.gz'));
  fs.copyFileSync(path.join(binDir, 'runtimetest'), path.join(cwd, 'runtimetest'));
  fs.chmodSync(path.join(cwd, 'runtimetest'), 0o755);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(path.join(binDir, file), [], {
      cwd, env: { ...process.env, RUNTIME: rt.wrapper, TMPDIR: cwd }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, Number(values.timeout) * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const v = signal ? { pass: false, why: `killed by ${signal} (timeout ${values.timeout}s)` } : verdict(out, code);
      resolve({ ...v, out, err, ms: Date.now() - t0 });
    });
  });
}

/** Deletes what a program left behind under a runtime's root. */
function cleanup(rt) {
  const r = spawnSync(rt.wrapper, ['list', '-q'], { encoding: 'utf8' });
  for (const id of (r.stdout || '').split('\n').filter(Boolean)) {
    spawnSync(rt.wrapper, ['delete', '-f', id], { stdio: 'ignore' });
  }
}

// The linux_cgroups_* programs use fixed cgroupsPaths; runtimes remove the
// leaf but not the parents they made (runc neither). Those that did not
// exist before the stage are removed at its end (rmdir: only when empty).
const suiteCgroups = () => {
  const out = [];
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    for (const rel of ['testdir/cgrouptest/container', 'testdir/cgrouptest', 'testdir', 'cgrouptest']) {
      const p = path.join('/sys/fs/cgroup', h, rel);
      if (fs.existsSync(p)) out.push(p);
    }
  }
  return out;
};
const cgroupsBefore = new Set(suiteCgroups());

const t0 = Date.now();
const results = new Map(); // file -> { [runtime]: result }
console.log('TAP version 14');
let n = 0;
// Lanes: the programs that use fixed cgroup paths (the linux_cgroups_*
// ones: /cgrouptest, testdir/...; delete*_resources: pids/cgrouptest) run
// one after another in a lane of their own; the rest are dealt round-robin
// to the other lanes. A file's runtimes never run at the same time.
const CGROUP_FILES = /^(linux_cgroups_|delete_only_create_resources$|delete_resources$)/;
const nLanes = Math.max(1, Number(values.jobs));
const lanes = Array.from({ length: nLanes }, () => []);
const others = files.filter((f) => nLanes === 1 || !CGROUP_FILES.test(f));
files.filter((f) => nLanes > 1 && CGROUP_FILES.test(f)).forEach((f) => lanes[0].push(...runtimes.map((rt) => [f, rt])));
others.forEach((f, i) => lanes[nLanes === 1 ? 0 : 1 + (i % (nLanes - 1))].push(...runtimes.map((rt) => [f, rt])));
await Promise.all(lanes.map(async (queue) => {
  while (queue.length) {
    const [file, rt] = queue.shift();
    const r = await runOne(file, rt);
    if (!results.has(file)) results.set(file, {});
    results.get(file)[rt.name] = r;
    if (values.verbose || !r.pass) {
      console.log(`# ${file} ${rt.name}: ${r.pass ? 'pass' : 'FAIL'} (${r.why}, ${r.ms} ms)`);
      if (values.verbose || rt !== control) {
        const lines = [...r.out.split('\n').filter((l) => /^not ok|^\s+(error|stderr|message|expected|actual):/.test(l)).slice(0, 12),
          ...r.err.trim().split('\n').slice(-6)].filter(Boolean);
        for (const l of lines) console.log(`#   ${l.slice(0, 300)}`);
      }
    }
  }
}));
// Second chances, run one at a time: several programs race with the
// container's process (killsig signals `sh` before its trap may be set,
// pidfile kills `true` after it may have exited), so a timing loss is not a
// verdict. oci-ts failing a file the control passed runs up to twice more;
// a listed file that oci-ts fails and the control passed runs the control
// up to five more times, and counts as failing for it if it fails in one.
for (const file of files) {
  const res = results.get(file);
  for (const rt of runtimes.slice(1)) {
    if (res[rt.name].pass || !res[control.name].pass) continue;
    if (!expected[file]) {
      for (let i = 0; i < 2 && !res[rt.name].pass; i++) {
        const again = await runOne(file, rt);
        console.log(`# ${file} ${rt.name}: run again: ${again.pass ? 'pass' : `FAIL (${again.why})`}`);
        if (again.pass) res[rt.name] = { ...again, why: `${again.why}, run ${i + 2}` };
      }
      continue;
    }
    // pidfile: runc wins its race about one run in three.
    for (let i = 0; i < 5 && res[control.name].pass; i++) {
      const again = await runOne(file, control);
      console.log(`# ${file} ${control.name}: run again: ${again.pass ? 'pass' : `FAIL (${again.why})`}`);
      if (!again.pass) res[control.name] = { ...again, why: `${again.why}, run ${i + 2}` };
    }
  }
}
for (const rt of runtimes) cleanup(rt);
for (const p of suiteCgroups()) {
  if (cgroupsBefore.has(p)) continue;
  try { fs.rmdirSync(p); } catch (e) { console.log(`# cleanup: ${p}: ${e.code}`); }
}

// One TAP point per file: oci-ts's verdict, judged against the list.
let passed = 0, failed = 0;
const rows = [];
for (const file of files) {
  const res = results.get(file);
  const cells = runtimes.map((rt) => `${res[rt.name].pass ? 'pass' : `FAIL (${res[rt.name].why})`} ${(res[rt.name].ms / 1000).toFixed(1)}s`);
  rows.push([file, ...cells]);
  for (const rt of runtimes.slice(1)) {
    n++;
    const r = res[rt.name];
    const listed = expected[file];
    if (r.pass) { passed++; console.log(`ok ${n} - ${rt.name} ${file}`); continue; }
    if (listed && !res[control.name].pass) {
      passed++;
      console.log(`ok ${n} - ${rt.name} ${file} # expected failure (${control.name} fails too): ${listed}`);
      continue;
    }
    failed++;
    const why = listed ? `listed as expected (${listed}) but ${control.name} passes it in this run` : 'not in tools/conformance/expected-failures.json';
    console.log(`not ok ${n} - ${rt.name} ${file}: ${r.why}; ${why}`);
  }
}
// A listed file whose reason no longer holds (oci-ts passes) is reported so
// the list shrinks, without failing the stage.
for (const [file, reason] of Object.entries(expected)) {
  if (results.has(file) && runtimes.slice(1).every((rt) => results.get(file)[rt.name].pass)) {
    console.log(`# note: ${file} passes now; drop it from expected-failures.json (${reason})`);
  }
}
console.log(`1..${n}`);
const widths = [0, 1, 2, 3].slice(0, runtimes.length + 1).map((i) => Math.max(...[['file', ...runtimes.map((r) => r.name)], ...rows].map((row) => row[i].length)));
const fmt = (row) => row.map((c, i) => c.padEnd(widths[i])).join(' | ');
console.log(fmt(['file', ...runtimes.map((r) => r.name)]));
for (const row of rows) console.log(fmt(row));
for (const rt of runtimes) console.log(`# ${rt.name}: ${files.filter((f) => results.get(f)[rt.name].pass).length}/${files.length} files pass`);
console.log(`# conformance stage took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
if (!values.keep) {
  // A program whose config lists no mount namespace has the runtime mount
  // into ours (runc does too); ci runs the stage under `unshare -m`, and
  // whatever is left under the work dir is detached before it is removed.
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m) => m && (m === work || m.startsWith(work + '/')));
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  try { fs.rmSync(work, { recursive: true, force: true }); } catch (e) { console.log(`# cleanup: ${e.message}`); }
}
else console.log(`# kept ${work}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
