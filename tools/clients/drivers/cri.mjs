// containerd's CRI plugin driven by crictl (what the kubelet speaks): each
// container gets its own pod sandbox, run with the runtime handler
// `under-test` (options.BinaryName = the runtime under test), the way a
// Kubernetes RuntimeClass selects it. The CRI has no pause, kill, top,
// `run -it` or pids update; those verbs are reported as skipped.
import fs from 'node:fs';
import { sh, shTty, waitFor, CommandError } from '../lib/sh.mjs';
import { IMAGE } from '../lib/image.mjs';
import { ensureContainerd, importImages, handlerName } from '../lib/containerd.mjs';
import { rid, Unsupported } from './base.mjs';

// runtime.v1 NamespaceMode and SecurityProfile.ProfileType values.
export const NS_POD = 0, NS_CONTAINER = 1;
const SECCOMP_RUNTIME_DEFAULT = 0, SECCOMP_UNCONFINED = 1;

export function criDriver(sess) {
  let base;
  const k = (args, opts = {}) => sh([...base, ...args], { env: sess.env, timeoutMs: 90_000, ...opts });
  const podOf = new Map(); // container id -> pod id
  const writeJson = (name, obj) => {
    const p = sess.path('cri', `${name}.json`);
    fs.writeFileSync(p, JSON.stringify(obj));
    return p;
  };

  /** RunPodSandbox with the runtime handler under test; returns its id. */
  async function runPod({ pid = NS_CONTAINER, hostname, rt = 0 } = {}) {
    const name = rid('pod');
    fs.mkdirSync(sess.path('cri-logs', name), { recursive: true });
    const cfg = writeJson(name, {
      metadata: { name, namespace: 'oci-ts-clients', uid: name, attempt: 0 },
      hostname: hostname ?? name,
      log_directory: sess.path('cri-logs', name),
      linux: {
        cgroup_parent: `${sess.cgroupParent}/cri/${name}`,
        security_context: { namespace_options: { network: NS_POD, pid, ipc: NS_POD } },
      },
    });
    const id = (await k(['runp', '--runtime', handlerName(rt), cfg])).stdout.trim();
    return { id, cfg };
  }

  /** CreateContainer + StartContainer in a pod; returns the container id. */
  async function startIn(pod, cmd, { seccomp = 'default', tty = false, pid = NS_CONTAINER } = {}) {
    const name = rid('c');
    const cfg = writeJson(name, {
      metadata: { name, attempt: 0 },
      image: { image: IMAGE },
      command: cmd,
      log_path: `${name}.log`,
      tty, stdin: tty,
      linux: {
        security_context: {
          namespace_options: { network: NS_POD, pid, ipc: NS_POD },
          seccomp: { profile_type: seccomp === 'default' ? SECCOMP_RUNTIME_DEFAULT : SECCOMP_UNCONFINED },
        },
      },
    });
    const id = (await k(['create', pod.id, cfg, pod.cfg])).stdout.trim();
    podOf.set(id, pod.id);
    await k(['start', id]);
    return id;
  }

  async function inspect(id) {
    const r = await k(['inspect', '--output', 'json', id], { check: false });
    return r.code === 0 ? JSON.parse(r.stdout).status : null;
  }

  async function removePod(podId) {
    await k(['stopp', podId], { check: false });
    await k(['rmp', '--force', podId], { check: false });
  }

  /** Waits for exit, reads the logs and the exit code, removes the pod. */
  async function collect(id) {
    await waitFor(async () => (await inspect(id))?.state === 'CONTAINER_EXITED', { what: `${id} to exit`, timeoutMs: 60_000 });
    const st = await inspect(id);
    const logs = await k(['logs', id], { check: false });
    await removePod(podOf.get(id));
    podOf.delete(id);
    return { code: st.exitCode, stdout: logs.stdout, stderr: logs.stderr };
  }

  const driver = {
    name: 'cri',
    /** Verbs this client lacks, with the reason (see scenarios.mjs need()). */
    unsupported: {
      pause: 'the CRI has no pause', kill: 'the CRI has no kill (StopContainer only)', top: 'the CRI has no top',
      updatePids: 'CRI LinuxContainerResources has no pids limit',
    },
    runPod, startIn, inspect, removePod,
    async setup() {
      const { sock } = await ensureContainerd(sess);
      fs.mkdirSync(sess.path('cri'), { recursive: true });
      const conf = sess.path('cri', 'crictl.yaml');
      fs.writeFileSync(conf, `runtime-endpoint: unix://${sock}\nimage-endpoint: unix://${sock}\ntimeout: 60\n`);
      base = ['crictl', '--config', conf];
      await importImages(sess, 'k8s.io');
      // The CRI plugin learns of ctr-imported images from containerd's events.
      await waitFor(async () => (await k(['images', '--quiet', IMAGE], { check: false })).stdout.trim() !== '', { what: 'CRI to see the image' });
      sess.defer(async () => {
        const pods = (await k(['pods', '--quiet'], { check: false })).stdout.split('\n').filter(Boolean);
        for (const p of pods) await removePod(p);
      });
    },
    async runRm(cmd, { seccomp = 'default', rt = 0 } = {}) {
      const pod = await runPod({ rt });
      try {
        return await collect(await startIn(pod, cmd, { seccomp }));
      } catch (e) {
        // A container that cannot start is the command's failure, as with
        // `docker run`: report crictl's status and message.
        if (e instanceof CommandError) return { code: e.exitCode, stdout: e.stdout, stderr: e.stderr };
        throw e;
      } finally { await removePod(pod.id); }
    },
    async runTty(cmd) {
      // crictl has no `run -it`; a container with tty: true gets the console
      // from the runtime (runtime-spec process.terminal, console socket), and
      // the CRI logs what it printed.
      const pod = await runPod();
      try {
        return await collect(await startIn(pod, cmd, { tty: true }));
      } finally { await removePod(pod.id); }
    },
    async runDetached(cmd) {
      return startIn(await runPod(), cmd);
    },
    async exec(id, cmd) {
      // crictl exits 1 and names the process's own status in its message:
      // "command terminated with exit code N" (the CRI exec stream's status).
      const r = await k(['exec', id, ...cmd], { check: false });
      const m = r.code !== 0 && r.stderr.match(/command terminated with exit code (\d+)/);
      return m ? { ...r, code: Number(m[1]) } : r;
    },
    execTty: (id, cmd) => shTty([...base, 'exec', '-it', id, ...cmd], { env: sess.env }),
    async pause() { throw new Unsupported('the CRI has no pause'); },
    async unpause() { throw new Unsupported('the CRI has no pause'); },
    async state(id) {
      const s = (await inspect(id))?.state;
      return { CONTAINER_RUNNING: 'running', CONTAINER_EXITED: 'exited', CONTAINER_CREATED: 'created' }[s] ?? 'unknown';
    },
    async update(id, { memory, pids }) {
      if (pids !== undefined) throw new Unsupported('CRI LinuxContainerResources has no pids limit');
      await k(['update', '--memory', String(memory), id]);
    },
    async stop(id, t) { await k(['stop', '--timeout', String(t), id], { timeoutMs: (t + 60) * 1000 }); },
    async kill() { throw new Unsupported('the CRI has no kill (StopContainer only)'); },
    async rmForce(id) {
      await k(['rm', '--force', id]);
      const pod = podOf.get(id);
      if (pod) { podOf.delete(id); await removePod(pod); }
    },
    async exists(id) { return (await inspect(id)) !== null; },
    async logs(id) { return (await k(['logs', id])).stdout; },
    async top() { throw new Unsupported('the CRI has no top'); },
    async exitCode(id) {
      await waitFor(async () => (await inspect(id))?.state === 'CONTAINER_EXITED', { what: `${id} to exit` });
      return (await inspect(id)).exitCode;
    },
  };
  return driver;
}
