// No root: the ways oci-ts is started give the same output and exit code:
// the package's bin (bin/oci-ts.cjs, CommonJS fast entry: hot.ts, cold.ts)
// executed directly and through a symlink as pnpm and /usr/local/bin installs
// make, `node bin/oci-ts.mjs`, and the full ES module entry (yargs) that older
// Node (no require() of ES modules) uses.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.ts';

const cjs = path.join(repoRoot, 'packages/cli/bin/oci-ts.cjs');
const mjs = path.join(repoRoot, 'packages/cli/bin/oci-ts.mjs');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

function run(cmd: string, args: string[], cwd?: string) {
  const r = spawnSync(cmd, args, { env, cwd, encoding: 'utf8', timeout: 60_000 });
  // Log lines carry the time: compare without it.
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/time="[^"]+"|"time":"[^"]+"/g, 'time=T') };
}

t.test('the build made the CommonJS fast entry (scripts/bundle.mjs only warns when it cannot)', async (t) => {
  for (const f of ['oci-ts.cjs', 'cold.cjs', 'deps/cgroups.cjs', 'deps/core.cjs']) t.ok(fs.existsSync(path.join(repoRoot, 'packages/cli/dist/bundle', f)), f);
});

t.test('every entry gives the same output and exit code', async (t) => {
  const dir = t.testdir({ root: {}, b1: {}, b2: {}, b3: {}, b4: {} });
  const root = path.join(dir, 'root');
  const entries: Array<[string, (args: string[]) => ReturnType<typeof run>]> = [
    ['bin/oci-ts.cjs executed', (a) => run(cjs, a)],
    ['node bin/oci-ts.mjs', (a) => run(process.execPath, [mjs, ...a])],
    ['full entry (no require of ES modules)', (a) => run(process.execPath, ['--no-experimental-require-module', cjs, ...a])],
  ];
  const cases = [
    ['--version'], ['version'], ['features'],
    ['--root', root, 'state', 'nothere'], ['--root', root, 'list'], ['--root', root, 'list', '--format', 'json'], ['--root', root, 'list', '-q'],
    ['--root', root, 'kill', 'nothere', 'KILL'], ['--root', root, 'delete', 'nothere'], ['--root', root, 'start', 'nothere'],
    ['--root', root, 'pause', 'nothere'], ['--root', root, 'exec', 'nothere', 'true'],
    ['--root', root, 'create', '--bundle', path.join(dir, 'nobundle'), 'c1'],
    ['--log-format', 'json', '--root', root, 'state', 'nothere'],
    ['create'], ['state', 'a', 'b'], ['bogus'], ['--help'], ['state', '--help'],
  ];
  for (const args of cases) {
    const [first, ...rest] = entries.map(([, f]) => f(args));
    for (const [i, r] of rest.entries()) t.same(r, first, `${args.join(' ')}: ${entries[i + 1][0]} as ${entries[0][0]}`);
  }
  // spec writes a file: one bundle directory per entry.
  const specs = entries.map(([, f], i) => {
    const b = path.join(dir, `b${i + 1}`);
    const r = f(['spec', '--bundle', b]);
    t.equal(r.status, 0, `${entries[i][0]}: spec`);
    return fs.readFileSync(path.join(b, 'config.json'), 'utf8');
  });
  for (const s of specs.slice(1)) t.equal(s, specs[0], 'spec writes the same config.json');
});

t.test('the bin works through a symlink (pnpm and /usr/local/bin installs)', async (t) => {
  const dir = t.testdir({});
  const link = path.join(dir, 'oci-ts');
  fs.symlinkSync(cjs, link);
  const r = run(link, ['--version']);
  t.equal(r.status, 0);
  t.match(r.stdout, /^oci-ts version \d+\.\d+\.\d+\n/);
});
