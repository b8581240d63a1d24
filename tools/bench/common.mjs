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
 * Runtime name → (argv → [file, args]). oci-ts is run as clients run it: the
 * package's bin executed directly (its shebang finds node in PATH); each
 * `--bin NAME=PATH` adds another build; runc last, when installed.
 */
export function runtimes() {
  const rts = { 'oci-ts': (a) => [ociBin, a] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--bin') continue;
    const [name, file] = argv[++i].split('=');
    rts[name] = (a) => [path.resolve(file), a];
  }
  if (haveRunc) rts.runc = (a) => ['runc', a];
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
