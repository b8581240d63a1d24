/**
 * `run` = create + start. Detached (-d) it returns once started. In the
 * foreground it becomes the child subreaper (so the container init is
 * re-parented to it when the executor's stage 1 exits), forwards signals to
 * the init, exits with its status (128+signal when killed, as a shell does)
 * and deletes the container unless --keep.
 */
import { core } from '../deps.ts';
import { create } from '../lifecycle/create.ts';
import { deleteContainer } from '../lifecycle/delete.ts';
import { start } from '../lifecycle/start.ts';
import { createOptions } from './create.ts';
import type { CommandContext } from './context.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function runCommand(ctx: CommandContext): Promise<number> {
  const opts = createOptions(ctx);
  const detach = !!ctx.argv.detach;
  const c = await core();
  if (!detach && typeof c.setChildSubreaper === 'function') (c.setChildSubreaper as (on: boolean) => void)(true);
  const created = await create({ ...opts, foreground: !detach });
  const pid = created.state.pid;
  const waitPid = c.waitPid as (pid: number) => Promise<{ exitCode: number | null; signal: number | null }>;
  // Subscribe before start so an immediately exiting process is not missed.
  const exited = detach ? undefined : created.stage1Pid === pid ? created.stage1Exit! : waitPid(pid);
  const forward = (sig: NodeJS.Signals) => { try { process.kill(pid, sig); } catch { /* exited */ } };
  if (!detach) for (const s of FORWARDED) process.on(s, forward);
  try {
    try {
      await start(opts.store, opts.id, ctx.logger);
    } catch (e) {
      await deleteContainer(opts.store, opts.id, true, ctx.logger).catch(() => {});
      throw e;
    }
    if (detach) return 0;
    const r = await exited!;
    if (!ctx.argv.keep) await deleteContainer(opts.store, opts.id, true, ctx.logger);
    return r.signal ? 128 + r.signal : r.exitCode ?? 0;
  } finally {
    if (!detach) for (const s of FORWARDED) process.off(s, forward);
  }
}
