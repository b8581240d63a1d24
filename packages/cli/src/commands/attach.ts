import { attach, holdConsole } from '../attach.ts';
import { containerId, store, type CommandContext } from './context.ts';

export async function attachCommand(ctx: CommandContext): Promise<number> {
  return attach(store(ctx), containerId(ctx), ctx.stdio);
}

/** Internal: the console holder process started by `run -d` (argv.id is the socket path). */
export async function attachHolderCommand(ctx: CommandContext): Promise<number> {
  return holdConsole(String(ctx.argv.id));
}
