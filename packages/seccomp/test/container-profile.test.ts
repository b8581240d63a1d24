// A Docker/podman profile file is not linux.seccomp: compiling it as one
// would drop its includes/excludes conditions and allow mount, unshare, bpf…
// (issue 19). compile() refuses it; fromContainerProfile() converts it for a
// capability set and refuses conditions it does not know.
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawnSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compile, evaluate, fromContainerProfile, DOCKER_DEFAULT, PODMAN_DEFAULT, SeccompError } from '../src/index.ts';
import { main, type Io } from '../src/cli.ts';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

t.test('compile refuses the Docker and podman profile files, even without strict', async (t) => {
  for (const [name, p] of [['docker', DOCKER_DEFAULT], ['podman', PODMAN_DEFAULT]] as const) {
    for (const strict of [false, true]) {
      t.throws(() => compile(clone(p) as never, { arch: 'x86_64', strict }), { code: 'ECONTAINERPROFILE', message: /fromContainerProfile/ }, `${name} strict=${strict}`);
    }
  }
  // Without archMap, one rule with includes is enough to be refused.
  const noArchMap = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } }] };
  t.throws(() => compile(noArchMap as never, { arch: 'x86_64' }), { code: 'ECONTAINERPROFILE', pointer: '/syscalls/1/includes' });
  const excl = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['clone3'], action: 'SCMP_ACT_ALLOW', excludes: {} }] };
  t.throws(() => compile(excl as never, { arch: 'x86_64' }), { code: 'ECONTAINERPROFILE', pointer: '/syscalls/0/excludes' });
  const legacy = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ name: 'reboot', action: 'SCMP_ACT_ALLOW' }] };
  t.throws(() => compile(legacy as never, { arch: 'x86_64' }), { code: 'ECONTAINERPROFILE', pointer: '/syscalls/0/name' });
});

t.test('unknown fields: an error in strict mode, logged otherwise', async (t) => {
  const p = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', when: 'never', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 1, mask: 3 }] }] };
  t.throws(() => compile(clone(p) as never, { arch: 'x86_64', strict: true }), { code: 'EPROFILE', pointer: '/syscalls/0/when' });
  const log: string[] = [];
  compile(clone(p) as never, { arch: 'x86_64', log: (m) => log.push(m) });
  t.match(log.join('\n'), /\/syscalls\/0\/when ignored/);
  t.match(log.join('\n'), /\/syscalls\/0\/args\/0\/mask ignored/);
  t.doesNotThrow(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', comment: 'x', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', comment: 'y' }] } as never, { arch: 'x86_64', strict: true }), 'comment carries no condition');
});

t.test('the converted Docker profile keeps its conditions: mount, unshare, bpf… are not allowed without the caps', async (t) => {
  const oci = fromContainerProfile(clone(DOCKER_DEFAULT) as never, { arch: 'x86_64', kernel: '6.1' });
  const bpf = compile(oci, { arch: 'x86_64' }).bpf;
  for (const [name, nr] of [['mount', 165], ['unshare', 272], ['setns', 308], ['bpf', 321], ['reboot', 169], ['init_module', 175]] as const) {
    t.not(evaluate(bpf, { nr, arch: 'SCMP_ARCH_X86_64', args: [] }).name, 'ALLOW', `${name} not allowed with Docker's default caps`);
  }
  t.equal(evaluate(bpf, { nr: 0, arch: 'SCMP_ARCH_X86_64', args: [] }).name, 'ALLOW', 'read allowed');
  const admin = compile(fromContainerProfile(clone(DOCKER_DEFAULT) as never, { arch: 'x86_64', kernel: '6.1', capabilities: ['CAP_SYS_ADMIN'] }), { arch: 'x86_64' }).bpf;
  t.equal(evaluate(admin, { nr: 165, arch: 'SCMP_ARCH_X86_64', args: [] }).name, 'ALLOW', 'mount allowed with CAP_SYS_ADMIN');
});

t.test('fromContainerProfile refuses conditions and fields it does not know', async (t) => {
  const p = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'], cgroupns: true } }] };
  t.throws(() => fromContainerProfile(p as never, { arch: 'x86_64' }), { code: 'EPROFILE', pointer: '/syscalls/0/includes/cgroupns' });
  const q = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ALLOW', onlyIf: {} }] };
  t.throws(() => fromContainerProfile(q as never, { arch: 'x86_64' }), { code: 'EPROFILE', pointer: '/syscalls/0/onlyIf' });
  t.throws(() => fromContainerProfile({ defaultAction: 'SCMP_ACT_ERRNO' } as never), SeccompError);
});

function memIo(files: Record<string, string>) {
  const out: string[] = [], err: string[] = [];
  const io: Io = {
    stdout: (s) => { out.push(typeof s === 'string' ? s : Buffer.from(s).toString('latin1')); },
    stderr: (s) => { err.push(s); },
    readFile: (p) => { if (!(p in files)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' }); return Buffer.from(files[p]); },
    writeFile: () => {},
  };
  return { io, out, err };
}

t.test('oci-seccomp: compile refuses a profile file, profile FILE converts it, unknown flags are errors', async (t) => {
  const files = { 'default.json': JSON.stringify(DOCKER_DEFAULT) };
  const a = memIo(files);
  t.equal(main(['compile', 'default.json', '--strict'], a.io), 1);
  t.match(a.err.join(''), /container profile.*oci-seccomp profile FILE.*ECONTAINERPROFILE/s);
  const b = memIo(files);
  t.equal(main(['profile', 'default.json', '--arch', 'x86_64', '--kernel', '6.1', '--caps', 'CAP_CHOWN'], b.io), 0);
  const converted = JSON.parse(b.out.join(''));
  t.notOk(JSON.stringify(converted).includes('includes'), 'no includes left');
  const c = memIo(files);
  t.equal(main(['compile', 'default.json', '--stirct'], c.io), 2, 'a misspelt flag is a usage error');
  t.match(c.err.join(''), /unknown flag --stirct for compile/);
  const d = memIo(files);
  t.equal(main(['eval', 'x.bpf', '--strict', '--nr', '1'], d.io), 2);
  t.match(d.err.join(''), /unknown flag --strict for eval/);
});

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The built bin, as users run it (the test runner builds the packages first).
const bin = path.join(pkg, 'dist/bin.js');
const seccompJson = JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });

t.test('oci-seccomp compile - reads standard input when it is a socket, a pipe or a file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-seccomp-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pipe = spawnSync(process.execPath, [bin, 'compile', '-', '--arch', 'x86_64', '-o', path.join(dir, 'p.bpf')], { input: seccompJson });
  t.equal(pipe.status, 0, `pipe: ${pipe.stderr}`);
  const file = path.join(dir, 's.json');
  fs.writeFileSync(file, seccompJson);
  const fd = fs.openSync(file, 'r');
  const viaFile = spawnSync(process.execPath, [bin, 'compile', '-', '--arch', 'x86_64', '-o', path.join(dir, 'f.bpf')], { stdio: [fd, 'pipe', 'pipe'] });
  fs.closeSync(fd);
  t.equal(viaFile.status, 0, `file: ${viaFile.stderr}`);
  // A socket on stdin: /dev/stdin cannot be opened (ENXIO), fd 0 can be read.
  const [status, stderr] = await new Promise<[number | null, string]>((resolve) => {
    const sock = path.join(dir, 's.sock');
    const server = net.createServer((c) => { c.end(seccompJson); }).listen(sock, () => {
      const client = net.connect(sock, () => {
        const ch = spawn(process.execPath, [bin, 'compile', '-', '--arch', 'x86_64', '-o', path.join(dir, 's.bpf')], { stdio: [client, 'ignore', 'pipe'] });
        let e = '';
        ch.stderr!.on('data', (d) => { e += d; });
        ch.on('exit', (code) => { client.destroy(); server.close(); resolve([code, e]); });
      });
    });
  });
  t.equal(status, 0, `socket: ${stderr}`);
  t.same(fs.readFileSync(path.join(dir, 's.bpf')), fs.readFileSync(path.join(dir, 'p.bpf')), 'same program whatever stdin is');
});

t.test('oci-seccomp refuses a FIFO or device path instead of hanging', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-seccomp-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fifo = path.join(dir, 'f.json');
  spawnSync('mkfifo', [fifo]);
  for (const p of [fifo, '/dev/zero']) {
    const r = spawnSync(process.execPath, [bin, 'compile', p], { timeout: 20000 });
    t.equal(r.status, 1, `${p}: ${r.stderr}`);
    t.match(String(r.stderr), /not a regular file/);
  }
});
