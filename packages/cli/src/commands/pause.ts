import { pause } from '../pause.ts';
import { containerId, store, type CommandContext } from './context.ts';

export async function pauseCommand(ctx: CommandContext): Promise<number> {
  await pause(store(ctx), containerId(ctx));
  return 0;
}
