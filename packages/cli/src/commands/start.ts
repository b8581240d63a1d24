import { start } from '../lifecycle/start.ts';
import { containerId, store, type CommandContext } from './context.ts';

export async function startCommand(ctx: CommandContext): Promise<number> {
  await start(store(ctx), containerId(ctx), ctx.logger);
  return 0;
}
