// The scenarios of issue 7, written once against the Driver interface
// (drivers/base.mjs) and run for every client. Each checks what a user of
// the client would see, from inside the container where it can.
import assert from 'node:assert/strict';
import { waitFor } from './sh.mjs';
import { Unsupported } from '../drivers/base.mjs';

const SCENARIO_TIMEOUT_MS = Number(process.env.OCI_TS_CLIENTS_SCENARIO_TIMEOUT_MS) || 120_000;
const SLEEPER = ['sleep', '100000'];
// PID 1 ignores signals it has no handler for (pid_namespaces(7)); this one
// handles SIGTERM and SIGUSR1 with distinct exit codes so the test sees which
// signal arrived. `sleep & wait` lets the shell run its trap at once.
// It prints "ready" once the traps are set; the scenarios wait for that in
// the container's log (not with exec, so they do not depend on exec).
const TRAPPER = ['sh', '-c', 'trap "exit 42" TERM; trap "exit 10" USR1; echo ready; while :; do sleep 1 & wait $!; done'];

function ok(r, what) {
  assert.equal(r.code, 0, `${what} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 600)}`);
  return r;
}

/**
 * Throws Unsupported before any work when the client lacks a verb, so a
 * scenario the client cannot express costs nothing and is reported as skipped.
 */
function need(d, ...verbs) {
  for (const v of verbs) if (d.unsupported?.[v]) throw new Unsupported(d.unsupported[v]);
}

/** Reads a /proc/self/status capability mask as a BigInt. */
function capMask(status, field) {
  const m = status.match(new RegExp(`^${field}:\\s*([0-9a-f]+)`, 'm'));
  assert.ok(m, `${field} in /proc/self/status:\n${status}`);
  return BigInt('0x' + m[1]);
}
const CAP_CHOWN = 0n, CAP_NET_ADMIN = 12n, CAP_SYS_ADMIN = 21n;
const has = (mask, bit) => ((mask >> bit) & 1n) === 1n;

/**
 * @typedef {{ name: string, clients?: string[], fn: (d: import('../drivers/base.mjs').Driver, ctx: { track: (id: string) => string }) => Promise<void> }} Scenario
 * @type {Scenario[]}
 */
export const scenarios = [
  {
    name: 'run --rm: output',
    async fn(d) {
      const r = ok(await d.runRm(['sh', '-c', 'echo hello-$((6*7)); echo pid=$$']), 'run --rm');
      assert.match(r.stdout, /hello-42/);
      assert.match(r.stdout, /pid=1\b/, 'the command is pid 1 of its own pid namespace');
    },
  },
  {
    name: 'exit codes passed through',
    async fn(d, { track }) {
      const r = await d.runRm(['sh', '-c', 'exit 7']);
      assert.equal(r.code, 7, 'run --rm exits with the container\'s code');
      const r2 = await d.runRm(['/nonexistent-binary']);
      assert.notEqual(r2.code, 0, 'a missing binary is an error');
      const id = track(await d.runDetached(['sh', '-c', 'exit 5']));
      assert.equal(await d.exitCode(id), 5, 'detached container\'s exit code');
    },
  },
  {
    name: 'run -d then exec',
    async fn(d, { track }) {
      const id = track(await d.runDetached(SLEEPER));
      assert.equal(await d.state(id), 'running');
      const r = ok(await d.exec(id, ['sh', '-c', 'echo exec-ok; cat /proc/1/cmdline | tr "\\0" " "']), 'exec');
      assert.match(r.stdout, /exec-ok/);
      assert.match(r.stdout, /sleep 100000/, 'exec joins the container\'s pid namespace');
      const r2 = await d.exec(id, ['sh', '-c', 'exit 3']);
      assert.equal(r2.code, 3, 'exec passes its exit code through');
    },
  },
  {
    name: 'exec -it (pty)',
    async fn(d, { track }) {
      const id = track(await d.runDetached(SLEEPER));
      const r = await d.execTty(id, ['sh', '-c', 'tty; test -t 0 && test -t 1 && echo both-tty']);
      assert.equal(r.code, 0, `exec -it: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /\/dev\/pts\/\d+|\/dev\/console/);
      assert.match(r.stdout, /both-tty/);
    },
  },
  {
    name: 'run -it (pty)',
    async fn(d) {
      // The pause first: podman 4.3 attaches to the console after starting the
      // container, and loses what a container writes before that (seen once
      // with runc as the runtime: empty output, exit 0, in 267 ms).
      const r = await d.runTty(['sh', '-c', 'sleep 1; tty; test -t 0 && test -t 1 && echo both-tty; stty size']);
      assert.equal(r.code, 0, `run -it: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /\/dev\/pts\/\d+|\/dev\/console/);
      assert.match(r.stdout, /both-tty/);
    },
  },
  {
    name: 'pause / unpause',
    async fn(d, { track }) {
      need(d, 'pause');
      const id = track(await d.runDetached(SLEEPER));
      await d.pause(id);
      assert.equal(await d.state(id), 'paused');
      await d.unpause(id);
      assert.equal(await d.state(id), 'running');
      ok(await d.exec(id, ['true']), 'exec after unpause');
    },
  },
  {
    name: 'update memory, visible inside',
    async fn(d, { track }) {
      need(d, 'updateMemory');
      const id = track(await d.runDetached(SLEEPER));
      const mem = 96 * 1024 * 1024;
      await d.update(id, { memory: mem });
      const r = ok(await d.exec(id, ['sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max']), 'read memory limit');
      assert.equal(r.stdout.trim(), String(mem));
    },
  },
  {
    name: 'update pids, visible inside',
    async fn(d, { track }) {
      need(d, 'updatePids');
      const id = track(await d.runDetached(SLEEPER));
      await d.update(id, { pids: 77 });
      const r = ok(await d.exec(id, ['sh', '-c', 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max']), 'read pids.max');
      assert.equal(r.stdout.trim(), '77');
    },
  },
  {
    name: 'stop: SIGTERM handled',
    async fn(d, { track }) {
      const id = track(await d.runDetached(TRAPPER));
      await waitForLog(d, id, 'ready');
      await d.stop(id, 30);
      assert.equal(await d.exitCode(id), 42, 'the SIGTERM trap ran');
    },
  },
  {
    name: 'stop: SIGKILL after the timeout',
    async fn(d, { track }) {
      // sleep as pid 1 ignores SIGTERM, so only the SIGKILL can end it.
      const id = track(await d.runDetached(SLEEPER));
      await d.stop(id, 1);
      assert.equal(await d.exitCode(id), 137, '128 + SIGKILL');
    },
  },
  {
    name: 'kill with a named signal',
    async fn(d, { track }) {
      need(d, 'kill');
      const id = track(await d.runDetached(TRAPPER));
      await waitForLog(d, id, 'ready');
      await d.kill(id, 'USR1');
      assert.equal(await d.exitCode(id), 10, 'the SIGUSR1 trap ran');
    },
  },
  {
    name: 'rm -f of a running container',
    async fn(d, { track }) {
      const id = track(await d.runDetached(SLEEPER));
      assert.equal(await d.exists(id), true);
      await d.rmForce(id);
      assert.equal(await d.exists(id), false);
    },
  },
  {
    name: 'ps / top',
    async fn(d, { track }) {
      need(d, 'top');
      const id = track(await d.runDetached(['sh', '-c', 'sleep 100001 & exec sleep 100000']));
      // pid 1 execs sleep just after starting its child: poll until both show.
      let out = '';
      try {
        await waitFor(async () => {
          try { out = await d.top(id); } catch (e) { out = `top failed: ${e.message}`; }
          return /100000/.test(out) && /100001/.test(out);
        }, { what: 'top', timeoutMs: 10_000 });
      } catch {}
      assert.match(out, /100000/, `top lists pid 1:\n${out}`);
      assert.match(out, /100001/, `top lists the child:\n${out}`);
    },
  },
  {
    name: 'default seccomp profile and capabilities',
    async fn(d) {
      // userfaultfd(UFFD_USER_MODE_ONLY) needs no capability (userfaultfd(2),
      // Linux >= 5.11) and is left out of the Docker, podman and containerd
      // default profiles, so only the seccomp filter can refuse it.
      // sethostname and mount need CAP_SYS_ADMIN, which those defaults drop.
      const probe = ['sh', '-c', 'grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status; oci-ts-probe userfaultfd; ' +
        'if hostname x 2>/dev/null; then echo sethostname=ok; else echo sethostname=denied; fi; ' +
        'if mount -t tmpfs t /mnt 2>/dev/null; then echo mount=ok; else echo mount=denied; fi'];
      const r = ok(await d.runRm(probe), 'default profile');
      assert.match(r.stdout, /^Seccomp:\s*2$/m, 'seccomp filter mode');
      assert.match(r.stdout, /^userfaultfd=(EPERM|ENOSYS)$/m, 'userfaultfd refused by the filter');
      assert.match(r.stdout, /sethostname=denied/, 'sethostname refused (CAP_SYS_ADMIN dropped)');
      assert.match(r.stdout, /mount=denied/, 'mount refused');
      const eff = capMask(r.stdout, 'CapEff');
      assert.ok(!has(eff, CAP_SYS_ADMIN), 'no CAP_SYS_ADMIN');
      assert.ok(!has(eff, CAP_NET_ADMIN), 'no CAP_NET_ADMIN');
      assert.ok(has(eff, CAP_CHOWN), 'CAP_CHOWN kept');
      assert.equal(capMask(r.stdout, 'CapBnd'), eff, 'bounding set = effective set');
      // Control: without the filter the same call succeeds, so the check
      // above tests the filter, not the kernel.
      const u = ok(await d.runRm(probe, { seccomp: 'unconfined' }), 'unconfined');
      assert.match(u.stdout, /^Seccomp:\s*0$/m);
      assert.match(u.stdout, /^userfaultfd=ok$/m);
    },
  },
  {
    // podman adds the tmpcopyup extension to every --tmpfs (podman-run(1)
    // "--tmpfs"; runc's EXT_COPYUP): the tmpfs starts with the image's files.
    name: '--tmpfs over /etc: the image\'s files copied up (tmpcopyup)',
    clients: ['podman'],
    async fn(d) {
      const r = ok(await d.runRm(['sh', '-c', 'head -1 /etc/passwd; grep -E " /etc " /proc/mounts; echo x > /etc/new && echo written'], { extra: ['--tmpfs', '/etc:rw,size=4m'] }), 'run --tmpfs');
      assert.match(r.stdout, /^root:x:0:0:/m, `the image's /etc/passwd is in the tmpfs:\n${r.stdout}`);
      assert.match(r.stdout, /^tmpfs \/etc tmpfs /m, '/etc is a tmpfs');
      assert.match(r.stdout, /written/, 'and writable');
    },
  },
  {
    name: 'pod sandbox: two containers share its namespaces',
    clients: ['cri'],
    async fn(d, { track }) {
      // Kubernetes shareProcessNamespace: pid namespace mode POD.
      const pod = await d.runPod({ pid: 0, hostname: 'oci-ts-pod' });
      try {
        const a = track(await d.startIn(pod, ['sleep', '100002'], { pid: 0 }));
        const b = track(await d.startIn(pod, ['sleep', '100003'], { pid: 0 }));
        const ns = 'for n in net ipc uts pid mnt; do echo $n=$(readlink /proc/self/ns/$n); done; hostname; ps -o args';
        const ra = ok(await d.exec(a, ['sh', '-c', ns]), 'exec in a');
        const rb = ok(await d.exec(b, ['sh', '-c', ns]), 'exec in b');
        const get = (out, n) => out.match(new RegExp(`^${n}=(.*)$`, 'm'))?.[1];
        for (const n of ['net', 'ipc', 'uts', 'pid']) {
          assert.ok(get(ra.stdout, n), `${n} namespace readable`);
          assert.equal(get(ra.stdout, n), get(rb.stdout, n), `both containers share the pod's ${n} namespace`);
        }
        assert.notEqual(get(ra.stdout, 'mnt'), get(rb.stdout, 'mnt'), 'each container has its own mount namespace');
        assert.match(ra.stdout, /^oci-ts-pod$/m, 'the pod hostname');
        assert.match(ra.stdout, /sleep 100003/, 'a sees b\'s process (shared pid namespace)');
        assert.match(rb.stdout, /sleep 100002/, 'b sees a\'s process');
        assert.match(ra.stdout, /sleep 2147483647/, 'the sandbox (pause) process is in the shared pid namespace');
        // The pod's network namespace is its own: lo and our eth0 only.
        const ip = ok(await d.exec(a, ['ip', '-o', 'addr']), 'ip addr');
        assert.match(ip.stdout, /\blo\b.*127\.0\.0\.1/);
        assert.match(ip.stdout, /eth0.*169\.254\.77\.2/);
      } finally {
        await d.removePod(pod.id);
      }
    },
  },
];

/** Waits until the container's log (stdout) shows `needle`. */
async function waitForLog(d, id, needle) {
  await waitFor(async () => (await d.logs(id)).includes(needle), { what: `"${needle}" in the log of ${id}` });
}

/**
 * Runs every scenario for one driver; returns [{ name, status: 'pass'|'fail'|'skip', detail, ms }].
 * Containers a scenario started are removed after it, pass or fail.
 */
export async function runScenarios(driver, list = scenarios, onResult = () => {}, { timeoutMs = SCENARIO_TIMEOUT_MS } = {}) {
  const results = [];
  for (const s of list) {
    if (s.clients && !s.clients.includes(driver.name)) continue;
    const ids = [];
    const t0 = Date.now();
    let res;
    let timer;
    try {
      // A hung runtime must not stall the suite: each scenario gets a bound
      // (its commands have their own timeouts and are killed by them).
      await Promise.race([
        s.fn(driver, { track: (id) => (ids.push(id), id) }),
        new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`scenario timed out after ${timeoutMs / 1000} s`)), timeoutMs); }),
      ]);
      res = { name: s.name, status: 'pass', detail: '' };
    } catch (e) {
      if (e instanceof Unsupported) res = { name: s.name, status: 'skip', detail: e.message };
      else res = { name: s.name, status: 'fail', detail: (e.message ?? String(e)).split('\n').slice(0, 8).join('\n') };
    } finally { clearTimeout(timer); }
    for (const id of ids) { try { if (await driver.exists(id)) await driver.rmForce(id); } catch {} }
    res.ms = Date.now() - t0;
    results.push(res);
    onResult(res);
  }
  return results;
}

/**
 * Median wall time of `n` `run --rm true` for each of `count` runtimes of
 * the session (index 0, 1, ...), in ms. The runtimes take turns (ABBA...)
 * in one session, so a busy machine slows them alike and the ratio holds.
 * A runtime whose run fails gets null.
 */
export async function timeRunRm(driver, n = 5, count = 1) {
  const times = Array.from({ length: count }, () => []);
  const failed = new Set();
  const once = async (rt) => {
    if (failed.has(rt)) return;
    const t0 = process.hrtime.bigint();
    const r = await driver.runRm(['true'], { rt });
    if (r.code !== 0) { failed.add(rt); return; }
    times[rt].push(Number(process.hrtime.bigint() - t0) / 1e6);
  };
  for (let rt = 0; rt < count; rt++) await once(rt); // warm caches (first unpack, first shim)
  for (let rt = 0; rt < count; rt++) times[rt] = [];
  for (let i = 0; i < n; i++) {
    const order = [...Array(count).keys()];
    if (i % 2) order.reverse();
    for (const rt of order) await once(rt);
  }
  return times.map((t, rt) => {
    if (failed.has(rt) || !t.length) return null;
    t.sort((a, b) => a - b);
    return t[Math.floor(t.length / 2)];
  });
}
