// The client suite's own parts, checked without any client daemon: the
// offline image, the seccomp probe, the netns-only CNI plugin, the
// containerd config, and the session cleanup (on the real kernel).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildImages, IMAGE, PAUSE_IMAGE, probeBinary } from '../lib/image.mjs';
import { containerdConfig, CRI_HANDLER } from '../lib/containerd.mjs';
import { CGROUP_ROOT, Session, cgroupLeftovers, clientsDir, mountsUnder, pidsMentioning, removeCgroupTree } from '../lib/session.mjs';

const isRoot = process.getuid?.() === 0;
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0 || fs.existsSync(bin);
const haveGo = ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].some((p) => fs.existsSync(p)) || has('go');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('the image archive is a valid OCI layout and docker-archive of the busybox rootfs', { skip: !fs.existsSync('/bin/busybox') || !haveGo ? 'needs busybox-static and go' : false }, async (t) => {
  const dir = t.testdir();
  const { rootfsTar, imagesTar } = await buildImages(dir);
  const x = path.join(dir, 'x');
  fs.mkdirSync(x);
  t.equal(spawnSync('tar', ['-xf', imagesTar, '-C', x]).status, 0, 'archive unpacks');
  t.same(JSON.parse(fs.readFileSync(path.join(x, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
  const blob = (d: string) => fs.readFileSync(path.join(x, 'blobs/sha256', d.replace('sha256:', '')));
  const index = JSON.parse(fs.readFileSync(path.join(x, 'index.json'), 'utf8'));
  t.same(index.manifests.map((m: any) => m.annotations['io.containerd.image.name']), [IMAGE, PAUSE_IMAGE]);
  for (const m of index.manifests) {
    const mb = blob(m.digest);
    t.equal(`sha256:${sha(mb)}`, m.digest, 'manifest digest matches its content');
    t.equal(mb.length, m.size);
    const man = JSON.parse(mb.toString());
    const cfg = JSON.parse(blob(man.config.digest).toString());
    const layer = blob(man.layers[0].digest);
    t.equal(`sha256:${sha(layer)}`, man.layers[0].digest, 'layer digest');
    t.same(cfg.rootfs.diff_ids, [man.layers[0].digest], 'uncompressed layer: diff_id = digest');
    t.equal(cfg.os, 'linux');
    t.ok(Buffer.compare(layer, fs.readFileSync(rootfsTar)) === 0, 'the layer is the rootfs tarball');
  }
  const docker = JSON.parse(fs.readFileSync(path.join(x, 'manifest.json'), 'utf8'));
  t.same(docker.map((d: any) => d.RepoTags[0]), ['oci-ts-busybox:1', 'oci-ts-pause:1']);
  for (const d of docker) t.ok(fs.existsSync(path.join(x, d.Config)) && fs.existsSync(path.join(x, d.Layers[0])), 'docker-archive paths exist');
  const list = spawnSync('tar', ['-tvf', rootfsTar], { encoding: 'utf8' }).stdout;
  t.match(list, /\.\/bin\/busybox\n/);
  t.match(list, /\.\/bin\/sh -> \/bin\/busybox/);
  t.match(list, /\.\/usr\/local\/bin\/oci-ts-probe\n/);
  t.match(list, /^drwxrwxrwt .*\.\/tmp\/$/m, '/tmp is 1777');
  // Reproducible: a second build gives the same layer.
  const again = await buildImages(path.join(dir, 'again'));
  t.equal(sha(fs.readFileSync(again.rootfsTar)), sha(fs.readFileSync(rootfsTar)), 'byte-identical rebuild');
});

t.test('the probe makes the calls a seccomp filter is checked with', { skip: !haveGo ? 'needs go' : false }, async (t) => {
  const probe = await probeBinary();
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const r = spawnSync(probe, ['userfaultfd', 'userns'], { encoding: 'utf8' });
  t.equal(r.status, 0);
  if (/^Seccomp:\s*0$/m.test(status)) {
    // Without a filter both succeed here; the scenario's control run relies on it.
    t.match(r.stdout, /^userfaultfd=ok$/m, 'userfaultfd(UFFD_USER_MODE_ONLY) works unprivileged on this kernel');
    t.match(r.stdout, /^userns=(ok|EPERM|ENOSPC)$/m);
  } else t.match(r.stdout, /^userfaultfd=/m);
  t.not(spawnSync(probe, ['nonsense']).status, 0, 'an unknown probe is an error');
});

t.test('the CNI plugin sets up only the pod namespace', { skip: !isRoot || !has('ip') || !has('nsenter') ? 'needs root, ip and nsenter' : false }, async (t) => {
  const plugin = path.join(clientsDir, 'cni/oci-ts-netns');
  const run = (env: Record<string, string>, input = '{"cniVersion":"0.4.0","name":"t","type":"oci-ts-netns"}') =>
    spawnSync(plugin, [], { input, encoding: 'utf8', env: { ...process.env, ...env } });
  const v = run({ CNI_COMMAND: 'VERSION' });
  t.equal(v.status, 0);
  t.ok(JSON.parse(v.stdout).supportedVersions.includes('0.4.0'), 'speaks CNI 0.4.0');
  const ns = `oci-ts-clients-test-${randomBytes(3).toString('hex')}`;
  t.equal(spawnSync('ip', ['netns', 'add', ns]).status, 0, 'netns created');
  t.teardown(() => { spawnSync('ip', ['netns', 'delete', ns]); });
  const hostLinks = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout;
  const env = { CNI_NETNS: `/run/netns/${ns}`, CNI_IFNAME: 'eth0', CNI_CONTAINERID: 'x', CNI_PATH: '/nonexistent' };
  const add = run({ ...env, CNI_COMMAND: 'ADD' });
  t.equal(add.status, 0, add.stderr);
  const res = JSON.parse(add.stdout);
  t.equal(res.interfaces[0].name, 'eth0');
  t.equal(res.ips[0].address, '169.254.77.2/30');
  const inside = spawnSync('ip', ['-n', ns, '-o', 'addr'], { encoding: 'utf8' }).stdout;
  t.match(inside, /eth0\s+inet 169\.254\.77\.2\/30/, 'the address is in the pod namespace');
  t.equal(spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout, hostLinks, 'the host has no new interface');
  t.equal(run({ ...env, CNI_COMMAND: 'DEL' }).status, 0);
  t.not(run({ ...env, CNI_COMMAND: 'BOGUS' }).status, 0, 'unknown command fails');
});

t.test('containerd config: the CRI handler runs the runtime under test', { skip: !has('containerd') ? 'containerd not installed (tools/clients/install.sh)' : false }, async (t) => {
  const dir = t.testdir();
  const fake = { runtime: '/opt/some runtime/oci-ts', path: (...p: string[]) => path.join(dir, ...p) };
  const cfg = path.join(dir, 'c.toml');
  fs.writeFileSync(cfg, containerdConfig(fake));
  const r = spawnSync('containerd', ['--config', cfg, 'config', 'dump'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, new RegExp(`runtimes\\.${CRI_HANDLER}\\.options\\]\\s+BinaryName = "/opt/some runtime/oci-ts"`));
  t.match(r.stdout, new RegExp(`root = "${dir}/containerd/root"`));
  t.match(r.stdout, /stream_server_address = "127\.0\.0\.1"/);
});

t.test('closing a session removes processes, mounts, cgroups and files it left', { skip: !isRoot ? 'needs root' : false }, async (t) => {
  const sess = new Session({ runtime: 'sh' });
  const dir = sess.dir;
  // A process naming the session directory (like a shim or conmon).
  const { spawn } = await import('node:child_process');
  // A shell loop whose command line names the directory: killing it leaves at
  // most a `sleep 1` behind (`sleep 1000 # dir` forked a sleep 1000 that
  // outlived the test once its sh was killed).
  const child = spawn('sh', ['-c', 'while :; do sleep 1; done', dir], { stdio: 'ignore', detached: true });
  // A mount under it (like an overlay rootfs).
  fs.mkdirSync(path.join(dir, 'm'));
  t.equal(spawnSync('mount', ['-t', 'tmpfs', 'x', path.join(dir, 'm')]).status, 0);
  // A cgroup of ours with a process in it (like a container).
  const cg = `/sys/fs/cgroup/pids${sess.cgroupParent}/c1`;
  const hasPids = fs.existsSync('/sys/fs/cgroup/pids');
  let inCg: any;
  if (hasPids) {
    fs.mkdirSync(cg, { recursive: true });
    inCg = spawn('sleep', ['1001'], { stdio: 'ignore', detached: true });
    fs.writeFileSync(path.join(cg, 'cgroup.procs'), String(inCg.pid));
  }
  let order: string[] = [];
  sess.defer(async () => { order.push('first'); });
  sess.defer(async () => { order.push('second'); throw new Error('a failing cleanup does not stop the others'); });
  t.ok(pidsMentioning(dir).length >= 1);
  const problems = await sess.close();
  t.same(order, ['second', 'first'], 'cleanups run in reverse order');
  t.match(problems, [/cleanup: a failing cleanup/], 'the failing cleanup is reported');
  t.equal(problems.length, 1);
  t.same(pidsMentioning(dir), [], 'no process names the directory');
  t.same(mountsUnder(dir), [], 'nothing mounted under it');
  t.notOk(fs.existsSync(dir), 'directory removed');
  if (hasPids) t.notOk(fs.existsSync(`/sys/fs/cgroup/pids${sess.cgroupParent}`), 'cgroup tree removed');
  await new Promise((r) => setTimeout(r, 100));
  t.ok(child.exitCode !== null || child.signalCode !== null, 'the process was killed');
  if (inCg) t.ok(inCg.exitCode !== null || inCg.signalCode !== null, 'the cgroup\'s process was killed');
});

t.test('cleanup removes what podman leaves under unmounted controllers (plain dirs on the cgroup tmpfs with a tasks file)', { skip: !isRoot ? 'needs root' : false }, async (t) => {
  let tmpfs = false;
  try { tmpfs = fs.statfsSync(CGROUP_ROOT).type === 0x01021994; } catch { /* no /sys/fs/cgroup */ }
  if (!tmpfs) return t.skip('/sys/fs/cgroup is not a tmpfs here');
  const before = new Set(fs.readdirSync(CGROUP_ROOT));
  // A controller directory that is not mounted, as podman makes for hugetlb or net_cls.
  const fake = `oci-ts-harden-fake-${process.pid}`;
  const parent = `oci-ts-clients-harden-${process.pid}`;
  const conmon = path.join(CGROUP_ROOT, fake, parent, 'podman/conmon');
  fs.mkdirSync(conmon, { recursive: true });
  fs.writeFileSync(path.join(conmon, 'tasks'), '');
  t.teardown(() => fs.rmSync(path.join(CGROUP_ROOT, fake), { recursive: true, force: true }));
  t.same(cgroupLeftovers(parent), [path.join(CGROUP_ROOT, fake, parent)], 'found as a leftover');
  t.same(removeCgroupTree(parent, before), [], 'removed without problems');
  t.same(cgroupLeftovers(parent), [], 'nothing left');
  t.notOk(fs.existsSync(path.join(CGROUP_ROOT, fake)), 'the controller directory it created is gone too');
});
