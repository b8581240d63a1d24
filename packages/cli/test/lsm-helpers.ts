// Shared by the LSM tests (issue 17): the same checks run through oci-ts and
// through runc, the control, so each runtime is a function of its argv.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { bin, busyboxBundle, type Result } from './helpers.ts';

export interface Runtime {
  name: 'oci-ts' | 'runc';
  /** Runs `<runtime> --root ROOT ARGS...` to completion (stdout/stderr through files: a detached container keeps them). */
  run: (args: string[]) => Result;
  root: string;
}

function capture(cmd: string, args: string[], timeout: number): Result {
  const tmp = fs.mkdtempSync('/tmp/oci-ts-lsm-out-');
  const outFd = fs.openSync(path.join(tmp, 'out'), 'w+');
  const errFd = fs.openSync(path.join(tmp, 'err'), 'w+');
  try {
    const r = spawnSync(cmd, args, { timeout, stdio: ['ignore', outFd, errFd] });
    return { status: r.status, stdout: fs.readFileSync(path.join(tmp, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(tmp, 'err'), 'utf8'), signal: r.signal };
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** oci-ts, and runc when it is installed; each with its own state root under `dir`. */
export function runtimes(dir: string): Runtime[] {
  // Under emulation (the QEMU guest) one call takes seconds.
  const timeout = 180_000;
  const out: Runtime[] = [];
  const ociRoot = path.join(dir, 'root-oci-ts');
  out.push({ name: 'oci-ts', root: ociRoot, run: (args) => capture(process.execPath, [bin, '--root', ociRoot, ...args], timeout) });
  if (spawnSync('runc', ['--version'], { stdio: 'ignore' }).status === 0) {
    const runcRoot = path.join(dir, 'root-runc');
    out.push({ name: 'runc', root: runcRoot, run: (args) => capture('runc', ['--root', runcRoot, ...args], timeout) });
  }
  return out;
}

/**
 * A busybox bundle whose root.path is the real rootfs directory (runc
 * refuses a symlinked rootfs), with the config patched.
 */
export function lsmBundle(dir: string, patch: (cfg: any) => void): string {
  const base = busyboxBundle();
  const cfg = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8'));
  cfg.root = { path: fs.realpathSync(path.join(base, 'rootfs')), readonly: true };
  cfg.process.terminal = false;
  patch(cfg);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  return dir;
}

/** The lines of `text` that start with one of the markers the container scripts print. */
export function marks(text: string): string[] {
  return text.split('\n').filter((l) => /^[A-Z][A-Z-]+\b/.test(l)).map((l) => l.trim());
}
