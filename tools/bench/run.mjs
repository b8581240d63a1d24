#!/usr/bin/env node
// `pnpm bench`: every benchmark in tools/bench, one after the other. Each
// prints its own table of ratios against the reference runtimes.
// Measured processes run without NODE_EXTRA_CA_CERTS (env -u equivalent).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const benches = fs.readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('_')).sort();
let failed = 0;
for (const b of benches) {
  console.log(`\n## ${b}\n`);
  const r = spawnSync(process.execPath, [path.join(here, b), ...process.argv.slice(2)], { stdio: 'inherit', env });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
