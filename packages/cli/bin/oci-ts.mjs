#!/usr/bin/env node
// The oci-ts command. Loads the esbuild bundle (one file plus lazily loaded
// chunks) when it exists, the tsc output otherwise. OCI_TS_TIMING=1 prints the
// time from process start to this first line of our code (bench: "first line").
if (process.env.OCI_TS_TIMING) process.stderr.write(`oci-ts: first line at ${performance.now().toFixed(2)} ms\n`);
import { existsSync } from 'node:fs';
const bundled = new URL('../dist/bundle/oci-ts.mjs', import.meta.url);
const { main } = await import(existsSync(bundled) ? bundled.href : '../dist/main.js');
const code = await main(process.argv.slice(2));
// Output is written synchronously, so exiting here loses nothing; it also ends
// a foreground `run` whose signal handlers would otherwise keep Node alive.
process.exit(code);
