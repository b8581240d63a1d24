#!/usr/bin/env node
// `pnpm demo`: runs a real container from the built-in busybox bundle with
// oci-ts and shows it is isolated (its hostname, `ps` with the shell as pid 1,
// its own mounts and namespaces), then cleans up. Needs root.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'packages/cli/bin/oci-ts.cjs');
const run = (args, opts = {}) => spawnSync(process.execPath, args, { stdio: 'inherit', ...opts });

if (process.getuid?.() !== 0) {
  console.error('demo: containers need root (namespaces, mounts, cgroups); run it as root');
  process.exit(1);
}
const base = path.join(repo, 'tools/.cache/busybox-bundle');
if (!fs.existsSync(path.join(base, 'config.json'))) run([path.join(repo, 'tools/bundle/build.mjs')], { stdio: 'ignore' });

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-demo-'));
const root = path.join(work, 'state');
const bundle = path.join(work, 'bundle');
fs.mkdirSync(bundle);
const config = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8'));
config.root.path = fs.realpathSync(path.join(base, 'rootfs')); // a symlinked rootfs is refused, as by runc
config.hostname = 'oci-ts-demo';
config.process.args = ['sh', '-c', [
  'echo "== inside the container"',
  'echo "hostname: $(hostname)   (host: ' + os.hostname() + ')"',
  'echo "my pid: $$"',
  'echo "== ps (pid 1 is the container shell; no host process is visible)"',
  'ps -o pid,user,args',
  'echo "== mounts"',
  'cat /proc/self/mounts | awk \'{ print $2, $3, $4 }\' | cut -c1-90',
  'echo "== namespaces"',
  'for n in pid mnt uts ipc net; do echo "$n: $(readlink /proc/self/ns/$n)"; done',
].join('; ')];
fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config, null, '\t'));

console.log(`== host namespaces: pid ${fs.readlinkSync('/proc/self/ns/pid')}, mnt ${fs.readlinkSync('/proc/self/ns/mnt')}`);
console.log(`== oci-ts --root ${root} run -b ${bundle} demo`);
const r = run([bin, '--root', root, 'run', '-b', bundle, 'demo']);
console.log(`== container exited with status ${r.status}; oci-ts list afterwards (empty: run deleted it):`);
run([bin, '--root', root, 'list']);
fs.rmSync(work, { recursive: true, force: true });
process.exit(r.status ?? 1);
