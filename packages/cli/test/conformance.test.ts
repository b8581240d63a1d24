// Issue 12: configurations the OCI runtime-tools suite uses (and runc or
// crun run) that oci-ts got wrong. Each check runs real containers through
// the `oci-ts` bin on the real kernel and looks from inside the container.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { bin, cgroupLeftovers, executorAvailable, makeBundle, ociTs, uniqueId, type Result } from './helpers.ts';

const why = await executorAvailable();
if (why) {
  t.plan(0, `privileged container tests skipped: ${why}`);
} else {
  const dir = t.testdir({ root: {}, out: {} });
  const root = path.join(dir, 'root');
  let n = 0;
  const bundle = (patch: (cfg: any) => void = () => {}) => makeBundle(path.join(dir, `b${++n}`), patch);
  const run = (script: string, patch: (cfg: any) => void = () => {}): Result => {
    const b = bundle((c) => { c.process.args = ['sh', '-c', script]; patch(c); });
    return ociTs(['--root', root, 'run', '-b', b, uniqueId('conf')]);
  };
  const left = () => (fs.existsSync(root) ? fs.readdirSync(root).filter((f) => !f.startsWith('.')) : []);
  /** A process holding fresh namespaces (unshare(1) flags), for joining by path. */
  const holders: ChildProcess[] = [];
  const holder = async (flags: string[]): Promise<number> => {
    const ch = spawn('unshare', [...flags, 'sh', '-c', 'echo ready; exec sleep 300'], { stdio: ['ignore', 'pipe', 'inherit'] });
    holders.push(ch);
    await new Promise<void>((resolve) => ch.stdout!.once('data', () => resolve()));
    return ch.pid!;
  };
  t.teardown(() => { for (const h of holders) h.kill('SIGKILL'); });
  t.afterEach(() => { for (const id of left()) ociTs(['--root', root, 'delete', '--force', id]); });

  // Bug 1: the filter used to be loaded before close_range(CLOSE_RANGE_CLOEXEC),
  // which a profile need not allow: the process never ran, create/start said 0.
  for (const nnp of [false, true]) {
    t.test(`seccomp without close_range in the allow-list (noNewPrivileges ${nnp}): the process runs`, async (t) => {
      const r = run('echo ran', (c) => {
        c.process.noNewPrivileges = nnp;
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['close_range'], action: 'SCMP_ACT_ERRNO', errnoRet: 6 }] };
      });
      t.equal(r.status, 0, r.stderr);
      t.equal(r.stdout, 'ran\n');
      t.notMatch(r.stderr, /close_range/);
    });
  }

  t.test('startContainer hooks run under the filter (no noNewPrivileges), as runc', async (t) => {
    const marker = path.join(dir, 'out', 'hook-ran');
    const b = bundle((c) => {
      c.process.noNewPrivileges = false;
      c.process.args = ['sh', '-c', 'echo process-ran'];
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL' }] };
      c.hooks = { startContainer: [{ path: '/bin/mkdir', args: ['mkdir', '/tmp/hook-dir'] }] };
    });
    const r = ociTs(['--root', root, 'run', '-b', b, uniqueId('conf')]);
    t.not(r.status, 0, 'the run fails');
    t.notMatch(r.stdout, /process-ran/, 'the process did not run');
    t.match(r.stderr, /startContainer/, 'the hook failure is reported');
    t.notOk(fs.existsSync(marker));
  });

  // Bug 2: the executable is looked up at create, with Go's exec.LookPath
  // texts as runc prints them; nothing is left behind.
  for (const [arg, text] of [
    ['/nosuch', 'exec: "/nosuch": stat /nosuch: no such file or directory'],
    ['/etc', 'exec: "/etc": permission denied'],
    ['nosuch', 'exec: "nosuch": executable file not found in $PATH'],
  ]) {
    t.test(`create fails on a process.args[0] of ${arg} as runc`, async (t) => {
      const id = uniqueId('conf');
      const b = bundle((c) => { c.process.args = [arg]; });
      const r = ociTs(['--root', root, 'create', '-b', b, id]);
      t.not(r.status, 0);
      // logrus quotes the message: \" in the text.
      t.ok(r.stderr.replaceAll('\\"', '"').includes(text), r.stderr);
      t.not(ociTs(['--root', root, 'state', id]).status, 0, 'no state claims the container exists');
      t.same(left(), []);
    });
  }

  // Bug 3: mount(2) ignores data with MS_BIND; runc and crun accept it.
  t.test('a bind mount with filesystem data options is accepted; a bare unknown word is not', async (t) => {
    const src = fs.mkdtempSync(path.join(dir, 'src-'));
    fs.writeFileSync(path.join(src, 'f'), 'bound\n');
    const r = run('cat /mnt/f', (c) => { c.mounts.push({ destination: '/mnt', type: 'bind', source: src, options: ['bind', 'ro', 'mode=755', 'size=1k'] }); });
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout, 'bound\n');
    const bad = run('true', (c) => { c.mounts.push({ destination: '/mnt', type: 'bind', source: src, options: ['bind', 'readonly'] }); });
    t.not(bad.status, 0);
    t.match(bad.stderr, /readonly\\?" is not a mount flag/);
  });

  // Bug 4: config-linux.md: a namespace type not listed is inherited. The
  // run happens in a private mount namespace of its own (unshare -m), as
  // runc would mount into whatever namespace it inherits.
  t.test('mounts without a listed mount namespace: the container shares the runtime\'s', async (t) => {
    const b = bundle((c) => {
      c.linux.namespaces = c.linux.namespaces.filter((ns: any) => ns.type !== 'mount');
      // runc refuses these without a mount namespace too (validate.security).
      delete c.linux.maskedPaths;
      delete c.linux.readonlyPaths;
      c.process.args = ['sh', '-c', 'readlink /proc/self/ns/mnt; cat /proc/self/mounts'];
    });
    const id = uniqueId('conf');
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `readlink /proc/self/ns/mnt; exec "${process.execPath}" "${bin}" --root "${root}" run -b "${b}" ${id}`], { encoding: 'utf8', timeout: 60_000 });
    t.equal(r.status, 0, r.stderr);
    const [outer, inner, ...mounts] = r.stdout.trim().split('\n');
    t.equal(inner, outer, 'the same mount namespace as the runtime');
    t.ok(mounts.some((l) => l.split(' ')[1] === '/proc' && l.split(' ')[2] === 'proc'), 'the config\'s /proc is mounted');
  });

  // Bug 5: a mount namespace joined by path still gets root.path, the
  // mounts and pivot_root (runc, crun).
  t.test('joining a mount namespace by path sets the rootfs up in it', async (t) => {
    const pid = await holder(['-m', '--propagation', 'private']);
    const b = bundle((c) => {
      c.linux.namespaces = c.linux.namespaces.map((ns: any) => (ns.type === 'mount' ? { type: 'mount', path: `/proc/${pid}/ns/mnt` } : ns));
      c.process.args = ['sh', '-c', 'readlink /proc/self/ns/mnt; stat -c %d:%i /; grep -c " /proc proc " /proc/self/mounts'];
    });
    const r = ociTs(['--root', root, 'run', '-b', b, uniqueId('conf')]);
    t.equal(r.status, 0, r.stderr);
    const [ns, rootId, procs] = r.stdout.trim().split('\n');
    t.equal(ns, fs.readlinkSync(`/proc/${pid}/ns/mnt`), 'in the joined namespace');
    const st = fs.statSync(path.join(b, 'rootfs'));
    t.equal(rootId, `${st.dev}:${st.ino}`, '/ is the bundle\'s rootfs');
    t.ok(Number(procs) >= 1, '/proc is mounted');
  });

  // Bug 6: runc and crun set the hostname in a uts namespace joined by path.
  t.test('hostname in a uts namespace joined by path', async (t) => {
    const pid = await holder(['-u']);
    const r = run('hostname; readlink /proc/self/ns/uts', (c) => {
      c.hostname = 'conf-joined';
      c.linux.namespaces = c.linux.namespaces.map((ns: any) => (ns.type === 'uts' ? { type: 'uts', path: `/proc/${pid}/ns/uts` } : ns));
    });
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout, `conf-joined\n${fs.readlinkSync(`/proc/${pid}/ns/uts`)}\n`);
  });

  // Bug 7: linux.rootfsPropagation applies to the container's new root too.
  for (const [prop, tag] of [['shared', /shared:\d+/], ['unbindable', /unbindable/]] as const) {
    t.test(`rootfsPropagation ${prop} shows on / in the container's mountinfo`, async (t) => {
      const r = run('awk \'$5 == "/"\' /proc/self/mountinfo', (c) => { c.linux.rootfsPropagation = prop; });
      t.equal(r.status, 0, r.stderr);
      t.match(r.stdout, tag);
    });
  }

  // Bug 8: prestart hooks get `created` (crun; runtime.md lifecycle).
  t.test('prestart hooks get status created, createRuntime creating', async (t) => {
    const out = path.join(dir, 'out');
    const r = run('true', (c) => {
      c.hooks = {
        prestart: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}/prestart.json`] }],
        createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}/createRuntime.json`] }],
      };
    });
    t.equal(r.status, 0, r.stderr);
    t.equal(JSON.parse(fs.readFileSync(path.join(out, 'prestart.json'), 'utf8')).status, 'created');
    t.equal(JSON.parse(fs.readFileSync(path.join(out, 'createRuntime.json'), 'utf8')).status, 'creating');
  });

  // Bug 9: values the host cannot apply are refused, naming the field,
  // before anything is made (config.md; runc refuses them too).
  const mounted = (ctrl: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => / - cgroup /.test(l) && l.split(' - ')[1]?.split(' ')[2]?.split(',').includes(ctrl));
  const v2Controllers = (() => { try { return fs.readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim().split(/\s+/); } catch { return null; } })();
  const refusals: Array<[string, (c: any) => void, RegExp, string | false]> = [
    ['network.classID', (c) => { c.linux.resources = { network: { classID: 0x100001 } }; }, /linux\.resources\.network\.classID/, !mounted('net_cls') ? '' : 'net_cls is mounted here'],
    ['hugepageLimits', (c) => { c.linux.resources = { hugepageLimits: [{ pageSize: '2MB', limit: 2 << 20 }] }; }, /linux\.resources\.hugepageLimits/, !mounted('hugetlb') ? '' : 'hugetlb is mounted here'],
    ['unified without v2 controllers', (c) => { c.linux.resources = { unified: { 'memory.max': '100000000' } }; }, /invalid configuration.*linux\.resources\.unified\[\\?"memory\.max\\?"\]/, v2Controllers && !v2Controllers.includes('memory') ? '' : 'not a hybrid host without a v2 memory controller'],
  ];
  for (const [name, patch, text, skip] of refusals) {
    t.test(`${name} the host cannot apply is refused before anything is made`, { skip: skip || false }, async (t) => {
      const id = uniqueId('conf');
      const b = bundle((c) => { c.process.args = ['true']; c.linux.cgroupsPath = `/oci-ts-conf-${id}`; patch(c); });
      const r = ociTs(['--root', root, 'run', '-b', b, id]);
      t.not(r.status, 0, 'refused');
      t.match(r.stderr, text);
      t.same(left(), [], 'no state left');
      t.same(cgroupLeftovers(`oci-ts-conf-${id}`), [], 'no cgroup made');
    });
  }
}
