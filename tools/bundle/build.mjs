#!/usr/bin/env node
// Builds the built-in busybox bundle at tools/.cache/busybox-bundle:
//   rootfs/  Debian's static /bin/busybox, a symlink per applet, /etc/passwd
//            and /etc/group, the usual empty mount points
//   config.json  `oci-ts spec` (@oci/spec defaultConfig) with args ["sh"]
//            and terminal false, so it runs without a console socket.
// Idempotent and fast: a stamp records what the bundle was built from and a
// rebuild happens only when busybox or this script changed.
// Usage: node tools/bundle/build.mjs [--force] [--out DIR]; prints the bundle path.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const out = outIdx >= 0 ? path.resolve(args[outIdx + 1]) : path.join(repo, 'tools/.cache/busybox-bundle');
const force = args.includes('--force');

export function findBusybox() {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    if (fs.existsSync(p)) return fs.realpathSync(p);
  }
  throw new Error('busybox not found: apt-get install busybox-static');
}

function stampOf(busybox) {
  const st = fs.statSync(busybox);
  const self = fs.readFileSync(fileURLToPath(import.meta.url));
  return crypto.createHash('sha256').update(`${busybox}:${st.size}:${st.mtimeMs}:`).update(self).digest('hex');
}

export function buildBundle(dir = out, opts = {}) {
  const busybox = findBusybox();
  const stamp = stampOf(busybox);
  const stampFile = path.join(dir, '.stamp');
  if (!opts.force && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp && fs.existsSync(path.join(dir, 'config.json'))) {
    return dir;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'var/run', 'home']) {
    fs.mkdirSync(path.join(rootfs, d), { recursive: true, mode: 0o755 });
  }
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  fs.copyFileSync(busybox, path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  // `busybox --list-full` prints each applet's install path (bin/sh, usr/bin/env, ...).
  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const rel of applets) {
    const link = path.join(rootfs, rel);
    if (rel === 'bin/busybox' || fs.existsSync(link)) continue;
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.relative(path.dirname(link), path.join(rootfs, 'bin/busybox')), link);
  }
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  fs.writeFileSync(path.join(rootfs, 'etc/hostname'), 'oci-ts\n');

  const cli = path.join(repo, 'packages/cli/bin/oci-ts.cjs');
  execFileSync(process.execPath, [cli, 'spec', '--bundle', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const configPath = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  config.process.args = ['sh'];
  config.process.terminal = false;
  config.root = { path: 'rootfs', readonly: true };
  fs.writeFileSync(configPath, JSON.stringify(config, null, '\t'));
  fs.writeFileSync(stampFile, stamp);
  return dir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(buildBundle(out, { force }));
}
