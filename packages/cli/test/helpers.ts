// Test helpers: run the real `oci-ts` bin (the bundle) as a user would, and
// find the busybox bundle.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const bin = path.join(repoRoot, 'packages/cli/bin/oci-ts.cjs');
/** The native front end (packages/core-rs/src/bin/oci-ts.rs), when built. */
export const frontEnd = path.join(repoRoot, 'packages/cli/bin/oci-ts');
/**
 * OCI_TS_TEST_FRONTEND=1 runs every `ociTs()` call through the native front
 * end (warm planner on, unless OCI_TS_PLANNER=0): the suite then checks both
 * transports with the same assertions.
 */
export const viaFrontEnd = process.env.OCI_TS_TEST_FRONTEND === '1' && fs.existsSync(frontEnd);

export interface Result { status: number | null; stdout: string; stderr: string; signal: NodeJS.Signals | null }

/**
 * Runs the bin to completion. stdout/stderr go to temporary files, not pipes:
 * a created or detached container inherits them (as with runc), and a pipe it
 * holds open would make the caller wait for the container, not the command.
 */
export function ociTs(args: string[], opts: SpawnSyncOptions = {}): Result {
  const tmp = fs.mkdtempSync('/tmp/oci-ts-out-');
  const outFd = fs.openSync(path.join(tmp, 'out'), 'w+');
  const errFd = fs.openSync(path.join(tmp, 'err'), 'w+');
  try {
    const [file, argv] = viaFrontEnd ? [frontEnd, args] : [process.execPath, [bin, ...args]];
    const r = spawnSync(file, argv, { timeout: 60_000, ...opts, stdio: ['ignore', outFd, errFd] });
    return { status: r.status, stdout: fs.readFileSync(path.join(tmp, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(tmp, 'err'), 'utf8'), signal: r.signal };
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function tmpRoot(t: { testdir: (o?: object) => string }): string {
  return t.testdir({});
}

/** The bundle from tools/bundle/build.mjs (built on demand). */
export function busyboxBundle(): string {
  const dir = path.join(repoRoot, 'tools/.cache/busybox-bundle');
  if (!fs.existsSync(path.join(dir, 'config.json'))) {
    spawnSync(process.execPath, [path.join(repoRoot, 'tools/bundle/build.mjs')], { stdio: 'ignore' });
  }
  return dir;
}

/** Whether @oci/core has the executor (spawnInit) built: privileged container tests need it. */
export async function executorAvailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    const core = (await import('@oci/core')) as Record<string, unknown>;
    if (typeof core.spawnInit !== 'function') return '@oci/core has no spawnInit yet';
  } catch (e) {
    return `@oci/core does not load: ${(e as Error).message}`;
  }
  return undefined;
}

/**
 * A bundle dir for one test: config.json from the busybox bundle (patched)
 * with root.path the shared rootfs by its real path (a symlinked rootfs is
 * refused, as by runc); `rootfs` in the bundle links to it for tests that
 * look there.
 */
export function makeBundle(dir: string, patch: (cfg: any) => void = () => {}): string {
  const base = busyboxBundle();
  const cfg = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8'));
  cfg.root.path = fs.realpathSync(path.join(base, 'rootfs'));
  patch(cfg);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  try { fs.symlinkSync(path.join(base, 'rootfs'), path.join(dir, 'rootfs')); } catch { /* exists */ }
  return dir;
}

let seq = 0;
export function uniqueId(prefix = 'it'): string {
  return `${prefix}-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Every cgroup directory named after the container, across hierarchies (our manager puts them at /<id>). */
export function cgroupLeftovers(id: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: fs.Dirent[];
    try { names = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const d of names) {
      if (!d.isDirectory()) continue;
      const p = path.join(dir, d.name);
      if (d.name === id) out.push(p);
      else if (depth < 3) walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return out;
}

/** Host processes whose cgroup or command line names the container id. */
export function processLeftovers(id: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cg = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
      if (cg.includes(`/${id}\n`) || cg.includes(`/${id}/`)) out.push(Number(p));
    } catch { /* gone */ }
  }
  return out;
}
