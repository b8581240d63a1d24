// Docker (Debian's docker.io: /usr/bin/docker and dockerd) with the runtime
// under test added by `dockerd --add-runtime under-test=<path>` and chosen
// per container with `docker run --runtime under-test`. dockerd uses the
// suite's containerd, keeps its state under the session directory, and
// touches no host network: --bridge=none --iptables=false.
import fs from 'node:fs';
import { sh, shTty, waitFor } from '../lib/sh.mjs';
import { IMAGE } from '../lib/image.mjs';
import { ensureContainerd, handlerName } from '../lib/containerd.mjs';
import { rid } from './base.mjs';

// Always the absolute path: another `docker` may come first in PATH.
export const DOCKER = '/usr/bin/docker';
export const DOCKERD = '/usr/sbin/dockerd';

export function dockerDriver(sess) {
  const d = sess.path('docker');
  const sock = sess.path('docker.sock');
  const env = { ...sess.env, DOCKER_CONFIG: `${d}/client` };
  const base = [DOCKER, '--host', `unix://${sock}`];
  const k = (args, opts = {}) => sh([...base, ...args], { env, ...opts });
  const runFlags = ['--runtime', handlerName(0), '--network', 'none'];
  const image = IMAGE.replace(/^docker\.io\/library\//, '');

  return {
    name: 'docker',
    /** Verbs this client lacks, with the reason (see scenarios.mjs need()). */
    unsupported: {},
    async setup() {
      const { sock: ctrd } = await ensureContainerd(sess);
      fs.mkdirSync(`${d}/client`, { recursive: true });
      // An empty daemon.json of our own, so /etc/docker/daemon.json is not read.
      fs.writeFileSync(`${d}/daemon.json`, '{}\n');
      await sess.startDaemon('dockerd', [DOCKERD,
        '--config-file', `${d}/daemon.json`,
        '--data-root', `${d}/data`, '--exec-root', `${d}/exec`, '--pidfile', `${d}/dockerd.pid`,
        '--host', `unix://${sock}`, '--containerd', ctrd, '--containerd-namespace', 'oci-ts-docker',
        '--containerd-plugins-namespace', 'oci-ts-docker-plugins',
        '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--ip-forward=false', '--userland-proxy=false',
        '--exec-opt', 'native.cgroupdriver=cgroupfs', '--cgroup-parent', `${sess.cgroupParent}/docker`,
        '--storage-driver', 'overlay2', ...sess.runtimes.flatMap((rt, i) => ['--add-runtime', `${handlerName(i)}=${rt}`]),
        // A negative oom_score_adj needs CAP_SYS_RESOURCE, which the host lacks.
        '--oom-score-adjust', '0', '--log-level', 'warn'],
      async () => fs.existsSync(sock) && (await k(['version'], { check: false, timeoutMs: 5000 })).code === 0, { env });
      const { imagesTar } = await sess.images();
      await k(['load', '--input', imagesTar], { timeoutMs: 120_000 });
      sess.defer(async () => {
        const ids = (await k(['ps', '--all', '--quiet'], { check: false })).stdout.split('\n').filter(Boolean);
        if (ids.length) await k(['rm', '--force', ...ids], { check: false, timeoutMs: 120_000 });
      });
    },
    async runRm(cmd, { seccomp = 'default', rt = 0 } = {}) {
      const sec = seccomp === 'unconfined' ? ['--security-opt', 'seccomp=unconfined'] : [];
      return k(['run', '--rm', '--runtime', handlerName(rt), '--network', 'none', ...sec, image, ...cmd], { check: false });
    },
    runTty: (cmd) => shTty([...base, 'run', '--rm', '-it', ...runFlags, image, ...cmd], { env }),
    async runDetached(cmd) {
      const id = rid('dk');
      await k(['run', '--detach', '--name', id, ...runFlags, image, ...cmd]);
      return id;
    },
    exec: (id, cmd) => k(['exec', id, ...cmd], { check: false }),
    execTty: (id, cmd) => shTty([...base, 'exec', '-it', id, ...cmd], { env }),
    async pause(id) { await k(['pause', id]); },
    async unpause(id) { await k(['unpause', id]); },
    async state(id) {
      const s = (await k(['inspect', '--format', '{{.State.Status}}', id], { check: false })).stdout.trim();
      return ['running', 'paused', 'exited', 'created'].includes(s) ? s : 'unknown';
    },
    async update(id, { memory, pids }) {
      const args = [];
      // cgroup v1: a memory limit above the current memory+swap limit is
      // refused, so raise memory+swap along with it.
      if (memory !== undefined) args.push('--memory', String(memory), '--memory-swap', String(memory * 2));
      if (pids !== undefined) args.push('--pids-limit', String(pids));
      await k(['update', ...args, id]);
    },
    async stop(id, t) { await k(['stop', '--time', String(t), id], { timeoutMs: (t + 60) * 1000 }); },
    async kill(id, sig) { await k(['kill', '--signal', sig, id]); },
    async rmForce(id) { await k(['rm', '--force', id]); },
    async exists(id) { return (await k(['inspect', id], { check: false })).code === 0; },
    async logs(id) { return (await k(['logs', id])).stdout; },
    async top(id) { return (await k(['top', id])).stdout; },
    async exitCode(id) {
      await waitFor(async () => (await this.state(id)) === 'exited', { what: `${id} to exit` });
      return Number((await k(['inspect', '--format', '{{.State.ExitCode}}', id])).stdout.trim());
    },
  };
}
