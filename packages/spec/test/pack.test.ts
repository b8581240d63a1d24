// The published tarball installs and works alone: `pnpm pack`, unpack into an
// empty project's node_modules (zero dependencies: nothing to fetch), import,
// validate and type-check against it. Needs the build (dist/) first.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(pkgDir, '../..');

t.test('pnpm pack tarball installs and imports in an empty project', async (t) => {
  t.ok(fs.existsSync(path.join(pkgDir, 'dist/index.js')), 'dist/ is built (run `pnpm build` first)');
  const tmp = t.testdir({ project: { 'package.json': JSON.stringify({ name: 'consumer', private: true, type: 'module' }) } });
  const project = path.join(tmp, 'project');
  execFileSync('pnpm', ['pack', '--pack-destination', tmp], { cwd: pkgDir, stdio: 'pipe' });
  const tarball = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  t.ok(tarball, 'a tarball was produced');
  const files = execFileSync('tar', ['tzf', path.join(tmp, tarball!)], { encoding: 'utf8' }).trim().split('\n');
  t.ok(files.includes('package/dist/index.js') && files.includes('package/dist/index.d.ts'), 'ships dist with types');
  t.ok(files.includes('package/README.md') && files.includes('package/schema/config-schema.json'), 'ships README and the schema');
  t.notOk(files.some((f) => /^package\/(src|test|scripts)\//.test(f)), 'no sources, tests or build scripts');

  const dest = path.join(project, 'node_modules/@oci/spec');
  fs.mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['xzf', path.join(tmp, tarball!), '-C', dest, '--strip-components=1']);
  const manifest = JSON.parse(fs.readFileSync(path.join(dest, 'package.json'), 'utf8'));
  t.same(Object.keys(manifest.dependencies ?? {}), [], 'zero runtime dependencies');
  t.equal(manifest.engines?.node, '>=20');

  fs.writeFileSync(path.join(project, 'main.js'), `
    import { defaultConfig, validateConfig, parseConfig } from '@oci/spec';
    import schema from '@oci/spec/schema/config-schema.json' with { type: 'json' };
    const ok = validateConfig(defaultConfig());
    const bad = validateConfig({ ociVersion: 1 });
    let code = '';
    try { parseConfig('{'); } catch (e) { code = e.code; }
    console.log(JSON.stringify({ ok: ok.valid, bad: bad.problems, code, schema: schema.title }));
  `);
  const out = JSON.parse(execFileSync(process.execPath, ['main.js'], { cwd: project, encoding: 'utf8' }));
  t.same(out, { ok: true, bad: [{ pointer: '/ociVersion', code: 'SCHEMA_TYPE', value: 1, message: 'ociVersion must be a string, found integer 1' }], code: 'EJSON', schema: 'Spec' });

  // The types resolve through the exports map (NodeNext) and are usable.
  fs.writeFileSync(path.join(project, 'check.ts'), `
    import { parseConfig, type Spec, type LinuxNamespace, type Problem } from '@oci/spec';
    const s: Spec = parseConfig('{}');
    const ns: LinuxNamespace[] = s.linux?.namespaces ?? [];
    const p: Problem = { pointer: '', message: '', code: '' };
    // @ts-expect-error: namespace type is a closed union
    const wrong: LinuxNamespace = { type: 'net' };
    export { ns, p, wrong };
  `);
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: [] }, files: ['check.ts'] }));
  const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
  let tscOut = '';
  try { execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', stdio: 'pipe' }); } catch (e) { tscOut = String((e as { stdout?: string }).stdout); }
  t.equal(tscOut, '', 'a consumer type-checks against the packed .d.ts');
});
