#!/usr/bin/env node
// The oci-ts command (the package's bin). CommonJS on purpose, so the usual
// calls never start Node's ES module loader (6-15 ms):
// - dist/bundle/oci-ts.cjs runs state, start, kill, delete and list itself and
//   takes create, run, exec and the rest from dist/bundle/cold.cjs;
// - help, usage errors and unusual syntax go to the full entry (yargs),
//   dist/bundle/oci-ts.mjs, or the tsc output when nothing was bundled.
// The CommonJS bundles load @oci/spec (an ES module) with require(), which
// needs Node >= 20.19 (process.features.require_module); older Node runs
// everything through the full entry.
// OCI_TS_TIMING=1 prints the time from process start to this first line of
// our code (bench: "first line"), and at exit the time and the CPU time used.
'use strict';
if (process.env.OCI_TS_TIMING) {
  process.stderr.write(`oci-ts: first line at ${performance.now().toFixed(2)} ms\n`);
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    process.stderr.write(`oci-ts: exit at ${performance.now().toFixed(2)} ms, cpu ${((user + system) / 1000).toFixed(1)} ms\n`);
  });
}
const bundle = (name) => require(`../dist/bundle/${name}`);
let hot;
if (process.features.require_module) {
  try {
    hot = bundle('oci-ts.cjs');
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e;
  }
}
// A relative import() from CommonJS resolves against this file.
const full = async () => {
  try {
    return (await import('../dist/bundle/oci-ts.mjs')).main;
  } catch (e) {
    if (e.code !== 'ERR_MODULE_NOT_FOUND') throw e;
    return (await import('../dist/main.js')).main;
  }
};
const args = process.argv.slice(2);
const run = hot ? hot.main(args, {}, { full, cold: () => bundle('cold.cjs').COMMANDS }) : full().then((main) => main(args));
// Output is written synchronously, so exiting here loses nothing; it also ends
// a foreground `run` whose signal handlers would otherwise keep Node alive.
run.then((code) => process.exit(code), (e) => {
  process.stderr.write(`oci-ts: ${(e && e.stack) || e}\n`);
  process.exit(1);
});
