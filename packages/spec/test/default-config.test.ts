// defaultConfig() is what `oci-ts spec` prints: the same JSON as `runc spec`
// (and `runc spec --rootless`) except ociVersion, printed with tabs like runc.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { defaultConfig, parseConfig, validateConfig, OCI_VERSION } from '../src/index.ts';

const runc = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'].find((p) => fs.existsSync(p));

function runcSpec(dir: string, args: string[]): string {
  execFileSync(runc!, ['spec', ...args], { cwd: dir });
  return fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
}
const print = (x: unknown) => JSON.stringify(x, null, '\t');

t.test('matches `runc spec` byte for byte (but ociVersion)', { skip: runc ? false : 'runc is not installed (apt-get install runc)' }, async (t) => {
  const dir = t.testdir({});
  const theirs = runcSpec(dir, []);
  const ociVersion = JSON.parse(theirs).ociVersion;
  t.equal(print({ ...defaultConfig(), ociVersion }), theirs);
});

t.test('matches `runc spec --rootless` byte for byte (but ociVersion)', { skip: runc ? false : 'runc is not installed (apt-get install runc)' }, async (t) => {
  const dir = t.testdir({});
  const theirs = runcSpec(dir, ['--rootless']);
  const ociVersion = JSON.parse(theirs).ociVersion;
  // runc maps the caller's euid/egid to root.
  t.equal(print({ ...defaultConfig({ rootless: true }), ociVersion }), theirs);
});

t.test('rootless maps the given ids and drops what an unprivileged user cannot do', async (t) => {
  const c = defaultConfig({ rootless: true, uid: 1000, gid: 100 });
  t.same(c.linux!.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  t.same(c.linux!.gidMappings, [{ containerID: 0, hostID: 100, size: 1 }]);
  t.same(c.linux!.namespaces!.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'user']);
  t.equal(c.linux!.resources, undefined, 'no device cgroup rules');
  t.same(c.mounts!.find((m) => m.destination === '/sys'), { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
});

t.test('is valid, passes the checks, carries our version, and is a fresh object each call', async (t) => {
  const c = defaultConfig();
  t.equal(c.ociVersion, OCI_VERSION);
  t.same(validateConfig(c), { valid: true, problems: [] });
  t.same(parseConfig(print(c), { forStart: true }), c, 'round-trips through parseConfig');
  c.process!.args!.push('-x');
  t.same(defaultConfig().process!.args, ['sh'], 'mutating one result does not change the next');
});
