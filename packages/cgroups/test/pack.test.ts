// The package installs and works alone from its `pnpm pack` tarball: no
// workspace links, no @oci/core (optional), ESM import of the exports map.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (!fs.existsSync(path.join(pkgDir, 'dist/index.js'))) {
  t.pass('skipped: dist/ not built (run pnpm build first)');
} else {
  t.test('pnpm pack tarball installs alone and imports', async (t) => {
    const dir = t.testdir({ app: { 'package.json': JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }) } }) as string;
    const pack = spawnSync('pnpm', ['pack', '--pack-destination', dir], { cwd: pkgDir, encoding: 'utf8' });
    t.equal(pack.status, 0, pack.stderr);
    const tgz = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
    t.ok(tgz, 'tarball made');
    const manifest = JSON.parse(spawnSync('tar', ['xzf', path.join(dir, tgz!), '-O', 'package/package.json'], { encoding: 'utf8' }).stdout);
    t.notOk(JSON.stringify(manifest).includes('workspace:'), 'no workspace: ranges left');
    t.same(Object.keys(manifest.dependencies ?? {}), [], 'no required dependencies');
    t.ok(manifest.exports['.'].types, 'exports map has types');
    const app = path.join(dir, 'app');
    const inst = spawnSync('npm', ['install', '--omit=optional', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(dir, tgz!)], { cwd: app, encoding: 'utf8' });
    t.equal(inst.status, 0, inst.stderr);
    t.notOk(fs.existsSync(path.join(app, 'node_modules/@oci/core')), '@oci/core not installed');
    const script = `
      import { detect, compileDeviceProgram, runDeviceProgram, createManager, CgroupError } from '@oci/cgroups';
      const p = compileDeviceProgram([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }]);
      const null_ = runDeviceProgram(p.insns, { accessType: (2 << 16) | 2, major: 1, minor: 3 });
      const zero = runDeviceProgram(p.insns, { accessType: (2 << 16) | 2, major: 1, minor: 5 });
      let code;
      try { createManager({ id: 'x', systemd: true }); } catch (e) { code = e instanceof CgroupError && e.code; }
      console.log(JSON.stringify({ null_, zero, code, mode: detect().mode }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    t.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    t.equal(out.null_, 1);
    t.equal(out.zero, 0);
    t.equal(out.code, 'ESYSTEMD');
    t.match(out.mode, /^(v1|v2|hybrid)$/);
  });
}
