// checkpoint/restore on this host (issue 18): the CRIU RPC codec against
// criu's own rpc.proto, the argv, and the error paths with a real container:
// CRIU missing, CRIU failing (Debian's criu 3.17 cannot start on this
// kernel: "Failed to fill self vdso symtable"), checkpoint of a created
// container, restore onto an existing id and from a missing image; each
// leaves the container running and unchanged, or nothing behind. The
// working checkpoint/restore runs in the guest (checkpoint.guest.test.ts).
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { decode, decodeResp, encode, encodeReq, OPTS_SCHEMA, REQ_SCHEMA, RESP_SCHEMA, ReqType } from '../src/checkpoint/rpc.ts';
import { criuLogTail } from '../src/checkpoint/criu-log.ts';
import { parser } from '../src/main.ts';
import { parityFastParse } from '../src/parity-argv.ts';
import { executorAvailable, makeBundle, ociTs, uniqueId } from './helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('rpc: a request round-trips, with nested, repeated and negative fields', async (t) => {
  const req = {
    type: ReqType.RESTORE,
    opts: {
      imagesDirFd: 7, pid: -1, leaveRunning: true, logFile: 'restore.log', root: '/run/x/criu-root', manageCgroupsMode: 6,
      extMnt: [{ key: '/home', val: '/srv/home' }, { key: '/dev/null', val: '/dev/null' }],
      inheritFd: [{ key: 'extRootNetNS', fd: 4 }], cgRoot: [{ ctrl: '', path: '/c1' }], external: ['net[4026531840]:extRootNetNS'],
      joinNs: [{ ns: 'ipc', nsFile: '/proc/1/ns/ipc' }],
    },
    notifySuccess: false,
  };
  const buf = encodeReq(req);
  t.same(decode(REQ_SCHEMA, buf), req);
  // protobuf's own bytes for `type: 2` and a negative int32 (sign-extended to ten bytes).
  t.same([...encode(REQ_SCHEMA, { type: 2 })], [0x08, 0x02]);
  t.equal(encode(OPTS_SCHEMA, { imagesDirFd: 0, pid: -1 }).length, 2 + 1 + 10);
});

t.test('rpc: a response decodes and unknown fields are skipped', async (t) => {
  // type NOTIFY, success, notify { script "post-restore", pid 42 }, then field 99 (varint), field 98 (fixed64) and 97 (fixed32).
  const notify = Buffer.concat([Buffer.from([0x0a, 12]), Buffer.from('post-restore'), Buffer.from([0x10, 42])]);
  const raw = Buffer.concat([Buffer.from([0x08, 6, 0x10, 1, 0x2a, notify.length]), notify,
    Buffer.from([0x98, 0x06, 5]), Buffer.from([0x91, 0x06, 1, 2, 3, 4, 5, 6, 7, 8]), Buffer.from([0x8d, 0x06, 1, 2, 3, 4])]);
  t.same(decodeResp(raw), { type: 6, success: true, notify: { script: 'post-restore', pid: 42 } });
  t.throws(() => decodeResp(Buffer.from([0x0a, 5, 0x61])), { code: 'ECRIURPC' }, 'a string running past the record');
  t.same(decode(RESP_SCHEMA, Buffer.from([0x08, 2, 0x10, 0, 0x38, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])),
    { type: 2, success: false, crErrno: -2 });
});

t.test("rpc: field numbers match criu's rpc.proto", async (t) => {
  const proto = ['/usr/include/criu/rpc.proto'].find((p) => fs.existsSync(p));
  if (!proto) { t.pass('skipped: /usr/include/criu/rpc.proto absent (Debian package criu)'); return; }
  const text = fs.readFileSync(proto, 'utf8');
  const fields = (msg: string) => {
    const body = new RegExp(`message ${msg}\\s*{([^}]*)}`).exec(text)![1];
    return new Map([...body.matchAll(/^\s*(?:optional|required|repeated)\s+\S+\s+(\w+)\s*=\s*(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  };
  const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  for (const [msg, schema] of [['criu_opts', OPTS_SCHEMA], ['criu_req', REQ_SCHEMA], ['criu_resp', RESP_SCHEMA]] as const) {
    const want = fields(msg);
    for (const [name, [num]] of Object.entries(schema)) t.equal(want.get(snake(name)), num, `${msg}.${snake(name)} = ${num}`);
  }
});

t.test('criuLogTail quotes the Error lines with what led to them', async (t) => {
  const dir = t.testdir({ 'dump.log': ['(00.1) a', '(00.2) b', '(00.3) c', '(00.4) Error (x.c:1): first', '(00.5) d', '(00.6) Error (y.c:2): second', ''].join('\n') });
  t.same(criuLogTail(path.join(dir, 'dump.log')), ['(00.2) b', '(00.3) c', '(00.4) Error (x.c:1): first', '(00.5) d', '(00.6) Error (y.c:2): second']);
  t.same(criuLogTail(path.join(dir, 'missing.log')), []);
});

t.test('argv: the fast parser agrees with yargs for checkpoint and restore', async (t) => {
  for (const args of [
    ['checkpoint', 'c1'],
    ['--criu', '/opt/criu', 'checkpoint', '--image-path', '/i', '--work-path', '/w', '--parent-path', '../p', '--leave-running', '--tcp-established',
      '--ext-unix-sk', '--shell-job', '--file-locks', '--pre-dump', '--manage-cgroups-mode', 'soft', '--empty-ns', 'network', '--auto-dedup', '--lazy-pages', 'c1'],
    ['restore', '-d', '-b', '/b', '--pid-file', '/p', '--console-socket', '/s', '--no-subreaper', '--no-pivot', '--image-path=/i', 'c1'],
  ]) {
    const fast = parityFastParse(args);
    t.ok(fast, `fast path taken for ${args.join(' ')}`);
    const slow = (await (await parser(args)).parseAsync(args)) as Record<string, any>;
    for (const k of Object.keys(fast ?? {})) t.same(fast![k], slow[k], `${args.join(' ')}: ${k}`);
  }
});

const why = await executorAvailable();
if (why) {
  t.pass(`skipped the container tests: ${why}`);
} else {
  const dir = fs.mkdtempSync('/tmp/oci-ts-criu-host-');
  const root = path.join(dir, 'root');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const oci = (...args: string[]) => ociTs(['--root', root, ...args]);
  const bundle = makeBundle(path.join(dir, 'bundle'), (c) => {
    c.process.args = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /dev/shm/c; usleep 20000; done'];
  });
  const id = uniqueId('criu');
  const pidFile = path.join(dir, 'pid');
  t.teardown(() => { oci('delete', '--force', id); });
  const r0 = oci('run', '-d', '--pid-file', pidFile, '-b', bundle, id);
  const pid = r0.status === 0 ? Number(fs.readFileSync(pidFile, 'utf8')) : 0;
  const count = () => { try { return Number(fs.readFileSync(`/proc/${pid}/root/dev/shm/c`, 'utf8')); } catch { return 0; } };
  /** The container is as it was: state says running with the same pid, and it keeps counting. */
  const unharmed = async (t: Test, what: string) => {
    const st = JSON.parse(oci('state', id).stdout || '{}');
    t.same([st.status, st.pid], ['running', pid], `${what}: still running, same init`);
    const first = count();
    let later = first;
    for (let i = 0; i < 100 && later <= first; i++) { await sleep(50); later = count(); }
    t.ok(later > first, `${what}: still counting (${first} -> ${later})`);
  };

  t.test('the container runs', async (t) => { t.equal(r0.status, 0, r0.stderr); });

  t.test('CRIU missing: an error naming criu, the container unharmed', async (t) => {
    const r = oci('--criu', path.join(dir, 'no-such-criu'), 'checkpoint', '--image-path', path.join(dir, 'img0'), id);
    t.equal(r.status, 1);
    t.match(r.stderr, /criu: cannot run .*no-such-criu: executable file not found/);
    await unharmed(t, 'after a missing criu');
  });

  // Debian's criu 3.17 stops at its vDSO check on this kernel; where it works, the failure is made with --work-path on a file.
  const criuFails = spawnSync('criu', ['check'], { encoding: 'utf8' }).status !== 0;
  t.test('CRIU failing: "criu failed", its log file and its Error lines; the container unharmed', { skip: criuFails ? false : 'criu works on this kernel (the guest test covers it)' }, async (t) => {
    const img = path.join(dir, 'img1');
    const r = oci('checkpoint', '--image-path', img, id);
    t.equal(r.status, 1);
    t.match(r.stderr, /criu failed: type DUMP errno/);
    t.match(r.stderr, new RegExp(`log file: ${img}/dump.log`));
    t.match(r.stderr, /Error \(criu\//, 'the log lines that say why');
    t.ok(fs.existsSync(path.join(img, 'dump.log')), 'the log stays for the user');
    await unharmed(t, 'after a failed dump');
    const pre = oci('checkpoint', '--pre-dump', '--image-path', path.join(dir, 'img2'), id);
    t.equal(pre.status, 1);
    t.match(pre.stderr, /criu/, `--pre-dump fails naming criu: ${pre.stderr.trim()}`);
    await unharmed(t, 'after a failed pre-dump');
  });

  t.test('checkpoint of a created container fails as runc', async (t) => {
    const cid = uniqueId('criu-created');
    t.teardown(() => { oci('delete', '--force', cid); });
    t.equal(oci('create', '-b', bundle, cid).status, 0);
    const r = oci('checkpoint', '--image-path', path.join(dir, 'img3'), cid);
    t.equal(r.status, 1);
    t.match(r.stderr, /Container cannot be checkpointed in created state/);
    t.match(oci('checkpoint', 'no-such-container').stderr, /does not exist/);
  });

  t.test('restore onto an existing id fails and leaves it alone', async (t) => {
    const r = oci('restore', '-d', '--image-path', path.join(dir, 'img1'), '-b', bundle, id);
    t.equal(r.status, 1);
    t.match(r.stderr, new RegExp(`container with id exists: ${id}`));
    await unharmed(t, 'after a restore onto its id');
  });

  t.test('restore from a missing image fails and leaves nothing behind', async (t) => {
    const rid = uniqueId('criu-rst');
    const r = oci('restore', '-d', '--pid-file', path.join(dir, 'rpid'), '--image-path', path.join(dir, 'no-image'), '-b', bundle, rid);
    t.equal(r.status, 1);
    t.match(r.stderr, /no-image/);
    t.match(oci('state', rid).stderr, /does not exist/);
    t.notOk(fs.existsSync(path.join(root, rid)), 'no state directory');
    t.notOk(fs.existsSync(path.join(dir, 'rpid')), 'no pid file');
  });

  t.test('bad flag values name the flag', async (t) => {
    t.match(oci('checkpoint', '--manage-cgroups-mode', 'bogus', '--image-path', path.join(dir, 'img4'), id).stderr, /--manage-cgroups-mode/);
    t.match(oci('checkpoint', '--empty-ns', 'ipc', '--image-path', path.join(dir, 'img4'), id).stderr, /--empty-ns/);
    await unharmed(t, 'after bad flags');
  });
}
