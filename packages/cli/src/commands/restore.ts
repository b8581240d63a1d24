/**
 * `restore [flags] ID` (runc restore): thin over checkpoint/restore.ts.
 * Detached (-d) it returns once restored; in the foreground it waits for the
 * restored init (CRIU restores it as our child), forwards signals to it,
 * exits with its status and deletes the container, as `run` does.
 */
import { restore } from '../checkpoint/restore.ts';
import { core } from '../deps.ts';
import { deleteContainer } from '../lifecycle/delete.ts';
import { criuCommon } from './checkpoint.ts';
import { containerId, store, type CommandContext } from './context.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function restoreCommand(ctx: CommandContext): Promise<number> {
  const a = ctx.argv;
  const id = containerId(ctx);
  const st = store(ctx);
  const detach = !!a.detach;
  const c = await core();
  // The restored init is CRIU's sibling, i.e. our child; the subreaper also collects what it orphans (runc --no-subreaper turns it off).
  if (!detach && !a['no-subreaper']) (c.setChildSubreaper as (on: boolean) => void)(true);
  const s = await restore(st, id, {
    ...criuCommon(ctx),
    bundle: a.bundle || '.',
    cwd: ctx.cwd,
    pidFile: a['pid-file'] || undefined,
    consoleSocket: a['console-socket'] || undefined,
    detach,
    noPivot: !!a['no-pivot'],
    lsmProfile: a['lsm-profile'] || undefined,
    lsmMountContext: a['lsm-mount-context'] || undefined,
    stdio: [ctx.stdio.stdin, ctx.stdio.stdout, ctx.stdio.stderr],
  });
  if (detach) return 0;
  const waitPid = c.waitPid as (pid: number) => Promise<{ exitCode: number | null; signal: number | null }>;
  const forward = (sig: NodeJS.Signals) => { try { process.kill(s.pid, sig); } catch { /* exited */ } };
  for (const sig of FORWARDED) process.on(sig, forward);
  try {
    const r = await waitPid(s.pid);
    await deleteContainer(st, id, true, ctx.logger);
    return r.signal ? 128 + r.signal : r.exitCode ?? 0;
  } finally {
    for (const sig of FORWARDED) process.off(sig, forward);
  }
}
