// containerd through its own CLI: `ctr run --runc-binary <runtime under test>`
// (io.containerd.runc.v2 shim, options.BinaryName), in namespace "oci-ts"
// of the suite's private containerd. ctr has no `stop` or `top`: the driver
// does what a ctr user does (kill TERM, wait, kill KILL; task ps + /proc).
import fs from 'node:fs';
import { sh, shTty, waitFor } from '../lib/sh.mjs';
import { IMAGE } from '../lib/image.mjs';
import { ensureContainerd, importImages, ctrArgv } from '../lib/containerd.mjs';
import { rid, Unsupported } from './base.mjs';

const NS = 'oci-ts';

export function ctrDriver(sess) {
  let base;
  const c = (args, opts = {}) => sh([...base, ...args], { env: sess.env, ...opts });
  const runFlags = (id, seccomp = 'default', rt = 0) => [
    '--runc-binary', sess.runtimes[rt], '--runc-root', sess.path(`runtime-root/ctr-${rt}`),
    '--cgroup', `${sess.cgroupParent}/ctr/${id}`, '--fifo-dir', sess.path('ctr-fifo'),
    // ctr applies containerd's default seccomp profile only when asked.
    ...(seccomp === 'default' ? ['--seccomp'] : []),
  ];
  const taskStatus = async (id) => {
    const r = await c(['task', 'ls'], { check: false });
    const line = r.stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
    return line ? line.trim().split(/\s+/)[2] : null;
  };

  return {
    name: 'containerd',
    /** Verbs this client lacks, with the reason (see scenarios.mjs need()). */
    unsupported: { updateMemory: 'ctr 1.6 has no task update command', updatePids: 'ctr 1.6 has no task update command' },
    async setup() {
      await ensureContainerd(sess);
      base = ctrArgv(sess, NS);
      fs.mkdirSync(sess.path('ctr-fifo'), { recursive: true });
      fs.mkdirSync(sess.path('ctr-logs'), { recursive: true });
      await importImages(sess, NS);
      sess.defer(async () => {
        const ids = (await c(['containers', 'ls', '--quiet'], { check: false })).stdout.split('\n').filter(Boolean);
        for (const id of ids) await this.rmForce(id).catch(() => {});
      });
    },
    async runRm(cmd, { seccomp = 'default', rt = 0 } = {}) {
      const id = rid('ctr');
      return c(['run', '--rm', ...runFlags(id, seccomp, rt), IMAGE, id, ...cmd], { check: false });
    },
    async runTty(cmd) {
      const id = rid('ctr');
      return shTty([...base, 'run', '--rm', '-t', ...runFlags(id), IMAGE, id, ...cmd], { env: sess.env });
    },
    async runDetached(cmd) {
      const id = rid('ctr');
      await c(['run', '-d', '--log-uri', `file://${sess.path('ctr-logs', id + '.log')}`, ...runFlags(id), IMAGE, id, ...cmd]);
      return id;
    },
    exec: (id, cmd) => c(['task', 'exec', '--exec-id', rid('x'), '--fifo-dir', sess.path('ctr-fifo'), id, ...cmd], { check: false }),
    execTty: (id, cmd) => shTty([...base, 'task', 'exec', '-t', '--exec-id', rid('x'), '--fifo-dir', sess.path('ctr-fifo'), id, ...cmd], { env: sess.env }),
    async pause(id) { await c(['task', 'pause', id]); },
    async unpause(id) { await c(['task', 'resume', id]); },
    async state(id) {
      const s = await taskStatus(id);
      return { RUNNING: 'running', PAUSED: 'paused', STOPPED: 'exited', CREATED: 'created' }[s] ?? 'unknown';
    },
    async update() { throw new Unsupported('ctr 1.6 has no task update command'); },
    async stop(id, t) {
      await c(['task', 'kill', '--signal', 'SIGTERM', id]);
      try {
        await waitFor(async () => (await taskStatus(id)) === 'STOPPED', { timeoutMs: t * 1000, what: 'SIGTERM' });
      } catch {
        await c(['task', 'kill', '--signal', 'SIGKILL', id]);
      }
    },
    async kill(id, sig) { await c(['task', 'kill', '--signal', `SIG${sig}`, id]); },
    async rmForce(id) {
      await c(['task', 'delete', '--force', id], { check: false });
      await c(['containers', 'delete', id]);
    },
    async exists(id) {
      return (await c(['containers', 'ls', '--quiet'])).stdout.split('\n').includes(id);
    },
    async logs(id) {
      // ctr has no logs command; `run --log-uri file://` makes the shim write there.
      try { return fs.readFileSync(sess.path('ctr-logs', id + '.log'), 'utf8'); } catch { return ''; }
    },
    async top(id) {
      const r = await c(['task', 'ps', id]);
      const pids = r.stdout.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0]).filter((p) => /^\d+$/.test(p));
      return pids.map((p) => {
        let cmd = '';
        try { cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim(); } catch {}
        return `${p} ${cmd}`;
      }).join('\n');
    },
    async exitCode(id) {
      await waitFor(async () => (await taskStatus(id)) === 'STOPPED', { what: `${id} to exit` });
      // `ctr task delete` reports a non-zero exit status only as a warning:
      // "task <id> exit with non-zero exit code N" (ctr 1.6 tasks/delete.go).
      const r = await c(['task', 'delete', id]);
      const m = r.stderr.match(/exit with non-zero exit code (\d+)/);
      return m ? Number(m[1]) : 0;
    },
  };
}
