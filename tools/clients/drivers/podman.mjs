// podman 4 with `--runtime <runtime under test>`, its own --root/--runroot,
// the cgroupfs manager (no systemd here), and a containers.conf of its own
// (CONTAINERS_CONF) so nothing in /etc/containers is read or written.
import fs from 'node:fs';
import { sh, shTty, waitFor } from '../lib/sh.mjs';
import { PODMAN_IMAGE } from '../lib/image.mjs';
import { rid, rlimits, Unsupported } from './base.mjs';

export function podmanDriver(sess) {
  const d = sess.path('podman');
  const { nofile, nproc } = rlimits();
  const env = {
    ...sess.env,
    CONTAINERS_CONF: `${d}/containers.conf`,
    CONTAINERS_STORAGE_CONF: `${d}/storage.conf`,
    CONTAINERS_REGISTRIES_CONF: `${d}/registries.conf`,
    // podman makes ~/.config/containers/podman otherwise.
    XDG_CONFIG_HOME: `${d}/xdg-config`,
  };
  const baseFor = (rt = 0) => ['podman', '--root', `${d}/root`, '--runroot', `${d}/runroot`, '--tmpdir', `${d}/tmp`,
    '--runtime', sess.runtimes[rt], '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
    '--storage-driver', 'overlay', '--network-config-dir', `${d}/net`];
  const base = baseFor(0);
  const p = (args, opts = {}) => sh([...base, ...args], { env, ...opts });
  const cgroup = `${sess.cgroupParent}/podman`;
  // The host lacks CAP_SYS_RESOURCE: ask for rlimits at or below ours.
  const runFlags = ['--network', 'none', '--cgroup-parent', cgroup,
    '--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];

  return {
    name: 'podman',
    /** Verbs this client lacks, with the reason (see scenarios.mjs need()). */
    unsupported: { updatePids: 'podman 4.3 update has no --pids-limit' },
    async setup() {
      fs.mkdirSync(`${d}/net`, { recursive: true });
      fs.mkdirSync(`${d}/tmp`, { recursive: true });
      fs.writeFileSync(`${d}/containers.conf`, `[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${d}/events.log"
volume_path = "${d}/volumes"
static_dir = "${d}/root/libpod"
[network]
network_config_dir = "${d}/net"
`);
      fs.writeFileSync(`${d}/storage.conf`, `[storage]
driver = "overlay"
graphroot = "${d}/root"
runroot = "${d}/runroot"
`);
      fs.writeFileSync(`${d}/registries.conf`, 'unqualified-search-registries = []\n');
      const { rootfsTar } = await sess.images();
      await p(['import', '--change', 'CMD=["sh"]', rootfsTar, PODMAN_IMAGE], { timeoutMs: 120_000 });
      sess.defer(async () => {
        await p(['rm', '--all', '--force', '--time', '0'], { check: false, timeoutMs: 120_000 });
        // Unmounts the overlay layers that podman keeps mounted.
        await p(['system', 'reset', '--force'], { check: false, timeoutMs: 120_000 });
      });
    },
    async runRm(cmd, { seccomp = 'default', rt = 0, extra = [] } = {}) {
      const sec = seccomp === 'unconfined' ? ['--security-opt', 'seccomp=unconfined'] : [];
      return sh([...baseFor(rt), 'run', '--rm', ...runFlags, ...sec, ...extra, PODMAN_IMAGE, ...cmd], { env, check: false });
    },
    async runTty(cmd) {
      return shTty([...base, 'run', '--rm', '-it', ...runFlags, PODMAN_IMAGE, ...cmd], { env });
    },
    async runDetached(cmd) {
      const id = rid('pm');
      await p(['run', '-d', '--name', id, ...runFlags, PODMAN_IMAGE, ...cmd]);
      return id;
    },
    exec: (id, cmd) => p(['exec', id, ...cmd], { check: false }),
    execTty: (id, cmd) => shTty([...base, 'exec', '-it', id, ...cmd], { env }),
    async pause(id) { await p(['pause', id]); },
    async unpause(id) { await p(['unpause', id]); },
    async state(id) {
      const r = await p(['inspect', '--format', '{{.State.Status}}', id], { check: false });
      const s = r.stdout.trim();
      return s === 'stopped' ? 'exited' : (['running', 'paused', 'exited', 'created'].includes(s) ? s : 'unknown');
    },
    async update(id, { memory, pids }) {
      // podman 4.3's `update` has --memory but no --pids-limit.
      if (pids !== undefined) throw new Unsupported('podman 4.3 update has no --pids-limit');
      await p(['update', '--memory', String(memory), id]);
    },
    async stop(id, t) { await p(['stop', '--time', String(t), id], { timeoutMs: (t + 60) * 1000 }); },
    async kill(id, sig) { await p(['kill', '--signal', sig, id]); },
    async rmForce(id) { await p(['rm', '--force', '--time', '0', id]); },
    async exists(id) { return (await p(['container', 'exists', id], { check: false })).code === 0; },
    async logs(id) { return (await p(['logs', id])).stdout; },
    async top(id) { return (await p(['top', id])).stdout; },
    async exitCode(id) {
      await waitFor(async () => (await this.state(id)) === 'exited', { what: `${id} to exit` });
      return Number((await p(['inspect', '--format', '{{.State.ExitCode}}', id])).stdout.trim());
    },
  };
}
