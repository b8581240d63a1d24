#!/usr/bin/env node
// The systemd stage, run INSIDE the guest booted with systemd as PID 1:
//   tools/guest/run-in-guest --systemd --timeout 420 node tools/guest/systemd/stage.mjs
// The same runner as the v2 stage (../stage.mjs: one node process per file,
// one `N passed, N failed` line), over the files that need systemd.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStage } from '../stage.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const argv = process.argv.slice(2);
const files = argv.length ? argv : fs.readdirSync(here).filter((f) => /\.sdtest\.[cm]?[jt]s$/.test(f)).sort().map((f) => path.relative(repoRoot, path.join(here, f)));
process.exitCode = await runStage(files);
