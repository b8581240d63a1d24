import { kill } from '../lifecycle/kill.ts';
import { parseSignal } from '../signals.ts';
import { containerId, store, type CommandContext } from './context.ts';

export async function killCommand(ctx: CommandContext): Promise<number> {
  // runc kill.go: a missing or empty signal argument is SIGTERM.
  const sig = parseSignal(ctx.argv.signal === undefined || ctx.argv.signal === '' ? 'SIGTERM' : String(ctx.argv.signal));
  await kill(store(ctx), containerId(ctx), sig, !!ctx.argv.all);
  return 0;
}
