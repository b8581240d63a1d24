import { resume } from '../pause.ts';
import { containerId, store, type CommandContext } from './context.ts';

export async function resumeCommand(ctx: CommandContext): Promise<number> {
  await resume(store(ctx), containerId(ctx));
  return 0;
}
