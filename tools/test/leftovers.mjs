// What a test run may leave on the host (issue 13 item 10): container
// processes, cgroup directories, mounts. A snapshot is taken before the run
// and compared after it; only what appeared during the run counts, so the
// host's own state never fails a run.
import fs from 'node:fs';
import path from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';
// Only what the tests can have made is counted: a container id made by the
// tests' uniqueId() (prefix-PID-SEQ-RAND) or a name with oci-ts in it. The
// host's own tooling creates cgroups of its own during a run (a CI harness
// one per command), which are not ours to judge.
const OURS = /(-\d+-\d+-[a-z0-9]{1,6}$)|oci-ts/;

function cgroupDirs() {
  const out = new Set();
  // Depth 3 reaches /sys/fs/cgroup/<controller>/<parent>/<container> on v1
  // and hybrid hosts and /sys/fs/cgroup/<parent>/<container> on v2.
  const walk = (dir, depth) => {
    let names;
    try { names = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const d of names) {
      if (!d.isDirectory()) continue;
      const p = path.join(dir, d.name);
      out.add(p);
      if (depth < 3) walk(p, depth + 1);
    }
  };
  walk(CGROUP_ROOT, 0);
  return out;
}

function mounts() {
  const out = new Set();
  let text = '';
  try { text = fs.readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return out; }
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length > 5) out.add(f[4]);
  }
  return out;
}

/**
 * Processes that are a container's init or an oci-ts call (the native front
 * end, or node running bin/oci-ts.cjs). A warm planner is not counted: it
 * outlives calls by design and retires itself when idle (planner/serve.ts).
 */
function processes() {
  const out = new Map();
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      const args = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      const base = (i) => path.basename(args[i] ?? '');
      const ours = comm === 'oci-ts-init'
        || ['oci-ts', 'oci-ts-init'].includes(base(0))
        || (base(0).startsWith('node') && ['oci-ts', 'oci-ts.cjs'].includes(base(1)));
      if (ours) out.set(Number(p), `${p} ${args.join(' ').trim().slice(0, 160)}`);
    } catch { /* gone */ }
  }
  return out;
}

export function leftoverSnapshot() {
  return { cgroups: cgroupDirs(), mounts: mounts(), procs: processes() };
}

/**
 * What appeared since `before` and is still there after a grace period of
 * up to 10 s (a container's last process may still be exiting).
 */
export async function leftoversSince(before) {
  let left = [];
  for (let i = 0; i < 20; i++) {
    left = [];
    for (const [pid, what] of processes()) if (!before.procs.has(pid)) left.push(`process ${what}`);
    for (const d of cgroupDirs()) if (!before.cgroups.has(d) && OURS.test(path.basename(d)) && !/planner/.test(path.basename(d))) left.push(`cgroup ${d}`);
    for (const m of mounts()) if (!before.mounts.has(m)) left.push(`mount ${m}`);
    if (!left.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return left;
}
