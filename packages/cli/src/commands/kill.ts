import { kill } from '../lifecycle/kill.ts';
import { parseSignal } from '../signals.ts';
import { containerId, store, type CommandContext } from './context.ts';

export async function killCommand(ctx: CommandContext): Promise<number> {
  const sig = parseSignal(ctx.argv.signal === undefined ? 'SIGTERM' : String(ctx.argv.signal));
  await kill(store(ctx), containerId(ctx), sig, !!ctx.argv.all);
  return 0;
}
