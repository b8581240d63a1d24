/**
 * `run` = create + start. Detached (-d) it returns once started. In the
 * foreground it becomes the child subreaper (so the container init is
 * re-parented to it when the executor's stage 1 exits), forwards signals to
 * the init, exits with its status (128+signal when killed, as a shell does)
 * and deletes the container unless --keep.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startHolder } from '../attach.ts';
import { proxyPty } from '../console-proxy.ts';
import { core } from '../deps.ts';
import { create } from '../lifecycle/create.ts';
import { deleteContainer } from '../lifecycle/delete.ts';
import { start } from '../lifecycle/start.ts';
import { createOptions } from './create.ts';
import type { CommandContext } from './context.ts';
import { MAX_CONFIG_BYTES, readRegularFile } from '../files.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function runCommand(ctx: CommandContext): Promise<number> {
  const opts = createOptions(ctx);
  const detach = !!ctx.argv.detach;
  const c = await core();
  if (!detach && typeof c.setChildSubreaper === 'function') (c.setChildSubreaper as (on: boolean) => void)(true);
  // run -d with a terminal and no console socket: a holder process keeps the pty master for `attach` (attach.ts).
  const holdConsole = detach && !opts.consoleSocket && wantsTerminal(opts.cwd, opts.bundle);
  const created = await create({ ...opts, foreground: !detach || holdConsole });
  // --no-subreaper (runc): do not reap processes re-parented from the container.
  // The subreaper bit is still needed until create returns (the init is
  // re-parented to us when the executor's stage 1 exits, which create waits
  // for); from then on the init is our child and the bit can go.
  if (!detach && ctx.argv['no-subreaper'] && typeof c.setChildSubreaper === 'function') (c.setChildSubreaper as (on: boolean) => void)(false);
  if (holdConsole && created.consoleMaster !== undefined) {
    try {
      await startHolder(opts.store, opts.id, created.consoleMaster, process.argv[1]);
    } catch (e) {
      await deleteContainer(opts.store, opts.id, true, ctx.logger).catch(() => {});
      throw e;
    } finally {
      fs.closeSync(created.consoleMaster);
    }
    created.consoleMaster = undefined;
  }
  const pid = created.state.pid;
  const waitPid = c.waitPid as (pid: number) => Promise<{ exitCode: number | null; signal: number | null }>;
  // Subscribe before start so an immediately exiting process is not missed.
  const exited = detach ? undefined : created.stage1Pid === pid ? created.stage1Exit! : waitPid(pid);
  const forward = (sig: NodeJS.Signals) => { try { process.kill(pid, sig); } catch { /* exited */ } };
  // console-proxy.ts: stdin through process.stdin (a plain fs stream on fd 0 fails with EAGAIN once Node made it non-blocking), resize on SIGWINCH.
  const stopConsole = created.consoleMaster !== undefined ? proxyPty(created.consoleMaster, ctx.stdio) : undefined;
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
    await stopConsole?.();
    if (!ctx.argv.keep) await deleteContainer(opts.store, opts.id, true, ctx.logger);
    return r.signal ? 128 + r.signal : r.exitCode ?? 0;
  } finally {
    if (!detach) for (const s of FORWARDED) process.off(s, forward);
    await stopConsole?.();
  }
}

function wantsTerminal(cwd: string, bundle: string): boolean {
  try { return !!JSON.parse(readRegularFile(path.join(path.resolve(cwd, bundle), 'config.json'), { what: 'read config', maxBytes: MAX_CONFIG_BYTES })).process?.terminal; } catch { return false; }
}
