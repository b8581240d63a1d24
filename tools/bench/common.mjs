// What the runtime benchmarks share: their argv (--n, --json, --bin
// NAME=PATH), the environment of measured processes (without
// NODE_EXTRA_CA_CERTS: container managers do not set it, and it makes Node
// read a CA bundle at every start), the runtimes to compare, and the CPU time
// of reaped children.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const argv = process.argv.slice(2);
export const asJson = argv.includes('--json');
export const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

/** --n N (or BENCH_N), else `dflt`. */
export function iterations(dflt) {
  return Number(argv[argv.indexOf('--n') + 1] || process.env.BENCH_N || dflt) || dflt;
}

/** The package's bin, as clients run it (executed directly; its shebang finds node in PATH). */
export const ociBin = path.join(repo, 'packages/cli/bin/oci-ts.cjs');

export const haveRunc = spawnSync('runc', ['--version']).status === 0;
/**
 * crun (Debian's, installed by tools/setup.sh): the second reference, the
 * fastest C runtime. crun 1.8 refuses a hybrid host whose cgroup2 mount has
 * controllers enabled ("cgroups in hybrid mode not supported, drop all
 * controllers from cgroupv2", even with --cgroup-manager=disabled): there it
 * is left out, and `crunSkipped` says why.
 */
function crunUsable() {
  if (spawnSync('crun', ['--version']).status !== 0) return 'crun is not installed';
  try {
    if (!fs.existsSync('/sys/fs/cgroup/cgroup.controllers') && fs.readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim()) {
      return 'crun refuses this hybrid cgroup host (controllers on /sys/fs/cgroup/unified)';
    }
  } catch { /* no unified mount: crun decides */ }
  return undefined;
}
export const crunSkipped = crunUsable();
export const haveCrun = !crunSkipped;

/**
 * Runtime name → (argv → [file, args]). oci-ts is run as clients run it: the
 * package's bin executed directly (its shebang finds node in PATH); each
 * `--bin NAME=PATH` adds another build; runc and crun last, when installed.
 */
export function runtimes() {
  const rts = { 'oci-ts': (a) => [ociBin, a] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--bin') continue;
    const [name, file] = argv[++i].split('=');
    rts[name] = (a) => [path.resolve(file), a];
  }
  if (haveRunc) rts.runc = (a) => ['runc', a];
  if (haveCrun) rts.crun = (a) => ['crun', a];
  return rts;
}

// Clock ticks of /proc/<pid>/stat (sysconf(_SC_CLK_TCK), 100 on Linux).
const TICK_MS = 10;

/**
 * User+system CPU time of reaped children, in ms (proc(5) /proc/self/stat
 * fields 16-17): summed over runs it is a mean a busy machine disturbs less
 * than wall time.
 */
export function childCpuMs() {
  const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(f[13]) + Number(f[14])) * TICK_MS;
}
