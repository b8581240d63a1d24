// Fail closed (issue 19 item 7): oci-ts's sibling packages are hard
// dependencies. Installed without @oci/spec, `spec` used to write a stale
// built-in default and `run` skipped validation (an ociVersion 2.0.0 config
// ran); both now stop with EDEPENDENCY and leave nothing behind.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './helpers.ts';

const cli = path.join(repoRoot, 'packages/cli');

/** The built CLI (bin, dist, package.json) in a directory whose node_modules lacks @oci/spec. */
function installWithoutSpec(t: Test): string {
  // Outside the repository: Node's resolution would find the workspace's @oci/spec in a parent node_modules.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-fail-closed-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const d of ['cli/node_modules/@oci', 'bundle', 'root']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  for (const f of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(cli, f), path.join(dir, 'cli', f), { recursive: true });
  for (const dep of ['@oci/core', '@oci/seccomp', '@oci/cgroups', 'yargs']) {
    fs.symlinkSync(fs.realpathSync(path.join(cli, 'node_modules', dep)), path.join(dir, 'cli/node_modules', dep));
  }
  return dir;
}

const run = (dir: string, args: string[], cwd: string) =>
  spawnSync(process.execPath, [path.join(dir, 'cli/bin/oci-ts.cjs'), ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH } /* no NODE_PATH: tap's reaches the workspace's hoisted @oci/spec */ });

t.test('without @oci/spec, `spec` fails and writes no config.json', (t) => {
  const dir = installWithoutSpec(t);
  const r = run(dir, ['spec'], path.join(dir, 'bundle'));
  t.equal(r.status, 1, r.stderr);
  t.match(r.stderr, /cannot load @oci\/spec/);
  t.notOk(fs.existsSync(path.join(dir, 'bundle/config.json')));
  t.end();
});

t.test('without @oci/spec, `run` refuses instead of running an unvalidated config', (t) => {
  const dir = installWithoutSpec(t);
  fs.mkdirSync(path.join(dir, 'bundle/rootfs'));
  fs.writeFileSync(path.join(dir, 'bundle/config.json'), JSON.stringify({ ociVersion: '2.0.0', root: { path: 'rootfs' }, process: { cwd: '/', args: ['/bin/true'], user: { uid: 0, gid: 0 } } }));
  const r = run(dir, ['--root', path.join(dir, 'root'), 'run', '-b', path.join(dir, 'bundle'), 'fail-closed-packages'], dir);
  t.equal(r.status, 1, r.stderr);
  t.match(r.stderr, /cannot load @oci\/spec/);
  t.same(fs.readdirSync(path.join(dir, 'root')), [], 'no state left behind');
  t.end();
});
