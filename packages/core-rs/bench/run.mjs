// Bundles bench/' + (process.env.VARIANT ?? 'init-bench.ts') + ' with esbuild (the helpers are TypeScript) and
// runs it; the addon stays external so it loads from this package.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const here = path.dirname(fileURLToPath(import.meta.url));
const index = path.resolve(here, '../index.js');
const out = path.join(here, '.init-bench.mjs');
await build({
  entryPoints: [path.join(here, 'init-bench.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: out,
  logLevel: 'error',
  plugins: [{ name: 'addon', setup(b) { b.onResolve({ filter: /index\.js$/ }, () => ({ path: index, external: true })); } }],
});
const r = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
