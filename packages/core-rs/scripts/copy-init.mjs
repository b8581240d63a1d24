// `napi build` compiles every target of the crate, the oci-ts-init
// executable and the oci-ts front end included, into target/<triple>/release:
// copy the newest of each next to the .node file (spawnInit looks there for
// oci-ts-init; the CLI's build copies oci-ts to its bin/). Build one only if
// missing.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = process.env.CARGO_TARGET_DIR ?? path.join(pkg, 'target');
for (const bin of ['oci-ts-init', 'oci-ts']) {
  const find = () =>
    [...(fs.existsSync(target) ? fs.readdirSync(target) : []).map((d) => path.join(target, d, `release/${bin}`)), path.join(target, `release/${bin}`)]
      .filter((f) => fs.existsSync(f))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  let found = find();
  if (!found.length) {
    const r = spawnSync('cargo', ['build', '--release', '--bin', bin], { cwd: pkg, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
    found = find();
  }
  const dest = path.join(pkg, bin);
  fs.rmSync(dest, { force: true });
  fs.copyFileSync(found[0], dest);
  fs.chmodSync(dest, 0o755);
}
