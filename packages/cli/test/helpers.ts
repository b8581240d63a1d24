// Test helpers: run the real `oci-ts` bin (the bundle) as a user would, and
// find the busybox bundle.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const bin = path.join(repoRoot, 'packages/cli/bin/oci-ts.mjs');

export interface Result { status: number | null; stdout: string; stderr: string; signal: NodeJS.Signals | null }

export function ociTs(args: string[], opts: SpawnSyncOptions = {}): Result {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, ...opts });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), signal: r.signal };
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
