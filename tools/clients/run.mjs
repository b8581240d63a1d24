#!/usr/bin/env node
// The real-clients suite (issue 7): podman, containerd (ctr), containerd's
// CRI (crictl) and Docker run containers through a runtime, offline, with
// every daemon's state under a temporary directory.
//
//   node tools/clients/run.mjs [--runtime PATH|NAME]... [--client NAME]...
//        [--only REGEX] [--timing N] [--keep] [--verbose]
//
// --runtime defaults to $OCI_TS_CLIENT_RUNTIME, else runc. `oci-ts` means
// this checkout's packages/cli/bin/oci-ts.cjs. Give --runtime twice (e.g.
// `--runtime runc --runtime oci-ts`) to run the suite for both and print the
// time per `run --rm` side by side (timed in one session, taking turns). Prints TAP, then a table; exits 1 when a
// scenario failed.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CLIENTS, missingClients, runSuite } from './lib/suite.mjs';
import { repoRoot } from './lib/session.mjs';
import { setVerbose } from './lib/sh.mjs';

const { values } = parseArgs({
  options: {
    runtime: { type: 'string', multiple: true },
    client: { type: 'string', multiple: true },
    only: { type: 'string' },
    timing: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: node tools/clients/run.mjs [--runtime PATH|NAME]... [--client podman|containerd|cri|docker]... [--only REGEX] [--timing N] [--keep] [--verbose]');
  process.exit(0);
}
setVerbose(values.verbose);
const alias = (r) => (r === 'oci-ts' ? path.join(repoRoot, 'packages/cli/bin/oci-ts.cjs') : r);
const show = (r) => path.basename(r).replace(/\.m?js$/, '');
const runtimes = (values.runtime ?? [process.env.OCI_TS_CLIENT_RUNTIME || 'runc']).map(alias);
const clients = values.client ?? Object.keys(CLIENTS);
for (const c of clients) {
  if (!CLIENTS[c]) { console.error(`unknown client ${c}; one of ${Object.keys(CLIENTS).join(', ')}`); process.exit(2); }
}
const missing = missingClients(clients);
if (missing.length) {
  console.error(`missing: ${missing.map(([c, m]) => `${c} (${m.join(', ')})`).join('; ')}\nrun: bash tools/clients/install.sh`);
  process.exit(2);
}
if (process.getuid?.() !== 0) { console.error('the client suite needs root'); process.exit(2); }

const t0 = Date.now();
const runs = [];
let n = 0, failed = 0;
console.log('TAP version 14');
for (const [i, runtime] of runtimes.entries()) {
  console.log(`# runtime ${runtime}`);
  // The first session also times the other runtimes, taking turns with it,
  // so the ratio is measured under the same load; later sessions only test.
  const res = await runSuite({
    runtime, clients, keep: values.keep, timing: i === 0 ? Number(values.timing) : 0,
    timeAlso: i === 0 ? runtimes.slice(1) : [],
    filter: values.only ? (name) => new RegExp(values.only, 'i').test(name) : undefined,
    onResult(client, r) {
      n++;
      const label = `${show(runtime)} ${client}: ${r.name} (${r.ms} ms)`;
      if (r.status === 'pass') console.log(`ok ${n} - ${label}`);
      else if (r.status === 'skip') console.log(`ok ${n} - ${label} # SKIP ${r.detail}`);
      else {
        failed++;
        console.log(`not ok ${n} - ${label}`);
        console.log(`  ---\n  message: |\n${r.detail.split('\n').map((l) => '    ' + l).join('\n')}\n  ...`);
      }
    },
  });
  for (const p of res.problems) console.log(`# cleanup: ${p}`);
  // The run must leave nothing on the host outside its own directory: a
  // cgroup directory still there after close is a failure (issue 13).
  const left = res.problems.filter((p) => p.startsWith('left behind: '));
  n++;
  if (left.length) { failed++; console.log(`not ok ${n} - ${show(runtime)}: nothing left on the host after the run\n  ---\n  message: |\n${left.map((l) => '    ' + l).join('\n')}\n  ...`); }
  else console.log(`ok ${n} - ${show(runtime)}: nothing left on the host after the run`);
  runs.push(res);
}
console.log(`1..${n}`);

// Scenario table: one row per scenario, one column per runtime x client.
const cols = runs.flatMap((r) => clients.map((c) => ({ r, c, label: `${show(r.runtime)}/${c}` })));
const names = [...new Set(runs.flatMap((r) => Object.values(r.results).flat().map((x) => x.name)))];
const w = Math.max(...names.map((s) => s.length), 8);
const cell = (s) => s.padEnd(Math.max(12, ...cols.map((c) => c.label.length)));
console.log(`\n${'scenario'.padEnd(w)}  ${cols.map((c) => cell(c.label)).join(' ')}`);
for (const name of names) {
  const row = cols.map(({ r, c }) => {
    const x = (r.results[c] ?? []).find((y) => y.name === name);
    return cell(!x ? '-' : x.status === 'pass' ? 'pass' : x.status === 'skip' ? 'n/a' : 'FAIL');
  });
  console.log(`${name.padEnd(w)}  ${row.join(' ')}`);
}
// Time per `run --rm true` (median), side by side per runtime, measured in
// the first session with the runtimes taking turns.
const timed = runs[0];
console.log(`\n${'run --rm (median ms)'.padEnd(22)} ${timed.runtimes.map((r) => show(r).padStart(10)).join(' ')}${runtimes.length > 1 ? '   ratio' : ''}`);
for (const c of clients) {
  const ms = timed.runRmMs[c] ?? [];
  const ratio = runtimes.length > 1 && ms[0] && ms[1] ? `   x${(ms[1] / ms[0]).toFixed(2)}` : '';
  console.log(`${c.padEnd(22)} ${ms.map((m) => (m == null ? '-' : m.toFixed(0)).padStart(10)).join(' ')}${ratio}`);
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
console.log(`\n# suite took ${secs} s`);
console.log(`${n - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
