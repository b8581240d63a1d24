import { create } from '../lifecycle/create.ts';
import { containerId, store, type CommandContext } from './context.ts';

export function createOptions(ctx: CommandContext) {
  return {
    store: store(ctx),
    id: containerId(ctx),
    bundle: ctx.argv.bundle || '.',
    cwd: ctx.cwd,
    env: ctx.env,
    logger: ctx.logger,
    pidFile: ctx.argv['pid-file'] || undefined,
    consoleSocket: ctx.argv['console-socket'] || undefined,
    noPivot: !!ctx.argv['no-pivot'],
    noNewKeyring: !!ctx.argv['no-new-keyring'],
    preserveFds: Number(ctx.argv['preserve-fds'] ?? 0),
    systemdCgroup: !!ctx.argv['systemd-cgroup'],
    stdio: [ctx.stdio.stdin, ctx.stdio.stdout, ctx.stdio.stderr] as [number, number, number],
  };
}

export async function createCommand(ctx: CommandContext): Promise<number> {
  await create(createOptions(ctx));
  return 0;
}
