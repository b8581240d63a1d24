#!/usr/bin/env node
// Runs every test in the monorepo with tap and prints one closing line
// `N passed, N failed[, N skipped]` that CI reads (tap's own summary is not
// read). Counts are of assertions, flattened across subtests and files.
// Usage: node tools/test/run.mjs [tap args and test files...]
import { spawn } from 'node:child_process';
import { Parser } from 'tap-parser';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { leftoverSnapshot, leftoversSince } from './leftovers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const files = args.some((a) => !a.startsWith('-'))
  ? []
  : ['packages/*/test/**/*.test.ts', 'packages/*/__test__/**/*.test.ts', 'tools/**/*.test.ts'];

// In CI (or with OCI_TS_LEFTOVER_CHECK=1) the run is checked to leave nothing
// on the host (issue 13 item 10): not on a shared workstation, where other
// people's containers come and go during the run.
const checkLeftovers = !!process.env.CI || process.env.OCI_TS_LEFTOVER_CHECK === '1';
const before = checkLeftovers ? leftoverSnapshot() : undefined;

const tapBin = path.join(root, 'node_modules/.bin/tap');
const child = spawn(tapBin, ['--reporter=tap', ...args, ...files], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});

let passed = 0, failed = 0, skipped = 0, todo = 0;
const failures = [];
// Count leaf assertions at every depth. A subtest's own summary point is
// counted only when it failed with no failing assertion inside (a timeout, a
// thrown error, a plan mismatch), so a failure is never lost or doubled.
const parser = new Parser();
function attach(p) {
  let pendingChild = null;
  p.on('child', (c) => { const box = { failedInside: 0 }; pendingChild = box; attach(c); c.on('assert', (a) => { if (!a.ok && !a.todo && !a.skip) box.failedInside++; }); c.on('complete', (r) => { box.result = r; }); });
  p.on('assert', (a) => {
    if (pendingChild) {
      const box = pendingChild; pendingChild = null;
      if (!a.ok && !a.todo && !a.skip && box.failedInside === 0) { failed++; failures.push(a); }
      return;
    }
    if (a.skip) skipped++;
    else if (a.todo) todo++;
    else if (a.ok) passed++;
    else { failed++; failures.push(a); }
  });
}
attach(parser);
child.stdout.on('data', (d) => process.stdout.write(d));
child.stdout.pipe(parser);
child.on('close', async (code) => {
  parser.end();
  if (before) {
    const left = await leftoversSince(before);
    for (const l of left) console.log(`LEFT ON THE HOST: ${l}`);
    if (left.length) { failed++; failures.push({ name: `the test run left ${left.length} thing(s) on the host (processes, cgroups, mounts)` }); }
    else passed++;
  }
  for (const f of failures) console.log(`FAILED: ${f.fullname ?? ''} ${f.name}`);
  if (code !== 0 && failed === 0) failed = 1; // the runner itself failed (e.g. a crash outside any assertion)
  const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  console.log(summary);
  // .ci/run prints this again as its very last line (pnpm may add its own
  // lines after ours when the run fails).
  if (process.env.OCI_TS_SUMMARY_FILE) writeFileSync(process.env.OCI_TS_SUMMARY_FILE, summary + '\n');
  process.exitCode = code === 0 && failed === 0 ? 0 : 1;
});
