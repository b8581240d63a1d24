// Runs test/helpers/libseccomp-export.py (Debian's python3-seccomp) for the
// differential tests. Returns undefined when no python3 with the seccomp
// module is available, so callers can skip with a message.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'libseccomp-export.py');

let python: string | null | undefined;
export function findPython(): string | undefined {
  if (python === undefined) {
    python = null;
    // /usr/bin/python3 first: a pyenv python3 earlier in PATH lacks Debian's module.
    for (const cand of ['/usr/bin/python3', 'python3']) {
      const r = spawnSync(cand, ['-c', 'import seccomp'], { stdio: 'ignore' });
      if (r.status === 0) { python = cand; break; }
    }
  }
  return python ?? undefined;
}

export function runHelper<T>(request: unknown): T {
  const py = findPython();
  if (!py) throw new Error('python3-seccomp is not available');
  const r = spawnSync(py, [script], { input: JSON.stringify(request, (_k, v) => (typeof v === 'bigint' ? String(v) : v)), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`libseccomp-export.py failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString()) as T;
}

export type ExportResult = { ok: true; bpf: string } | { ok: false; errno: number; message: string };
