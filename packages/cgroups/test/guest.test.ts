// Runs scripts/guest-v2-check.mjs in the pure cgroup v2 QEMU guest
// (tools/guest) when OCI_TS_GUEST=1: about a minute under TCG, so CI pays
// for it only when the lead turns it on, as tools/guest/guest.test.ts does.
import t from 'tap';
import path from 'node:path';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const runner = path.join(repo, 'tools/guest/run-in-guest');

if (process.env.OCI_TS_GUEST !== '1') {
  t.pass('skipped: set OCI_TS_GUEST=1 to run the cgroup v2 checks in the QEMU guest');
} else if (!fs.existsSync(runner)) {
  t.pass('skipped: tools/guest is not in this checkout');
} else {
  t.test('pure cgroup v2 guest: every check passes', async (t) => {
    const r = spawnSync(runner, ['--disk', '64', '--timeout', '500', 'node', 'packages/cgroups/scripts/guest-v2-check.mjs'], { cwd: repo, encoding: 'utf8', timeout: 590_000 });
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('cgroups-check '));
    t.ok(lines.length >= 8, `checks ran (${lines.length})`);
    for (const l of lines) {
      const c = JSON.parse(l.slice('cgroups-check '.length));
      t.ok(c.ok, c.check, { detail: c.detail });
    }
    t.equal(r.status, 0, r.stderr.slice(-2000));
  });
}
