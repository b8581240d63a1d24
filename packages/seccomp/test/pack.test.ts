// The package installs and works alone from its packed tarball: no runtime
// dependency, @oci/spec only as an optional peer for the types.
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (!fs.existsSync(path.join(pkgDir, 'dist/index.js'))) {
  t.plan(0, 'pack test skipped: packages/seccomp/dist is missing (run pnpm build first)');
} else {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-seccomp-pack-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const pack = spawnSync('pnpm', ['pack', '--pack-destination', tmp], { cwd: pkgDir, encoding: 'utf8' });
  t.equal(pack.status, 0, `pnpm pack ${pack.stderr}`);
  const tarball = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'))!;
  t.ok(tarball, 'a tarball was written');
  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  const inst = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(tmp, tarball)], { cwd: app, encoding: 'utf8' });
  t.equal(inst.status, 0, `npm install of the tarball alone ${inst.stderr}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/@oci/seccomp/package.json'), 'utf8'));
  t.same(manifest.dependencies ?? {}, {}, 'no runtime dependencies');
  t.notOk(manifest.devDependencies?.['@oci/spec']?.startsWith('workspace:'), 'no workspace: protocol left in the manifest');
  const script = `
    import { compile, evaluate } from '@oci/seccomp';
    const r = compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }, { arch: 'x86_64' });
    console.log(evaluate(r.bpf, { nr: 0, arch: 'SCMP_ARCH_X86_64' }).name, evaluate(r.bpf, { nr: 1, arch: 'SCMP_ARCH_X86_64' }).name);
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
  t.equal(run.stdout.trim(), 'ALLOW ERRNO(1)', `imports and compiles from the installed tarball ${run.stderr}`);
  const bin = spawnSync(path.join(app, 'node_modules/.bin/oci-seccomp'), ['--help'], { encoding: 'utf8' });
  t.match(bin.stderr, /oci-seccomp compile/, 'the oci-seccomp bin is installed');
}
