// A minimal busybox rootfs for executor tests: Debian's busybox-static and
// one symlink per applet. Tests build it in t.testdir so it cleans itself.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export const BUSYBOX = '/bin/busybox';

export function haveBusybox(): boolean {
  try {
    return execFileSync('file', ['-L', BUSYBOX], { encoding: 'utf8' }).includes('statically linked');
  } catch {
    return fs.existsSync(BUSYBOX);
  }
}

let applets: string[] | undefined;

export function buildRootfs(dir: string): string {
  const root = path.join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'root', 'var', 'mnt']) {
    fs.mkdirSync(path.join(root, d), { recursive: true });
  }
  fs.copyFileSync(BUSYBOX, path.join(root, 'bin/busybox'));
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
  applets ??= execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) fs.symlinkSync('busybox', path.join(root, 'bin', a));
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  return root;
}
